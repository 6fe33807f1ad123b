"""The app server is killed with SIGKILL, gunicorn and its workers at once, while payout
approvals are on their way. After a restart the ledger is clean, every approval is whole or
absent (never a state without its reservation, or a reservation without its state), and the
approvals can go on. On the suite's database: SQLite or PostgreSQL."""

import threading
import time
from types import SimpleNamespace

import requests
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups.models import Group
from pb.payouts import services
from pb.payouts.models import LedgerTransaction, PayoutDecision, PayoutRequest
from tests.integration.test_payouts_pipeline import conditional, family, fund
from tests.integration.test_two_servers import KEY, Server, log_in, server_env, token_in

PAYOUTS = 40


def whole_or_absent(ids: list[int]) -> dict[str, int]:
    """Each payout's state beside what must come with it; returns the count of each state."""
    db.session.expire_all()
    seen: dict[str, int] = {}
    for payout in db.session.scalars(select(PayoutRequest).where(PayoutRequest.id.in_(ids))):
        reserved = db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.payout_request_id == payout.id)
        )
        decisions = db.session.scalar(
            select(func.count())
            .select_from(PayoutDecision)
            .where(PayoutDecision.request_id == payout.id)
        )
        approved_events = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "payout.approved",
                AuditEvent.subject_type == "payout_request",
                AuditEvent.subject_id == payout.id,
            )
        )
        if payout.state == "approved":
            assert (reserved, decisions, approved_events) == (1, 1, 1), payout.id
        else:
            assert payout.state == "requested", (payout.id, payout.state)
            assert (reserved, decisions, approved_events) == (0, 0, 0), payout.id
        seen[payout.state] = seen.get(payout.state, 0) + 1
    return seen


def test_a_server_killed_mid_approval_leaves_no_half_approval(app, database_url, world, tmp_path):
    fund(world.group_a, world.lead, 100_000)
    household = family(world.group_a, world.staff_a, world.member_a)
    ids = [conditional(world.group_a, world.staff_a, household, 500).id for _ in range(PAYOUTS)]
    group = world.group_a.id
    staff_user = SimpleNamespace(
        username=world.staff_a.username,
        has_two_factor=world.staff_a.has_two_factor,
        totp_secret=world.staff_a.totp_secret,
    )
    db.session.remove()
    env = server_env(app, database_url)

    server = Server(env, tmp_path / "before.log", own_group=True)
    server.wait_ready()
    staff = requests.Session()
    log_in(staff, server.url, staff_user)
    forms = {}
    for request_id in ids:
        text = staff.get(f"{server.url}/groups/{group}/payouts/{request_id}", timeout=10).text
        forms[request_id] = (token_in(text), KEY.search(text).group(1))
    cookies = staff.cookies.get_dict()

    answered: list[int] = []
    started = threading.Event()

    def approve(chunk: list[int]) -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        for request_id in chunk:
            token, key = forms[request_id]
            started.set()
            try:
                response = session.post(
                    f"{server.url}/groups/{group}/payouts/{request_id}/decide",
                    data={"csrf_token": token, "idempotency_key": key, "verdict": "approve",
                          "reason": "Avtalt"},
                    timeout=30,
                )  # fmt: skip
                answered.append(response.status_code)
            except requests.RequestException:
                return  # the server is gone

    threads = [threading.Thread(target=approve, args=(ids[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    started.wait(timeout=10)
    # Let some approvals finish and others be under way, then pull the plug.
    deadline = time.monotonic() + 20
    while len(answered) < PAYOUTS // 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.crash()
    for thread in threads:
        thread.join(timeout=60)
    assert 500 not in answered
    assert 0 < len(answered) < PAYOUTS, "the crash came in the middle of the approvals"

    result = app.test_cli_runner().invoke(args=["check-ledger"])
    assert result.exit_code == 0, result.output
    before_restart = whole_or_absent(ids)
    print(f"killed after {len(answered)} answers; in the database: {before_restart}")
    assert before_restart.get("approved", 0) >= len([s for s in answered if s == 200])

    # After a restart, the approvals that did not happen can be made, each once.
    again = Server(env, tmp_path / "after.log")
    again.wait_ready()
    try:
        # The log-in outlives the crash: sessions are rows in the database.
        staff = requests.Session()
        staff.cookies.update(cookies)
        db.session.expire_all()
        waiting = [i for i in ids if db.session.get(PayoutRequest, i).state == "requested"]
        for request_id in waiting:
            page = f"{again.url}/groups/{group}/payouts/{request_id}"
            text = staff.get(page, timeout=10).text
            response = staff.post(
                f"{page}/decide",
                data={"csrf_token": token_in(text), "idempotency_key": KEY.search(text).group(1),
                      "verdict": "approve", "reason": "Avtalt"},
                timeout=30,
            )  # fmt: skip
            assert response.status_code == 200
    finally:
        again.stop()
    assert whole_or_absent(ids) == {"approved": PAYOUTS}
    assert services.ledger_problems() == []
    pot = services.pot_for_group(db.session.get(Group, group))
    assert services.balances(pot).reserved == PAYOUTS * 500 * 100
