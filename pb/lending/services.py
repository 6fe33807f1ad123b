"""Lending: items, bookings, the waitlist with its fair-share order, hand-over and return, damage.

Every operation is one transaction with its audit event, and commits itself. A refusal rolls
back first, so nothing is half-saved. The promise that no two bookings of an item overlap is
kept by the database: an exclusion constraint on PostgreSQL (migration 0009), and on SQLite a
check made while holding the database's write lock (BEGIN IMMEDIATE), so no other writer can
slip in between the check and the insert.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.codes import new_code
from pb.errors import RuleRefused
from pb.extensions import db
from pb.forms import in_date_window
from pb.groups.models import Membership
from pb.idempotency import client_key
from pb.lending import notices
from pb.lending.access import custodian_ids, is_borrower, is_custodian, membership_of, party_of
from pb.lending.models import (
    HOLDING,
    MAX_BUFFER_DAYS,
    UPCOMING,
    Booking,
    BookingMessage,
    DamageReport,
    HandOver,
    Item,
    WaitlistEntry,
)
from pb.locking import begin_immediate_on_sqlite
from pb.proposals import photos
from pb.timeutil import local_today, utcnow
from pb.web import path_for

OFFER_HOURS = 24
# How far ahead a booking may start: a year, so that nobody holds next summer forever.
HORIZON_DAYS = 365
PHOTO_FOLDER = "lending"
FAIR_SHARE_MONTHS = 12


class LendingError(RuleRefused):
    """A rule refused the action; `code` names it, and MESSAGES holds its translated text."""


MESSAGES = {
    "end_before_start": _l("The last day is before the first day. Choose the days again."),
    "past": _l("These days have passed. Choose days from today on."),
    "too_far": _l("Bookings can start at most a year from now."),
    "too_long": _l("This item can be borrowed for at most %(days)s days at a time."),
    "unavailable": _l("This item can't be booked now: it is being repaired, lost or retired."),
    "taken": _l(
        "Someone has already booked some of these days. Choose other days, or join "
        "the waiting list."
    ),
    "fair_share": _l(
        "Your household already has %(limit)s upcoming bookings of this item. When one is over, "
        "you can book again."
    ),
    "not_member": _l("Only members of the group can borrow its things."),
    "not_custodian": _l("Only the person who looks after this item can do that."),
    "not_yours": _l("Only the people in this booking can do that."),
    "wrong_status": _l("This booking can't be changed like that any more."),
    "offer_expired": _l("The offer has run out, and the days went to the next on the list."),
    "pickup_early_taken": _l(
        "The item is booked by someone else before these days, so it can't go out earlier."
    ),
    "already_waiting": _l("You are already on the waiting list for these days."),
    "not_in_group": _l("Choose a member of this group."),
    "empty_message": _l("Write a message first."),
}
LendingError.messages = MESSAGES


def _refuse(code: str, **params):
    """Undo everything this operation did so far, then say why."""
    db.session.rollback()
    raise LendingError(code, **params)


# ---------------------------------------------------------------------------------------------
# Items


def _photo_fields(photo, old: tuple[str | None, str | None] | None = None, remove=False):
    if photo is not None:
        return photos.store_photo(photo, PHOTO_FOLDER)
    if remove:
        return None, None
    return old or (None, None)


def _commit_or_remove(*photo_names: str | None) -> None:
    """Commit; if that fails, the photos written for this change are removed again."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        photos.remove_photo(*photo_names, kind=PHOTO_FOLDER)
        raise


def _check_custodian(group, user_id: int | None) -> None:
    if user_id is None:
        return
    is_member = db.session.scalar(
        select(Membership.id).where(Membership.group_id == group.id, Membership.user_id == user_id)
    )
    if is_member is None:
        _refuse("not_in_group")


def create_item(group, *, actor, photo=None, **fields) -> Item:
    _check_custodian(group, fields.get("custodian_id"))
    item = Item(group_id=group.id, code=new_code(6), created_by_id=actor.id, **fields)
    item.photo_name, item.thumbnail_name = _photo_fields(photo)
    db.session.add(item)
    db.session.flush()
    record("item.created", actor=actor, group=group, subject=item)
    _commit_or_remove(item.photo_name, item.thumbnail_name)
    return item


