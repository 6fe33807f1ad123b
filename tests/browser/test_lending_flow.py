"""On a phone: a parent finds a free paddle board for Saturday and books it. The custodian
confirms, hands it over, and takes it back with a scratch noted. The calendar shows Saturday
free again."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.lending.models import Booking, HandOver
from pb.timeutil import local_today
from tests.browser.conftest import fits_the_screen, phone_for, screenshot
from tests.integration.test_payouts_pipeline import family
from tests.lending_helpers import make_item

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def next_saturday():
    """The coming Saturday, never today: the hand-over below happens today, before it."""
    today = local_today()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def test_find_a_free_board_book_confirm_hand_over_and_take_back(browser, live_server, world):
    family(world.group_a, world.staff_a, world.member_a)
    busy = make_item(world.group_a, world.staff_a, world.peer_a, name="Padlebrett 1")
    board = make_item(world.group_a, world.staff_a, world.peer_a, name="Padlebrett 2")
    make_item(world.group_a, world.staff_a, world.peer_a, name="Sykkel", category="bikes")
    saturday = next_saturday()
    # Someone already has board 1 that Saturday.
    db.session.add(
        Booking(
            item_id=busy.id,
            borrower_id=world.staff_a.id,
            party=f"u{world.staff_a.id}",
            start_on=saturday,
            end_on=saturday,
            blocks_from=saturday,
            blocks_until=saturday,
            status="confirmed",
        )
    )
    db.session.commit()
    group_url = f"{live_server}/groups/{world.group_a.id}"

    # 1. The parent searches for what is free on Saturday, among the boats and water things.
    page = phone_for(browser, live_server, world.member_a)
    page.goto(f"{group_url}/items")
    page.locator("#start").fill(saturday.isoformat())
    page.locator("#end").fill(saturday.isoformat())
    page.locator("#category").select_option("water")
    page.locator("form.days-search button[type=submit]").click()
    results = page.locator("#free-results")
    board_link = results.get_by_role("link", name="Padlebrett 2")
    board_link.wait_for()
    assert results.get_by_role("link", name="Padlebrett 1").count() == 0
    assert results.get_by_role("link", name="Sykkel").count() == 0
    assert fits_the_screen(page)
    screenshot(page, "lending-search")

    # 2. It opens the board, with Saturday already filled in, and books it.
    board_link.click()
    page.wait_for_url(re.compile(rf"/items/{board.id}"))
    assert page.locator("#start").input_value() == saturday.isoformat()
    assert page.locator("#end").input_value() == saturday.isoformat()
    assert fits_the_screen(page)
    page.locator("form[action$='/book'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    assert page.locator("[data-booking-status=requested]").count() == 1
    screenshot(page, "lending-booked")
    page.context.close()

    # 3. The custodian sees the request first thing, and confirms it.
    page = phone_for(browser, live_server, world.peer_a)
    page.goto(f"{group_url}/items")
    page.locator("section[aria-labelledby=requests-heading] a").first.click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    booking_url = page.url
    page.locator("#message").fill("Velkommen, brettet står i garasjen.")
    page.locator("button[formaction$='/confirm']").click()
    page.wait_for_url(booking_url)
    assert page.locator("[data-booking-status=confirmed]").count() == 1

    # 4. Hands it over (the family picks it up early, today) ...
    page.get_by_role("link", name=re.compile("Lever ut|Hand over")).click()
    page.wait_for_url(re.compile(r"/pickup$"))
    page.locator("input[name=condition][value=good]").check()
    assert fits_the_screen(page)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/items/{board.id}$"))

    # 5. ... and takes it back with a scratch noted.
    page.goto(booking_url)
    assert page.locator("[data-booking-status=picked_up]").count() == 1
    page.get_by_role("link", name=re.compile("Ta tilbake|Take back")).click()
    page.wait_for_url(re.compile(r"/return$"))
    page.locator("input[name=condition][value=worn]").check()
    page.locator("#note").fill("En ripe på siden.")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/items/{board.id}$"))

    # 6. The calendar shows Saturday free again (moving on to its month if need be).
    day = page.locator(f"#item-calendar td[data-day='{saturday.isoformat()}']")
    if day.count() == 0:
        page.locator("#item-calendar .month-nav a").last.click()
        day.wait_for()
    assert day.get_attribute("data-state") == "free"
    assert fits_the_screen(page)
    screenshot(page, "lending-free-again")
    assert page.problems.messages == []
    page.context.close()

    handovers = db.session.scalars(select(HandOver).order_by(HandOver.id)).all()
    assert [(h.kind, h.condition, h.note) for h in handovers] == [
        ("pickup", "good", ""),
        ("return", "worn", "En ripe på siden."),
    ]
