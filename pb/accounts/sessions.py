"""Server-side log-in sessions: one row per log-in on one device.

The cookie carries the user's id and a random token. The token is checked against this table on
every request, so ending a row (log-out, "log out everywhere", a password reset) makes every copy
of that cookie anonymous at once, wherever it was saved.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from pb.accounts.models import User, UserSession
from pb.extensions import db
from pb.ids import whole_number
from pb.timeutil import utcnow

# Writing "last used" on every request would turn every page view into a write.
TOUCH_EVERY = timedelta(minutes=5)

_BROWSERS = (
    ("SamsungBrowser", "Samsung Internet"),
    ("EdgA", "Edge"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """A browser and system name from the User-Agent; the rest of the header is not kept."""
    text = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in text), "")
    system = next((name for marker, name in _SYSTEMS if marker in text), "")
    label = " / ".join(part for part in (browser, system) if part)
    return re.sub(r"[^\w /.-]", "", label)[:60]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=lifetime)


def start_session(user: User, user_agent: str | None) -> str:
    """A new log-in: store the token's hash and let the user carry the token for get_id()."""
    token = secrets.token_urlsafe(24)
    db.session.add(
        UserSession(user_id=user.id, token_hash=_hash(token), device=device_label(user_agent))
    )
    user.login_token = token
    return token


def user_for_cookie(cookie_id: str) -> User | None:
    """The user behind a session cookie's "<id>.<token>", if that log-in is still open."""
    raw_id, _sep, token = (cookie_id or "").partition(".")
    user_id = whole_number(raw_id)
    if user_id is None or not token:
        return None
    from pb.groups.models import Membership
    from pb.notifications.models import Notification

    # One query for what every page needs: the log-in, the person, their memberships with
    # their groups, their programme roles, and the bell's count.
    unread = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    row = (
        db.session.execute(
            select(UserSession, User, unread)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == _hash(token), UserSession.user_id == user_id)
            .where(UserSession.ended_at.is_(None))
            .options(
                joinedload(User.memberships).joinedload(Membership.group),
                joinedload(User.programme_roles),
            )
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    login, user, user.unread_notifications = row
    now = utcnow()
    if not user.is_active or login.last_seen_at + _lifetime() < now:
        return None
    if now - login.last_seen_at > TOUCH_EVERY:
        db.session.execute(
            update(UserSession).where(UserSession.id == login.id).values(last_seen_at=now)
        )
        db.session.commit()
    user.login_token = token
    return user


def end_session(user: User) -> None:
    """Log out this device: the cookie it had is worth nothing from now on."""
    if user.login_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(user.login_token))
            .where(UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_all_sessions(user: User) -> int:
    """Log out every device (in the caller's transaction); returns how many were open."""
    return db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    ).rowcount


def end_one_session(user: User, session_id: int) -> bool:
    """Log out one of the person's own devices, from the account page."""
    return (
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.user_id == user.id)
            .where(UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        ).rowcount
        == 1
    )


def active_sessions(user: User) -> list[UserSession]:
    since = utcnow() - _lifetime()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .where(UserSession.last_seen_at > since)
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def is_current(user: User, login: UserSession) -> bool:
    return bool(user.login_token) and login.token_hash == _hash(user.login_token)
