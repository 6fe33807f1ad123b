from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

# What a person can choose to hear about, each by its own channels.
CATEGORIES = ("votes", "moderation", "payouts", "bookings", "projects")
# The channels beside the bell, which always works and needs no delivery.
CHANNELS = ("email", "sms")
# pending: to send (from not_before on); sending: claimed by one sender; sent; dead: gave up
# after its tries (staff can send it again); held: waits for the daily digest; in_digest: went
# out inside one; skipped: nowhere to send it when its time came (no address, SMS stopped).
DELIVERY_STATUSES = ("pending", "sending", "sent", "dead", "held", "in_digest", "skipped")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Notification(db.Model):
    """A message for one person. Only the kind and its parameters are stored; the text is written
    when it is read, in the reader's language at that moment."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    # What an SMS answer (JA/NEI and its code) would do, and to which row: "booking.decide", 42.
    answer_action: Mapped[str | None] = mapped_column(String(30))
    answer_subject_id: Mapped[int | None] = mapped_column(Integer)
    # A notice sent at most once (a weekly summary): the database refuses a second one.
    once_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class ChannelChoice(db.Model):
    """A person's own choice of channels for one category; without a row, the defaults hold."""

    __tablename__ = "notification_channel_choice"
    __table_args__ = (CheckConstraint(_in("category", CATEGORIES), name="known_category"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
    sms: Mapped[bool] = mapped_column(Boolean)


class NotificationSettings(db.Model):
    """Quiet hours, the daily digest and the staff's weekly summary; without a row, defaults."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        CheckConstraint("quiet_from BETWEEN 0 AND 23", name="quiet_from_hour"),
        CheckConstraint("quiet_until BETWEEN 0 AND 23", name="quiet_until_hour"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    # Hours of the day in Oslo; from 21 until 8 by default. Equal hours: no quiet time.
    quiet_from: Mapped[int] = mapped_column(Integer, default=21)
    quiet_until: Mapped[int] = mapped_column(Integer, default=8)
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an SMS answer of STOPP; the settings page turns SMS on again.
    sms_stopped_at: Mapped[datetime | None]


class Delivery(db.Model):
    """One notification on one channel, or one digest: the source of truth for what is still to
    send, whatever happens to the queue. Unique per notification and channel, so nothing is
    sent twice."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_delivery_notification_channel"),
        CheckConstraint(_in("channel", CHANNELS), name="known_channel"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="known_status"),
        Index("ix_delivery_status_due", "status", "not_before"),
        Index("ix_delivery_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a digest, which carries the notifications held for it (digest_id points here).
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before the end of quiet hours, or the next try after a failure.
    not_before: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notification_delivery.id"))
    # "digest:<user>:<channel>:<day>": one digest per person, channel and day.
    digest_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification = relationship("Notification")
    user = relationship("User")


class SmsCode(db.Model):
    """The code at the end of an SMS that asks for an answer: single use, expiring, and good only
    from the number it was sent to."""

    __tablename__ = "sms_answer_code"
    __table_args__ = (Index("ix_sms_answer_code_phone_code", "phone", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notification_delivery.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    phone: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")


class SmsInboundSeen(db.Model):
    """A hash of each signed inbound request's signature, so a replayed one is refused. Nothing
    of the message itself is kept; rows older than a day are pruned by the tick."""

    __tablename__ = "sms_inbound_seen"

    signature_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