def update_item(item: Item, *, actor, photo=None, remove_photo=False, **fields) -> Item:
    old_photos = (item.photo_name, item.thumbnail_name)
    old_status = item.status
    was_available = old_status == "available"
    for name, value in fields.items():
        setattr(item, name, value)
    if item.status == "available":
        item.maintenance_until = None
    if item.status in ("lost", "retired") and old_status not in ("lost", "retired"):
        _cancel_upcoming(item)
    item.photo_name, item.thumbnail_name = _photo_fields(photo, old_photos, remove_photo)
    record("item.updated", actor=actor, group=item.group, subject=item, status=item.status)
    _commit_or_remove(*(item.photo_name, item.thumbnail_name) if photo is not None else ())
    if photo is not None or remove_photo:
        photos.remove_photo(*old_photos, kind=PHOTO_FOLDER)
    if item.status == "available" and not was_available:
        offer_freed_days(item)
    return item


def _cancel_upcoming(item: Item) -> None:
    """A lost or retired item won't come: its coming bookings end, and their borrowers hear."""
    for booking in db.session.scalars(
        select(Booking).where(
            Booking.item_id == item.id, Booking.status.in_(("offered", "requested", "confirmed"))
        )
    ):
        booking.status = "cancelled"
        booking.cancel_reason = "custodian"
        _end_waitlist_entry(booking, "lapsed")
        _tell(_borrowers(booking), "lending.cancelled", booking, link=_item_link(item))


def change_custodian(item: Item, *, actor, custodian_id: int, whole_household: bool) -> Item:
    """Hand the item to another member to keep at home; the change is in the group's log."""
    _check_custodian(item.group, custodian_id)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.group_id == item.group_id, Membership.user_id == custodian_id
        )
    )
    before = item.custodian_id
    item.custodian_id = custodian_id
    item.custodian_household_id = membership.household_id if whole_household else None
    # The new custodian chooses for themselves whether to share a phone number.
    item.custodian_shares_phone = False if before != custodian_id else item.custodian_shares_phone
    record(
        "item.custodian_changed",
        actor=actor,
        group=item.group,
        subject=item,
        before=before,
        after=custodian_id,
    )
    if custodian_id != actor.id:
        notices.send(
            membership.user,
            "lending.custodian",
            item,
            link=_item_link(item),
            item=item.name,
        )
    db.session.commit()
    return item


def _item_link(item: Item) -> str:
    return path_for("lending.item_page", group_id=item.group_id, item_id=item.id)


def _booking_link(booking: Booking) -> str:
    return path_for(
        "lending.booking_page",
        group_id=booking.item.group_id,
        item_id=booking.item_id,
        booking_id=booking.id,
    )


# ---------------------------------------------------------------------------------------------
# Reading the calendar


def holding_bookings(item_ids, first: date, last: date) -> list[Booking]:
    """Bookings whose days (buffer included) touch first..last, of these items."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.item_id.in_(list(item_ids)),
                Booking.status.in_(HOLDING),
                Booking.blocks_from <= last,
                Booking.blocks_until >= first,
            )
            .order_by(Booking.blocks_from)
        )
    )


def _clashes(item: Item, start: date, end: date, *, ignore: int | None = None) -> bool:
    """Would days start..end of this item (and its buffer after them) overlap a booking?"""
    for booking in holding_bookings([item.id], start, end + timedelta(days=item.buffer_days)):
        if booking.id != ignore:
            return True
    return False


def free_items(group, start: date, end: date, category: str | None = None) -> list[Item]:
    """The group's items that can be booked for start..end: the "what's free" search. One query
    for the items and one for the bookings near those days, whatever the number of items."""
    query = select(Item).where(Item.group_id == group.id, Item.status == "available")
    if category:
        query = query.where(Item.category == category)
    items = list(db.session.scalars(query.order_by(Item.category, Item.name)))
    length = (end - start).days + 1
    items = [item for item in items if item.max_loan_days >= length]
    if not items:
        return []
    taken: dict[int, list[tuple[date, date]]] = {}
    rows = db.session.execute(
        select(Booking.item_id, Booking.blocks_from, Booking.blocks_until)
        .join(Item, Item.id == Booking.item_id)
        .where(
            Item.group_id == group.id,
            Booking.status.in_(HOLDING),
            Booking.blocks_from <= end + timedelta(days=MAX_BUFFER_DAYS),
            Booking.blocks_until >= start,
        )
    )
    for item_id, blocks_from, blocks_until in rows:
        taken.setdefault(item_id, []).append((blocks_from, blocks_until))
    return [
        item
        for item in items
        if not any(
            blocks_from <= end + timedelta(days=item.buffer_days)
            for blocks_from, _until in taken.get(item.id, [])
        )
    ]


@dataclass(frozen=True)
class Day:
    day: date
    state: str  # "outside" (another month), "past", "free", "taken", "mine"


def month_calendar(item: Item, year: int, month: int, user, today: date | None = None):
    """The month as weeks of seven days, Monday first, each day free, taken, or the reader's."""
    today = today or local_today()
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    bookings = holding_bookings([item.id], grid_start, grid_end)
    party = party_of(user, item.group_id)
    weeks = []
    day = grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            if day.month != month:
                state = "outside"
            else:
                hits = [b for b in bookings if b.blocks_from <= day <= b.blocks_until]
                if any(party and b.party == party[0] for b in hits):
                    state = "mine"
                elif hits or item.status != "available":
                    state = "taken"
                elif day < today:
                    state = "past"
                else:
                    state = "free"
            week.append(Day(day, state))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


