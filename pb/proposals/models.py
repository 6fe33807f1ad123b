from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

# A round's phases, in the only order they can run.
PHASES = ("ideas", "review", "voting", "results", "followup")
BALLOT_FORMATS = ("approval", "knapsack", "points", "ranking")
COUNTING_RULES = ("greedy", "mes", "phragmen")
CATEGORIES = (
    "driving_licence",
    "equipment",
    "trip",
    "shared_meal",
    "course",
    "home",
    "transport",
    "other",
)
# submitted: waiting for peer review; changes_requested: back with the author;
# accepted: on the ballot; rejected and merged: off it, with a reason.
PROPOSAL_STATUSES = ("submitted", "changes_requested", "accepted", "rejected", "merged")

REPORT_REASONS = ("offensive", "personal_info", "spam", "other")
# Why a proposal was not accepted: a code, so the author reads the reason in their own language.
REJECT_REASONS = ("against_rules", "not_for_group", "not_possible", "duplicate", "other")
CASE_KINDS = ("appeal", "escalation")
# appeal: the rejection stands, or the proposal goes back to review;
# escalation: the item is hidden, or kept visible.
CASE_OUTCOMES = ("rejection_stands", "back_to_review", "hidden", "kept")

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
COMMENT_MAX = 2000
NOTE_MAX = 1000


