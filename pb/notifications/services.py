"""The one function every notification goes through, and the texts of each kind.

Email and SMS will be further channels behind notify(); callers don't change.
"""

from flask_babel import LazyString
from markupsafe import Markup, escape
from sqlalchemy import func, select, update

from pb.extensions import db
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


def text_of(notification: Notification) -> Markup:
    """The message in the current reader's language. Markup's % escapes each parameter once."""
    template = _MESSAGES.get(notification.kind)
    if template is None:
        return escape(notification.kind)
    return escape(str(template)) % notification.params


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
