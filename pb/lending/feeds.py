"""Each person's private calendar address: their bookings and the items they look after, as an
ICS feed for their phone's calendar. The address holds a random token; only its hash is kept,
and making a new address revokes the old one."""

import hashlib
import secrets
from datetime import UTC, timedelta

from icalendar import Calendar, Event
from sqlalchemy import delete, or_, select

from pb.extensions import db
from pb.groups.models import Membership
from pb.lending.models import UPCOMING, Booking, CalendarFeed, Item
from pb.timeutil import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def has_feed(user) -> bool:
    return (
        db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user.id))
        is not None
    )


def new_feed(user) -> str:
    """A fresh address for the person; the old one stops working. Returns the token, which is
    shown once."""
    token = secrets.token_urlsafe(24)
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    db.session.commit()
    return token


def revoke_feed(user) -> None:
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.commit()


def user_for_token(token: str):
    from pb.accounts.models import User

    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.deleted_at is None else None


def _feed_bookings(user) -> list[Booking]:
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    parties = [f"u{user.id}"] + [f"h{m.household_id}" for m in memberships if m.household_id]
    households = [m.household_id for m in memberships if m.household_id]
    since = utcnow().date() - timedelta(days=60)
    return list(
        db.session.scalars(
            select(Booking)
            .join(Item, Item.id == Booking.item_id)
            .where(
                Booking.status.in_(UPCOMING),
                Booking.end_on >= since,
                or_(
                    Booking.party.in_(parties),
                    Item.custodian_id == user.id,
                    Item.custodian_household_id.in_(households),
                ),
            )
            .order_by(Booking.start_on)
        )
    )


def calendar_for(user, titles) -> bytes:
    """The feed. `titles(booking, mine)` writes an event's title in the person's language."""
    calendar = Calendar()
    calendar.add("prodid", "-//Fellespott//lending//NO")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Fellespott")
    parties = {f"u{user.id}"} | {f"h{m.household_id}" for m in user.memberships if m.household_id}
    for booking in _feed_bookings(user):
        event = Event()
        event.add("uid", f"booking-{booking.id}@fellespott")
        event.add("dtstamp", booking.created_at.replace(tzinfo=UTC))
        event.add("dtstart", booking.start_on)
        # All-day events end the day after their last day (RFC 5545).
        event.add("dtend", booking.end_on + timedelta(days=1))
        event.add("summary", titles(booking, booking.party in parties))
        event.add("status", "CONFIRMED" if booking.status != "requested" else "TENTATIVE")
        calendar.add_component(event)
    return calendar.to_ical()