# ---------------------------------------------------------------------------------------------
# Booking


def check_days(item: Item, start: date | None, end: date | None, today: date) -> None:
    """The rules of the days themselves, before anything is looked up or written."""
    if start is None or end is None or not (in_date_window(start) and in_date_window(end)):
        raise LendingError("past")
    if end < start:
        raise LendingError("end_before_start")
    if start < today:
        raise LendingError("past")
    if start > today + timedelta(days=HORIZON_DAYS):
        raise LendingError("too_far")
    if (end - start).days + 1 > item.max_loan_days:
        raise LendingError("too_long", days=item.max_loan_days)


def _lock_item(item: Item) -> Item:
    """Bookings of one item happen one after another: the item's row lock on PostgreSQL, the
    write lock on SQLite. The exclusion constraint stays the last word on PostgreSQL."""
    begin_immediate_on_sqlite()
    return db.session.scalar(
        select(Item)
        .where(Item.id == item.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def _upcoming_count(item: Item, party: str, today: date) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.item_id == item.id,
            Booking.party == party,
            Booking.status.in_(UPCOMING),
            Booking.end_on >= today,
        )
    )


def _flush_or_taken(code: str = "taken") -> None:
    """Flush the new or moved booking; the exclusion constraint's refusal means "taken"."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if "no_overlap" in str(error.orig) or "exclusion" in str(error.orig).lower():
            _refuse(code)
        raise


def request_booking(
    item: Item,
    *,
    borrower,
    start: date,
    end: date,
    idempotency_key: str | None = None,
    today: date | None = None,
) -> Booking:
    """Ask for days of an item. A request holds its days at once, so a second person asking for
    them hears "taken" straight away rather than after the custodian's answer."""
    today = today or local_today()
    key = client_key(borrower, f"book:item-{item.id}", idempotency_key)
    if key:
        earlier = db.session.scalar(select(Booking).where(Booking.idempotency_key == key))
        if earlier is not None:
            return earlier
    check_days(item, start, end, today)
    party = party_of(borrower, item.group_id)
    if party is None:
        raise LendingError("not_member")
    item = _lock_item(item)
    if item.status != "available":
        _refuse("unavailable")
    if key and db.session.scalar(select(Booking.id).where(Booking.idempotency_key == key)):
        db.session.rollback()  # the same form, sent twice at once: the first one won
        return db.session.scalar(select(Booking).where(Booking.idempotency_key == key))
    if _clashes(item, start, end):
        _refuse("taken")
    limit = item.group.lending_limit
    if _upcoming_count(item, party[0], today) >= limit:
        _refuse("fair_share", limit=limit)
    booking = Booking(
        item_id=item.id,
        borrower_id=borrower.id,
        household_id=party[1],
        party=party[0],
        start_on=start,
        end_on=end,
        blocks_from=start,
        blocks_until=end + timedelta(days=item.buffer_days),
        status="confirmed" if item.auto_confirm else "requested",
        idempotency_key=key,
        decided_at=utcnow() if item.auto_confirm else None,
    )
    db.session.add(booking)
    _flush_or_taken()
    record(
        "booking.confirmed" if item.auto_confirm else "booking.requested",
        actor=borrower,
        group=item.group,
        subject=booking,
        item=item.id,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    if not item.auto_confirm:
        _tell_custodians_of_request(booking)
    db.session.commit()
    return booking


def _tell(
    users, kind: str, booking: Booking, *, link: str | None = None, skip=None, answer=None
) -> None:
    """Tell each of `users` (but not `skip`, who did it) about a booking: the item's name and
    the booked days go with every lending message, and the link leads to the booking. `answer`
    names what an SMS answer to it does (pb/lending/sms.py)."""
    for user in users:
        if skip is not None and user.id == skip.id:
            continue
        notices.send(
            user,
            kind,
            booking.item,
            link=link or _booking_link(booking),
            answer=(answer, booking.id) if answer else None,
            item=booking.item.name,
            **notices.days(booking.start_on, booking.end_on),
        )


def _tell_custodians_of_request(booking: Booking) -> None:
    """A keeper without data on the phone confirms or declines by answering the SMS."""
    _tell(_custodians(booking.item), "lending.requested", booking, answer="booking.decide")


def _via(via: str | None) -> dict:
    """An action taken by answering an SMS says so in the audit log."""
    return {"via": via} if via else {}


def _end_waitlist_entry(booking: Booking, status: str) -> None:
    """The waiting-list entry an offered booking came from follows the booking's fate."""
    if booking.waitlist_entry_id:
        db.session.get(WaitlistEntry, booking.waitlist_entry_id).status = status


def _custodians(item: Item) -> list:
    from pb.accounts.models import User

    ids = custodian_ids(item)
    return list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []


def _borrowers(booking: Booking) -> list:
    """Who hears about a booking: the person who made it (their household sees it in the app)."""
    return [booking.borrower] if booking.borrower is not None else []


def _require_custodian(booking_or_item, actor) -> None:
    item = booking_or_item if isinstance(booking_or_item, Item) else booking_or_item.item
    if not is_custodian(item, actor):
        raise LendingError("not_custodian")


def decide(
    booking: Booking, *, actor, confirm: bool, message: str = "", via: str | None = None
) -> Booking:
    """The custodian says yes or no to a request, with a message if they like."""
    _require_custodian(booking, actor)
    if booking.status != "requested":
        raise LendingError("wrong_status")
    booking.status = "confirmed" if confirm else "declined"
    booking.custodian_message = (message or "").strip()
    booking.decided_at = utcnow()
    record(
        "booking.confirmed" if confirm else "booking.declined",
        actor=actor,
        group=booking.item.group,
        subject=booking,
        reason=booking.custodian_message or None,
        **_via(via),
    )
    _tell(_borrowers(booking), "lending.confirmed" if confirm else "lending.declined", booking)
    db.session.commit()
    if not confirm:
        offer_freed_days(booking.item)
    return booking


def cancel(booking: Booking, *, actor) -> Booking:
    """The borrower, or the custodian, calls a booking off; its days go to the waiting list."""
    by_custodian = is_custodian(booking.item, actor)
    if not (by_custodian or is_borrower(booking, actor)):
        raise LendingError("not_yours")
    if booking.status not in ("offered", "requested", "confirmed"):
        raise LendingError("wrong_status")
    booking.status = "cancelled"
    booking.cancel_reason = "custodian" if by_custodian else "borrower"
    _end_waitlist_entry(booking, "left")
    record("booking.cancelled", actor=actor, group=booking.item.group, subject=booking)
    told = _borrowers(booking) if by_custodian else _custodians(booking.item)
    _tell(told, "lending.cancelled", booking, link=_item_link(booking.item), skip=actor)
    db.session.commit()
    offer_freed_days(booking.item)
    return booking


# ---------------------------------------------------------------------------------------------
# The waiting list and fair share


def join_waitlist(item: Item, *, user, start: date, end: date, today=None) -> WaitlistEntry:
    today = today or local_today()
    check_days(item, start, end, today)
    party = party_of(user, item.group_id)
    if party is None:
        raise LendingError("not_member")
    same = db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.item_id == item.id,
            WaitlistEntry.party == party[0],
            WaitlistEntry.start_on == start,
            WaitlistEntry.end_on == end,
            WaitlistEntry.status.in_(("waiting", "offered")),
        )
    )
    if same is not None:
        raise LendingError("already_waiting")
    entry = WaitlistEntry(
        item_id=item.id,
        borrower_id=user.id,
        household_id=party[1],
        party=party[0],
        start_on=start,
        end_on=end,
    )
    db.session.add(entry)
    db.session.flush()
    record("waitlist.joined", actor=user, group=item.group, subject=entry, item=item.id)
    db.session.commit()
    return entry


