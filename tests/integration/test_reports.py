"""Reports for a group and a programme: every figure checked against the rows it is made of, the
small-count suppression of money, the CSV per section, and who may read them."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.lending import services as lending
from pb.payouts import services as payouts
from pb.payouts.models import LedgerEntry, LedgerTransaction, Pot
from pb.projects.models import Activity
from pb.reports import services as reports
from pb.reports.services import Period
from pb.timeutil import local_today
from pb.voting.models import Ballot
from tests.conftest import plain
from tests.factories import log_in
from tests.integration.test_lending import english_readers  # noqa: F401 - autouse
from tests.integration.test_payouts_pipeline import conditional, family, fund
from tests.integration.test_projects import log, make_project
from tests.lending_helpers import book, make_item
from tests.proposals_factories import make_proposal, make_round


def this_year() -> Period:
    today = local_today()
    return Period(date(today.year, 1, 1), today)


def report_url(world, section: str | None = None, period: Period | None = None) -> str:
    period = period or this_year()
    base = f"/groups/{world.group_a.id}/report"
    if section:
        base += f"/{section}.csv"
    return f"{base}?start={period.start.isoformat()}&end={period.end.isoformat()}"


def read_csv(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def paid(world, household, kroner: int, category: str):
    request = conditional(world.group_a, world.staff_a, household, kroner, category=category)
    payouts.decide(request, actor=world.staff_a, approve=True, reason="ok")
    payouts.pay(request, actor=world.staff_a, idempotency_key=f"key-{request.id:028d}")
    return request


@pytest.fixture
def money_world(world):
    fund(world.group_a, world.lead)
    world.household = family(world.group_a, world.staff_a, world.member_a)
    return world


# ---------------------------------------------------------------------------------------------
# Figures against their source rows


def test_activity_totals_match_the_log_and_leave_out_other_periods(client, world):
    project = make_project(world, starts_on=local_today() - timedelta(days=400))
    today = local_today()
    log(project, world, happened_on=today, adults=3, youth=7, children=2, volunteer_minutes=90)
    log(
        project,
        world,
        happened_on=today,
        kind="trip",
        adults=1,
        youth=12,
        children=0,
        volunteer_minutes=0,
    )
    log(project, world, happened_on=today - timedelta(days=390), adults=50)  # last year
    period = Period(today - timedelta(days=30), today)
    section = reports.activities([world.group_a.id], period)
    source = db.session.execute(
        select(
            func.count(),
            func.sum(Activity.adults + Activity.youth + Activity.children),
            func.sum(Activity.volunteer_minutes),
        ).where(Activity.happened_on >= period.start, Activity.happened_on <= period.end)
    ).one()
    assert (section.total.activities, section.total.heads, section.total.volunteer_minutes) == (
        source[0],
        source[1],
        source[2],
    )
    assert section.total.heads == 25 and set(section.by_kind) == {"meal", "trip"}
    log_in(client, world.staff_a)
    page = plain(client.get(report_url(world, period=period)).get_data(as_text=True))
    assert "Ung-til-ung" in page
    rows = read_csv(client.get(report_url(world, "activities", period)))
    total = next(r for r in rows if r["group"] == "all" and r["project"] == "all")
    assert (total["activities"], total["people"], total["volunteer_hours"]) == ("2", "25", "1.5")
    project_row = next(r for r in rows if r["project"] == "Ung-til-ung")
    assert project_row["adults"] == "4" and project_row["youth"] == "19"


def test_participation_counts_people_once_whatever_they_did(world):
    budget_round = make_round(world)
    make_proposal(budget_round, world.member_a)
    make_proposal(budget_round, world.member_a, title="Enda en")
    make_proposal(budget_round, world.peer_a, title="Fra en likeperson")
    db.session.add(
        Ballot(round_id=budget_round.id, voter_id=world.member_a.id, choices=[], receipt_code="A1")
    )
    db.session.add(
        Ballot(round_id=budget_round.id, voter_id=world.staff_a.id, choices=[], receipt_code="B2")
    )
    db.session.commit()
    item = make_item(world.group_a, world.staff_a, world.peer_a, auto_confirm=True)
    booking = book(item, world.member_a, 0, 1)
    lending.pick_up(booking, actor=world.peer_a, condition="good", note="")
    book(item, world.staff_a, 5, 6)  # booked, not yet borrowed: not counted
    numbers = reports.participation([world.group_a.id], this_year())
    assert (numbers.proposed, numbers.voted, numbers.borrowed) == (2, 2, 1)
    assert numbers.any == 3  # member_a, peer_a and staff_a
    assert numbers.members == 3  # staff_a, peer_a, member_a in group A
    assert reports.participation([world.group_b.id], this_year()).any == 0


def test_money_matches_the_ledger_and_small_cells_are_hidden_with_their_complement(
    client, money_world
):
    w = money_world
    for _ in range(3):
        paid(w, w.household, 1_000, "sports_shop")
    paid(w, w.household, 700, "groceries")  # one payout: hidden
    paid(w, w.household, 800, "electronics")  # one payout: hidden
    section = reports.money_in_year([w.group_a.id], local_today().year)
    cells = {(c.kind, c.category): c for c in section.cells}
    assert cells[("conditional", "groceries")].amount_ore is None
    assert cells[("conditional", "electronics")].amount_ore is None
    # Two single payouts hidden beside a shown total: either family could subtract its own from
    # their sum. So the next cell is hidden too, until the hidden ones describe 3 payouts.
    assert cells[("conditional", "sports_shop")].amount_ore is None
    ledger_paid = db.session.scalar(
        select(func.sum(LedgerEntry.amount_ore))
        .join(Pot, Pot.id == LedgerEntry.pot_id)
        .where(Pot.group_id == w.group_a.id, LedgerEntry.account == "paid")
    )
    assert section.by_kind["conditional"] == (ledger_paid, 5)
    assert section.total_ore == ledger_paid == 450_000
    log_in(client, w.staff_a)
    rows = read_csv(client.get(report_url(w, "money")))
    food = next(r for r in rows if r["category"] == "groceries")
    assert food["amount_nok"] == "hidden" and food["payouts"] == "hidden"
    page = client.get(report_url(w)).get_data(as_text=True)
    assert "7\u00a0000" not in page and "7 000" not in page and "700,00" not in page


def test_a_single_small_cell_hides_a_second_one(money_world):
    w = money_world
    for _ in range(3):
        paid(w, w.household, 1_000, "sports_shop")
    for _ in range(4):
        paid(w, w.household, 500, "electronics")
    paid(w, w.household, 700, "groceries")
    cells = {c.category: c for c in reports.money_in_year([w.group_a.id], local_today().year).cells}
    assert cells["groceries"].amount_ore is None
    # The kind's total is shown, so a second cell is hidden too: the smallest of the others.
    assert cells["sports_shop"].amount_ore is None
    assert cells["electronics"].amount_ore == 200_000


def test_a_type_with_fewer_than_three_payouts_hides_its_total_and_the_grand_total(money_world):
    w = money_world
    paid(w, w.household, 700, "groceries")
    section = reports.money_in_year([w.group_a.id], local_today().year)
    assert section.by_kind["conditional"] == (None, None)
    assert section.total_ore is None
    ledger_rows = db.session.scalar(select(func.count()).select_from(LedgerTransaction))
    assert ledger_rows > 0


# ---------------------------------------------------------------------------------------------
# Who may read


def test_only_staff_and_the_lead_read_a_group_report(client, world):
    for user, status in [
        (world.member_a, 404),
        (world.peer_a, 404),
        (world.staff_b, 404),
        (world.staff_a, 200),
        (world.lead, 200),
    ]:
        fresh = client.application.test_client()
        log_in(fresh, user)
        assert fresh.get(report_url(world)).status_code == status, user.username
        assert fresh.get(report_url(world, "money")).status_code == status, user.username
    assert client.application.test_client().get(report_url(world)).status_code == 302


def test_the_programme_report_covers_every_group_and_only_shared_stories(client, world):
    from pb.projects import services as projects

    kept = projects.submit_story(
        world.group_a,
        actor=world.member_a,
        title="Only for the group",
        body="x",
        language="nb",
        visibility="group",
    )
    shared = projects.submit_story(
        world.group_b,
        actor=world.member_b,
        title="For the programme",
        body="y",
        language="nb",
        visibility="programme",
    )
    projects.publish_story(kept, actor=world.staff_a)
    projects.publish_story(shared, actor=world.staff_b)
    log_in(client, world.lead)
    url = f"/programmes/{world.programme.id}/report"
    page = plain(client.get(url).get_data(as_text=True))
    assert "For the programme" in page and "Only for the group" not in page
    rows = read_csv(client.get(url + "/stories.csv"))
    assert [r["title"] for r in rows] == ["For the programme"]
    for user in (world.member_a, world.peer_a):
        other = client.application.test_client()
        log_in(other, user)
        assert other.get(url).status_code == 404


def test_an_end_before_the_start_gets_a_message_and_the_default_period(client, world):
    log_in(client, world.staff_a)
    response = client.get(f"/groups/{world.group_a.id}/report?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 200
    assert "The end is before the start" in plain(response.get_data(as_text=True))


def test_csv_cells_never_start_a_formula(client, world):
    make_project(world, title='=HYPERLINK("http://evil")')
    log_in(client, world.staff_a)
    rows = read_csv(client.get(report_url(world, "activities")))
    assert rows[0]["project"].startswith("'=")


def test_each_allocation_letter_stands_beside_what_its_own_group_recorded(client, world):
    fund(world.group_a, world.lead)
    fund(world.group_b, world.lead)
    project = make_project(world)
    for _ in range(3):
        log(project, world)
    log_in(client, world.lead)
    rows = read_csv(client.get(f"/programmes/{world.programme.id}/report/goals.csv"))
    by_group = {r["group"]: r for r in rows}
    assert by_group["Group A"]["activities"] == "3" and by_group["Group A"]["people"] == "48"
    assert by_group["Group B"]["activities"] == "0"
    assert by_group["Group A"]["funder"] == "Trondheim kommune"
    page = client.get(f"/programmes/{world.programme.id}/report").get_data(as_text=True)
    assert f'data-recorded="{world.group_a.id}"' in page


def test_money_is_reported_by_whole_years_so_two_periods_cannot_be_subtracted(money_world):
    w = money_world
    for _ in range(4):
        paid(w, w.household, 1_000, "sports_shop")
    today = local_today()
    short = reports.money([w.group_a.id], Period(today, today))
    long = reports.money([w.group_a.id], Period(date(today.year, 1, 1), today))
    assert short == long
    assert [section.year for section in long] == [today.year]
