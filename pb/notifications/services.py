"""The one function every notification goes through, and the texts of each kind.

notify() writes the bell's notification and, in the same transaction, one delivery per further
channel the person chose (email, SMS; pb/notifications/delivery.py). They are sent after the
commit, so nothing is sent about a change that was rolled back.
"""

import json
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import LazyString, force_locale, format_date
from markupsafe import Markup, escape
from sqlalchemy import String, cast, delete, func, or_, select, update

from pb import privacy
from pb.extensions import db
from pb.i18n import DEFAULT_LOCALE, markup_with_isolated
from pb.notifications.models import Notification
from pb.timeutil import utcnow

# The category a kind belongs to, by the first part of its name, unless it names its own.
_CATEGORY_OF_DOMAIN = {
    "voting": "votes",
    "proposals": "moderation",
    "payout": "payouts",
    "plan": "payouts",
    "complaint": "payouts",
    "staff": "payouts",
    "lending": "bookings",
    "swap": "bookings",
    "project": "projects",
    "story": "projects",
    "survey": "projects",
}


@dataclass(frozen=True)
class Kind:
    """A kind of notification: its text (lazily translated, with %(name)s parameters), the
    category a person chooses channels for, and whether it is urgent: an urgent one (a booking
    request, a reminder for tomorrow) goes out at once even for someone who reads a daily
    digest. Quiet hours hold it all the same."""

    name: str
    message: LazyString
    category: str
    urgent: bool = False
    # For a kind an SMS answer acts on: a shorter sentence that still names the thing, for an
    # SMS where the whole sentence and "Answer JA 4821 or NEI 4821." don't fit in one.
    sms: LazyString | None = None


_KINDS: dict[str, Kind] = {}


def register_kind(
    kind: str,
    message: LazyString,
    *,
    category: str | None = None,
    urgent: bool = False,
    sms: LazyString | None = None,
) -> None:
    category = category or _CATEGORY_OF_DOMAIN.get(kind.split(".", 1)[0])
    if category is None:
        raise ValueError(f"say which category {kind!r} belongs to")
    _KINDS[kind] = Kind(kind, message, category, urgent, sms)


def kind_of(name: str) -> Kind | None:
    return _KINDS.get(name)


def kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)


def notify(
    user,
    kind: str,
    *,
    in_group=None,
    link: str | None = None,
    answer: tuple[str, int] | None = None,
    once_key: str | None = None,
    **params,
) -> Notification:
    """Tell one person something, in the caller's transaction, so it is sent only if the change
    it tells about is saved. `answer` (an action and a row id) lets an SMS answer act on it;
    `once_key` makes the database refuse a second notice with the same key."""
    from pb.notifications import delivery

    if kind not in _KINDS:
        raise KeyError(f"unknown notification kind {kind!r}; register_kind() it first")
    notification = Notification(
        user_id=user.id,
        group_id=getattr(in_group, "id", None),
        kind=kind,
        params={key: str(value) for key, value in params.items()},
        link=link,
        answer_action=answer[0] if answer else None,
        answer_subject_id=answer[1] if answer else None,
        once_key=once_key,
    )
    db.session.add(notification)
    delivery.plan(notification, user, _KINDS[kind])
    return notification


# A parameter named "date" or ending in "day" that holds an ISO date is a date: it is stored as
# 2026-12-12 and written out the reader's way when shown ("12. des. 2026").
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shown(key: str, value: str) -> str:
    if (key == "date" or key.endswith("day")) and _ISO_DATE.fullmatch(value):
        return format_date(date.fromisoformat(value), "medium")
    return value


def shown_params(notification: Notification) -> dict[str, str]:
    """The parameters as the current reader sees them (dates in their language)."""
    return {key: _shown(key, value) for key, value in notification.params.items()}


