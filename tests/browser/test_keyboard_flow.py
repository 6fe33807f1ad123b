"""The main path with only the keyboard: a new member joins and proposes, a member logs in,
votes and books, using Tab, Enter and Space (and typing into fields), and whatever has the focus
always shows it."""

import re
from datetime import timedelta

import pytest

from pb.groups import services as groups
from pb.timeutil import local_today
from tests.browser.conftest import PHONE, screenshot
from tests.factories import PASSWORD
from tests.integration.test_payouts_pipeline import family
from tests.integration.voting_helpers import voting_round
from tests.lending_helpers import make_item
from tests.proposals_factories import make_round

pytestmark = pytest.mark.browser

# What a keyboard user sees: a focus ring (this app's :focus-visible outline) on the element.
FOCUS_SHOWN = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return "nothing has the focus";
  const shown = element.outerHTML.slice(0, 80);
  const style = getComputedStyle(element);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return ring || style.boxShadow !== "none" ? "" : "no ring: " + shown;
}"""


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until `selector` has the focus, checking the focus shows at every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        problem = page.evaluate(FOCUS_SHOWN)
        assert problem == "", problem
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def enter_on(page, selector: str, then: str) -> None:
    """Tab to `selector`, press Enter, and wait for the page whose URL ends as `then` says."""
    tab_to(page, selector)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(then))


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_join_propose_vote_and_book_with_the_keyboard_only(browser, live_server, world):
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    voting = voting_round(world, ballot_format="approval", costs=[30_000, 20_000])
    ideas = make_round(world, "ideas")
    family(world.group_a, world.staff_a, world.member_a)
    item = make_item(world.group_a, world.staff_a, world.peer_a, name="Padlebrett")
    group = f"{live_server}/groups/{world.group_a.id}"

    context = browser.new_context(viewport=PHONE, locale="nb-NO")
    page = context.new_page()

    # Join with the invite.
    page.goto(f"{live_server}/join/{invite.code}")
    type_into(page, "#display_name", "Tastatur")
    type_into(page, "#username", "tastatur")
    type_into(page, "#password", "only the keys here")
    enter_on(page, "form.stack button[type=submit]", rf"/groups/{world.group_a.id}$")

    # Propose in the round that takes ideas.
    page.goto(f"{group}/rounds/{ideas.id}")
    enter_on(page, "a[href$='/proposals/new']", r"/proposals/new$")
    type_into(page, "#title", "Ny ball")
    type_into(page, "#description", "En fotball til gruppa.")
    type_into(page, "#estimated_cost", "300")
    enter_on(page, "form.stack button[type=submit]", r"/proposals/\d+$")
    assert "Ny ball" in page.locator("h1").inner_text()

    # Log out with the keyboard, and in as a member on the voter roll.
    enter_on(page, "header form[action='/logout'] button", r"/$")
    page.goto(f"{live_server}/login")
    type_into(page, "#username", world.member_a.username)
    type_into(page, "#password", PASSWORD)
    enter_on(page, "form.stack button[type=submit]", r"/$")

    # Vote: Space ticks a proposal, Enter sends the ballot.
    page.goto(f"{group}/rounds/{voting.id}/ballot")
    tab_to(page, "input[name=proposal]")
    page.keyboard.press("Space")
    assert page.locator("input[name=proposal]").first.is_checked()
    tab_to(page, "form.ballot button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".receipt")

    # Book the board: type the days into the date fields, Enter books.
    day = local_today() + timedelta(days=5)
    # A date field takes its parts in the order of the browser's own language, which is not
    # the page's: find it by typing 01, 02, 2026 once, then type the days in that order.
    page.goto(f"{group}/items/{item.id}")
    type_into(page, "#start", "01022026")
    day_first = page.locator("#start").input_value() == "2026-02-01"
    typed = day.strftime("%d%m%Y" if day_first else "%m%d%Y")
    page.goto(f"{group}/items/{item.id}")
    type_into(page, "#start", typed)
    type_into(page, "#end", typed)
    assert page.locator("#start").input_value() == day.isoformat()
    enter_on(page, "form[action$='/book'] button[type=submit]", r"/bookings/\d+$")
    assert page.locator("[data-booking-status=requested]").count() == 1
    screenshot(page, "keyboard-booked")
    context.close()
