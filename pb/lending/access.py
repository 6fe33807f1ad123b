"""Who may do what with the group's items: the one place these rules live.

Items, bookings and swap posts outside the reader's group are "not found" (404).
"""

from flask import abort
from sqlalchemy import select

from pb.extensions import db
from pb.groups.access import GroupAccess
from pb.groups.models import Membership
from pb.lending.models import Booking, Item, SwapPost, WaitlistEntry


def item_in_group(access: GroupAccess, item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or item.group_id != access.group.id:
        abort(404)
    return item


def booking_of_item(item: Item, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.item_id != item.id:
        abort(404)
    return booking


def waitlist_entry_of_item(item: Item, entry_id: int) -> WaitlistEntry:
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.item_id != item.id:
        abort(404)
    return entry


def swap_post_in_group(access: GroupAccess, post_id: int) -> SwapPost:
    post = db.session.get(SwapPost, post_id)
    if post is None or post.group_id != access.group.id:
        abort(404)
    return post


def membership_of(user, group_id: int) -> Membership | None:
    if user is None:
        return None
    return next((m for m in user.memberships if m.group_id == group_id), None)


def party_of(user, group_id: int) -> tuple[str, int | None] | None:
    """Who books: the person's household, or the person alone (most youth have no household).
    None for someone with no membership in the group (a programme lead looking in)."""
    membership = membership_of(user, group_id)
    if membership is None:
        return None
    if membership.household_id is not None:
        return f"h{membership.household_id}", membership.household_id
    return f"u{user.id}", None


def custodian_ids(item: Item) -> set[int]:
    """The people who look after the item: the custodian, and the members of the custodian
    household when the whole household does."""
    ids = {item.custodian_id} if item.custodian_id else set()
    if item.custodian_household_id is not None:
        ids.update(
            db.session.scalars(
                select(Membership.user_id).where(
                    Membership.group_id == item.group_id,
                    Membership.household_id == item.custodian_household_id,
                )
            )
        )
    return ids


def is_custodian(item: Item, user) -> bool:
    return user is not None and user.id in custodian_ids(item)


def is_borrower(booking: Booking, user) -> bool:
    """The person who booked, or anyone in the household that booked."""
    party = party_of(user, booking.item.group_id)
    return party is not None and party[0] == booking.party


def may_edit_item(access: GroupAccess, item: Item, user) -> bool:
    return access.can_moderate or is_custodian(item, user)


def may_see_pickup_instructions(access: GroupAccess, item: Item, user, bookings) -> bool:
    """Where the item is and how to get it: for the people who look after it, and for a member
    whose booking of it is confirmed. Never for anyone else."""
    if may_edit_item(access, item, user):
        return True
    return any(b.status in ("confirmed", "picked_up") and is_borrower(b, user) for b in bookings)
