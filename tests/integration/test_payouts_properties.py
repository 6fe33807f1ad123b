"""Property test: random sequences of allocations, requests, approvals, payments, cancellations,
payment plans and schedule runs keep every invariant of the books."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pb.extensions import db
from pb.groups import services as groups
from pb.payouts import services
from pb.payouts.models import LedgerEntry
from tests.factories import add_to_group

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

amounts = st.integers(min_value=1, max_value=6_000_000)  # øre: up to NOK 60,000
steps = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), amounts),
        st.tuples(st.just("request"), amounts),
        st.tuples(st.just("plan"), st.integers(1, 14)),
        st.tuples(st.just("approve"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("reject"), st.integers(0, 9)),
        st.tuples(st.just("pay"), st.integers(0, 9)),
        st.tuples(st.just("cancel"), st.integers(0, 9)),
        st.tuples(st.just("schedule"), st.integers(0, 500)),
    ),
    min_size=1,
    max_size=14,
)


def check_invariants(pot) -> None:
    b = services.balances(pot)
    assert b.available >= 0 and b.reserved >= 0 and b.paid >= 0
    assert b.paid + b.reserved + b.available == b.allocated
    assert pot.available_ore == b.available
    unbalanced = db.session.execute(
        select(LedgerEntry.transaction_id)
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_ore) != 0)
    ).all()
    assert unbalanced == []
    assert services.ledger_problems() == []


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_random_sequences_keep_the_books_balanced(world, steps):
    lead, staff = world.lead, world.staff_a
    group = groups.create_group(world.programme, name="Prop", description="", actor=lead)
    add_to_group(staff, group, "staff")
    household = groups.save_household(
        group, actor=lead, label="H", birth_years=[2015, 2018], member_ids=[]
    )
    db.session.commit()
    services.allocate(
        group,
        actor=lead,
        amount_ore=1_000_000,
        funder="F",
        purpose="P",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    pot = services.pot_for_group(group)
    requests = []
    for step in steps:
        action = step[0]
        target = (
            requests[step[1] % len(requests)]
            if requests
            and action
            in (
                "approve",
                "reject",
                "pay",
                "cancel",
            )
            else None
        )
        try:
            if action == "allocate":
                services.allocate(
                    group,
                    actor=lead,
                    amount_ore=step[1],
                    funder="F",
                    purpose="P",
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                )
            elif action == "request":
                requests.append(
                    services.create_conditional_request(
                        group,
                        actor=staff,
                        title="R",
                        purpose="",
                        amount_ore=step[1],
                        category="groceries",
                        payment_method="gift_card",
                        household=household,
                    )
                )
            elif action == "plan":
                requests.append(
                    services.create_payment_plan(
                        group,
                        actor=staff,
                        household=household,
                        per_child_ore=10_000,
                        starts_on=date(2026, 1, 1),
                        ends_on=date(2026, 1, 1) + timedelta(days=30 * step[1]),
                        payment_day=10,
                    )
                )
            elif target is not None and action == "approve":
                actor = lead if step[2] else staff
                services.decide(target, actor=actor, approve=True, reason="ok")
            elif target is not None and action == "reject":
                services.decide(target, actor=lead, approve=False, reason="nei")
            elif target is not None and action == "pay":
                services.pay(target, actor=staff)
            elif target is not None and action == "cancel":
                services.cancel(target, actor=staff, reason="stopp")
            elif action == "schedule":
                services.run_schedules(date(2026, 1, 1) + timedelta(days=step[1]))
        except services.PayoutError:
            db.session.rollback()
        db.session.expire_all()
        check_invariants(pot)
