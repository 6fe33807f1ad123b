"""Email and SMS through the real Redis queue and a real `flask --app pb worker` in a subprocess:
a committed notification is enqueued and the worker sends it; a worker killed in the middle of
a send loses nothing and doubles nothing; Redis going away falls back to sending in-process; a
failing send is retried by RQ with back-off, dead-lettered, and sent again by staff.

Redis is TEST_REDIS_URL (default redis://127.0.0.1:6379/0). Without it these tests are skipped,
saying why, except in CI (CI=1/true/yes), where they fail. Each test has its own queue name, so
parallel runs (pytest-xdist, SQLite beside PostgreSQL) never take each other's jobs."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from pb.extensions import db
from pb.notifications.models import Delivery
from pb.notifications.services import notify
from pb.timeutil import utcnow
from tests.conftest import post_form
from tests.factories import log_in
from tests.integration.test_notification_smtp import Mailbox, SmtpServer, delivery_id_of
from tests.lending_helpers import make_item
from tests.notification_helpers import (
    book_in_the_app,
    give_contact,
    keeper_with_email,
    mails,
    outbox,
    texts,
    tick,
)

ROOT = Path(__file__).resolve().parents[2]
# Settings a worker reads from the environment; the developer's own values must not leak in.
APP_SETTINGS = (
    "FLASK_APP",
    "FLASK_DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "NOTIFY_QUEUE",
    "OUTBOX_FOLDER",
    "PUBLIC_URL",
    "MAIL_BACKEND",
    "MAIL_FROM",
    "SMS_BACKEND",
    "DELIVERY_MAX_ATTEMPTS",
    "DELIVERY_BACKOFF_SECONDS",
    "DELIVERY_LEASE_SECONDS",
)
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _forget_queue(connection: redis.Redis, name: str) -> None:
    """Delete everything RQ keeps for one queue: the queue, its registries and locks, its jobs
    and their results."""
    keys = [key.decode() for key in connection.scan_iter(match="rq:*", count=1000)]
    job_ids = {
        key.split(":")[2]
        for key in keys
        if key.startswith("rq:job:")
        and key.count(":") == 2
        and connection.type(key) == b"hash"
        and connection.hget(key, "origin") == name.encode()
    }
    # The workers and schedulers that listened to it.
    listeners = [
        key
        for key in keys
        if key.startswith(("rq:worker:", "rq:scheduler:"))
        and connection.type(key) == b"hash"
        and name in (connection.hget(key, "queues") or b"").decode().split(",")
    ]
    doomed = [key for key in keys if name in key or any(job in key for job in job_ids)]
    doomed += listeners
    if doomed:
        connection.delete(*doomed)
    for listener in listeners:
        connection.srem("rq:workers", listener)
    connection.srem("rq:queues", f"rq:queue:{name}")


@pytest.fixture
def queued(app, redis_url):
    """The app with Redis and a queue of its own; the queue is forgotten afterwards."""
    name = f"fellespott-test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=redis_url, NOTIFY_QUEUE=name)
    connection = redis.Redis.from_url(redis_url)
    yield Queue(name, connection=connection)
    _forget_queue(connection, name)
    connection.close()


class Worker:
    """`flask --app pb worker` in its own process group (RQ's scheduler is a forked child)."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "pb", "worker"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # the whole group has gone already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def workers(app, queued, tmp_path):
    """Start workers with the test app's settings (plus overrides); all are killed at the end."""
    started: list[Worker] = []

    def start(**overrides) -> Worker:
        config = app.config
        env = {key: value for key, value in os.environ.items() if key not in APP_SETTINGS}
        env = {key: value for key, value in env.items() if not key.startswith("SMTP_")}
        env.update(
            FLASK_DEBUG="1",
            PYTHONUNBUFFERED="1",
            SECRET_KEY=config["SECRET_KEY"],
            DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=config["REDIS_URL"],
            NOTIFY_QUEUE=config["NOTIFY_QUEUE"],
            OUTBOX_FOLDER=config["OUTBOX_FOLDER"],
            PUBLIC_URL=config["PUBLIC_URL"],
            MAIL_BACKEND=config["MAIL_BACKEND"] or "file",
            DELIVERY_MAX_ATTEMPTS=str(config["DELIVERY_MAX_ATTEMPTS"]),
            DELIVERY_BACKOFF_SECONDS=",".join(str(s) for s in config["DELIVERY_BACKOFF_SECONDS"]),
            DELIVERY_LEASE_SECONDS=str(config["DELIVERY_LEASE_SECONDS"]),
        )
        if config["MAIL_BACKEND"] == "smtp":
            env.update(
                SMTP_HOST=config["SMTP_HOST"],
                SMTP_PORT=str(config["SMTP_PORT"]),
                SMTP_STARTTLS="0",
                SMTP_TIMEOUT=str(config["SMTP_TIMEOUT"]),
            )
        env.update({key: str(value) for key, value in overrides.items()})
        worker = Worker(env, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def wait_until(
    predicate, what: str, *, timeout: float = 20.0, worker: Worker | None = None, state=None
):
    """Poll until `predicate()` is true; on time-out, say what was awaited, how things stood
    (`state()`) and what the worker logged."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(f"the worker stopped while waiting for {what}:\n{worker.output()}")
        if time.monotonic() > deadline:
            stood = f"; {state()}" if state else ""
            log = f"\nworker log:\n{worker.output()}" if worker else ""
            raise AssertionError(f"waited {timeout} s for {what}{stood}{log}")
        time.sleep(0.05)
    return value


def rows() -> list[Delivery]:
    """The deliveries as the database has them now (other processes write them)."""
    db.session.rollback()
    found = list(db.session.scalars(select(Delivery).order_by(Delivery.id)))
    db.session.rollback()
    return found


def status_counts() -> Counter:
    return Counter(row.status for row in rows())


@pytest.fixture
def keeper(world):
    """peer_a, with an email address and no quiet hours, in English."""
    return keeper_with_email(world)


@pytest.fixture
def smtp(app):
    server = SmtpServer(Mailbox())
    server.start()
    app.config.update(server.config())
    yield server
    server.stop()


def test_a_committed_notification_is_queued_and_the_worker_sends_it(
    world, keeper, app, queued, workers, smtp
):
    give_contact(keeper, email_address="peer@example.org", phone="+47 912 34 567")
    notify(keeper, "lending.requested", item="Board", first_day="2026-12-10", last_day="2026-12-11")
    db.session.commit()
    # Queued, not sent here: two jobs, nothing out yet.
    assert queued.count == 2
    assert status_counts() == {"pending": 2}
    assert smtp.mailbox.offered == [] and outbox(app, "sms") == []

    worker = workers()
    wait_until(lambda: status_counts() == {"sent": 2}, "both deliveries sent", worker=worker)
    assert queued.count == 0
    [message] = smtp.mailbox.accepted
    assert message["To"] == "Peer_A <peer@example.org>"
    assert message["Subject"] == (
        "Someone asks to borrow “Board” from Dec 10, 2026 to Dec 11, 2026."
    )
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/notifications/stop/")
    [(phone, text)] = texts(app)
    assert phone == "+4791234567" and text.startswith("Fellespott: Someone asks to borrow")
    assert all(row.attempts == 1 and row.sent_at is not None for row in rows())


def test_a_worker_killed_mid_send_loses_and_doubles_nothing(
    world, keeper, app, queued, workers, smtp
):
    app.config["DELIVERY_LEASE_SECONDS"] = 1
    titles = [f"Idea {number}" for number in range(1, 11)]
    for title in titles:
        notify(keeper, "proposals.accepted", title=title)
    db.session.commit()
    assert queued.count == 10 and status_counts() == {"pending": 10}

    # The fourth message hangs at the server until its sender dies; the worker waits on it
    # (SMTP_TIMEOUT 30 s), having sent three.
    smtp.mailbox.stall_at = {4}
    first = workers(SMTP_TIMEOUT=30)
    wait_until(smtp.mailbox.stalled.is_set, "the fourth message to reach the server", worker=first)
    first.kill()
    assert smtp.mailbox.stall_over.wait(10), "the server did not see the worker go"
    assert smtp.mailbox.accepted_count() == 3
    assert status_counts() == {"sent": 3, "sending": 1, "pending": 6}
    [claimed] = [row for row in rows() if row.status == "sending"]

    # Restarting: once the lease is over, the tick hands the dead worker's claim back and
    # queues every pending delivery again, beside the six jobs still queued. The new worker
    # runs all thirteen jobs and sends each delivery once; a second job for a delivery already
    # sent finds nothing to claim.
    wait_until(
        lambda: (utcnow() - claimed.claimed_at).total_seconds() > 1.2, "the lease to run out"
    )
    output = tick(app)
    assert "1 stalled sends released" in output and "7 messages sent or queued" in output
    # The six still queued are not queued again; the released one is.
    assert queued.count == 7
    jobs = set(queued.job_ids)
    second = workers()
    wait_until(lambda: status_counts() == {"sent": 10}, "all ten sent", worker=second)
    wait_until(
        lambda: not any(queued.connection.exists(f"rq:job:{job}") for job in jobs),
        "every queued job to have run",
        worker=second,
    )
    assert queued.count == 0
    assert "0 messages sent or queued" in tick(app)

    accepted = smtp.mailbox.accepted
    assert len(accepted) == 10
    assert Counter(delivery_id_of(m) for m in accepted) == Counter(row.id for row in rows())
    subjects = Counter(m["Subject"] for m in accepted)
    assert subjects == Counter(f"“{t}” is accepted and will be on the ballot." for t in titles)
    again = next(row for row in rows() if row.id == claimed.id)
    assert (again.status, again.attempts) == ("sent", 2)


def test_without_redis_commits_succeed_and_everything_is_sent_once(
    world, keeper, app, client, queued, workers, redis_url
):
    # Queued while Redis answers, but no worker runs yet.
    notify(keeper, "proposals.accepted", title="Queued first")
    db.session.commit()
    [stale_job] = queued.job_ids
    assert outbox(app, "mail") == []

    # Redis goes away: a web request and a commit outside one both succeed; the request's
    # message goes out in-process after its response.
    app.config["REDIS_URL"] = NOWHERE
    board = make_item(world.group_a, world.staff_a, keeper)
    response = book_in_the_app(client, world, board)
    assert response.status_code == 303
    assert [m["Subject"][:22] for m in mails(app)] == ["Someone asks to borrow"]
    notify(keeper, "proposals.accepted", title="Committed without Redis")
    db.session.commit()
    assert status_counts() == {"sent": 1, "pending": 2}

    # The tick sends the rest, the one stuck in the unreachable queue included.
    tick(app)
    assert status_counts() == {"sent": 3}
    assert len(mails(app)) == 3

    # Redis is back with the stale job: the worker runs it and sends nothing twice.
    app.config["REDIS_URL"] = redis_url
    worker = workers()
    wait_until(
        lambda: queued.count == 0 and not queued.connection.exists(f"rq:job:{stale_job}"),
        "the worker to run the stale job",
        worker=worker,
    )
    assert status_counts() == {"sent": 3}
    subjects = sorted(m["Subject"] for m in mails(app))
    assert len(subjects) == 3 and len(set(subjects)) == 3


def test_a_failing_send_is_retried_with_back_off_dead_lettered_and_sent_again_by_staff(
    world, keeper, app, client, queued, workers, tmp_path
):
    app.config.update(DELIVERY_MAX_ATTEMPTS=3, DELIVERY_BACKOFF_SECONDS=[1, 1])
    blocked = Path(app.config["OUTBOX_FOLDER"])
    blocked.write_text("a file where the outbox folder should be")
    notify(keeper, "proposals.accepted", in_group=world.group_a, title="A skatepark")
    db.session.commit()
    [job_id] = queued.job_ids

    worker = workers()
    scheduled = ScheduledJobRegistry(queue=queued)
    seen = {"backing_off": False, "waiting": False}

    def dead() -> bool:
        [row] = rows()
        if row.status == "pending" and row.attempts >= 1 and row.not_before > utcnow():
            seen["waiting"] = True
        if job_id in scheduled.get_job_ids():
            seen["backing_off"] = True
        return row.status == "dead"

    def state() -> str:
        [row] = rows()
        return (
            f"the delivery is {row.status} after {row.attempts} tries (not before "
            f"{row.not_before}, now {utcnow()}), and RQ has "
            f"{'a' if job_id in scheduled.get_job_ids() else 'no'} retry scheduled"
        )

    wait_until(dead, "three failed tries and the dead letter", worker=worker, state=state)
    [row] = rows()
    assert row.attempts == 3 and "Error" in row.last_error
    assert seen == {"backing_off": True, "waiting": True}, "no back-off was seen between tries"

    # Staff see it and send it again; the worker sends it now that the folder can be written.
    blocked.unlink()
    log_in(client, world.staff_a)
    page = client.get("/notifications/failed", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count("Send again") == 1 and "Peer_A" in text
    response = post_form(
        client, f"/notifications/failed/{row.id}/resend", {}, token_from="/notifications/failed"
    )
    assert response.status_code == 303
    wait_until(lambda: status_counts() == {"sent": 1}, "the re-sent delivery", worker=worker)
    [mail] = mails(app)
    assert mail["Subject"] == "“A skatepark” is accepted and will be on the ballot."
    [row] = rows()
    assert row.attempts == 1
    page = client.get("/notifications/failed", headers={"Accept-Language": "en"})
    assert "Send again" not in page.get_data(as_text=True)
