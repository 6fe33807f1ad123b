from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

# waiting: recorded, not yet heard by a second person; approved: played wherever its words
# appear; replaced: an approved clip that a newer approved version took over from; rejected;
# withdrawn: taken out of use after approval.
CLIP_STATES = ("waiting", "approved", "replaced", "rejected", "withdrawn")


class VoiceClip(db.Model):
    """A peer's recording of one fixed interface string (a msgid) in one language."""

    __tablename__ = "voice_clip"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in CLIP_STATES) + ")", name="known_state"
        ),
        db.UniqueConstraint("msgid", "language", "version", name="uq_voice_clip_version"),
        # At most one clip of a string and language is in use: two approvals at once can't
        # both win.
        Index(
            "uq_voice_clip_in_use",
            "msgid",
            "language",
            unique=True,
            sqlite_where=text("state = 'approved'"),
            postgresql_where=text("state = 'approved'"),
        ),
        Index("ix_voice_clip_language_state", "language", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    msgid: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10))
    version: Mapped[int]
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    file_name: Mapped[str] = mapped_column(String(80))
    duration_ms: Mapped[int]
    size_bytes: Mapped[int]
    # Generated for the demo (a tone and a spoken placeholder), not a person's voice.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
