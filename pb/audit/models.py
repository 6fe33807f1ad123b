from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow


class AuditEvent(db.Model):
    """One thing that happened. Rows are never updated or deleted: the database refuses it.

    An event holds no text a member wrote: it names the domain row by id (subject_type and
    subject_id), and a member's reason sits in an AuditNote, which deleting the account blanks.
    Only reasons written by staff, the municipality's own record, stay in `reason`.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")
    note = relationship("AuditNote", uselist=False, back_populates="event", lazy="selectin")

    __table_args__ = (
        Index("ix_audit_event_group_created", "group_id", "created_at"),
        Index("ix_audit_event_actor", "actor_id"),
    )

    @property
    def why(self) -> str:
        """The reason as the log shows it: staff's, or the member's while they keep an account."""
        if self.reason:
            return self.reason
        return self.note.text if self.note is not None else ""


class AuditNote(db.Model):
    """A member's own words beside an audit event (a peer consultant's reason for restoring a
    comment, say). Unlike the event, it can be blanked, when its author deletes the account."""

    __tablename__ = "audit_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    erased_at: Mapped[datetime | None]

    event = relationship("AuditEvent", back_populates="note")
