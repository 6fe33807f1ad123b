"""Email over a real SMTP server on loopback (aiosmtpd, started by each test): what arrives and
in whose language, a server that goes away in the middle of a batch and comes back, one that
refuses everything, and one too slow to answer. Nothing is mocked: the app's SMTP backend talks
to a real server over TCP, and the server records what it was offered and what it accepted."""

import asyncio
import email
import re
import socket
import threading
import time
from collections import Counter
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from pb.extensions import db
from pb.lending.models import Booking
from pb.notifications import delivery
from pb.notifications.messages import read_unsubscribe_token
from pb.notifications.models import Delivery
from pb.notifications.services import notify
from pb.notifications.settings import dead_letters_for
from pb.timeutil import utcnow
from tests.conftest import plain
from tests.lending_helpers import make_item
from tests.notification_helpers import (
    body_of,
    book_in_the_app,
    give_contact,
    keeper_with_email,
    no_quiet_hours,
    statuses,
    tick,
)

ACCEPTED = "250 2.0.0 Accepted"
# How long a stalled DATA waits for its client to give up; far above any SMTP_TIMEOUT here.
STALL_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delivery_id_of(message: EmailMessage) -> int:
    """The delivery a message came from, as its Message-ID names it."""
    match = re.search(r"\bdelivery-(\d+)\b", message["Message-ID"] or "")
    assert match, f"no delivery id in Message-ID {message['Message-ID']!r}"
    return int(match.group(1))


class Mailbox:
    """The server's side of the conversation (an aiosmtpd handler, run on the server's thread).

    `offered` has every message that reached the end of DATA, accepted or not; `accepted` only
    those answered with 250. It can refuse everything (`refuse`), stop listening after it has
    accepted `close_after` messages, or hold the n-th DATA (`stall_at`) until the client hangs
    up: a server too slow to answer, which never accepts what it held."""

    def __init__(self):
        self.lock = threading.Lock()
        self.offered: list[EmailMessage] = []
        self.accepted: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self.close_after: int | None = None
        self.on_full = None
        self.stall_at: set[int] = set()
        self.stalled = threading.Event()
        self.stall_over = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.lock:
            self.offered.append(message)
            number = len(self.offered)
        if number in self.stall_at:
            self.stalled.set()
            try:
                # Cancelled by aiosmtpd as soon as the client hangs up.
                await asyncio.sleep(STALL_SECONDS)
            finally:
                self.stall_over.set()
            return "451 4.3.0 Took too long; not accepted"
        if self.refuse:
            return self.refuse
        with self.lock:
            self.accepted.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            full = self.close_after is not None and len(self.accepted) >= self.close_after
        if full and self.on_full:
            self.on_full()
        return ACCEPTED

    def accepted_count(self) -> int:
        with self.lock:
            return len(self.accepted)


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, mailbox: Mailbox, port: int | None = None):
        self.mailbox = mailbox
        self.port = port or free_port()
        self.controller: Controller | None = None
        mailbox.on_full = self._stop_listening

    def start(self) -> None:
        assert self.controller is None
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def _stop_listening(self) -> None:
        # Runs on the server's event loop, inside the handler: the listening socket closes at
        # once (the next connection is refused); the conversation under way ends normally.
        self.controller.server.close()

    def config(self, **extra) -> dict:
        """The app settings that send email through this server."""
        return {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_STARTTLS": False,
            "SMTP_SSL": False,
            "SMTP_USERNAME": None,
            "SMTP_PASSWORD": None,
            "SMTP_TIMEOUT": 2,
            **extra,
        }


@pytest.fixture
def smtp(app):
    mailbox = Mailbox()
    server = SmtpServer(mailbox)
    server.start()
    app.config.update(server.config(DELIVERY_BACKOFF_SECONDS=[0]))
    yield server
    server.stop()


@pytest.fixture
def keeper(world):
    """peer_a, with an email address and no quiet hours, in English."""
    return keeper_with_email(world)


def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def book_the_board(client, world, keeper):
    """member_a asks to borrow the keeper's board through the web, as in a browser."""
    board = make_item(world.group_a, world.staff_a, keeper)
    response = book_in_the_app(client, world, board)
    return board, response


