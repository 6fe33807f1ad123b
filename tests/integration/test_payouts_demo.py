"""The demo's payouts: ten payment plans at NOK 1,600 per child per month for the refugee
families, and conditional payouts in every tier for "Stødig start", one with a complaint."""

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.groups.models import Group
from pb.payouts import services
from pb.payouts.models import PayoutComplaint, PayoutRequest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_demo_has_plans_tiers_and_a_complaint(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    groups = {g.name: g for g in db.session.scalars(select(Group))}
    refugees = groups["Flyktningfamilien i sentrum"]
    plans = db.session.scalars(
        select(PayoutRequest).where(
            PayoutRequest.group_id == refugees.id, PayoutRequest.kind == "unconditional"
        )
    ).all()
    assert len(plans) == 10
    assert {p.per_child_ore for p in plans} == {160_000}
    assert all(p.state in ("approved", "paid") for p in plans)
    assert sum(p.amount_ore for p in plans) == 52 * 160_000 * 12
    steady = groups["Stødig start"]
    conditional = db.session.scalars(
        select(PayoutRequest).where(PayoutRequest.group_id == steady.id)
    ).all()
    assert {p.tier for p in conditional} == {1, 2, 3}
    assert {p.state for p in conditional} >= {"paid", "approved", "requested", "rejected", "draft"}
    complaint = db.session.scalar(select(PayoutComplaint))
    assert complaint.state == "open" and complaint.handler is not None
    assert complaint.handler_id not in services.involved_ids(complaint.request)
    assert services.ledger_problems() == []
    assert runner.invoke(args=["check-ledger"]).exit_code == 0
    # Running the schedule again pays nothing twice.
    assert runner.invoke(args=["run-schedules"]).output.startswith("0 monthly")
