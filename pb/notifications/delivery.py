"""Getting each notification out by email and SMS, once.

The delivery table is the source of truth. notify() adds one row per channel in the caller's
transaction; after the commit the rows are handed on: to the RQ queue when Redis is configured
(`flask --app pb worker` sends them), or sent in this process once the response has gone out.
Nothing is sent inside the web request's transaction, and a request never fails because a mail
server does. `flask --app pb tick` sends or re-queues whatever is due, so a lost queue, a
restarted worker or a closed SMTP server delays messages but loses none.

Each send first claims its row (pending -> sending, one UPDATE that only one sender can win),
so two workers or a re-queued job never send the same delivery twice.
"""

import logging
from datetime import timedelta

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pb.extensions import db
from pb.notifications import preferences
from pb.notifications.models import Delivery, Notification
from pb.phones import normalise_phone
from pb.timeutil import utcnow

log = logging.getLogger(__name__)

_DUE_KEY = "notification_deliveries_due"


def _queued_outside_request() -> list[int]:
    """Deliveries committed outside a request (a command, a test), waiting for send_queued()."""
    return current_app.extensions.setdefault("notification_deliveries_queued", [])


# ---------------------------------------------------------------------------------------------
# Planning: which channels, and when


def plan(notification: Notification, user, kind) -> None:
    """Add the deliveries for a new notification, in the caller's transaction."""
    if not user.is_active:
        return
    prefs = preferences.of(user)
    now = utcnow()
    for channel in prefs.channels_for(kind.category):
        if channel == "email" and not user.email:
            continue
        if channel == "sms" and (not user.phone or prefs.sms_stopped_at):
            continue
        if prefs.daily_digest and not kind.urgent:
            status, not_before = "held", None
        else:
            status, not_before = "pending", prefs.quiet_ends(now)
        db.session.add(
            Delivery(
                notification=notification,
                user_id=user.id,
                channel=channel,
                status=status,
                not_before=not_before,
                attempts=0,
            )
        )


# ---------------------------------------------------------------------------------------------
# After the commit: hand the due deliveries on


@event.listens_for(Session, "after_flush")
def _note_due_deliveries(session, _flush_context) -> None:
    due = [
        obj.id
        for obj in session.new
        if isinstance(obj, Delivery) and obj.status == "pending" and obj.not_before is None
    ]
    if due:
        session.info.setdefault(_DUE_KEY, []).extend(due)


@event.listens_for(Session, "after_commit")
def _hand_on_after_commit(session) -> None:
    session.info.pop("notification_preferences", None)
    due = session.info.pop(_DUE_KEY, None)
    if due:
        dispatch(due)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop("notification_preferences", None)
    session.info.pop(_DUE_KEY, None)


def dispatch(ids: list[int]) -> None:
    """Hand committed deliveries on: to the queue, or to this process after the response."""
    if not has_app_context():
        return
    if current_app.config["REDIS_URL"]:
        from pb.notifications import jobs

        try:
            jobs.enqueue(ids)
            return
        except jobs.QueueUnavailable as error:
            # The rows are safe in the database: send them here rather than wait for the tick.
            log.warning("notification queue unavailable, sending in-process: %s", error)
    if has_request_context():
        g.setdefault("deliveries_to_send", []).extend(ids)
    else:
        _queued_outside_request().extend(ids)


def init_app(app) -> None:
    @app.after_request
    def send_after_the_response(response):
        ids = g.pop("deliveries_to_send", None)
        if ids:
            real_app = current_app._get_current_object()
            response.call_on_close(lambda: _send_in_fresh_context(real_app, ids))
        return response


# The most a web worker sends after one response; the tick sends the rest within minutes. A
# round's results told to a whole group would otherwise hold one worker for minutes.
AFTER_RESPONSE_LIMIT = 20


def _send_in_fresh_context(app, ids: list[int]) -> None:
    with app.app_context():
        try:
            send_now(ids[:AFTER_RESPONSE_LIMIT])
        except Exception:  # a sending fault must never surface in the web server
            log.exception("sending notifications after a response failed")
        finally:
            db.session.remove()


def send_queued() -> int:
    """Send what commits outside a request left waiting (commands call this at their end)."""
    queued = _queued_outside_request()
    ids = list(queued)
    queued.clear()
    return send_now(ids) if ids else 0


# ---------------------------------------------------------------------------------------------
# Sending one delivery


class Skip(Exception):
    """Nowhere to send it now: no address any more, SMS stopped, or the category turned off."""


def send_now(ids: list[int], now=None) -> int:
    return sum(1 for delivery_id in ids if attempt(delivery_id, now) == "sent")


