"""The one function every notification goes through, and the texts of each kind.

Email and SMS will be further channels behind notify(); callers don't change.
"""

import json
import re
from datetime import date

from flask_babel import LazyString, force_locale, format_date
from markupsafe import Markup, escape
from sqlalchemy import String, cast, delete, func, or_, select, update

from pb import privacy
from pb.extensions import db
from pb.i18n import DEFAULT_LOCALE, markup_with_isolated
from pb.notifications.models import Notification
from pb.timeutil import utcnow

# kind -> lazily translated text with %(name)s parameters; each domain registers its kinds.
_MESSAGES: dict[str, LazyString] = {}


def register_kind(kind: str, message: LazyString) -> None:
    _MESSAGES[kind] = message


def notify(user, kind: str, *, in_group=None, link: str | None = None, **params) -> Notification:
    """Tell one person something, in the caller's transaction, so it is sent only if the change
    it tells about is saved."""
    if kind not in _MESSAGES:
        raise KeyError(f"unknown notification kind {kind!r}; register_kind() it first")
    notification = Notification(
        user_id=user.id,
        group_id=getattr(in_group, "id", None),
        kind=kind,
        params={key: str(value) for key, value in params.items()},
        link=link,
    )
    db.session.add(notification)
    return notification


# A parameter whose name ends in "day" and holds an ISO date is a date: it is stored as
# 2026-12-12 and written out the reader's way when shown ("12. des. 2026").
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shown(key: str, value: str) -> str:
    if key.endswith("day") and _ISO_DATE.fullmatch(value):
        return format_date(date.fromisoformat(value), "medium")
    return value


def text_of(notification: Notification) -> Markup:
    """The message in the current reader's language. Markup's % escapes each parameter once."""
    template = _MESSAGES.get(notification.kind)
    if template is None:
        return escape(notification.kind)
    params = {key: _shown(key, value) for key, value in notification.params.items()}
    return markup_with_isolated(str(template), params)


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
# Last, so that it sees every text the other erasers blanked.
privacy.register_eraser("notifications", _erase_notifications, order=100)
