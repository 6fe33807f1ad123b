"""Answers by SMS: a keeper confirms a booking request, a hand-over and a return by answering
"JA 4821" through the signed webhook; a replayed, forged, expired or wrongly addressed answer
changes nothing; STOPP turns SMS off; the development command answers like the webhook."""

import re
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.lending import services as lending
from pb.lending.models import Booking, HandOver
from pb.notifications import answers, delivery, preferences
from pb.notifications.models import Delivery, SmsCode
from pb.timeutil import local_today, utcnow
from tests.conftest import post_form
from tests.factories import log_in
from tests.lending_helpers import book, make_item
from tests.notification_helpers import give_contact, no_quiet_hours, texts

SECRET = "test-webhook-secret"
KEEPER_PHONE = "+4791234567"
OTHER_PHONE = "+4798765432"


@pytest.fixture
def keeper(world, app):
    app.config["SMS_WEBHOOK_SECRET"] = SECRET
    give_contact(world.peer_a, phone="912 34 567")
    world.peer_a.phone = KEEPER_PHONE
    world.peer_a.locale = "en"
    db.session.commit()
    no_quiet_hours(world.peer_a)
    return world.peer_a


@pytest.fixture
def board(world, keeper):
    return make_item(world.group_a, world.staff_a, keeper, condition="worn")


def signed(body: dict, *, secret: str = SECRET, at: int | None = None) -> dict:
    raw = urlencode(body).encode()
    timestamp = str(at if at is not None else int(time.time()))
    return {
        "data": raw,
        "content_type": "application/x-www-form-urlencoded",
        "headers": {
            "X-Fellespott-Timestamp": timestamp,
            "X-Fellespott-Signature": answers.signature_for(secret, timestamp, raw),
        },
    }


def answer(client, phone: str, text: str, **options):
    """An inbound SMS as the provider posts it, with its own message id."""
    body = {"id": uuid.uuid4().hex, "from": phone, "text": text}
    return client.post("/sms/inbound", **signed(body, **options))


def last_code(app) -> str:
    phone, text = texts(app)[-1]
    assert phone == KEEPER_PHONE
    return re.search(r"JA (\d{4})", text).group(1)


def requested(world, board) -> Booking:
    booking = book(board, world.member_a, 3, 4)
    delivery.send_queued()
    return booking


def via_sms(action: str) -> list[AuditEvent]:
    return [
        e
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        if e.details.get("via") == "sms"
    ]


def test_a_keeper_confirms_a_booking_by_answering_the_sms(world, board, client, app):
    booking = requested(world, board)
    code = last_code(app)
    assert texts(app)[-1][1].endswith(f"Answer JA {code} or NEI {code}.")
    response = answer(client, KEEPER_PHONE, f"ja {code}")
    assert response.status_code == 204
    db.session.refresh(booking)
    assert booking.status == "confirmed"
    [event] = via_sms("booking.confirmed")
    assert event.actor_id == world.peer_a.id
    assert texts(app)[-1] == (KEEPER_PHONE, "Fellespott: thank you, the booking is confirmed.")
    # The borrower hears of it as if the keeper had used the app.
    assert db.session.scalar(select(SmsCode.used_at).where(SmsCode.code == code)) is not None


