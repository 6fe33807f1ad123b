"""Transparency: the ledger CSV re-imports with totals that match the pot page, the charts are
server-rendered SVG with a table beside them, the printable report and the programme's pots."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pb.money import format_ore
from pb.payouts import services
from pb.payouts.reports import CSV_COLUMNS
from tests.factories import log_in
from tests.integration.test_payouts_pipeline import EN, add_staff, conditional, family, fund
from tests.integration.voting_helpers import a_winning_proposal

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ledger-csv.md"


@pytest.fixture
def busy_pot(world):
    w = world
    fund(w.group_a, w.lead, 200_000)
    w.staff_a2 = add_staff("staff_a2", w.group_a)
    w.household = family(w.group_a, w.staff_a, w.member_a, children=2)
    paid = conditional(w.group_a, w.staff_a, w.household, 2_500, category="sports_shop")
    services.decide(paid, actor=w.staff_a, approve=True, reason="ok")
    services.pay(paid, actor=w.staff_a)
    reserved = conditional(w.group_a, w.staff_a, w.household, 20_000, category="furniture")
    services.decide(reserved, actor=w.staff_a2, approve=True, reason="ok")
    cancelled = conditional(w.group_a, w.staff_a, w.household, 1_234, category="tickets")
    services.decide(cancelled, actor=w.staff_a, approve=True, reason="ok")
    services.cancel(cancelled, actor=w.staff_a, reason="Avlyst")
    plan = services.create_payment_plan(
        w.group_a,
        actor=w.staff_a,
        household=w.household,
        per_child_ore=160_050,  # øre on purpose: NOK 1,600.50
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        payment_day=20,
    )
    services.decide(plan, actor=w.staff_a2, approve=True, reason="Fast støtte")
    services.run_schedules(date(2026, 3, 31))
    collective = services.create_collective_request(
        w.group_a,
        proposal_id=a_winning_proposal(w),
        title='=HYPERLINK("x")',
        amount_ore=50_000,
        actor=w.staff_a,
    )
    services.decide(collective, actor=w.staff_a, approve=True, reason="Vant avstemningen")
    services.pay(collective, actor=w.staff_a)
    return w


def totals_on_page(html: str) -> dict[str, str]:
    return {
        key: re.sub(r"<[^>]+>", "", value).strip()
        for key, value in re.findall(r'data-total="(\w+)">(.*?)</dd>', html, re.S)
    }


def test_the_csv_reimports_with_totals_matching_the_pot_page(client, busy_pot):
    w = busy_pot
    log_in(client, w.staff_a)
    response = client.get(f"/groups/{w.group_a.id}/pot/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert list(rows[0].keys()) == CSV_COLUMNS
    sums = {"funding": 0, "available": 0, "earmarked": 0, "reserved": 0, "paid": 0}
    by_transaction: dict[str, int] = {}
    for row in rows:
        ore = int(row["amount_ore"])
        assert Decimal(row["amount_nok"]) * 100 == ore
        sums[row["account"]] += ore
        by_transaction[row["transaction_id"]] = by_transaction.get(row["transaction_id"], 0) + ore
    assert set(by_transaction.values()) == {0}  # every transaction balances
    assert sum(sums.values()) == 0
    page = client.get(f"/groups/{w.group_a.id}/pot", headers=EN).get_data(as_text=True)
    shown = totals_on_page(page)
    if sums["earmarked"]:
        assert shown.pop("earmarked") == format_ore(sums["earmarked"], "en")
    assert shown == {
        "allocated": format_ore(-sums["funding"], "en"),
        "reserved": format_ore(sums["reserved"], "en"),
        "paid": format_ore(sums["paid"], "en"),
        "available": format_ore(sums["available"], "en"),
    }
    b = services.balances(services.pot_for_group(w.group_a))
    assert (b.paid, b.reserved) == (sums["paid"], sums["reserved"])
    # Free text can't become a spreadsheet formula.
    assert all(not row["memo"].startswith("=") for row in rows)


def test_the_csv_format_is_documented(busy_pot):
    text = DOCS.read_text(encoding="utf-8")
    for column in CSV_COLUMNS:
        assert f"`{column}`" in text


def test_members_and_other_groups_cannot_export(client, busy_pot):
    w = busy_pot
    log_in(client, w.member_a)
    assert client.get(f"/groups/{w.group_a.id}/pot/ledger.csv").status_code == 404
    assert client.get(f"/groups/{w.group_a.id}/pot/report").status_code == 404
    other = client.application.test_client()
    log_in(other, w.staff_b)
    assert other.get(f"/groups/{w.group_a.id}/pot/ledger.csv").status_code == 404


def test_the_pot_page_has_svg_charts_with_tables_and_private_payouts_only_as_totals(
    client, busy_pot
):
    w = busy_pot
    member = w.peer_a
    log_in(client, member)
    page = client.get(f"/groups/{w.group_a.id}/pot", headers=EN).get_data(as_text=True)
    # The share of the pot, and the month-by-month charts that have something to draw: a chart
    # whose every cell stands for fewer than 3 payouts shows only its table, with cells hidden.
    assert page.count("<svg viewBox=") >= 2
    assert "<rect" in page and "style=" not in page.split("<main", 1)[1]
    assert "Paid by type, month by month" in page and "<table" in page
    assert "of the pot is left" in page
    assert "Fotball" not in page and "Fast støtte" not in page  # no private payout named
    assert 'data-kind="conditional"' in page


def test_the_printable_report_and_the_programme_page(client, busy_pot):
    w = busy_pot
    log_in(client, w.lead)
    report = client.get(f"/groups/{w.group_a.id}/pot/report", headers=EN).get_data(as_text=True)
    assert "Allocation report" in report and "Trondheim kommune" in report
    assert "Furniture" in report or "Sports shop" in report
    page = client.get(f"/programmes/{w.programme.id}/pots", headers=EN).get_data(as_text=True)
    assert "Group A" in page and "Group B" in page and "Approval tiers" in page
    export = client.get(f"/programmes/{w.programme.id}/ledger.csv")
    assert export.status_code == 200
    staff = client.application.test_client()
    log_in(staff, w.staff_a)
    assert staff.get(f"/programmes/{w.programme.id}/ledger.csv").status_code == 404


def test_export_ledger_command(app, busy_pot, tmp_path):
    target = tmp_path / "ledger.csv"
    result = app.test_cli_runner().invoke(args=["export-ledger", "--output", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS and len(rows) > 10
