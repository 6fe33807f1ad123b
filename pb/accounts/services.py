"""Accounts: joining, logging in, second factor, password reset, and a person's own data."""

import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
from flask import current_app
from sqlalchemy import or_, select, update

from pb import privacy
from pb.accounts import sessions
from pb.accounts.models import ResetCode, User, UserSession, new_session_token
from pb.accounts.passwords import dummy_hash, hash_password, verify_password
from pb.audit.models import AuditEvent, AuditNote
from pb.audit.services import record
from pb.codes import hash_code, new_code
from pb.extensions import db
from pb.forms import phone_or_none
from pb.groups import services as groups
from pb.groups.models import Invite, Membership
from pb.timeutil import utcnow

TOTP_ISSUER = "Fellespott"


class AccountError(Exception):
    """A rule said no. `code` tells the view which translated message to show."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise_username(username: str) -> str:
    return (username or "").strip().casefold()


def username_taken(username: str) -> bool:
    return (
        db.session.scalar(select(User.id).where(User.username == normalise_username(username)))
        is not None
    )


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def register_with_invite(
    invite: Invite,
    *,
    username: str,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> User:
    """Create the account and its membership together: a failed join leaves no orphan account."""
    if username_taken(username):
        raise AccountError("username_taken")
    user = User(
        username=normalise_username(username),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        email=email or None,
        phone=phone_or_none(phone),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    record("account.created", actor=user, subject=user)
    groups.add_member_by_invite(invite, user)
    db.session.commit()
    return user


def join_with_invite(user: User, invite: Invite) -> Membership:
    membership = groups.add_member_by_invite(invite, user)
    db.session.commit()
    return membership


def authenticate(username: str, password: str) -> User | None:
    user = find_user(username)
    if user is None or not user.is_active:
        # Spend the same Argon2 work as for a real account, so the time taken does not tell
        # whether the username exists.
        verify_password(dummy_hash(), password)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        if user is not None:
            record("login.failed", actor=user, subject=user)
            db.session.commit()
        return None
    return user


def log_in(user: User, *, second_factor: bool, user_agent: str | None) -> str:
    """Open a server-side session for this device; returns the token the cookie carries."""
    token = sessions.start_session(user, user_agent)
    record("login.succeeded", actor=user, subject=user, second_factor=second_factor)
    db.session.commit()
    return token


def log_out(user: User) -> None:
    """End this device's session only; the person's other devices stay logged in."""
    sessions.end_session(user)
    record("logout", actor=user, subject=user)
    db.session.commit()


def log_out_everywhere(user: User) -> int:
    ended = sessions.end_all_sessions(user)
    record("logout.everywhere", actor=user, subject=user, sessions=ended)
    db.session.commit()
    return ended


def log_out_device(user: User, session_id: int) -> bool:
    ended = sessions.end_one_session(user, session_id)
    if ended:
        record("logout.device", actor=user, subject=user)
    db.session.commit()
    return ended


def start_two_factor(user: User) -> str:
    """Give the user a fresh, unconfirmed TOTP secret; it counts only after a correct code."""
    if user.has_two_factor:
        raise AccountError("already_enrolled")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.username, issuer_name=TOTP_ISSUER
    )


def _accept_totp(user: User, code: str) -> bool:
    """Check a 6-digit code within one step of now, and refuse any step already used.

    The used step is claimed with one conditional UPDATE, so when the same fresh code arrives
    in several requests at once, the database lets exactly one of them win.
    """
    code = "".join(ch for ch in code or "" if ch in "0123456789")
    if not user.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = totp.timecode(datetime.now(UTC))
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = db.session.execute(
                update(User)
                .where(User.id == user.id)
                .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            return claimed == 1
    return False


def confirm_two_factor(user: User, code: str) -> bool:
    if not _accept_totp(user, code):
        db.session.rollback()
        return False
    user.totp_confirmed_at = utcnow()
    record("two_factor.enabled", actor=user, subject=user)
    db.session.commit()
    return True


def verify_two_factor(user: User, code: str) -> bool:
    if not _accept_totp(user, code):
        db.session.rollback()
        record("two_factor.failed", actor=user, subject=user)
        db.session.commit()
        return False
    db.session.commit()
    return True


def current_totp(user: User) -> str:
    """The code an authenticator would show now; only the demo CLI uses this."""
    return pyotp.TOTP(user.totp_secret).now()


def issue_reset_code(target: User, *, actor: User | None, group=None) -> str:
    """A one-time code, shown once to the helper; only its hash is kept. With no actor, the code
    comes from the server's command line (`flask --app pb reset-code`), which is how the
    programme lead, whom nobody outranks, gets back in."""
    if actor is not None and reset_code_problem(actor, target) is not None:
        raise AccountError("may_not_reset")
    code = new_code(8)
    hours = current_app.config["RESET_CODE_HOURS_VALID"]
    db.session.add(
        ResetCode(
            user_id=target.id,
            code_hash=hash_code(code),
            created_by_id=getattr(actor, "id", None),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    details = {} if actor is not None else {"via": "command line"}
    record("password.reset_code_issued", actor=actor, group=group, subject=target, **details)
    db.session.commit()
    return code


def reset_code_problem(issuer: User, target: User) -> str | None:
    """Why `issuer` may not hand `target` a reset code, or None if they may.

    A reset code is the account, so the issuer must outrank the account everywhere it counts:
    in every group the account is in, the issuer holds a higher role there or leads the
    programme. Ranks run member < peer consultant < staff < programme lead. A member whose
    household receives individual payouts gets codes from staff only, and staff (who are staff
    of the programme) get theirs from the lead.
    """
    return reset_code_problems(issuer, [target]).get(target.id)


def reset_code_problems(issuer: User, targets: list[User]) -> dict[int, str]:
    """reset_code_problem() for many people at once: a few queries, however many there are."""
    from pb.groups.access import ROLE_RANK, individual_payout_user_ids
    from pb.groups.models import Group

    led = {r.programme_id for r in issuer.programme_roles if r.role == "lead"}
    issuer_rank = {m.group_id: ROLE_RANK[m.role] for m in issuer.memberships}
    receiving = individual_payout_user_ids([t.id for t in targets])
    group_ids = {m.group_id for t in targets for m in t.memberships}
    programme_of = dict(
        db.session.execute(
            select(Group.id, Group.programme_id).where(Group.id.in_(group_ids))
        ).all()
    )
    problems = {}
    for target in targets:
        if target.id == issuer.id:
            problems[target.id] = "own_account"
            continue
        for role in target.programme_roles:
            if role.role == "lead" or role.programme_id not in led:
                problems[target.id] = "outranked"
        for membership in target.memberships:
            if programme_of[membership.group_id] in led:
                continue
            rank = issuer_rank.get(membership.group_id, -1)
            needed = ROLE_RANK[membership.role] + 1
            if (membership.group_id, target.id) in receiving:
                needed = max(needed, ROLE_RANK["staff"])
            if rank < needed:
                problems[target.id] = "outranked"
    return problems


def reset_password(username: str, code: str, new_password: str) -> User:
    user = find_user(username)
    reset = None
    if user is not None and user.is_active:
        reset = db.session.scalar(
            select(ResetCode).where(
                ResetCode.user_id == user.id,
                ResetCode.code_hash == hash_code(code),
                ResetCode.used_at.is_(None),
                ResetCode.expires_at > utcnow(),
            )
        )
    if reset is None:
        raise AccountError("bad_reset_code")
    reset.used_at = utcnow()
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    # Whoever had the old password may still be logged in somewhere: end every session.
    sessions.end_all_sessions(user)
    record("password.reset", actor=user, subject=user)
    db.session.commit()
    return user


# Leaves a field as it is: the profile page no longer carries the email and phone number,
# which live with the notification settings.
UNCHANGED = object()


def update_profile(
    user: User, *, display_name: str, locale: str | None, email=UNCHANGED, phone=UNCHANGED
) -> None:
    user.display_name = display_name.strip()
    if email is not UNCHANGED:
        user.email = email or None
    if phone is not UNCHANGED:
        user.phone = phone_or_none(phone)
    user.locale = locale or None
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


def register_data_exporter(name: str, exporter: Callable[[User], object]) -> None:
    """Let a domain add its part to a person's data export (see pb/privacy.py)."""
    privacy.register_exporter(name, exporter)


