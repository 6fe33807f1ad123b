"""On a phone, in Norwegian and in Arabic: a parent gives a mobile number and chooses SMS for
bookings; a wrong number is refused beside the field. Then someone books the parent's paddle
board, and the SMS that reaches the parent's number asks for a JA or NEI answer."""

import re

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.notifications import delivery
from pb.notifications.models import Delivery
from tests.browser.conftest import fits_the_screen, phone_for, screenshot
from tests.lending_helpers import book, make_item
from tests.notification_helpers import texts

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_parent_chooses_sms_for_bookings_on_a_phone(browser, live_server, app, world, language):
    keeper = world.peer_a
    keeper.locale = language
    db.session.commit()
    page = phone_for(browser, live_server, keeper, locale=language)
    page.goto(f"{live_server}/account/notifications")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # A number the phonenumbers package refuses is refused beside the field, and nothing saved.
    page.locator("#phone").fill("+47 123")
    page.locator("#bookings_sms").check()
    page.locator("form.stack button[type=submit]").click()
    assert page.locator("#phone-error").is_visible()
    db.session.refresh(keeper)
    assert keeper.phone is None
    screenshot(page, f"notifications-settings-error-{language}")
    page.locator("#phone").fill("912 34 567")
    page.locator("#quiet_from").select_option("0")
    page.locator("#quiet_until").select_option("0")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/notifications$"))
    assert page.locator("#phone").input_value() == "+47 91 23 45 67"
    assert page.locator("#bookings_sms").is_checked()
    assert fits_the_screen(page)
    screenshot(page, f"notifications-settings-{language}")
    assert page.problems.messages == []

    board = make_item(world.group_a, world.staff_a, keeper)
    book(board, world.member_a, 3, 4)
    delivery.send_queued()
    assert ("sms", "sent") in [(d.channel, d.status) for d in db.session.scalars(select(Delivery))]
    [(number, text)] = texts(app)
    assert number == "+4791234567"
    assert re.search(r"JA \d{4}", text) and re.search(r"NEI \d{4}", text)
    limit = 70 if language == "ar" else 160
    assert len(text) <= limit
    page.context.close()