def test_an_email_arrives_over_smtp_whole_and_in_the_recipients_language(world, smtp, app, client):
    people = {"nb": world.peer_a, "en": world.member_a}
    for locale, person in people.items():
        give_contact(person, email_address=f"{person.username}@example.org")
        person.locale = locale
        db.session.commit()
        no_quiet_hours(person)
        notify(person, "proposals.accepted", title="Ny skatepark", link="/groups/1/proposals/7")
    db.session.commit()
    assert delivery.send_queued() == 2
    assert statuses() == [("email", "sent"), ("email", "sent")]

    mailbox = smtp.mailbox
    assert len(mailbox.accepted) == 2
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in mailbox.accepted}
    sentences = {
        "nb": "«Ny skatepark» er godtatt og kommer på stemmeseddelen.",
        "en": "“Ny skatepark” is accepted and will be on the ballot.",
    }
    rows = {row.user_id: row for row in deliveries()}
    for (mail_from, rcpt_tos), message in zip(mailbox.envelopes, mailbox.accepted, strict=True):
        assert mail_from == "fellespott@localhost"
        assert rcpt_tos == [message["To"].addresses[0].addr_spec]
    for locale, person in people.items():
        message = by_recipient[f"{person.username}@example.org"]
        assert message["To"] == f"{person.display_name} <{person.username}@example.org>"
        assert message["From"] == "Fellespott <fellespott@localhost>"
        assert message["Subject"] == sentences[locale]
        assert message["Auto-Submitted"] == "auto-generated"
        assert delivery_id_of(message) == rows[person.id].id
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == [
            "text/plain",
            "text/html",
        ]
        text, html = plain(body_of(message)), plain(body_of(message, "html"))
        assert sentences[locale] in text and sentences[locale] in html
        other = sentences["en" if locale == "nb" else "nb"]
        assert other not in text and other not in html
        assert f'<html lang="{locale}"' in html
        assert "http://127.0.0.1:5000/groups/1/proposals/7" in text
        # The unsubscribe link: the same in the header, the text and the HTML, and it works.
        header = message["List-Unsubscribe"]
        assert header.startswith("<http://127.0.0.1:5000/notifications/stop/"), header
        link = header.strip("<>")
        assert link in text and link in html
        assert read_unsubscribe_token(link.rsplit("/", 1)[1]) == (
            person.id,
            "moderation",
            "email",
        )
        page = client.get(link.removeprefix("http://127.0.0.1:5000"))
        assert page.status_code == 200


def test_a_server_that_goes_away_mid_batch_loses_and_doubles_nothing(world, smtp, app, client):
    app.config["DELIVERY_BACKOFF_SECONDS"] = [60]
    people = [world.lead, world.staff_a, world.peer_a, world.member_a, world.staff_b]
    people.append(world.member_b)
    for person in people:
        give_contact(person, email_address=f"{person.username}@example.org")
        person.locale = "en"
        db.session.commit()
        no_quiet_hours(person)
    for person in people:
        notify(person, "proposals.accepted", title=f"The idea of {person.username}")
    db.session.commit()

    # The server stops listening once it has accepted three; the rest are refused connections.
    smtp.mailbox.close_after = 3
    assert delivery.send_queued() == 3
    rows = deliveries()
    assert [row.status for row in rows] == ["sent"] * 3 + ["pending"] * 3
    later = utcnow() + timedelta(seconds=50)
    for row in rows[3:]:
        assert row.attempts == 1 and row.not_before > later
        assert "ConnectionRefusedError" in row.last_error
    smtp.stop()

    # While it is down: a web request that notifies still succeeds, the tick runs cleanly, and
    # a due retry fails again into another retry.
    _board, response = book_the_board(client, world, world.peer_a)
    assert response.status_code == 303
    assert deliveries()[-1].status == "pending" and deliveries()[-1].attempts == 1
    tick(app)
    assert delivery.send_or_queue_due(now=utcnow() + timedelta(seconds=61)) == 0
    rows = deliveries()
    assert [row.status for row in rows] == ["sent"] * 3 + ["pending"] * 4
    assert [row.attempts for row in rows[3:]] == [2, 2, 2, 2]
    assert smtp.mailbox.accepted_count() == 3

    # Back on the same port: what is due goes out, once; another tick finds nothing to send.
    smtp.mailbox.close_after = None
    smtp.start()
    assert delivery.send_or_queue_due(now=utcnow() + timedelta(minutes=5)) == 4
    tick(app)
    assert delivery.send_or_queue_due(now=utcnow() + timedelta(hours=3)) == 0
    assert [row.status for row in deliveries()] == ["sent"] * 7

    accepted = smtp.mailbox.accepted
    assert len(accepted) == 7
    per_delivery = Counter(delivery_id_of(m) for m in accepted)
    assert per_delivery == Counter(row.id for row in deliveries())
    per_message = Counter((m["To"].addresses[0].addr_spec, m["Subject"]) for m in accepted)
    assert set(per_message.values()) == {1}
    expected = {
        (
            f"{p.username}@example.org",
            f"“The idea of {p.username}” is accepted and will be on the ballot.",
        )
        for p in people
    }
    assert expected <= set(per_message)
    assert any(subject.startswith("Someone asks to borrow") for _to, subject in per_message)