def test_replayed_forged_expired_and_wrongly_addressed_answers_change_nothing(
    world, board, client, app
):
    booking = requested(world, board)
    code = last_code(app)

    forged = answer(client, KEEPER_PHONE, f"JA {code}", secret="not-the-secret")
    assert forged.status_code == 403
    stale = answer(client, KEEPER_PHONE, f"JA {code}", at=int(time.time()) - 3600)
    assert stale.status_code == 403
    unsigned = client.post("/sms/inbound", data={"from": KEEPER_PHONE, "text": f"JA {code}"})
    assert unsigned.status_code == 403
    db.session.refresh(booking)
    assert booking.status == "requested"

    # The right code from another member's number: refused, and that number is told so, in
    # its owner's language. A number no member has gets no answer at all.
    give_contact(world.member_a, phone=OTHER_PHONE)
    world.member_a.locale = "en"
    db.session.commit()
    sent_before = len(texts(app))
    assert answer(client, OTHER_PHONE, f"JA {code}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "requested"
    assert texts(app)[sent_before:] == [
        (
            OTHER_PHONE,
            "Fellespott: that code is wrong, used or too old. Nothing was changed. "
            "Open the app to answer.",
        )
    ]
    assert answer(client, "+4741234567", f"JA {code}").status_code == 204
    assert len(texts(app)) == sent_before + 1
    db.session.refresh(booking)
    assert booking.status == "requested"
    # A wrong code from the right number.
    wrong = "1000" if code != "1000" else "1001"
    assert answer(client, KEEPER_PHONE, f"JA {wrong}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "requested"

    # An expired code.
    row = db.session.scalar(select(SmsCode).where(SmsCode.code == code))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert answer(client, KEEPER_PHONE, f"JA {code}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "requested"
    assert "wrong, used or too old" in texts(app)[-1][1]

    # Valid again: it works once; the very same signed request replayed is refused, and a new
    # answer with the used code changes nothing.
    row.expires_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    request = signed({"id": "provider-1", "from": KEEPER_PHONE, "text": f"NEI {code}"})
    assert client.post("/sms/inbound", **request).status_code == 204
    db.session.refresh(booking)
    assert booking.status == "declined"
    replies = len(texts(app))
    assert client.post("/sms/inbound", **request).status_code == 409
    assert len(texts(app)) == replies
    assert answer(client, KEEPER_PHONE, f"JA {code}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "declined"
    assert "wrong, used or too old" in texts(app)[-1][1]
    assert len(via_sms("booking.declined")) == 1 and via_sms("booking.confirmed") == []


def test_the_webhook_is_off_without_a_secret_and_needs_no_csrf_token(world, board, client, app):
    app.config["SMS_WEBHOOK_SECRET"] = None
    assert answer(client, KEEPER_PHONE, "STOPP").status_code == 404
    app.config["SMS_WEBHOOK_SECRET"] = SECRET
    # No session, no CSRF token: the signature is what counts.
    assert answer(client, KEEPER_PHONE, "hello").status_code == 204
    assert "answer JA or NEI" in texts(app)[-1][1]


def test_hand_over_and_return_are_confirmed_by_sms_with_the_condition_as_before(
    world, board, client, app
):
    today = local_today()
    booking = lending.request_booking(board, borrower=world.member_a, start=today, end=today)
    lending.decide(booking, actor=world.peer_a, confirm=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tick"]).exit_code == 0
    _phone, text = texts(app)[-1]
    assert "is to be picked up today" in text
    assert answer(client, KEEPER_PHONE, f"JA {last_code(app)}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "picked_up"
    assert texts(app)[-1][1] == "Fellespott: thank you, the hand-over is recorded."
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert "is to come back today" in texts(app)[-1][1]
    assert answer(client, KEEPER_PHONE, f"JA {last_code(app)}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "returned"
    handovers = db.session.scalars(select(HandOver).order_by(HandOver.id)).all()
    assert [(h.kind, h.condition) for h in handovers] == [("pickup", "worn"), ("return", "worn")]
    assert len(via_sms("booking.picked_up")) == 1 and len(via_sms("booking.returned")) == 1
    # The tick asks once a day only.
    before = len(texts(app))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert len(texts(app)) == before


def test_an_answer_that_came_too_late_changes_nothing(world, board, client, app):
    booking = requested(world, board)
    code = last_code(app)
    lending.cancel(booking, actor=world.member_a)
    assert answer(client, KEEPER_PHONE, f"JA {code}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "cancelled"
    assert "can't be answered by SMS any more" in texts(app)[-1][1]
    assert db.session.scalar(select(SmsCode.used_at).where(SmsCode.code == code)) is not None


def test_stopp_turns_sms_off_until_the_person_chooses_sms_again(world, board, client, app):
    assert answer(client, KEEPER_PHONE, "Stopp").status_code == 204
    assert texts(app)[-1][1].startswith("Fellespott: you will get no more SMS")
    db.session.info.pop("notification_preferences", None)
    assert preferences.of(world.peer_a).sms_stopped_at is not None
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "notifications.sms_stopped")
    ).all()
    assert event.details == {"via": "sms"}
    requested(world, board)
    channels = db.session.scalars(select(Delivery.channel)).all()
    assert "sms" not in channels
    log_in(client, world.peer_a)
    page = client.get("/account/notifications", headers={"Accept-Language": "en"})
    assert "You answered STOPP" in page.get_data(as_text=True)
    response = post_form(
        client,
        "/account/notifications",
        {"phone": KEEPER_PHONE, "bookings_sms": "y", "quiet_from": "0", "quiet_until": "0"},
    )
    assert response.status_code == 303
    db.session.info.pop("notification_preferences", None)
    db.session.expire_all()
    assert preferences.of(world.peer_a).sms_stopped_at is None


def test_the_development_command_answers_like_the_webhook(world, board, app):
    booking = requested(world, board)
    code = last_code(app)
    result = app.test_cli_runner().invoke(args=["sms-reply", "912 34 567", f"JA {code}"])
    assert result.exit_code == 0, result.output
    assert "the booking is confirmed" in result.output
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_two_answers_with_one_code_at_the_same_moment_act_once(world, board, app):
    """Two inbound messages (a provider's retry, a double tap) race: one confirms, the other is
    told the code is used, and the audit log holds one confirmation."""
    import threading

    from tests.conftest import make_test_app

    booking = requested(world, board)
    code = last_code(app)
    booking_id = booking.id
    db.session.remove()
    racers_app = make_test_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        OUTBOX_FOLDER=app.config["OUTBOX_FOLDER"],
        SMS_WEBHOOK_SECRET=SECRET,
    )
    barrier = threading.Barrier(4)
    replies: list[str] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            with racers_app.app_context():
                barrier.wait(timeout=30)
                reply = answers.handle_inbound(KEEPER_PHONE, f"JA {code}")
                replies.append(reply.text)
                db.session.remove()
        except BaseException as error:  # reported below, with the thread's own traceback
            errors.append(error)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(r.split(",")[0] for r in replies).count("Fellespott: thank you") == 1, replies
    assert db.session.get(Booking, booking_id).status == "confirmed"
    assert len(via_sms("booking.confirmed")) == 1


def test_answers_as_people_type_them_and_odd_headers_are_refused_not_crashed(
    world, board, client, app
):
    booking = requested(world, board)
    code = last_code(app)
    arabic_digits = "".join(chr(0x0660 + int(d)) for d in code)
    assert answer(client, KEEPER_PHONE, f"  ja{arabic_digits}. ").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "confirmed"
    # A timestamp that only looks like digits, or is absurdly long: refused, never a 500.
    for timestamp in ("²³", "9" * 5000):
        body = urlencode({"id": "x", "from": KEEPER_PHONE, "text": "STOPP"}).encode()
        response = client.post(
            "/sms/inbound",
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={
                "X-Fellespott-Timestamp": timestamp,
                "X-Fellespott-Signature": answers.signature_for(SECRET, "1", body),
            },
        )
        assert response.status_code == 403


def test_a_code_stops_counting_when_its_person_changes_the_number(world, board, client, app):
    booking = requested(world, board)
    code = last_code(app)
    give_contact(world.peer_a, phone=OTHER_PHONE)  # the old SIM is lost, say
    assert answer(client, KEEPER_PHONE, f"JA {code}").status_code == 204
    db.session.refresh(booking)
    assert booking.status == "requested"


def test_the_webhook_is_the_one_route_without_a_csrf_token(app):
    from pb.extensions import csrf

    assert csrf._exempt_views == {"pb.notifications.views.sms_inbound"}
    assert csrf._exempt_blueprints == set()