class BudgetRound(db.Model):
    """One decision about a sum of money: ideas, review, voting, results, follow-up."""

    __tablename__ = "budget_round"
    __table_args__ = (
        CheckConstraint("amount_ore > 0", name="amount_positive"),
        CheckConstraint(
            "ballot_format IN ('approval', 'knapsack', 'points', 'ranking')", name="ballot_format"
        ),
        CheckConstraint("counting_rule IN ('greedy', 'mes', 'phragmen')", name="counting_rule"),
        CheckConstraint(
            "review_starts_at <= voting_starts_at AND voting_starts_at < voting_ends_at "
            "AND voting_ends_at <= followup_starts_at",
            name="phases_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    # The languages the ballot is offered in; proposals may be translated into them.
    languages: Mapped[list] = mapped_column(JSON, default=list)
    ideas_start_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_starts_at: Mapped[datetime]
    voting_starts_at: Mapped[datetime]
    voting_ends_at: Mapped[datetime]
    followup_starts_at: Mapped[datetime]
    # Moving on by hand: the phase a moderator moved the round to. The later of this and the
    # phase the dates give is the round's phase; phases never run backwards.
    manual_phase: Mapped[str | None] = mapped_column(String(10))
    # Set when a moderator opens voting by hand before its date.
    voting_opened_at: Mapped[datetime | None]
    ballot_format: Mapped[str] = mapped_column(String(10), default="approval")
    counting_rule: Mapped[str] = mapped_column(String(10), default="mes")
    approval_min: Mapped[int | None]
    approval_max: Mapped[int | None]
    points_total: Mapped[int | None]
    points_max_per_proposal: Mapped[int | None]
    ranking_top_k: Mapped[int | None]
    proposal_limit: Mapped[int] = mapped_column(default=3)
    report_threshold: Mapped[int] = mapped_column(default=3)
    # May money left at the end buy proposals nobody voted for? Staff choose; off unless asked.
    complete_unvoted: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group")
    proposals = relationship("Proposal", back_populates="round", order_by="Proposal.id")

    def phase_at(self, now: datetime) -> str:
        by_date = "ideas"
        for phase, starts in (
            ("review", self.review_starts_at),
            ("voting", self.voting_starts_at),
            ("results", self.voting_ends_at),
            ("followup", self.followup_starts_at),
        ):
            if now >= starts:
                by_date = phase
        if self.manual_phase and PHASES.index(self.manual_phase) > PHASES.index(by_date):
            return self.manual_phase
        return by_date

    @property
    def roll_frozen_at(self) -> datetime:
        """The voter roll is the group's members who had joined when voting opened."""
        return self.voting_opened_at or self.voting_starts_at

    def next_phase_starts_at(self, now: datetime) -> datetime | None:
        """When the current phase ends by date, for the banner's "time left"."""
        phase = self.phase_at(now)
        ends = {
            "ideas": self.review_starts_at,
            "review": self.voting_starts_at,
            "voting": self.voting_ends_at,
            "results": self.followup_starts_at,
        }.get(phase)
        return ends if ends and ends > now else None


class Proposal(db.Model):
    """What a member wants the pot to pay for."""

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("estimated_cost_ore > 0", name="estimated_cost_positive"),
        CheckConstraint(
            "confirmed_cost_ore IS NULL OR confirmed_cost_ore > 0", name="confirmed_cost_positive"
        ),
        CheckConstraint(
            "status IN ('submitted', 'changes_requested', 'accepted', 'rejected', 'merged')",
            name="status",
        ),
        Index("ix_proposal_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    # The language the author wrote in; translations are shown first to readers of theirs.
    language: Mapped[str] = mapped_column(String(8), default="nb")
    estimated_cost_ore: Mapped[int] = mapped_column(BigInteger)
    # Staff confirm or correct the cost before the proposal may go on the ballot; the ballot
    # and the count use this one, and the estimate stays visible beside it.
    confirmed_cost_ore: Mapped[int | None] = mapped_column(BigInteger)
    cost_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cost_confirmed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last word a moderator sent the author: what to change, or why it was not accepted.
    moderator_message: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(String(20))
    # Random file names under UPLOAD_FOLDER; never a name the uploader chose.
    photo_name: Mapped[str | None] = mapped_column(String(64))
    thumbnail_name: Mapped[str | None] = mapped_column(String(64))
    # Hidden from members: after enough reports (pending review) or by a moderator.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # Staff last decided whether it is shown: peer consultants may no longer change that.
    visibility_by_staff: Mapped[bool] = mapped_column(default=False, server_default=false())

    round = relationship("BudgetRound", back_populates="proposals")
    author = relationship("User", foreign_keys=[author_id])
    merged_into = relationship("Proposal", remote_side=[id])
    versions = relationship(
        "ProposalVersion", back_populates="proposal", order_by="ProposalVersion.number"
    )
    translations = relationship("ProposalTranslation", back_populates="proposal")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def ballot_cost_ore(self) -> int:
        """The cost the ballot and the count use."""
        return self.confirmed_cost_ore or self.estimated_cost_ore

    @property
    def on_ballot(self) -> bool:
        return self.status == "accepted"

    def translation_for(self, language: str) -> "ProposalTranslation | None":
        if language == self.language:
            return None
        return next((t for t in self.translations if t.language == language), None)


class ProposalVersion(db.Model):
    """Every saved text of a proposal, the first one included, so any version can be read."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    estimated_cost_ore: Mapped[int] = mapped_column(BigInteger)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="versions")
    edited_by = relationship("User")


class ProposalTranslation(db.Model):
    """The same proposal in another language, added by the author or a peer consultant."""

    __tablename__ = "proposal_translation"
    __table_args__ = (UniqueConstraint("proposal_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    translated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="translations")
    translated_by = relationship("User")


class Comment(db.Model):
    """A comment on a proposal, or a reply to one (one level: a reply's parent has no parent)."""

    __tablename__ = "proposal_comment"
    __table_args__ = (Index("ix_proposal_comment_proposal", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_comment.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # A deleted comment keeps its row as a "removed" stub, so replies keep their context.
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # Staff last decided whether it is shown: peer consultants may no longer change that.
    visibility_by_staff: Mapped[bool] = mapped_column(default=False, server_default=false())

    proposal = relationship("Proposal")
    author = relationship("User")
    parent = relationship("Comment", remote_side=[id], back_populates="replies")
    replies = relationship("Comment", back_populates="parent", order_by="Comment.id")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_removed(self) -> bool:
        return self.deleted_at is not None


class Support(db.Model):
    """One member's support for a proposal; the database allows one per member."""

    __tablename__ = "proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(db.Model):
    """A member's report of a proposal or a comment; one per member and item."""

    __tablename__ = "content_report"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "reporter_id"),
        CheckConstraint("subject_type IN ('proposal', 'comment')", name="subject_type"),
        CheckConstraint("reason IN ('offensive', 'personal_info', 'spam', 'other')", name="reason"),
        Index("ix_content_report_open", "group_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int]
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    proposal = relationship("Proposal")
    reporter = relationship("User", foreign_keys=[reporter_id])


class ModerationCase(db.Model):
    """Something for staff to decide: an author's appeal, or a peer consultant's escalation."""

    __tablename__ = "moderation_case"
    __table_args__ = (
        CheckConstraint("kind IN ('appeal', 'escalation')", name="kind"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN "
            "('rejection_stands', 'back_to_review', 'hidden', 'kept')",
            name="outcome",
        ),
        Index("ix_moderation_case_open", "group_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    kind: Mapped[str] = mapped_column(String(12))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_comment.id"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]

    proposal = relationship("Proposal")
    comment = relationship("Comment")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.decided_at is None
