"""A youth fills a knapsack ballot on a phone and changes it; staff count; the youth reads how."""

import re

import pytest
from playwright.sync_api import expect

from pb.voting import services
from tests.browser.conftest import log_in, log_out, screenshot
from tests.integration.voting_helpers import proposal_ids, voting_round

pytestmark = pytest.mark.browser


def test_knapsack_ballot_count_and_explanation(phone, live_server, world):
    page = phone
    budget_round = voting_round(world, amount_ore=100_000, costs=[60_000, 40_000, 30_000, 20_000])
    first, second, third, _fourth = proposal_ids(budget_round)
    round_url = f"{live_server}/groups/{world.group_a.id}/rounds/{budget_round.id}"

    log_in(page, live_server, world.member_a)
    page.goto(f"{round_url}/ballot")
    page.locator(f"input[name=proposal][value='{first}']").check()
    # htmx brings the running total without a reload.
    expect(page.locator("#knapsack-total")).to_contain_text("600")
    page.locator(f"input[name=proposal][value='{second}']").check()
    page.locator(f"input[name=proposal][value='{third}']").check()
    expect(page.locator("#knapsack-total .error")).to_be_visible()
    assert page.locator("#knapsack-total meter").get_attribute("value") == "100000"
    screenshot(page, "ballot-over-budget")
    # Voting over the budget is refused with the reason.
    page.locator("form.ballot button[type=submit]").click()
    assert page.locator("#ballot-error").is_visible()
    # The refusal is a 400, which Chromium logs; anything else logged is a problem.
    assert page.problems.messages == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]
    page.problems.messages.clear()
    page.locator(f"input[name=proposal][value='{third}']").uncheck()
    expect(page.locator("#knapsack-total .error")).to_have_count(0)
    page.locator("form.ballot button[type=submit]").click()
    page.wait_for_selector(".receipt")
    first_receipt = page.locator(".receipt").inner_text()
    # Change the vote.
    page.locator(f"input[name=proposal][value='{second}']").uncheck()
    page.locator(f"input[name=proposal][value='{third}']").check()
    page.locator("form.ballot button[type=submit]").click()
    page.wait_for_selector(".receipt")
    assert page.locator(".receipt").inner_text() != first_receipt
    assert page.locator(f"input[name=proposal][value='{third}']").is_checked()
    assert services.ballot_of(budget_round, world.member_a).choices == sorted([first, third])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems.messages == []
    log_out(page)

    log_in(page, live_server, world.staff_a)
    page.goto(round_url)
    page.locator(".voting-panel a[href$='/count']").click()
    page.wait_for_url(re.compile(r"/count$"))
    page.fill("textarea[name=reason]", "Alle som skulle stemme, har stemt.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/results$"))
    page.locator("form[action$='/publish'] button").click()
    page.wait_for_url(re.compile(r"/results$"))
    log_out(page)

    log_in(page, live_server, world.member_a)
    page.goto(f"{round_url}/results")
    assert page.locator("#how").is_visible()
    steps = page.locator("ol.steps").inner_text()
    assert "Forslag 1" in steps
    screenshot(page, "results-how")
    assert page.problems.messages == []