def text_of(notification: Notification) -> Markup:
    """The message in the current reader's language. Markup's % escapes each parameter once."""
    kind = _KINDS.get(notification.kind)
    if kind is None:
        return escape(notification.kind)
    return markup_with_isolated(str(kind.message), shown_params(notification))


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def open_inbox(user, limit: int = 100) -> list[Notification]:
    """The latest notifications; opening the list marks them read."""
    notifications = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    unread = [n.id for n in notifications if n.read_at is None]
    if unread:
        db.session.execute(
            update(Notification).where(Notification.id.in_(unread)).values(read_at=utcnow())
        )
        db.session.commit()
        # The count read with the log-in is out of date now; the bell asks again.
        user.unread_notifications = None
    for notification in notifications:
        notification.was_unread = notification.id in unread
    return notifications


def _my_notifications(user) -> list[dict]:
    """The person's notifications, written out in their language."""
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()
    with force_locale(user.locale or DEFAULT_LOCALE):
        return _written_out(rows)


def _written_out(rows) -> list[dict]:
    return [
        {
            "at": n.created_at.isoformat(),
            "text": str(text_of(n)),
            "link": n.link,
            "read": n.read_at is not None,
        }
        for n in rows
    ]


def _my_delivery_settings(user) -> dict:
    """The person's channels, quiet hours, and what was sent to them and how (no texts: those
    are under "notifications")."""
    from pb.notifications import preferences
    from pb.notifications.models import Delivery

    rows = db.session.scalars(
        select(Delivery).where(Delivery.user_id == user.id).order_by(Delivery.id)
    ).all()
    return {
        "settings": preferences.export(user),
        "deliveries": [
            {
                "channel": d.channel,
                "status": d.status,
                "created_at": d.created_at.isoformat(),
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
            }
            for d in rows
        ],
    }


def _erase_delivery_data(erasure: privacy.Erasure) -> None:
    """The person's deliveries, SMS codes and settings: before their notifications go."""
    from pb.notifications.models import (
        ChannelChoice,
        Delivery,
        NotificationSettings,
        SmsCode,
    )

    user_id = erasure.user.id
    mine = select(Delivery.id).where(Delivery.user_id == user_id)
    db.session.execute(delete(SmsCode).where(SmsCode.delivery_id.in_(mine)))
    db.session.execute(delete(SmsCode).where(SmsCode.user_id == user_id))
    db.session.execute(update(Delivery).where(Delivery.user_id == user_id).values(digest_id=None))
    db.session.execute(delete(Delivery).where(Delivery.user_id == user_id))
    db.session.execute(delete(ChannelChoice).where(ChannelChoice.user_id == user_id))
    db.session.execute(delete(NotificationSettings).where(NotificationSettings.user_id == user_id))


def _erase_notifications(erasure: privacy.Erasure) -> None:
    """Delete the person's own notifications, and take their name and the texts they wrote
    (collected in `erasure.texts` by the erasers before this one) out of other people's."""
    db.session.execute(delete(Notification).where(Notification.user_id == erasure.user.id))
    texts = {t for t in erasure.texts if t}
    if not texts:
        return
    # Parameters are stored as JSON text: look for each text as JSON writes it, then check
    # the values exactly, so that "Ali" does not blank "Alice".
    stored = cast(Notification.params, String)
    patterns = [json.dumps(t)[1:-1] for t in texts]
    candidates = db.session.scalars(
        select(Notification).where(or_(*(stored.contains(p, autoescape=True) for p in patterns)))
    ).all()
    for notification in candidates:
        params = dict(notification.params)
        changed = {key: "–" for key, value in params.items() if value in texts}
        if changed:
            notification.params = {**params, **changed}


privacy.register_exporter("notifications", _my_notifications)
privacy.register_exporter("notification_settings", _my_delivery_settings)
privacy.register_eraser("notification_deliveries", _erase_delivery_data, order=99)
# Last, so that it sees every text the other erasers blanked.
privacy.register_eraser("notifications", _erase_notifications, order=100)
