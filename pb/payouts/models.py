from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

# The pot's ledger accounts. Every transaction moves money between them and sums to zero:
#   funding   — what funders gave; goes negative as money comes in
#   available — free to spend
#   earmarked — set aside for a budget round's winners (see pb/payouts/earmarks.py)
#   reserved  — approved, not yet paid
#   paid      — gone to recipients
LEDGER_ACCOUNTS = ("funding", "available", "earmarked", "reserved", "paid")


class Pot(db.Model):
    """A group's shared money. `available_ore` is a cache of the ledger that the database keeps
    from going below zero, so two approvals at the same instant can't overspend."""

    __tablename__ = "pot"
    __table_args__ = (CheckConstraint("available_ore >= 0", name="available_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), unique=True)
    available_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group")
    allocations = relationship("Allocation", back_populates="pot", order_by="Allocation.starts_on")


class Allocation(db.Model):
    """An allocation letter (tildelingsbrev): money from a funder, for a purpose and a period."""

    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("amount_ore > 0", name="amount_positive"),
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    funder: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text)
    result_goals: Mapped[str] = mapped_column(Text, default="")
    effect_goals: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pot = relationship("Pot", back_populates="allocations")


class LedgerTransaction(db.Model):
    """One movement of money: two or more entries that sum to zero."""

    __tablename__ = "ledger_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    memo: Mapped[str] = mapped_column(String(200), default="")
    # A form's one-time key: a double-click or a retry finds the first transaction, not a second.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The payout this movement belongs to (reserve, pay, release), if any.
    payout_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("payout_request.id"), index=True
    )
    # The budget round whose earmark this movement sets aside, uses or gives back, if any.
    budget_round_id: Mapped[int | None] = mapped_column(ForeignKey("budget_round.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries = relationship("LedgerEntry", back_populates="transaction", lazy="selectin")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount_ore <> 0", name="amount_not_zero"),
        CheckConstraint(
            "account IN ('funding', 'available', 'earmarked', 'reserved', 'paid')",
            name="known_account",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"), index=True)
    account: Mapped[str] = mapped_column(String(20))
    amount_ore: Mapped[int] = mapped_column(BigInteger)

    transaction = relationship("LedgerTransaction", back_populates="entries")


# --- Payout requests: one pipeline for the three types -------------------------------------------

PAYOUT_KINDS = ("collective", "conditional", "unconditional")
# draft: a peer consultant started it with a family; staff submit it.
# requested → approved (money reserved) → paid; or rejected, or cancelled.
PAYOUT_STATES = ("draft", "requested", "approved", "paid", "rejected", "cancelled")
# The pilot's categories for conditional payouts.
PAYOUT_CATEGORIES = (
    "sports_shop",
    "groceries",
    "electronics",
    "furniture",
    "toys_gear",
    "tickets",
    "travel_home",
    "debt",
    "housing_deposit",
    "driving_licence",
)
PAYMENT_METHODS = ("bank_transfer", "gift_card", "vendor_invoice")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ApprovalPolicy(db.Model):
    """A programme's amount tiers. Missing row = the pilot's defaults."""

    __tablename__ = "approval_policy"
    __table_args__ = (
        CheckConstraint("tier2_from_ore > 0", name="tier2_positive"),
        CheckConstraint("tier3_above_ore >= tier2_from_ore", name="tiers_in_order"),
        CheckConstraint("team_min_approvers >= 2", name="team_at_least_two"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), unique=True)
    # Below tier2_from_ore: one staff approver. From it up to tier3_above_ore: requester plus one
    # other. Above tier3_above_ore: a team decision.
    tier2_from_ore: Mapped[int] = mapped_column(BigInteger, default=1_000_000)
    tier3_above_ore: Mapped[int] = mapped_column(BigInteger, default=5_000_000)
    team_min_approvers: Mapped[int] = mapped_column(default=3)
    # In the lowest tier a staff member may decide alone, even on their own request.
    self_approval_in_lowest_tier: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayoutRequest(db.Model):
    """Money going to a group (collective), a household or a youth (conditional), or a household
    on a schedule (unconditional: a payment plan whose amount is the plan's whole cost)."""

    __tablename__ = "payout_request"
    __table_args__ = (
        CheckConstraint(_in("kind", PAYOUT_KINDS), name="known_kind"),
        CheckConstraint(_in("state", PAYOUT_STATES), name="known_state"),
        CheckConstraint("amount_ore > 0", name="amount_positive"),
        CheckConstraint(
            f"category IS NULL OR {_in('category', PAYOUT_CATEGORIES)}", name="known_category"
        ),
        CheckConstraint(
            f"payment_method IS NULL OR {_in('payment_method', PAYMENT_METHODS)}",
            name="known_method",
        ),
        CheckConstraint(
            "plan_ends_on IS NULL OR plan_ends_on >= plan_starts_on", name="plan_period_in_order"
        ),
        CheckConstraint(
            "payment_day IS NULL OR payment_day BETWEEN 1 AND 28", name="payment_day_in_month"
        ),
        # A pot's payouts waiting for a decision, counted on the pot and programme pages.
        Index("ix_payout_request_pot_id_state", "pot_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="requested")
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str | None] = mapped_column(String(30))
    payment_method: Mapped[str | None] = mapped_column(String(20))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The proposal a collective payout comes from: at most one payout per winning proposal.
    source_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)
    # The tier is fixed when the request is submitted, from the programme's policy then.
    tier: Mapped[int] = mapped_column(default=1)
    # A complaint that is upheld reopens the request: decisions start a new round.
    decision_round: Mapped[int] = mapped_column(default=1)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    # Payment plans (unconditional): per child per month, from a start to an end, on a day.
    per_child_ore: Mapped[int | None] = mapped_column(BigInteger)
    children_count: Mapped[int | None]
    monthly_ore: Mapped[int | None] = mapped_column(BigInteger)
    plan_starts_on: Mapped[date | None]
    plan_ends_on: Mapped[date | None]
    payment_day: Mapped[int | None]
    reminded_3m_at: Mapped[datetime | None]
    reminded_1m_at: Mapped[datetime | None]

    group = relationship("Group")
    household = relationship("Household")
    recipient = relationship("User", foreign_keys=[recipient_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    drafted_by = relationship("User", foreign_keys=[drafted_by_id])
    decisions = relationship(
        "PayoutDecision", back_populates="request", order_by="PayoutDecision.id", lazy="selectin"
    )
    installments = relationship(
        "PlanInstallment", back_populates="request", order_by="PlanInstallment.due_on"
    )
    complaints = relationship(
        "PayoutComplaint", back_populates="request", order_by="PayoutComplaint.id"
    )
    receipt = relationship(
        "PayoutReceipt", uselist=False, lazy="select", cascade="all, delete-orphan"
    )

    @property
    def is_plan(self) -> bool:
        return self.kind == "unconditional"

    @property
    def is_private(self) -> bool:
        return self.kind != "collective"


class PayoutDecision(db.Model):
    """One staff member's approval or rejection, with the reason the recipient reads."""

    __tablename__ = "payout_decision"
    __table_args__ = (
        UniqueConstraint("request_id", "round", "actor_id"),
        CheckConstraint("verdict IN ('approve', 'reject')", name="known_verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payout_request.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    # The reason in the recipient's language, written by the approver (optional).
    reason_translation: Mapped[str | None] = mapped_column(Text)
    translation_locale: Mapped[str | None] = mapped_column(String(8))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request = relationship("PayoutRequest", back_populates="decisions")
    actor = relationship("User")

    def reason_for(self, locale: str) -> str:
        if self.reason_translation and self.translation_locale == locale:
            return self.reason_translation
        return self.reason


class PlanInstallment(db.Model):
    """One month's payout of a payment plan: reserved → paid. Unique per plan and due date, so
    running the schedule twice pays nothing twice."""

    __tablename__ = "plan_installment"
    __table_args__ = (
        UniqueConstraint("request_id", "due_on"),
        CheckConstraint("amount_ore > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payout_request.id"))
    due_on: Mapped[date]
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request = relationship("PayoutRequest", back_populates="installments")


class PayoutComplaint(db.Model):
    """A complaint (klage) about a decision, handled by staff who took no part in it."""

    __tablename__ = "payout_complaint"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'upheld', 'dismissed')", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payout_request.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(10), default="open")
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request = relationship("PayoutRequest", back_populates="complaints")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    handler = relationship("User", foreign_keys=[handler_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class PayoutReceipt(db.Model):
    """A receipt someone chose to attach. Never required. Only clean pixels are kept: the image
    is re-encoded as JPEG without EXIF data (see pb/proposals/photos.py)."""

    __tablename__ = "payout_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payout_request.id"), unique=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
