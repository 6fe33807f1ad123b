from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow


class AuditEvent(db.Model):
    """One thing that happened. Rows are never updated or deleted: the database refuses it."""

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

    __table_args__ = (
        Index("ix_audit_event_group_created", "group_id", "created_at"),
        Index("ix_audit_event_actor", "actor_id"),
    )