def attempt(delivery_id: int, now=None) -> str:
    """Try one delivery: "sent", "retry" (failed, tried again later), "dead" (failed for the
    last time), "skipped", or "not_due" (not pending, not due, or claimed by another sender).
    `now` stands in for the clock (the tick's --today, tests)."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == "pending",
            or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
        )
        .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "not_due"
    delivery = db.session.get(Delivery, delivery_id)
    quiet_until = preferences.of(delivery.user).quiet_ends(now)
    if quiet_until is not None:
        # However it got here (a retry, a resend, a released claim, the digest turned off),
        # email and SMS wait for the morning; this was no try.
        delivery.status, delivery.not_before = "pending", quiet_until
        delivery.attempts -= 1
        db.session.commit()
        return "not_due"
    try:
        _send(delivery)
    except Skip as reason:
        delivery.status, delivery.last_error = "skipped", str(reason)
        db.session.commit()
        return "skipped"
    except Exception as error:  # any fault of a channel: try again later, then dead-letter
        db.session.rollback()
        return _failed(delivery_id, error)
    delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
    db.session.commit()
    return "sent"


def _send(delivery: Delivery) -> None:
    from pb.notifications import answers, channels, messages
    from pb.notifications.services import kind_of

    user = delivery.user
    if not user.is_active:
        raise Skip("account deleted")
    prefs = preferences.of(user)
    if delivery.notification_id is not None:
        kind = kind_of(delivery.notification.kind)
        if kind is not None and not prefs.wants(kind.category, delivery.channel):
            raise Skip("turned off")
    if delivery.channel == "email":
        if not user.email:
            raise Skip("no email address")
        message = messages.compose_email(delivery)
        channels.mail_backend().send(message)
        return
    phone = normalise_phone(user.phone)
    if phone is None or prefs.sms_stopped_at is not None:
        raise Skip("no phone number, or SMS stopped")
    code = None
    if messages.sms_asks_for_an_answer(delivery):
        code = answers.code_for(delivery, phone)  # committed before sending: an answer finds it
    channels.sms_backend().send(phone, messages.compose_sms(delivery, code))


def _failed(delivery_id: int, error: Exception) -> str:
    config = current_app.config
    delivery = db.session.get(Delivery, delivery_id)
    delivery.last_error = f"{error.__class__.__name__}: {error}"[:300]
    if delivery.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
        delivery.status = "dead"
    else:
        backoff = config["DELIVERY_BACKOFF_SECONDS"]
        wait = backoff[min(delivery.attempts, len(backoff)) - 1]
        delivery.status, delivery.not_before = "pending", utcnow() + timedelta(seconds=wait)
    db.session.commit()
    log.warning("delivery %s failed (%s): %s", delivery_id, delivery.status, delivery.last_error)
    return "dead" if delivery.status == "dead" else "retry"


# ---------------------------------------------------------------------------------------------
# What the tick does


def due_ids(now=None) -> list[int]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Delivery.id)
            .where(
                Delivery.status == "pending",
                or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
            )
            .order_by(Delivery.id)
        )
    )


def send_or_queue_due(now=None) -> int:
    """Everything due: queued for the worker when Redis answers, else sent here."""
    ids = due_ids(now)
    if not ids:
        return 0
    if current_app.config["REDIS_URL"]:
        from pb.notifications import jobs

        try:
            jobs.enqueue(ids, skip_waiting=True)
            return len(ids)
        except jobs.QueueUnavailable as error:
            log.warning("notification queue unavailable, the tick sends in-process: %s", error)
    return send_now(ids, now)


def release_stale_claims(now=None) -> int:
    """A sender that died mid-send (a killed worker) leaves its row "sending". After the lease,
    it goes back to pending, or to the dead letters if that was its last try."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["DELIVERY_LEASE_SECONDS"])
    stale = db.session.scalars(
        select(Delivery).where(Delivery.status == "sending", Delivery.claimed_at < cutoff)
    ).all()
    for delivery in stale:
        delivery.last_error = "The sender stopped while sending."
        last_try = delivery.attempts >= current_app.config["DELIVERY_MAX_ATTEMPTS"]
        delivery.status = "dead" if last_try else "pending"
    db.session.commit()
    return len(stale)


def gather_digests(now=None) -> int:
    """Each person with held messages gets one digest per channel a day, when their quiet
    hours end (08:00 unless they chose otherwise)."""
    now = now or utcnow()
    from pb.accounts.models import User

    held = db.session.execute(
        select(Delivery.user_id, Delivery.channel)
        .where(Delivery.status == "held", Delivery.created_at <= now)
        .distinct()
    ).all()
    made = 0
    for user_id, channel in held:
        user = db.session.get(User, user_id)
        prefs = preferences.of(user)
        local = preferences.local_time(now)
        if local.hour < prefs.digest_hour or prefs.is_quiet(now):
            continue
        key = f"digest:{user_id}:{channel}:{local.date().isoformat()}"
        if db.session.scalar(select(Delivery.id).where(Delivery.digest_key == key)):
            continue
        digest = Delivery(
            user_id=user_id, channel=channel, status="pending", attempts=0, digest_key=key
        )
        db.session.add(digest)
        try:
            db.session.flush()
        except IntegrityError:  # another tick made it at the same moment
            db.session.rollback()
            continue
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.user_id == user_id,
                Delivery.channel == channel,
                Delivery.status == "held",
                Delivery.created_at <= now,
            )
            .values(status="in_digest", digest_id=digest.id)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        made += 1
    return made


def release_held(user) -> None:
    """Someone turned the daily digest off: what waited for it goes out as usual; the caller
    commits."""
    db.session.execute(
        update(Delivery)
        .where(Delivery.user_id == user.id, Delivery.status == "held")
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )


def resend(delivery: Delivery) -> None:
    """Staff send a dead letter again: a fresh set of tries; the caller commits."""
    delivery.status, delivery.attempts, delivery.not_before = "pending", 0, None
    db.session.info.setdefault(_DUE_KEY, []).append(delivery.id)
