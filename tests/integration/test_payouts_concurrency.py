"""Twenty staff approve and pay against one small pot at the same instant, on PostgreSQL: nothing
is overspent, nothing is paid twice, and the books stay clean. A smaller race on SQLite checks
that BEGIN IMMEDIATE serialises the same way there."""

import os
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pb.accounts.models import User
from pb.extensions import db
from pb.groups.models import Group
from pb.payouts import services
from pb.payouts.models import LedgerTransaction, PayoutRequest
from tests.conftest import make_test_app
from tests.integration.test_payouts_pipeline import conditional, family

ON_POSTGRES = os.environ.get("TEST_DATABASE", "sqlite") == "postgresql"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="row locks under real concurrency: runs with TEST_DATABASE=postgresql",
)
def test_twenty_threads_approve_and_pay_without_overspending(app, world):
    race(app, world, 20)


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite variant of the race")
def test_eight_threads_on_sqlite_are_serialised_by_begin_immediate(app, world):
    race(app, world, 8)


def race(app, world, count: int) -> None:
    services.allocate(
        world.group_a,
        actor=world.lead,
        amount_ore=750_000,  # NOK 7,500: room for seven of the twenty NOK 1,000 payouts
        funder="F",
        purpose="P",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    household = family(world.group_a, world.staff_a, world.member_a)
    request_ids = [
        conditional(world.group_a, world.staff_a, household, 1_000).id for _ in range(count)
    ]
    actor_ids = [world.staff_a.id, world.lead.id]
    group_id = world.group_a.id
    db.session.remove()
    # A second app on the same database, with a connection for every thread.
    threads_app = make_test_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": count + 2, "max_overflow": 0},
    )

    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            with threads_app.app_context():
                actor = db.session.get(User, actor_ids[index % 2])
                mine = db.session.get(PayoutRequest, request_ids[index])
                neighbour = db.session.get(PayoutRequest, request_ids[(index + 1) % count])
                phases = [
                    # Everyone approves their own request and their neighbour's at once: two
                    # staff deciding the same request at the same instant, all against one pot.
                    [
                        lambda: services.decide(mine, actor=actor, approve=True, reason="ok"),
                        lambda: services.decide(neighbour, actor=actor, approve=True, reason="ok"),
                    ],
                    # Then everyone pays both at once, and double-clicks their own payment.
                    [
                        lambda: services.pay(mine, actor=actor, idempotency_key=f"pay-{index}-a"),
                        lambda: services.pay(
                            neighbour, actor=actor, idempotency_key=f"nb-{index}-b"
                        ),
                        lambda: services.pay(mine, actor=actor, idempotency_key=f"pay-{index}-a"),
                    ],
                ]
                for attempts in phases:
                    barrier.wait(timeout=60)
                    for attempt in attempts:
                        try:
                            attempt()
                        except services.PayoutError as refused:
                            with lock:
                                refusals.append(refused.code)
                db.session.remove()
        except BaseException as error:  # anything else is a failure of the test
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert "not_enough_money" in refusals
    assert set(refusals) <= {
        "not_enough_money",
        "already_paid",
        "not_approved",
        "not_open",
        "already_decided",
    }
    db.session.expire_all()
    states = db.session.scalars(select(PayoutRequest.state)).all()
    assert states.count("paid") + states.count("approved") == 7
    payments = db.session.execute(
        select(LedgerTransaction.payout_request_id, func.count())
        .where(LedgerTransaction.kind == "payment")
        .group_by(LedgerTransaction.payout_request_id)
    ).all()
    assert all(n == 1 for _request, n in payments)
    pot = services.pot_for_group(db.session.get(Group, group_id))
    b = services.balances(pot)
    assert b.available >= 0 and b.paid + b.reserved + b.available == 750_000
    assert b.paid == 100_000 * states.count("paid")
    assert services.ledger_problems() == []
    with threads_app.app_context():
        db.engine.dispose()
