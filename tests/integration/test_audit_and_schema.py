"""The audit log is append-only in the database, and the migrations match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from pb.audit.models import AuditEvent
from pb.extensions import db


def test_audit_events_cannot_be_changed_or_deleted(world):
    event = db.session.scalars(select(AuditEvent)).first()
    for statement in (
        "UPDATE audit_event SET action = 'forged' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": event.id})
            db.session.flush()
        db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == event.action


def test_joins_and_group_creation_are_audited(world):
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    joined = [e for e in events if e.action == "group.joined"]
    assert len(joined) == 5
    assert {e.group_id for e in joined} == {world.group_a.id, world.group_b.id}
    assert any(e.action == "group.created" and e.actor_id == world.lead.id for e in events)


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_seed_demo_is_idempotent_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output and "TOTP secret" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in second.output
    from pb.groups.models import Child, Group, Household, Membership

    groups = {g.name: g for g in db.session.scalars(select(Group))}
    driving = groups["Veien til førerkortet"]
    roles = [
        m.role
        for m in db.session.scalars(select(Membership).where(Membership.group_id == driving.id))
    ]
    assert roles.count("member") == 33 and roles.count("peer") == 2 and roles.count("staff") == 2
    steady = groups["Stødig start"]
    assert len(steady.households) == 20
    refugees = groups["Flyktningfamilien i sentrum"]
    children = db.session.scalars(
        select(Child).join(Household).where(Household.group_id == refugees.id)
    ).all()
    assert len(refugees.households) == 10 and len(children) == 52
    locales = {m.user.locale for m in refugees.memberships if m.role == "member"}
    assert locales == {"ar", "ti", "so"}
    from pb.payouts import services as payouts

    driving_pot = payouts.balances(payouts.pot_for_group(driving))
    assert driving_pot.allocated == 2_000_000 * 100
    assert payouts.ledger_problems() == []
    # The spring round is counted and published, and its winners are paid.
    from pb.payouts.models import PayoutRequest
    from pb.proposals.models import BudgetRound
    from pb.voting.services import result_of

    spring = db.session.scalar(select(BudgetRound).where(BudgetRound.title.like("Våren%")))
    result = result_of(spring)
    assert result.published_at is not None and result.voters > 20
    collective = db.session.scalars(
        select(PayoutRequest).where(PayoutRequest.kind == "collective")
    ).all()
    assert sorted(r.source_proposal_id for r in collective) == sorted(result.selected)
    assert {r.state for r in collective} == {"paid"}
    assert driving_pot.paid == sum(r.amount_ore for r in collective)


def test_totp_command_works_only_for_demo_users(app):
    from tests.factories import make_user

    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    make_user("staff_a", totp=True)
    code = runner.invoke(args=["totp", "leder"])
    assert code.exit_code == 0 and code.output.strip().isdigit() and len(code.output.strip()) == 6
    refused = runner.invoke(args=["totp", "staff_a"])
    assert refused.exit_code != 0 and "not a demo user" in refused.output


def test_seed_demo_refuses_a_database_with_real_users(app, world):
    from pb.accounts.models import User

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "real (non-demo) users" in result.output
    assert db.session.scalar(select(func.count()).select_from(User).where(User.is_demo)) == 0


def test_foreign_keys_are_enforced_on_both_databases(world):
    from sqlalchemy.exc import IntegrityError

    from pb.groups.models import Membership

    db.session.add(Membership(group_id=999_999, user_id=world.member_a.id, role="member"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
