"""Budget rounds: who opens them, the amount from the pot, phases by date and by hand, and the
banner on every group page."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.proposals import services
from pb.proposals.models import BudgetRound
from pb.proposals.services import ProposalError
from pb.timeutil import utcnow
from tests.conftest import post_form
from tests.factories import log_in
from tests.proposals_factories import EN, make_round

ROUND_FORM = {
    "title": "Sommer 2027",
    "amount": "150 000",
    "languages": ["nb", "ar"],
    "review_starts_on": (date.today() + timedelta(days=7)).isoformat(),
    "voting_starts_on": (date.today() + timedelta(days=14)).isoformat(),
    "voting_ends_on": (date.today() + timedelta(days=21)).isoformat(),
    "followup_starts_on": (date.today() + timedelta(days=28)).isoformat(),
    "ballot_format": "knapsack",
    "counting_rule": "mes",
    "proposal_limit": "3",
    "report_threshold": "3",
}


def new_round_url(group) -> str:
    return f"/groups/{group.id}/rounds/new"


@pytest.mark.parametrize("who", ["staff_a", "peer_a"])
def test_staff_or_a_peer_consultant_opens_a_round(client, login, world, who):
    from tests.integration.test_payouts_pipeline import fund

    fund(world.group_a, world.lead, 200_000)
    login(getattr(world, who))
    response = post_form(client, new_round_url(world.group_a), ROUND_FORM)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    budget_round = db.session.scalar(select(BudgetRound))
    assert budget_round.amount_ore == 150_000_00
    assert budget_round.languages == ["nb", "ar"]
    assert budget_round.ballot_format == "knapsack" and budget_round.counting_rule == "mes"
    assert services.current_phase(budget_round) == "ideas"
    assert budget_round.review_starts_at < budget_round.voting_starts_at
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.created")).one()
    assert event.actor_id == getattr(world, who).id
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "Sommer 2027" in page and "Ideas" in page


def test_a_member_or_another_group_cannot_open_or_see_a_round(client, login, world):
    budget_round = make_round(world)
    login(world.member_a)
    assert client.get(new_round_url(world.group_a)).status_code == 404
    token_page = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    response = post_form(client, new_round_url(world.group_a), ROUND_FORM, token_from=token_page)
    assert response.status_code == 404
    assert client.get(token_page).status_code == 200
    other = client.application.test_client()
    log_in(other, world.member_b)
    assert other.get(token_page).status_code == 404
    assert other.get(f"/groups/{world.group_a.id}/rounds").status_code == 404
    # Another group's staff can't open a round here either.
    staff_b = client.application.test_client()
    log_in(staff_b, world.staff_b)
    assert staff_b.get(new_round_url(world.group_a)).status_code == 404
    assert (
        db.session.scalar(select(BudgetRound.id).where(BudgetRound.id != budget_round.id)) is None
    )


BAD_ROUNDS = [
    ("title", "", "fill in"),
    ("amount", "0", "more than zero"),
    ("amount", "tusen", "in numbers"),
    ("voting_starts_on", (date.today() + timedelta(days=1)).isoformat(), "before the review"),
    ("voting_ends_on", (date.today() + timedelta(days=14)).isoformat(), "after it starts"),
    ("followup_starts_on", (date.today() + timedelta(days=15)).isoformat(), "before voting"),
    ("languages", [], "at least one language"),
]


def test_bad_round_settings_are_refused(client, login, world):
    login(world.staff_a)
    for field, value, message in BAD_ROUNDS:
        response = post_form(
            client, new_round_url(world.group_a), {**ROUND_FORM, field: value}, headers=EN
        )
        assert response.status_code == 200, field
        assert message in response.get_data(as_text=True), field
    assert db.session.scalar(select(BudgetRound.id)) is None


def test_the_amount_comes_from_the_pot_when_there_is_one(client, login, world):
    from pb.payouts import services as payouts

    payouts.allocate(
        world.group_a,
        actor=world.lead,
        amount_ore=80_000_00,
        funder="Kommunen",
        purpose="Kjøretimer",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    login(world.staff_a)
    form = client.get(new_round_url(world.group_a), headers=EN).get_data(as_text=True)
    assert 'value="80,000"' in form  # as English writes it
    too_much = post_form(
        client, new_round_url(world.group_a), {**ROUND_FORM, "amount": "80 001"}, headers=EN
    )
    assert "does not have that much" in too_much.get_data(as_text=True)
    assert db.session.scalar(select(BudgetRound.id)) is None


def test_moving_on_by_hand_only_goes_forward_and_keeps_the_dates_in_order(client, login, world):
    budget_round = make_round(world)
    round_url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    login(world.peer_a)
    for phase in ("review", "voting", "results", "followup"):
        response = post_form(client, round_url + "/phase", {"to": phase}, token_from=round_url)
        assert response.status_code == 303
        db.session.refresh(budget_round)
        assert services.current_phase(budget_round) == phase
        dates = [
            budget_round.review_starts_at,
            budget_round.voting_starts_at,
            budget_round.voting_ends_at,
            budget_round.followup_starts_at,
        ]
        assert dates == sorted(dates) and dates[1] < dates[2]
        if phase == "voting":
            assert budget_round.voting_opened_at is not None
            assert budget_round.roll_frozen_at <= utcnow()
    with pytest.raises(ProposalError):
        services.advance_phase(budget_round, to="voting", actor=world.staff_a)
    db.session.rollback()
    moves = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "round.phase_advanced")
    ).all()
    assert [m.details["new_phase"] for m in moves] == ["review", "voting", "results", "followup"]
    assert all(m.actor_id == world.peer_a.id for m in moves)


def test_a_member_cannot_move_a_round_on(client, login, world):
    budget_round = make_round(world)
    round_url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    login(world.member_a)
    response = post_form(client, round_url + "/phase", {"to": "review"}, token_from=round_url)
    assert response.status_code == 404
    db.session.refresh(budget_round)
    assert services.current_phase(budget_round) == "ideas"


def test_the_banner_shows_the_phase_and_time_left_on_every_group_page(client, login, world):
    make_round(world, "voting", title="Førerkort-runden")
    login(world.member_a)
    for path in (f"/groups/{world.group_a.id}", f"/groups/{world.group_a.id}/pot"):
        page = client.get(path, headers=EN).get_data(as_text=True)
        assert 'class="phase-banner phase-voting"' in page
        assert "Førerkort-runden" in page and "Voting" in page and "left" in page
    other = client.application.test_client()
    log_in(other, world.member_b)
    assert "phase-banner" not in other.get(f"/groups/{world.group_b.id}").get_data(as_text=True)


def test_rounds_for_group_and_the_ballot_service(world):
    first = make_round(world, "review", title="A")
    second = make_round(world, "ideas", title="B")
    assert [r.id for r in services.rounds_for_group(world.group_a)] == [second.id, first.id]
    assert services.open_round_for(world.group_a).id == second.id
    assert services.rounds_for_group(world.group_b) == []
