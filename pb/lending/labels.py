"""The words for lending's codes, in the reader's language."""

from flask_babel import lazy_gettext as _l

CATEGORY_NAMES = {
    "water": _l("Boats and water"),
    "bikes": _l("Bikes"),
    "camping": _l("Camping"),
    "sports": _l("Sports"),
    "tools": _l("Tools"),
    "other": _l("Other things"),
}
OWNER_NAMES = {
    "group": _l("The group"),
    "parents": _l("The parents' association"),
    "municipality": _l("The municipality"),
}
CONDITION_NAMES = {
    "good": _l("Good"),
    "worn": _l("Worn"),
    "needs_repair": _l("Needs repair"),
}
ITEM_STATUS_NAMES = {
    "available": _l("Can be borrowed"),
    "maintenance": _l("Being repaired"),
    "lost": _l("Lost"),
    "retired": _l("No longer lent out"),
}
BOOKING_STATUS_NAMES = {
    "offered": _l("Offered to you"),
    "requested": _l("Waiting for an answer"),
    "confirmed": _l("Confirmed"),
    "picked_up": _l("Picked up"),
    "returned": _l("Returned"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
    "lapsed": _l("Offer not taken"),
}
DAY_STATE_NAMES = {
    "free": _l("Free"),
    "taken": _l("Taken"),
    "mine": _l("Your booking"),
    "past": _l("Past"),
}
SWAP_KIND_NAMES = {"give": _l("To give away"), "swap": _l("To swap")}
SWAP_STATUS_NAMES = {
    "open": _l("Free to take"),
    "reserved": _l("Reserved"),
    "handed_over": _l("Handed over"),
    "expired": _l("Expired"),
    "withdrawn": _l("Taken down"),
}
