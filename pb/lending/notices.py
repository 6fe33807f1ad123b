"""What lending tells people, through the one notify() every domain uses."""

from datetime import date

from flask_babel import lazy_gettext as _l

from pb.notifications.services import notify, register_kind

register_kind(
    "lending.requested",
    _l("Someone asks to borrow “%(item)s” from %(first_day)s to %(last_day)s."),
    urgent=True,
    sms=_l("Lend out “%(item)s”?"),
)
register_kind(
    "lending.confirmed",
    _l("Your booking of “%(item)s” from %(first_day)s to %(last_day)s is confirmed."),
)
register_kind(
    "lending.declined",
    _l("Your booking of “%(item)s” from %(first_day)s to %(last_day)s was declined."),
)
register_kind(
    "lending.cancelled",
    _l("The booking of “%(item)s” from %(first_day)s to %(last_day)s was cancelled."),
)
register_kind(
    "lending.cancelled_damage",
    _l(
        "“%(item)s” is damaged, so your booking from %(first_day)s to %(last_day)s is "
        "cancelled. See what else is free on those days."
    ),
)
register_kind(
    "lending.offer",
    _l(
        "“%(item)s” is free from %(first_day)s to %(last_day)s, and it is offered to you "
        "first. Answer within 24 hours."
    ),
    urgent=True,
)
register_kind("lending.damage", _l("“%(item)s” was reported damaged and is being repaired."))
register_kind("lending.custodian", _l("You now look after “%(item)s”."))
register_kind("lending.message", _l("New message about “%(item)s”."))
register_kind("lending.pickup_tomorrow", _l("Tomorrow you can pick up “%(item)s”."), urgent=True)
register_kind("lending.return_tomorrow", _l("Remember to return “%(item)s” tomorrow."), urgent=True)
register_kind(
    "lending.late", _l("“%(item)s” should have been returned on %(day)s. It is late."), urgent=True
)
# To the keeper on the day, so that one SMS answer records the hand-over or the return.
register_kind(
    "lending.handover_today",
    _l("“%(item)s” is to be picked up today. Has it been handed over?"),
    urgent=True,
    sms=_l("“%(item)s” handed over today?"),
)
register_kind(
    "lending.return_today",
    _l("“%(item)s” is to come back today. Is it back, in the same condition as before?"),
    urgent=True,
    sms=_l("“%(item)s” back, in the same condition?"),
)
register_kind("swap.reserved", _l("Someone wants “%(item)s” from the swap shelf."))


def send(user, kind: str, about, *, link: str, answer=None, **params) -> None:
    """Tell `user` about an item or a swap post, in its group. `answer` lets an SMS answer act
    on it (see pb/notifications/answers.py)."""
    notify(user, kind, in_group=about.group, link=link, answer=answer, **params)


def days(first: date, last: date) -> dict[str, str]:
    """Dates go in as ISO dates; the bell writes them out in the reader's language."""
    return {"first_day": first.isoformat(), "last_day": last.isoformat()}


def day(value: date) -> str:
    return value.isoformat()