@pytest.mark.parametrize("refusal", ["451 4.3.0 Try again later", "550 5.7.1 Refused"])
def test_a_server_that_refuses_everything_ends_in_the_dead_letters_and_the_request_succeeds(
    world, smtp, app, client, keeper, refusal
):
    smtp.mailbox.refuse = refusal
    app.config["DELIVERY_MAX_ATTEMPTS"] = 3
    give_contact(keeper, email_address="peer@example.org", phone="+47 912 34 567")
    board, response = book_the_board(client, world, keeper)
    assert response.status_code == 303
    assert (
        db.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.item_id == board.id)
        )
        == 1
    )
    # The SMS (file backend) went; the email was refused once and waits for its next try.
    assert statuses() == [("email", "pending"), ("sms", "sent")]
    email_row = deliveries()[0]
    assert email_row.attempts == 1 and refusal.split()[0] in email_row.last_error

    tick(app)
    assert statuses() == [("email", "pending"), ("sms", "sent")]
    tick(app)
    assert statuses() == [("email", "dead"), ("sms", "sent")]
    tick(app)  # a dead letter is not tried again
    email_row = deliveries()[0]
    assert email_row.attempts == 3 and refusal.split()[0] in email_row.last_error
    assert [row.id for row in dead_letters_for(world.staff_a)] == [email_row.id]
    assert len(smtp.mailbox.offered) == 3 and smtp.mailbox.accepted == []
    assert {delivery_id_of(m) for m in smtp.mailbox.offered} == {email_row.id}


def test_a_server_too_slow_to_answer_is_given_up_on_in_time_and_tried_again_once(
    world, smtp, app, keeper
):
    app.config["SMTP_TIMEOUT"] = 0.5
    smtp.mailbox.stall_at = {1}
    notify(keeper, "proposals.accepted", in_group=world.group_a, title="A skatepark")
    db.session.commit()
    started = time.monotonic()
    assert delivery.send_queued() == 0
    assert time.monotonic() - started < 5, "the send waited for the server, not SMTP_TIMEOUT"
    [row] = deliveries()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "timed out" in row.last_error
    # The server saw the client hang up, and never accepted what it held.
    assert smtp.mailbox.stall_over.wait(5)
    assert smtp.mailbox.accepted == []

    assert delivery.send_or_queue_due() == 1
    tick(app)
    [row] = deliveries()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.mailbox.offered) == 2 and len(smtp.mailbox.accepted) == 1
    assert [delivery_id_of(m) for m in smtp.mailbox.offered] == [row.id, row.id]


def test_a_retried_email_carries_the_same_message_id_as_its_first_try(world, smtp, app, keeper):
    """messages.compose_email promises "the same id on every try, so a mail system that sees a
    message twice can tell": a try that timed out after the server had the whole message may
    have been delivered."""
    app.config["SMTP_TIMEOUT"] = 0.5
    smtp.mailbox.stall_at = {1}
    notify(keeper, "proposals.accepted", in_group=world.group_a, title="A skatepark")
    db.session.commit()
    assert delivery.send_queued() == 0
    assert delivery.send_or_queue_due() == 1
    first, second = smtp.mailbox.offered
    assert first["Message-ID"] == second["Message-ID"]
