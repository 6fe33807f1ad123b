"""The pot: allocations through a balanced ledger, visible totals, and the lead alone funding it."""

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.payouts import services
from pb.payouts.models import LedgerEntry, Pot
from tests.conftest import post_form

LETTER = {
    "amount": "2 000 000",
    "funder": "Trondheim kommune",
    "purpose": "Kjøretimer",
    "result_goals": "",
    "effect_goals": "",
    "starts_on": "2026-01-01",
    "ends_on": "2027-12-31",
}


def test_lead_funds_the_pot_and_members_see_the_totals(client, login, world):
    login(world.lead)
    response = post_form(client, f"/groups/{world.group_a.id}/pot", LETTER)
    assert response.status_code == 303
    pot = services.pot_for_group(world.group_a)
    assert services.balances(pot) == services.PotBalances(
        allocated=200_000_000, available=200_000_000, reserved=0, paid=0
    )
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.pot_id == pot.id)).all()
    assert sorted((e.account, e.amount_ore) for e in entries) == [
        ("available", 200_000_000),
        ("funding", -200_000_000),
    ]
    assert db.session.scalars(select(AuditEvent.action)).all()[-1] == "pot.allocated"
    assert services.ledger_problems() == []

    member = client.application.test_client()
    from tests.factories import log_in

    log_in(member, world.member_a)
    page = member.get(f"/groups/{world.group_a.id}/pot", headers={"Accept-Language": "en"})
    assert "NOK\xa02,000,000" in page.get_data(as_text=True)
    assert "Add an allocation" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "0", "more than zero"),
        ("amount", "-5", "can't be negative"),
        ("amount", "mange", "in numbers"),
        ("amount", "10.555", "two decimals"),
        ("ends_on", "2025-01-01", "on or after the start"),
        ("funder", "", "fill in"),
    ],
)
def test_bad_allocations_are_refused_and_nothing_is_written(
    client, login, world, field, value, message
):
    login(world.lead)
    response = post_form(
        client,
        f"/groups/{world.group_a.id}/pot",
        {**LETTER, field: value},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(LedgerEntry.id)) is None


def test_only_the_lead_funds_and_other_groups_get_404(client, login, world):
    login(world.staff_a)
    assert post_form(client, f"/groups/{world.group_a.id}/pot", LETTER).status_code == 404
    assert client.get(f"/groups/{world.group_b.id}/pot").status_code == 404
    assert db.session.scalar(select(LedgerEntry.id)) is None


def test_the_database_refuses_a_negative_available_balance(world):
    services.allocate(
        world.group_a,
        actor=world.lead,
        amount_ore=100,
        funder="F",
        purpose="P",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE pot SET available_ore = available_ore - 101"))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(Pot.available_ore)) == 100


def test_check_ledger_finds_a_tampered_cache(app, world):
    services.allocate(
        world.group_a,
        actor=world.lead,
        amount_ore=5000,
        funder="F",
        purpose="P",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["check-ledger"]).exit_code == 0
    db.session.execute(text("UPDATE pot SET available_ore = 1"))
    db.session.commit()
    result = runner.invoke(args=["check-ledger"])
    assert result.exit_code != 0 and "ledger says 5000" in result.output


def test_the_same_allocation_form_sent_twice_funds_the_pot_once(client, login, world):
    login(world.lead)
    url = f"/groups/{world.group_a.id}/pot"
    page = client.get(url).get_data(as_text=True)
    key = page.split('name="idempotency_key" type="hidden" value="')[1].split('"')[0]
    for _attempt in range(2):
        assert post_form(client, url, {**LETTER, "idempotency_key": key}).status_code == 303
    pot = services.pot_for_group(world.group_a)
    assert services.balances(pot).allocated == 200_000_000
    assert len(pot.allocations) == 1
    assert services.ledger_problems() == []