def leave_waitlist(entry: WaitlistEntry, *, user) -> None:
    party = party_of(user, entry.item.group_id)
    if not (entry.borrower_id == user.id or (party and party[0] == entry.party)):
        raise LendingError("not_yours")
    if entry.status != "waiting":
        raise LendingError("wrong_status")
    entry.status = "left"
    db.session.commit()


def borrowed_last_year(item: Item, parties: list[str], today: date) -> dict[str, int]:
    """How many times each party has had the item in the last twelve months."""
    since = today - timedelta(days=365)
    rows = db.session.execute(
        select(Booking.party, func.count())
        .where(
            Booking.item_id == item.id,
            Booking.party.in_(parties),
            Booking.status.in_(("picked_up", "returned")),
            Booking.start_on >= since,
        )
        .group_by(Booking.party)
    )
    return {party: count for party, count in rows}


def waitlist_in_order(item: Item, today: date) -> list[WaitlistEntry]:
    """The waiting list in the order freed days are offered: first whoever borrowed the item
    least in the last twelve months, then, among equals, whoever joined first."""
    entries = list(
        db.session.scalars(
            select(WaitlistEntry).where(
                WaitlistEntry.item_id == item.id, WaitlistEntry.status == "waiting"
            )
        )
    )
    counts = borrowed_last_year(item, sorted({e.party for e in entries}), today)
    return sorted(entries, key=lambda e: (counts.get(e.party, 0), e.joined_at, e.id))


