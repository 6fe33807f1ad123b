"""Answers by SMS, for members without data on their phone.

An SMS that asks for an answer ends with "Answer JA 4821 or NEI 4821." The code is single-use,
expires, and counts only from the number it was sent to. STOPP turns SMS off for that number.
Each domain registers what an answer does (lending: confirm a request, a hand-over, a return);
the action runs as the person it was sent to, through the domain's own services, and is
audited as taken by SMS.

Inbound messages come from the provider to POST /sms/inbound, signed with SMS_WEBHOOK_SECRET:
HMAC-SHA256 over "<timestamp>.<body>", in the X-Fellespott-Signature header, with the Unix time
in X-Fellespott-Timestamp. A request older than five minutes, or seen before, is refused.
"""

import hashlib
import hmac
import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.errors import RuleRefused
from pb.extensions import db
from pb.i18n import DEFAULT_LOCALE
from pb.notifications import preferences
from pb.notifications.channels import plain_sms_text, sms_backend
from pb.notifications.models import Delivery, SmsCode, SmsInboundSeen
from pb.phones import normalise_phone
from pb.timeutil import utcnow

log = logging.getLogger(__name__)

YES_WORDS = {"JA", "YES"}
NO_WORDS = {"NEI", "NO"}
STOP_WORDS = {"STOPP", "STOP"}
SIGNATURE_MAX_AGE = 300

REPLY_BAD_CODE = _l(
    "Fellespott: that code is wrong, used or too old. Nothing was changed. Open the app to answer."
)
REPLY_TOO_LATE = _l("Fellespott: this can't be answered by SMS any more. Nothing was changed.")
REPLY_HELP = _l("Fellespott: answer JA or NEI and the code from our message, or STOPP.")
REPLY_STOPPED = _l("Fellespott: you will get no more SMS from us. Turn SMS on again in the app.")


@dataclass(frozen=True)
class AnswerAction:
    """What JA and NEI do: `handle(subject_id, actor, yes)` acts through the domain's services
    (committing, with an audit event marked via="sms") and returns the reply to send."""

    name: str
    handle: Callable[[int, object, bool], LazyString]


_ACTIONS: dict[str, AnswerAction] = {}


def register_action(name: str, handle: Callable[[int, object, bool], LazyString]) -> None:
    _ACTIONS[name] = AnswerAction(name, handle)


# ---------------------------------------------------------------------------------------------
# Codes on the way out


def code_for(delivery: Delivery, phone: str) -> str | None:
    """The code for this delivery's SMS, made (and committed) before the SMS goes out, so a
    quick answer finds it; a second try of the same delivery reuses it."""
    notification = delivery.notification
    if notification is None or notification.answer_action not in _ACTIONS:
        return None
    existing = db.session.scalar(select(SmsCode).where(SmsCode.delivery_id == delivery.id))
    now = utcnow()
    expires_at = now + timedelta(hours=current_app.config["SMS_CODE_HOURS_VALID"])
    if existing is not None:
        existing.phone, existing.expires_at = phone, expires_at
        db.session.commit()
        return existing.code
    code = _fresh_code(phone, now)
    db.session.add(
        SmsCode(
            delivery_id=delivery.id,
            user_id=delivery.user_id,
            phone=phone,
            code=code,
            action=notification.answer_action,
            subject_id=notification.answer_subject_id,
            expires_at=expires_at,
        )
    )
    db.session.commit()
    return code


def _fresh_code(phone: str, now) -> str:
    """Four digits no other open code of this number has."""
    for _ in range(50):
        code = f"{secrets.randbelow(9000) + 1000}"
        taken = db.session.scalar(
            select(SmsCode.id).where(
                SmsCode.phone == phone,
                SmsCode.code == code,
                SmsCode.used_at.is_(None),
                SmsCode.expires_at > now,
            )
        )
        if taken is None:
            return code
    raise RuntimeError("no free SMS code for this number")


