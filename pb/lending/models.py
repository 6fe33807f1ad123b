from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

CATEGORIES = ("water", "bikes", "camping", "sports", "tools", "other")
OWNERS = ("group", "parents", "municipality")
CONDITIONS = ("good", "worn", "needs_repair")
ITEM_STATUSES = ("available", "maintenance", "lost", "retired")

# A booking's life. An offer is a freed slot held for the first household on the waitlist.
BOOKING_STATUSES = (
    "offered",
    "requested",
    "confirmed",
    "picked_up",
    "returned",
    "declined",
    "cancelled",
    "lapsed",
)
# The statuses whose days are taken. The database keeps the days (with the buffer) of these
# from overlapping for one item: an exclusion constraint on PostgreSQL (migration 0009), a check
# under the write lock on SQLite (pb/lending/services.py).
HOLDING = ("offered", "requested", "confirmed", "picked_up", "returned")
UPCOMING = ("offered", "requested", "confirmed", "picked_up")

NAME_MAX = 120
TEXT_MAX = 2000
MESSAGE_MAX = 500
NOTE_MAX = 500
MAX_LOAN_DAYS = 60
MAX_BUFFER_DAYS = 14
SWAP_DAYS = 30


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Item(db.Model):
    """A thing the group owns together, kept at a custodian's home."""

    __tablename__ = "lending_item"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("owner", OWNERS), name="owner"),
        CheckConstraint(_in("condition", CONDITIONS), name="condition"),
        CheckConstraint(_in("status", ITEM_STATUSES), name="status"),
        CheckConstraint(f"max_loan_days BETWEEN 1 AND {MAX_LOAN_DAYS}", name="max_loan_days"),
        CheckConstraint(f"buffer_days BETWEEN 0 AND {MAX_BUFFER_DAYS}", name="buffer_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    # What the QR label carries: a short code, not the item's name or anyone's.
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default="other")
    photo_name: Mapped[str | None] = mapped_column(String(80))
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    custodian_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # When set, every member of this household looks after the item, not only custodian_id.
    custodian_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    custodian_shares_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    pickup_instructions: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(20), default="group")
    insurance_note: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(String(20), default="good")
    status: Mapped[str] = mapped_column(String(20), default="available")
    # Set with a damage report: bookings up to this day were cancelled.
    maintenance_until: Mapped[date | None]
    max_loan_days: Mapped[int] = mapped_column(default=7)
    buffer_days: Mapped[int] = mapped_column(default=0)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payout_request.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group")
    custodian = relationship("User", foreign_keys=[custodian_id])
    custodian_household = relationship("Household")
    payout = relationship("PayoutRequest")


class Booking(db.Model):
    """Days of one item for one household, or for a member with no household ("party")."""

    __tablename__ = "lending_booking"
    __table_args__ = (
        CheckConstraint(_in("status", BOOKING_STATUSES), name="status"),
        CheckConstraint("end_on >= start_on", name="days_in_order"),
        CheckConstraint("blocks_until >= blocks_from", name="blocks_in_order"),
        Index("ix_lending_booking_item_blocks", "item_id", "blocks_from", "blocks_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("lending_item.id"))
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    # "h<household id>" or "u<user id>": who the fair-share limit and the waitlist count.
    party: Mapped[str] = mapped_column(String(20), index=True)
    start_on: Mapped[date]
    end_on: Mapped[date]
    # The days the item is away, buffer included; the database keeps these from overlapping.
    blocks_from: Mapped[date]
    blocks_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="requested")
    # The custodian's words with a confirmation or a refusal.
    custodian_message: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str | None] = mapped_column(String(20))
    offer_expires_at: Mapped[datetime | None]
    waitlist_entry_id: Mapped[int | None] = mapped_column(ForeignKey("lending_waitlist.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    pickup_reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    return_reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    late_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # The keeper was asked on the day, by a message that an SMS answer can confirm.
    handover_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    return_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    item = relationship("Item")
    borrower = relationship("User", foreign_keys=[borrower_id])
    household = relationship("Household")
    handovers = relationship("HandOver", back_populates="booking", order_by="HandOver.id")
    messages = relationship(
        "BookingMessage", back_populates="booking", order_by="BookingMessage.id"
    )


class WaitlistEntry(db.Model):
    """A household waiting for days that are taken. Freed days are offered by fair share."""

    __tablename__ = "lending_waitlist"
    __table_args__ = (
        CheckConstraint(
            _in("status", ("waiting", "offered", "booked", "lapsed", "left")), name="status"
        ),
        CheckConstraint("end_on >= start_on", name="days_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("lending_item.id"), index=True)
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    party: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date]
    end_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    item = relationship("Item")
    borrower = relationship("User")


class HandOver(db.Model):
    """The custodian's record of an item going out or coming back, with its condition."""

    __tablename__ = "lending_handover"
    __table_args__ = (
        CheckConstraint(_in("kind", ("pickup", "return")), name="kind"),
        CheckConstraint(_in("condition", CONDITIONS), name="condition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("lending_booking.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    condition: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_name: Mapped[str | None] = mapped_column(String(80))
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking = relationship("Booking", back_populates="handovers")


class DamageReport(db.Model):
    __tablename__ = "lending_damage"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("lending_item.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_name: Mapped[str | None] = mapped_column(String(80))
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    repair_until: Mapped[date]
    cancelled_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item = relationship("Item")
    reporter = relationship("User")


class BookingMessage(db.Model):
    """A short message between a borrower and the custodian, inside the app."""

    __tablename__ = "lending_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("lending_booking.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking = relationship("Booking", back_populates="messages")
    author = relationship("User")


class CalendarFeed(db.Model):
    """A person's private calendar address. Only a hash of its token is kept."""

    __tablename__ = "lending_calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SwapPost(db.Model):
    """The swap shelf (byttebu): something a member gives away or swaps."""

    __tablename__ = "lending_swap_post"
    __table_args__ = (
        CheckConstraint(_in("kind", ("give", "swap")), name="kind"),
        CheckConstraint(
            _in("status", ("open", "reserved", "handed_over", "expired", "withdrawn")),
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="give")
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    size_or_age: Mapped[str] = mapped_column(String(40), default="")
    photo_name: Mapped[str | None] = mapped_column(String(80))
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="open")
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reserved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    group = relationship("Group")
    author = relationship("User", foreign_keys=[author_id])
    reserved_by = relationship("User", foreign_keys=[reserved_by_id])