def offer_freed_days(item: Item, now: datetime | None = None, today: date | None = None) -> int:
    """Offer days that became free to the waiting list, in fair-share order. An offer holds the
    days for 24 hours, as a booking with the status "offered". Returns the number of offers."""
    now = now or utcnow()
    today = today or local_today()
    offers = 0
    item = _lock_item(item)
    if item.status != "available":
        db.session.rollback()
        return 0
    for entry in waitlist_in_order(item, today):
        if entry.start_on < today:
            entry.status = "lapsed"
            continue
        if _clashes(item, entry.start_on, entry.end_on):
            continue
        if _upcoming_count(item, entry.party, today) >= item.group.lending_limit:
            continue
        booking = Booking(
            item_id=item.id,
            borrower_id=entry.borrower_id,
            household_id=entry.household_id,
            party=entry.party,
            start_on=entry.start_on,
            end_on=entry.end_on,
            blocks_from=entry.start_on,
            blocks_until=entry.end_on + timedelta(days=item.buffer_days),
            status="offered",
            offer_expires_at=now + timedelta(hours=OFFER_HOURS),
            waitlist_entry_id=entry.id,
        )
        db.session.add(booking)
        db.session.flush()
        entry.status = "offered"
        record("booking.offered", group=item.group, subject=booking, item=item.id)
        _tell(_borrowers(booking), "lending.offer", booking)
        offers += 1
    db.session.commit()
    return offers


