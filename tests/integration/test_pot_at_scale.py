"""What keeps the pot's pages quick at municipal scale without showing a stale krone: its figures
are kept while its ledger stands still, and the payout list comes a page at a time."""

import re

from pb.payouts import access as payout_access
from pb.payouts import reports, services
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_payouts_pipeline import conditional, family, fund

PAID = re.compile(r'data-total="paid">([^<]+)<')
TYPE_ROW = re.compile(r'<tr data-kind="collective">.*?</tr>', re.S)


def pot_page(client, group, language="en") -> str:
    response = client.get(f"/groups/{group.id}/pot", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def figures(page: str) -> str:
    return page[page.index("Share of the pot left") : page.index("Collective payouts")]


def test_every_payment_shows_at_once_in_the_kept_figures(client, world):
    fund(world.group_a, world.lead)
    household = family(world.group_a, world.staff_a, world.member_a)
    log_in(client, world.staff_a)
    before = pot_page(client, world.group_a)
    assert PAID.search(before).group(1) == "NOK\xa00"
    assert "Nothing is paid yet." in before
    assert figures(pot_page(client, world.group_a)) == figures(before)  # the kept rendering

    payouts = []
    for kroner in (1_000, 2_000, 3_000):
        payout = conditional(world.group_a, world.staff_a, household, kroner)
        services.decide(payout, actor=world.staff_a, approve=True, reason="ok")
        services.pay(payout, actor=world.staff_a)
        payouts.append(payout)
        page = pot_page(client, world.group_a)
        paid = sum(p.amount_ore for p in payouts) // 100
        assert PAID.search(page).group(1) == f"NOK\xa0{paid:,}"
    # Three payments make a month's cell that may be shown, in the chart's table too.
    assert "Nothing is paid yet." not in page
    assert page.count("NOK\xa06,000") >= 3

    # Each language keeps its own rendering.
    norwegian = pot_page(client, world.group_a, "nb")
    assert "Betalt" in norwegian and "Paid" not in norwegian.split("<main", 1)[1]


def test_a_cancelled_reservation_changes_the_kept_balances(client, world):
    fund(world.group_a, world.lead)
    household = family(world.group_a, world.staff_a, world.member_a)
    pot = services.pot_for_group(world.group_a)
    before = reports.cached_balances(pot)
    payout = conditional(world.group_a, world.staff_a, household, 4_000)
    services.decide(payout, actor=world.staff_a, approve=True, reason="ok")
    assert reports.cached_balances(pot).reserved == 400_000
    services.cancel(payout, actor=world.staff_a, reason="Flyttet")
    after = reports.cached_balances(pot)
    assert after == before and after == services.balances(pot)


def test_the_payout_list_comes_a_page_at_a_time(client, world):
    fund(world.group_a, world.lead)
    household = family(world.group_a, world.staff_a, world.member_a)
    per_page = payout_access.PAYOUTS_PER_PAGE
    made = [
        conditional(world.group_a, world.staff_a, household, 100 + n, title=f"Utstyr {n}")
        for n in range(per_page + 5)
    ]
    log_in(client, world.staff_a)
    first = client.get(f"/groups/{world.group_a.id}/payouts", headers={"Accept-Language": "en"})
    html = first.get_data(as_text=True)
    shown = re.findall(r"Utstyr (\d+)", html)
    assert shown == [str(n) for n in range(per_page + 4, 4, -1)]  # the newest page, newest first
    older = re.search(r'href="([^"]+before=\d+)"', html).group(1).replace("&amp;", "&")
    assert "Newest payouts" not in html

    second = client.get(older, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.findall(r"Utstyr (\d+)", second) == ["4", "3", "2", "1", "0"]
    assert "Older payouts" not in second and "Newest payouts" in second
    assert len(made) == per_page + 5

    # A family member sees their own household's payouts, a page at a time as well; someone
    # outside the household sees none of them on any page.
    outsider = client.application.test_client()
    neighbour = make_user("neighbour")
    add_to_group(neighbour, world.group_a)
    log_in(outsider, neighbour)
    for path in (f"/groups/{world.group_a.id}/payouts", older):
        assert "Utstyr" not in outsider.get(path).get_data(as_text=True)

    # A broken page number is the first page, not an error.
    broken = client.get(f"/groups/{world.group_a.id}/payouts?before=%C2%B2")
    assert broken.status_code == 200
