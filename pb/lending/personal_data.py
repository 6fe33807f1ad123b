"""What lending holds about a person, for their export, and what deleting the account erases:
their messages, swap-shelf posts and photos, damage notes, hand-over notes, their place on
waiting lists, their calendar address, and their upcoming bookings. Past bookings stay, as
counts for the group's fair share, tied to "deleted member"."""

from sqlalchemy import delete, select, update

from pb import privacy
from pb.extensions import db
from pb.lending.models import (
    UPCOMING,
    Booking,
    BookingMessage,
    CalendarFeed,
    DamageReport,
    HandOver,
    Item,
    SwapPost,
    WaitlistEntry,
)
from pb.lending.services import PHOTO_FOLDER
from pb.proposals import photos


def _export(user) -> dict:
    bookings = db.session.scalars(
        select(Booking).where(Booking.borrower_id == user.id).order_by(Booking.id)
    ).all()
    messages = db.session.scalars(
        select(BookingMessage)
        .where(BookingMessage.author_id == user.id)
        .order_by(BookingMessage.id)
    ).all()
    posts = db.session.scalars(select(SwapPost).where(SwapPost.author_id == user.id)).all()
    damage = db.session.scalars(select(DamageReport).where(DamageReport.reporter_id == user.id))
    looked_after = db.session.scalars(select(Item).where(Item.custodian_id == user.id)).all()
    return {
        "bookings": [
            {
                "item": b.item.name,
                "first_day": b.start_on.isoformat(),
                "last_day": b.end_on.isoformat(),
                "status": b.status,
            }
            for b in bookings
        ],
        "messages": [
            {"at": m.created_at.isoformat(), "item": m.booking.item.name, "text": m.text}
            for m in messages
        ],
        "swap_shelf": [
            {"title": p.title, "description": p.description, "status": p.status} for p in posts
        ],
        "damage_reports": [{"item": d.item.name, "note": d.note} for d in damage],
        "items_you_look_after": [i.name for i in looked_after],
        "has_calendar_address": db.session.scalar(
            select(CalendarFeed.id).where(CalendarFeed.user_id == user.id)
        )
        is not None,
    }


def _erase(erasure: privacy.Erasure) -> None:
    user_id = erasure.user.id
    messages = db.session.scalars(select(BookingMessage).where(BookingMessage.author_id == user_id))
    erasure.blanked(*(m.text for m in messages))
    db.session.execute(delete(BookingMessage).where(BookingMessage.author_id == user_id))
    names: list[str | None] = []
    for post in db.session.scalars(select(SwapPost).where(SwapPost.author_id == user_id)):
        erasure.blanked(post.title, post.description)
        names += [post.photo_name, post.thumbnail_name]
        db.session.delete(post)
    db.session.execute(
        update(SwapPost)
        .where(SwapPost.reserved_by_id == user_id, SwapPost.status == "reserved")
        .values(status="open", reserved_by_id=None, reserved_at=None)
    )
    db.session.execute(
        update(SwapPost)
        .where(SwapPost.reserved_by_id == user_id)
        .values(reserved_by_id=None, reserved_at=None)
    )
    for report in db.session.scalars(
        select(DamageReport).where(DamageReport.reporter_id == user_id)
    ):
        erasure.blanked(report.note)
        names += [report.photo_name, report.thumbnail_name]
        report.note, report.photo_name, report.thumbnail_name = "", None, None
        report.reporter_id = None
    for handover in db.session.scalars(select(HandOver).where(HandOver.recorded_by_id == user_id)):
        erasure.blanked(handover.note)
        names += [handover.photo_name, handover.thumbnail_name]
        handover.note, handover.photo_name, handover.thumbnail_name = "", None, None
        handover.recorded_by_id = None
    db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.borrower_id == user_id)
        .values(borrower_id=None, status="left")
    )
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
    # Their own upcoming bookings end (a household's stay with the household); the days free up.
    db.session.execute(
        update(Booking)
        .where(
            Booking.borrower_id == user_id,
            Booking.party == f"u{user_id}",
            Booking.status.in_(UPCOMING[:-1]),
        )
        .values(status="cancelled", cancel_reason="borrower")
    )
    db.session.execute(
        update(Booking).where(Booking.borrower_id == user_id).values(borrower_id=None)
    )
    # An item they kept needs a new custodian: the group's staff see that on the item.
    db.session.execute(
        update(Item)
        .where(Item.custodian_id == user_id)
        .values(custodian_id=None, custodian_shares_phone=False)
    )
    db.session.execute(update(Item).where(Item.created_by_id == user_id).values(created_by_id=None))
    db.session.flush()
    photos.remove_photo(*names, kind=PHOTO_FOLDER)


privacy.register_exporter("lending", _export)
privacy.register_eraser("lending", _erase, order=45)