def accept_offer(booking: Booking, *, user, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    if not is_borrower(booking, user):
        raise LendingError("not_yours")
    if booking.status != "offered":
        raise LendingError("wrong_status")
    if booking.offer_expires_at is not None and booking.offer_expires_at <= now:
        lapse_offers(now)
        raise LendingError("offer_expired")
    item = booking.item
    booking.status = "confirmed" if item.auto_confirm else "requested"
    booking.offer_expires_at = None
    _end_waitlist_entry(booking, "booked")
    record("booking.offer_accepted", actor=user, group=item.group, subject=booking)
    if not item.auto_confirm:
        _tell_custodians_of_request(booking)
    db.session.commit()
    return booking


def lapse_offers(now: datetime | None = None) -> int:
    """Offers not taken in 24 hours lapse; their days go to the next on the list."""
    now = now or utcnow()
    expired = list(
        db.session.scalars(
            select(Booking).where(Booking.status == "offered", Booking.offer_expires_at <= now)
        )
    )
    items = {}
    for booking in expired:
        booking.status = "lapsed"
        _end_waitlist_entry(booking, "lapsed")
        record("booking.offer_lapsed", group=booking.item.group, subject=booking)
        items[booking.item_id] = booking.item
    db.session.commit()
    for item in items.values():
        offer_freed_days(item, now)
    return len(expired)


def decline_offer(booking: Booking, *, user) -> Booking:
    if not is_borrower(booking, user):
        raise LendingError("not_yours")
    if booking.status != "offered":
        raise LendingError("wrong_status")
    booking.status = "lapsed"
    _end_waitlist_entry(booking, "left")
    record("booking.offer_declined", actor=user, group=booking.item.group, subject=booking)
    db.session.commit()
    offer_freed_days(booking.item)
    return booking


# ---------------------------------------------------------------------------------------------
# Hand-over, return and damage


def _hand_over_record(booking, kind, *, actor, condition, note, photo) -> HandOver:
    names = photos.store_photo(photo, PHOTO_FOLDER) if photo is not None else (None, None)
    handover = HandOver(
        booking_id=booking.id,
        kind=kind,
        condition=condition,
        note=(note or "").strip(),
        photo_name=names[0],
        thumbnail_name=names[1],
        recorded_by_id=actor.id,
    )
    db.session.add(handover)
    booking.item.condition = condition
    return handover


def pick_up(booking: Booking, *, actor, condition: str, note="", photo=None, today=None, via=None):
    """The custodian hands the item over. Handing it over before the first booked day moves the
    booking's first day to today, if no one else has the item then."""
    today = today or local_today()
    _require_custodian(booking, actor)
    if booking.status != "confirmed" or booking.end_on < today:
        raise LendingError("wrong_status")
    item = _lock_item(booking.item)
    still_out = db.session.scalar(
        select(Booking.id).where(Booking.item_id == item.id, Booking.status == "picked_up")
    )
    if still_out is not None:
        _refuse("wrong_status")  # the one before has not come back yet
    if today < booking.blocks_from:
        if _clashes(item, today, booking.blocks_from - timedelta(days=1), ignore=booking.id):
            _refuse("pickup_early_taken")
        booking.blocks_from = today
        _flush_or_taken("pickup_early_taken")
    booking.status = "picked_up"
    handover = _hand_over_record(
        booking, "pickup", actor=actor, condition=condition, note=note, photo=photo
    )
    db.session.flush()
    record(
        "booking.picked_up",
        actor=actor,
        group=item.group,
        subject=booking,
        condition=condition,
        **_via(via),
    )
    _commit_or_remove(handover.photo_name, handover.thumbnail_name)
    return booking


def take_back(
    booking: Booking, *, actor, condition: str, note="", photo=None, today=None, via=None
):
    """The custodian has the item back. The days after today are free again at once: the
    custodian has just looked the item over, which is what the buffer days were for."""
    today = today or local_today()
    _require_custodian(booking, actor)
    if booking.status != "picked_up":
        raise LendingError("wrong_status")
    _lock_item(booking.item)
    booking.status = "returned"
    booking.blocks_from = min(booking.blocks_from, today)
    booking.blocks_until = max(booking.blocks_from, min(booking.blocks_until, today))
    handover = _hand_over_record(
        booking, "return", actor=actor, condition=condition, note=note, photo=photo
    )
    db.session.flush()
    record(
        "booking.returned",
        actor=actor,
        group=booking.item.group,
        subject=booking,
        condition=condition,
        late=today > booking.end_on,
        **_via(via),
    )
    _commit_or_remove(handover.photo_name, handover.thumbnail_name)
    if condition == "needs_repair":
        report_damage(
            booking.item,
            actor=actor,
            note=handover.note,
            repair_until=today + timedelta(days=14),
            today=today,
        )
    else:
        offer_freed_days(booking.item)
    return booking


def may_report_damage(access, item: Item, user) -> bool:
    """The custodian, the group's peer consultants and staff, and whoever has the item now."""
    if access.can_moderate or is_custodian(item, user):
        return True
    out = db.session.scalars(
        select(Booking).where(Booking.item_id == item.id, Booking.status == "picked_up")
    )
    return any(is_borrower(booking, user) for booking in out)


def report_damage(
    item: Item, *, actor, note: str, repair_until: date, photo=None, today=None
) -> DamageReport:
    """The item goes into maintenance until `repair_until`. Bookings in that time are cancelled,
    and their households are told, with a link to the free items of the same kind on their days.
    The group's peer consultants hear of it, since they help find a repair."""
    today = today or local_today()
    if repair_until < today:
        raise LendingError("past")
    item = _lock_item(item)
    names = photos.store_photo(photo, PHOTO_FOLDER) if photo is not None else (None, None)
    report = DamageReport(
        item_id=item.id,
        reporter_id=actor.id,
        note=(note or "").strip(),
        photo_name=names[0],
        thumbnail_name=names[1],
        repair_until=repair_until,
    )
    db.session.add(report)
    item.status = "maintenance"
    item.condition = "needs_repair"
    item.maintenance_until = repair_until
    affected = list(
        db.session.scalars(
            select(Booking).where(
                Booking.item_id == item.id,
                Booking.status.in_(("offered", "requested", "confirmed")),
                Booking.start_on <= repair_until,
                Booking.end_on >= today,
            )
        )
    )
    for booking in affected:
        booking.status = "cancelled"
        booking.cancel_reason = "damage"
        _end_waitlist_entry(booking, "lapsed")
        free_of_the_same_kind = path_for(
            "lending.items_page",
            group_id=item.group_id,
            start=booking.start_on.isoformat(),
            end=booking.end_on.isoformat(),
            category=item.category,
        )
        _tell(_borrowers(booking), "lending.cancelled_damage", booking, link=free_of_the_same_kind)
    report.cancelled_count = len(affected)
    db.session.flush()
    record(
        "item.damage_reported",
        actor=actor,
        group=item.group,
        subject=item,
        reason=report.note or None,
        cancelled=len(affected),
        repair_until=repair_until.isoformat(),
    )
    told = {u.id: u for u in _custodians(item)}
    peers = db.session.scalars(
        select(Membership).where(Membership.group_id == item.group_id, Membership.role == "peer")
    )
    for membership in peers:
        told[membership.user_id] = membership.user
    for user in told.values():
        if user.id != actor.id:
            notices.send(user, "lending.damage", item, link=_item_link(item), item=item.name)
    _commit_or_remove(report.photo_name, report.thumbnail_name)
    return report


def late_bookings(item: Item, today: date | None = None) -> list[Booking]:
    today = today or local_today()
    return list(
        db.session.scalars(
            select(Booking).where(
                Booking.item_id == item.id,
                Booking.status == "picked_up",
                Booking.end_on < today,
            )
        )
    )


# ---------------------------------------------------------------------------------------------
# Messages


def send_message(booking: Booking, *, author, text: str) -> BookingMessage:
    text = (text or "").strip()
    if not text:
        raise LendingError("empty_message")
    from_custodian = is_custodian(booking.item, author)
    if not (from_custodian or is_borrower(booking, author)):
        raise LendingError("not_yours")
    message = BookingMessage(booking_id=booking.id, author_id=author.id, text=text)
    db.session.add(message)
    told = _borrowers(booking) if from_custodian else _custodians(booking.item)
    _tell(told, "lending.message", booking, skip=author)
    db.session.commit()
    return message


# ---------------------------------------------------------------------------------------------
# What fits the moment (the QR label), and lists


def scan_action(item: Item, user, today: date | None = None):
    """The one action that fits the moment for the person scanning the label: (action, booking).
    The custodian hands over or takes back what starts or ends today; whoever has the item can
    report damage; anyone else can book."""
    today = today or local_today()
    bookings = list(
        db.session.scalars(
            select(Booking).where(
                Booking.item_id == item.id, Booking.status.in_(("confirmed", "picked_up"))
            )
        )
    )
    if is_custodian(item, user):
        for booking in bookings:
            if booking.status == "picked_up" and booking.end_on <= today:
                return "take_back", booking
        for booking in bookings:
            if booking.status == "confirmed" and booking.start_on <= today <= booking.end_on:
                return "hand_over", booking
    for booking in bookings:
        if booking.status == "picked_up" and is_borrower(booking, user):
            return "report_damage", booking
    if membership_of(user, item.group_id) is not None:
        return "book", None
    return None, None


def bookings_of_item(item: Item, *, upcoming_only=True, today=None) -> list[Booking]:
    today = today or local_today()
    query = select(Booking).where(Booking.item_id == item.id)
    if upcoming_only:
        query = query.where(Booking.status.in_(UPCOMING), Booking.end_on >= today - timedelta(30))
    return list(db.session.scalars(query.order_by(Booking.start_on)))


def my_bookings(user, group, today=None) -> list[Booking]:
    """The reader's household's bookings in this group that are not over."""
    today = today or local_today()
    party = party_of(user, group.id)
    if party is None:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .join(Item, Item.id == Booking.item_id)
            .where(
                Item.group_id == group.id,
                Booking.party == party[0],
                Booking.status.in_(UPCOMING),
            )
            .order_by(Booking.start_on)
        )
    )


