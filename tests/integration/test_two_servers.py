"""Two app servers, one PostgreSQL and one Redis: the scale-out path. A member logs in on one
server and goes on on the other; log-in rate limits count across both; a payout approved on one
is seen at once on the other; twenty approvals at once, split across both, never overspend.

Each server is a real gunicorn on its own port, started here; the tests talk to them over HTTP.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pyotp
import pytest
import requests
from sqlalchemy import select

from pb.extensions import db
from pb.groups.models import Group
from pb.payouts import services
from pb.payouts.models import PayoutRequest
from tests.conftest import CSRF_PATTERN
from tests.factories import PASSWORD
from tests.integration.test_payouts_pipeline import conditional, family, fund

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = os.environ.get("TEST_DATABASE", "sqlite") == "postgresql"
pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="two app servers share one PostgreSQL: runs with TEST_DATABASE=postgresql",
)
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
LOGIN_LIMIT = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn of 2 workers on a free port. With `own_group`, gunicorn and its workers are a
    process group of their own, which crash() kills at once, as a power cut would."""

    def __init__(self, env: dict, log: Path, *, own_group: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "pb:create_app()",
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=own_group,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn stopped:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/login", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.log.read_text()}")

    def crash(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def server_env(app, database_url: str, **extra) -> dict:
    """The environment of a test's gunicorn: this test's database, fast password hashing, the
    test's outbox, and nothing of the developer's own settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "DATABASE_URL", "RATELIMIT_", "REDIS_URL"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="test-servers-" + uuid.uuid4().hex,
        SESSION_COOKIE_SECURE="0",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        OUTBOX_FOLDER=app.config["OUTBOX_FOLDER"],
        LOG_REQUESTS="0",
        **extra,
    )
    return env


@pytest.fixture
def servers(app, database_url, redis_url, tmp_path):
    prefix = f"fellespott-test-{uuid.uuid4().hex}"
    env = server_env(
        app,
        database_url,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
    )
    both = [Server(env, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for server in both:
            server.wait_ready()
        yield both
    finally:
        for server in both:
            server.stop()
        import redis

        connection = redis.Redis.from_url(redis_url)
        keys = list(connection.scan_iter(match=f"{prefix}*"))
        if keys:
            connection.delete(*keys)


def token_on(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    return token_in(page.text)


def token_in(page: str) -> str:
    match = CSRF_PATTERN.search(page)
    return match.group(1) or match.group(2)


def log_in(session: requests.Session, base: str, user) -> None:
    token = token_on(session, f"{base}/login")
    response = session.post(
        f"{base}/login",
        data={"csrf_token": token, "username": user.username, "password": PASSWORD},
        timeout=10,
    )
    if user.has_two_factor:
        assert response.url.endswith("/login/code"), response.url
        token = token_on(session, f"{base}/login/code")
        code = pyotp.TOTP(user.totp_secret).now()
        response = session.post(
            f"{base}/login/code", data={"csrf_token": token, "code": code}, timeout=10
        )
    assert response.status_code == 200 and response.url == f"{base}/", response.url


def test_a_log_in_on_one_server_works_on_the_other_and_rate_limits_count_across_both(
    servers, world
):
    first, second = servers
    member = requests.Session()
    log_in(member, first.url, world.member_a)
    page = member.get(f"{second.url}/groups/{world.group_a.id}", timeout=10)
    assert page.status_code == 200 and world.group_a.name in page.text
    # Log-out on the second ends the log-in on the first too.
    member.post(f"{second.url}/logout", data={"csrf_token": token_on(member, f"{second.url}/")})
    again = member.get(f"{first.url}/groups/{world.group_a.id}", timeout=10, allow_redirects=False)
    assert again.status_code == 302 and "/login" in again.headers["Location"]

    guesser = requests.Session()
    statuses = []
    for attempt in range(LOGIN_LIMIT + 2):
        base = servers[attempt % 2].url
        token = token_on(guesser, f"{base}/login")
        response = guesser.post(
            f"{base}/login",
            data={"csrf_token": token, "username": "member_a", "password": "wrong guess"},
            timeout=10,
        )
        statuses.append(response.status_code)
    # The member's own log-in was the first of the six this address may make in a minute.
    # Half the tries went to each server; the limit of the pair still held.
    allowed = LOGIN_LIMIT - 1
    assert 429 not in statuses[:allowed], statuses
    assert statuses[allowed:] == [429] * (len(statuses) - allowed), statuses


def test_approvals_split_across_both_servers_are_seen_at_once_and_never_overspend(servers, world):
    fund(world.group_a, world.lead, 7_500)  # room for seven of the twenty NOK 1,000 payouts
    household = family(world.group_a, world.staff_a, world.member_a)
    ids = [conditional(world.group_a, world.staff_a, household, 1_000).id for _ in range(20)]
    group = world.group_a.id
    staff_a = world.staff_a
    staff = requests.Session()
    log_in(staff, servers[0].url, staff_a)
    db.session.remove()
    # One payout approved on the first server is approved on the second at once.
    first_id = ids.pop(0)
    page = f"{servers[0].url}/groups/{group}/payouts/{first_id}"
    form = staff.get(page, timeout=10).text
    response = staff.post(
        f"{page}/decide",
        data={
            "csrf_token": token_in(form),
            "idempotency_key": KEY.search(form).group(1),
            "verdict": "approve",
            "reason": "Avtalt",
        },
        timeout=10,
    )
    assert response.status_code == 200
    seen = staff.get(f"{servers[1].url}/groups/{group}/payouts/{first_id}", timeout=10).text
    assert 'class="state state-approved"' in seen or "state-approved" in seen

    # Nineteen at once, alternating servers, all against the six thousand five hundred left.
    cookies = staff.cookies.get_dict()
    forms = {}
    for index, request_id in enumerate(ids):
        base = servers[index % 2].url
        text = staff.get(f"{base}/groups/{group}/payouts/{request_id}", timeout=10).text
        forms[request_id] = (base, token_in(text), KEY.search(text).group(1))
    barrier = threading.Barrier(len(ids))
    outcomes: list[int] = []
    errors: list[BaseException] = []

    def approve(request_id: int) -> None:
        try:
            base, token, key = forms[request_id]
            session = requests.Session()
            session.cookies.update(cookies)
            barrier.wait(timeout=30)
            response = session.post(
                f"{base}/groups/{group}/payouts/{request_id}/decide",
                data={
                    "csrf_token": token,
                    "idempotency_key": key,
                    "verdict": "approve",
                    "reason": "Avtalt",
                },
                timeout=60,
            )
            outcomes.append(response.status_code)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    assert 500 not in outcomes, outcomes
    states = db.session.scalars(
        select(PayoutRequest.state).where(PayoutRequest.id.in_([first_id, *ids]))
    ).all()
    assert states.count("approved") == 7, states
    pot = services.pot_for_group(db.session.get(Group, group))
    balances = services.balances(pot)
    assert balances.available >= 0 and balances.reserved == 700_000
    assert services.ledger_problems() == []
