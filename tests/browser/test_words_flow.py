"""Right-to-left text that reads in the right order (issue 18), seen in Chromium: in an Arabic
page, a Latin name that ends in a full stop keeps the stop at its end, and an amount keeps its
digit groups in order."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from pb.accounts.models import User
from pb.extensions import db
from pb.groups import services as groups
from tests.browser.conftest import fits_the_screen, phone_for, screenshot
from tests.integration.voting_helpers import voting_round

pytestmark = pytest.mark.browser

CHARACTER_XS = """([selector, text]) => {
    // The left edge of each character of `text`, where the browser drew it.
    const element = document.querySelector(selector);
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const at = node.textContent.indexOf(text);
        if (at < 0) continue;
        const xs = [];
        for (let i = 0; i < text.length; i++) {
            const range = document.createRange();
            range.setStart(node, at + i);
            range.setEnd(node, at + i + 1);
            xs.push(range.getBoundingClientRect().left);
        }
        return xs;
    }
    return null;
}"""


def test_a_latin_name_and_an_amount_read_in_order_in_arabic(browser, live_server, world):
    db.session.execute(
        update(User).where(User.id == world.member_a.id).values(display_name="Anna K.")
    )
    db.session.commit()
    budget_round = voting_round(world, amount_ore=1_600_000_00, costs=[1_250_000_00, 350_000_00])
    membership = groups.membership_of(world.member_a, world.group_a)
    page = phone_for(browser, live_server, world.peer_a, "ar")
    page.goto(
        f"{live_server}/groups/{world.group_a.id}/rounds/{budget_round.id}/assist"
        f"?member={membership.id}"
    )
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("input[name=proposal]").first.check()
    # htmx swaps in the new total; wait for it.
    expect(page.locator("#knapsack-total")).to_contain_text("1,250,000")
    # "Anna K." reads left to right inside the Arabic heading: the stop is right of the K.
    xs = page.evaluate(CHARACTER_XS, ["main h2", "Anna K."])
    assert xs and xs == sorted(xs), xs
    # The amount keeps its groups in order: "1,250,000" is not drawn as "000,250,1".
    total = page.locator("#knapsack-total").inner_text()
    assert "1,250,000" in total, total
    xs = page.evaluate(CHARACTER_XS, ["#knapsack-total", "1,250,000"])
    assert xs and xs == sorted(xs), xs
    assert fits_the_screen(page)
    screenshot(page, "words-latin-name-and-money-ar")
    page.context.close()