def items_looked_after(user, group) -> list[int]:
    """The ids of the group's items this person looks after, alone or with their household."""
    membership = membership_of(user, group.id)
    if membership is None:
        return []
    kept_by = Item.custodian_id == user.id
    if membership.household_id is not None:
        kept_by = kept_by | (Item.custodian_household_id == membership.household_id)
    return list(db.session.scalars(select(Item.id).where(Item.group_id == group.id, kept_by)))


def waiting_requests(user, group) -> list[Booking]:
    """Requests for items this person looks after, waiting for their answer."""
    item_ids = items_looked_after(user, group)
    if not item_ids:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.item_id.in_(item_ids), Booking.status == "requested")
            .order_by(Booking.start_on)
        )
    )


# ---------------------------------------------------------------------------------------------
# Schedules


def _remind_once(
    where,
    flag: str,
    kind: str,
    *,
    custodians_too=False,
    custodians_only=False,
    answer=None,
    **params,
) -> int:
    """Tell the borrower (and, if asked, the keepers, or only them) about each booking `where`
    selects whose `flag` is not set yet, then set it, so that each reminder goes out once."""
    bookings = list(
        db.session.scalars(select(Booking).where(*where, getattr(Booking, flag).is_(False)))
    )
    for booking in bookings:
        setattr(booking, flag, True)
        told = [] if custodians_only else _borrowers(booking)
        if custodians_too or custodians_only:
            told += _custodians(booking.item)
        extra = {name: value(booking) for name, value in params.items()}
        for user in told:
            notices.send(
                user,
                kind,
                booking.item,
                link=_booking_link(booking),
                answer=(answer, booking.id) if answer else None,
                item=booking.item.name,
                **extra,
            )
    return len(bookings)


