import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

USERNAME_MAX = 40
DISPLAY_NAME_MAX = 60


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person. Only a display name, a username and a password are required; nothing else."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Changing this cancels a log-in that waits for its second factor (password reset, deletion).
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    # The last TOTP time step accepted, so a code can't be replayed within its window.
    totp_last_step: Mapped[int | None]
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    # Loaded on first use: a page that lists fifty authors needs their names, not their
    # memberships. The request's own user has both loaded with the log-in (accounts/sessions).
    memberships = relationship("Membership", back_populates="user")
    programme_roles = relationship("ProgrammeRole", back_populates="user")

    # The log-in this request runs under (see UserSession); set by log-in and by the loader.
    login_token = None
    # The bell's count, read by the loader in the same query as the log-in; None: not read.
    unread_notifications = None

    def get_id(self) -> str:
        return f"{self.id}.{self.login_token}"

    def pending_id(self) -> str:
        """Who is half-way through logging in (password right, code not yet given)."""
        return f"{self.id}.{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def must_use_two_factor(self) -> bool:
        """Staff and programme leads handle money and personal data: they need a second factor."""
        return bool(self.programme_roles) or any(m.role == "staff" for m in self.memberships)


class ResetCode(db.Model):
    """A one-time code that staff or a peer consultant hands to a member who forgot the password."""

    __tablename__ = "reset_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    code_hash: Mapped[str] = mapped_column(String(255))
    # None: issued on the server with `flask --app pb reset-code` (how the lead recovers).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])


class UserSession(db.Model):
    """One log-in on one device. Log-out ends this row only, so a copied cookie stops working
    while the person's other devices stay logged in. Only a hash of the token is stored."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "Chrome on Android": enough to recognise one's own phone, and nothing more.
    device: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