def export_user_data(user: User) -> dict:
    """Everything Fellespott holds about this person, in a form they can read and keep."""
    data = {
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "phone": user.phone,
            "language": user.locale,
            "two_factor": user.has_two_factor,
            "created_at": user.created_at.isoformat(),
        },
        "memberships": [
            {
                "group": m.group.name,
                "programme": m.group.programme.name,
                "role": m.role,
                "joined_at": m.joined_at.isoformat(),
                "household": m.household.label if m.household else None,
                "children_birth_years": (
                    [c.birth_year for c in m.household.children] if m.household else []
                ),
            }
            for m in user.memberships
        ],
        "programme_roles": [
            {"programme": r.programme.name, "role": r.role} for r in user.programme_roles
        ],
        "log_ins": [
            {
                "device": login.device,
                "since": login.created_at.isoformat(),
                "last_used": login.last_seen_at.isoformat(),
            }
            for login in sessions.active_sessions(user)
        ],
        "activity": [
            {
                "at": e.created_at.isoformat(),
                "action": e.action,
                **({"your_words": e.note.text} if e.note is not None and e.note.text else {}),
            }
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
            )
        ],
    }
    for name, exporter in privacy.exporters():
        data[name] = exporter(user)
    return data


def delete_account(user: User, password: str) -> None:
    """Remove the person, keeping the pseudonymous row that money records and the log point to.

    Every domain's eraser blanks or removes what the person wrote or uploaded (pb/privacy.py),
    in this one transaction. Amounts and ballots stay, tied to "deleted member", so the ledger
    and the counts stay whole.
    """
    if not verify_password(user.password_hash, password):
        raise AccountError("wrong_password")
    erasure = privacy.Erasure(user)
    erasure.blanked(user.display_name)
    for _name, eraser in privacy.erasers():
        eraser(erasure)
    for membership in list(user.memberships):
        db.session.delete(membership)
    for role in list(user.programme_roles):
        db.session.delete(role)
    db.session.execute(ResetCode.__table__.delete().where(ResetCode.user_id == user.id))
    db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))
    db.session.execute(
        update(AuditNote)
        .where(AuditNote.author_id == user.id)
        .values(text="", erased_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.username = f"deleted-{user.id}"
    user.display_name = ""
    user.email = None
    user.phone = None
    user.locale = None
    # bandit B105: not a password: '!' is a hash no password matches
    user.password_hash = "!"  # nosec B105
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.session_token = new_session_token()
    user.deleted_at = utcnow()
    record("account.deleted", actor=user, subject=user)
    db.session.commit()
