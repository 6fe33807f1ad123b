"""Payment plans: per child per month, reserved up front, paid by run-schedules exactly once, with
the household told when the support ends."""

from datetime import date

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.notifications.models import Notification
from pb.payouts import services
from pb.payouts.models import PayoutRequest, PlanInstallment
from tests.conftest import post_form
from tests.factories import log_in
from tests.integration.test_payouts_pipeline import EN, add_staff, family, fund

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def plan_world(world):
    fund(world.group_a, world.lead, 500_000)
    world.staff_a2 = add_staff("staff_a2", world.group_a)
    world.staff_a3 = add_staff("staff_a3", world.group_a)
    world.household = family(world.group_a, world.staff_a, world.member_a, children=3)
    return world


def make_plan(w, **overrides):
    args = {
        "actor": w.staff_a,
        "household": w.household,
        "per_child_ore": 160_000,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "payment_day": 20,
    }
    args.update(overrides)
    return services.create_payment_plan(w.group_a, **args)


def approve_as_team(w, plan):
    for staff in (w.staff_a2, w.staff_a3, w.lead):
        if plan.state == "requested":
            services.decide(plan, actor=staff, approve=True, reason="Fast støtte som avtalt")


def test_a_plan_reserves_its_whole_cost_and_is_approved_by_the_tier_of_its_total(plan_world):
    w = plan_world
    plan = make_plan(w)
    assert plan.monthly_ore == 3 * 160_000
    assert plan.amount_ore == 12 * 3 * 160_000  # NOK 57,600: a team decision
    assert plan.tier == 3
    approve_as_team(w, plan)
    assert plan.state == "approved"
    pot = services.pot_for_group(w.group_a)
    assert services.balances(pot).reserved == plan.amount_ore
    assert services.ledger_problems() == []


def test_run_schedules_pays_each_month_once_even_when_run_twice(app, plan_world):
    w = plan_world
    plan = make_plan(w)
    approve_as_team(w, plan)
    assert services.run_schedules(date(2026, 3, 25)) == 3
    assert services.run_schedules(date(2026, 3, 25)) == 0
    runner = app.test_cli_runner()
    result = runner.invoke(args=["run-schedules", "--today", "2026-03-25"])
    assert result.exit_code == 0 and "0 monthly" in result.output
    installments = db.session.scalars(select(PlanInstallment).order_by(PlanInstallment.due_on))
    assert [i.due_on for i in installments] == [date(2026, m, 20) for m in (1, 2, 3)]
    pot = services.pot_for_group(w.group_a)
    b = services.balances(pot)
    assert b.paid == 3 * plan.monthly_ore and b.reserved == 9 * plan.monthly_ore
    assert services.run_schedules(date(2027, 1, 5)) == 9
    db.session.expire_all()
    plan = db.session.get(PayoutRequest, plan.id)
    assert plan.state == "paid"
    assert services.balances(pot).reserved == 0
    assert runner.invoke(args=["check-ledger"]).exit_code == 0


def test_the_household_is_told_3_months_and_1_month_before_the_end(client, plan_world):
    w = plan_world
    plan = make_plan(w)
    approve_as_team(w, plan)
    services.run_schedules(date(2026, 9, 1))
    endings = select(func.count()).where(Notification.kind == "plan.ending")
    assert db.session.scalar(endings) == 0
    services.run_schedules(date(2026, 10, 1))
    assert db.session.scalar(endings) == 1
    services.run_schedules(date(2026, 10, 2))
    assert db.session.scalar(endings) == 1
    services.run_schedules(date(2026, 12, 1))
    assert db.session.scalar(endings) == 2
    log_in(client, w.member_a)
    page = client.get(f"/groups/{w.group_a.id}/payouts/{plan.id}", headers=EN)
    text = page.get_data(as_text=True)
    assert "Payment plan for <bdi>Familie A</bdi>" in text
    assert services.ends_soon_notice(plan, date(2026, 9, 30))
    assert not services.ends_soon_notice(plan, date(2026, 9, 29))


def test_the_household_sees_when_the_support_ends(client, plan_world):
    from datetime import timedelta

    from pb.timeutil import utcnow

    w = plan_world
    today = utcnow().date()
    plan = make_plan(
        w, starts_on=today - timedelta(days=40), ends_on=today + timedelta(days=50), payment_day=1
    )
    approve_as_team(w, plan)
    log_in(client, w.member_a)
    text = client.get(f"/groups/{w.group_a.id}/payouts/{plan.id}", headers=EN).get_data(
        as_text=True
    )
    assert "This support ends on" in text


def test_cancelling_a_running_plan_gives_back_what_is_left(plan_world):
    w = plan_world
    plan = make_plan(w)
    approve_as_team(w, plan)
    services.run_schedules(date(2026, 2, 21))
    services.cancel(plan, actor=w.staff_a, reason="Familien flyttet")
    pot = services.pot_for_group(w.group_a)
    b = services.balances(pot)
    assert b.reserved == 0 and b.paid == 2 * plan.monthly_ore
    assert services.run_schedules(date(2026, 6, 1)) == 0
    assert services.ledger_problems() == []


def test_a_plan_ending_before_it_starts_is_refused(client, plan_world):
    w = plan_world
    with pytest.raises(services.PayoutError, match="period"):
        make_plan(w, starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    log_in(client, w.staff_a)
    response = post_form(
        client,
        f"/groups/{w.group_a.id}/plans/new",
        {
            "household": str(w.household.id),
            "per_child": "1 600",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
            "payment_day": "20",
        },
        headers=EN,
    )
    assert response.status_code == 200
    assert "on or after the start date" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PayoutRequest)) == 0


def test_a_plan_through_the_form(client, plan_world):
    w = plan_world
    log_in(client, w.staff_a)
    response = post_form(
        client,
        f"/groups/{w.group_a.id}/plans/new",
        {
            "household": str(w.household.id),
            "per_child": "1 600",
            "starts_on": "2026-01-01",
            "ends_on": "2026-06-30",
            "payment_day": "15",
        },
    )
    assert response.status_code == 303
    plan = db.session.scalar(select(PayoutRequest))
    assert plan.kind == "unconditional" and plan.amount_ore == 6 * 3 * 160_000
    assert plan.tier == 2
