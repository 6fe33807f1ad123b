from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

# The pot's ledger accounts. Every transaction moves money between them and sums to zero:
#   funding   — what funders gave; goes negative as money comes in
#   available — free to spend
#   reserved  — approved, not yet paid
#   paid      — gone to recipients
LEDGER_ACCOUNTS = ("funding", "available", "reserved", "paid")


class Pot(db.Model):
    """A group's shared money. `available_ore` is a cache of the ledger that the database keeps
    from going below zero, so two approvals at the same instant can't overspend."""

    __tablename__ = "pot"
    __table_args__ = (CheckConstraint("available_ore >= 0", name="available_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), unique=True)
    available_ore: Mapped[int] = mapped_column(default=0)
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
    amount_ore: Mapped[int]
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
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"))
    kind: Mapped[str] = mapped_column(String(20))
    memo: Mapped[str] = mapped_column(String(200), default="")
    # A form's one-time key: a double-click or a retry finds the first transaction, not a second.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries = relationship("LedgerEntry", back_populates="transaction", lazy="selectin")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount_ore <> 0", name="amount_not_zero"),
        CheckConstraint(
            "account IN ('funding', 'available', 'reserved', 'paid')", name="known_account"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"), index=True)
    account: Mapped[str] = mapped_column(String(20))
    amount_ore: Mapped[int]

    transaction = relationship("LedgerTransaction", back_populates="entries")
