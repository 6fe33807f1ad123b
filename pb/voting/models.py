from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow


class Ballot(db.Model):
    """A member's ballot in a round. One per member, by a unique constraint; changing it replaces
    the choices. The choices are secret: no page or export joins them to the voter."""

    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("round_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Approval and knapsack: [proposal ids]; ranking: [ids, best first]; points: {id: points}.
    choices: Mapped[dict | list] = mapped_column(JSON)
    receipt_code: Mapped[str] = mapped_column(String(16))
    # Who recorded it for the member (assisted voting), if not the member.
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[int] = mapped_column(default=0)


class RoundResult(db.Model):
    """The count of a round: the rule's outcome and its explanation, kept as counted."""

    __tablename__ = "round_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), unique=True)
    rule: Mapped[str] = mapped_column(String(20))
    # Proposal ids in order of selection.
    selected: Mapped[list] = mapped_column(JSON)
    # Per proposal id: votes (approvals, times ranked) or points.
    scores: Mapped[dict] = mapped_column(JSON)
    # The rule's steps, as plain data for the "How the count worked" page.
    trace: Mapped[list] = mapped_column(JSON)
    voters: Mapped[int]
    eligible: Mapped[int]
    budget_ore: Mapped[int] = mapped_column(BigInteger)
    used_ore: Mapped[int] = mapped_column(BigInteger)
    # Empty when the schedule counted the round as voting closed.
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]

    round = relationship("BudgetRound")


class VotingReminder(db.Model):
    """A reminder already sent, so running the reminders twice sends nothing twice."""

    __tablename__ = "voting_reminder"
    __table_args__ = (UniqueConstraint("round_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