# ---------------------------------------------------------------------------------------------
# Answers on the way in


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, timestamp: str, body: bytes, signature: str, now=None) -> bool:
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signature:
        return False
    if abs((now or time.time()) - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    return hmac.compare_digest(signature_for(secret, timestamp, body), signature)


def first_time(signature: str) -> bool:
    """Remember a signed request; False if it was seen before (a replay)."""
    db.session.add(SmsInboundSeen(signature_hash=hashlib.sha256(signature.encode()).hexdigest()))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def forget(signature: str) -> None:
    """Handling failed: the provider's retry of the same request is then handled, not refused."""
    db.session.rollback()
    row = db.session.get(SmsInboundSeen, hashlib.sha256(signature.encode()).hexdigest())
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def prune(now=None) -> int:
    """Signatures older than a day (a replay that old fails on its timestamp anyway), and
    answer codes a month past their expiry."""
    now = now or utcnow()
    seen = db.session.execute(
        delete(SmsInboundSeen).where(SmsInboundSeen.received_at < now - timedelta(days=1))
    ).rowcount
    codes = db.session.execute(
        delete(SmsCode).where(SmsCode.expires_at < now - timedelta(days=30))
    ).rowcount
    db.session.commit()
    return seen + codes


@dataclass
class Reply:
    phone: str
    text: str


def _users_with_phone(phone: str) -> list:
    from pb.accounts.models import User

    return list(
        db.session.scalars(
            select(User).where(User.phone == phone, User.deleted_at.is_(None)).order_by(User.id)
        )
    )


def _reply(phone: str, message: LazyString, user) -> Reply:
    """The answer in the language of `user`: the person the code was for, or the first member
    with the number."""
    locale = (user.locale if user is not None else None) or DEFAULT_LOCALE
    with force_locale(locale):
        return Reply(phone, plain_sms_text(str(message)))


# "JA 4821", "ja4821", "Ja 4821." and Arabic-Indic or other digits: what people type.
_ANSWER = re.compile(r"^\s*([^\W\d_]+)\s*(\d{4,8})?\s*[.!]?\s*$")


def _parse(text: str | None) -> tuple[str, str | None]:
    """The keyword in capitals and the code in ASCII digits, or ("", None)."""
    match = _ANSWER.match(text or "")
    if match is None:
        return "", None
    code = match.group(2)
    if code is not None:
        code = "".join(str(unicodedata.digit(ch)) for ch in code)
    return match.group(1).upper(), code


def handle_inbound(from_phone: str | None, text: str | None) -> Reply | None:
    """Act on one inbound SMS and return the reply to send. A number no member has gets no
    reply (each costs the municipality an SMS), nor does one that answered STOPP, except to
    confirm it."""
    phone = normalise_phone(from_phone)
    if phone is None:
        return None
    members = _users_with_phone(phone)
    if not members:
        return None
    keyword, digits = _parse(text)
    if keyword in STOP_WORDS:
        return _stop(phone, members)
    if all(preferences.of(member).sms_stopped_at for member in members):
        return None
    if keyword not in YES_WORDS | NO_WORDS or digits is None:
        return _reply(phone, REPLY_HELP, members[0])
    now = utcnow()
    code = db.session.scalar(
        select(SmsCode)
        .where(SmsCode.phone == phone, SmsCode.code == digits)
        .order_by(SmsCode.id.desc())
        .limit(1)
    )
    if code is None or code.used_at is not None or code.expires_at <= now:
        return _reply(phone, REPLY_BAD_CODE, members[0])
    user = code.user
    # The code counts only while the number is still the person's own: a lost phone's SIM
    # stops answering for them once they change the number.
    if not user.is_active or normalise_phone(user.phone) != phone:
        return _reply(phone, REPLY_BAD_CODE, members[0])
    action = _ACTIONS.get(code.action)
    if action is None:
        return _reply(phone, REPLY_TOO_LATE, members[0])
    # Used in the same transaction as the action, and only if still unused: of two answers at
    # the same moment one claims the code and the other waits for it, then finds it used.
    claimed = db.session.execute(
        update(SmsCode)
        .where(SmsCode.id == code.id, SmsCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return _reply(phone, REPLY_BAD_CODE, members[0])
    try:
        message = action.handle(code.subject_id, user, keyword in YES_WORDS)
    except RuleRefused:
        db.session.rollback()
        stale = db.session.get(SmsCode, code.id)
        stale.used_at = utcnow()
        db.session.commit()
        return _reply(phone, REPLY_TOO_LATE, user)
    db.session.commit()
    return _reply(phone, message, user)


def _stop(phone: str, users: list) -> Reply:
    for user in users:
        preferences.stop_sms(user)
        record("notifications.sms_stopped", actor=user, subject=user, via="sms")
    db.session.commit()
    return _reply(phone, REPLY_STOPPED, users[0])


def send_reply(reply: Reply | None) -> None:
    """The short answer to an inbound SMS, sent straight away: it is not a notification, and
    nobody chose a channel for it. A failure is logged; the action already stands."""
    if reply is None:
        return
    try:
        sms_backend().send(reply.phone, reply.text)
    except Exception:
        log.exception("the reply to an inbound SMS could not be sent")