def send_reminders(today: date | None = None) -> dict[str, int]:
    """The day before pick-up and before return, and once when a return is late (to both
    sides). Each is sent once: the booking remembers it."""
    today = today or local_today()
    tomorrow = today + timedelta(days=1)
    counts = {
        "pick-up reminders": _remind_once(
            (Booking.status == "confirmed", Booking.start_on == tomorrow),
            "pickup_reminded",
            "lending.pickup_tomorrow",
        ),
        "return reminders": _remind_once(
            (Booking.status == "picked_up", Booking.end_on == tomorrow),
            "return_reminded",
            "lending.return_tomorrow",
        ),
        # The keeper, on the day: one SMS answer records the hand-over or the return.
        "hand-over questions": _remind_once(
            (Booking.status == "confirmed", Booking.start_on == today),
            "handover_asked",
            "lending.handover_today",
            custodians_only=True,
            answer="booking.pickup",
        ),
        "return questions": _remind_once(
            (Booking.status == "picked_up", Booking.end_on == today),
            "return_asked",
            "lending.return_today",
            custodians_only=True,
            answer="booking.return",
        ),
    }
    late = (Booking.status == "picked_up", Booking.end_on < today, Booking.late_flagged.is_(False))
    for booking in db.session.scalars(select(Booking).where(*late)):
        record("booking.late", group=booking.item.group, subject=booking)
    counts["late returns"] = _remind_once(
        late[:2],
        "late_flagged",
        "lending.late",
        custodians_too=True,
        day=lambda booking: notices.day(booking.end_on),
    )
    db.session.commit()
    return counts


def run_scheduled(today: date | None = None, failures: list[str] | None = None) -> dict:
    """The lending part of `flask --app pb tick`; `today` stands in for the real day
    (at noon) when given."""
    from pb.lending import swap

    now = datetime.combine(today, time(12)) if today else utcnow()
    today = today or local_today()
    counts: dict[str, int] = {}
    for name, job in (
        ("lapsed offers", lambda: {"lapsed offers": lapse_offers(now)}),
        ("reminders", lambda: send_reminders(today)),
        ("swap posts", lambda: {"expired swap posts": swap.expire_posts(now)}),
    ):
        try:
            counts.update(job())
        except Exception as error:  # one failing job must not stop the others
            db.session.rollback()
            if failures is None:
                raise
            failures.append(f"lending {name}: {error}")
    return counts
