"""A new member joins by invite, logs in, reads in Arabic and logs out; staff log in with TOTP."""

import re

import pytest

from pb.groups import services as groups
from tests.browser.conftest import PHONE, fits_the_screen, screenshot
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_join_log_in_switch_to_arabic_and_log_out(phone, live_server, world):
    page = phone
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    page.goto(f"{live_server}/join/{invite.code}")
    assert page.locator("html").get_attribute("lang") == "nb"
    page.get_by_label(re.compile("navn som andre ser|name as others see", re.I)).fill("Yasmin")
    page.locator("#username").fill("yasmin")
    page.locator("#password").fill("my bike is green")
    screenshot(page, "join-nb")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/groups/{world.group_a.id}$"))
    assert "Group A" in page.locator("h1").inner_text()

    # Log out and in again, as a returning member would.
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"{live_server}/login")
    page.locator("#username").fill("yasmin")
    page.locator("#password").fill("my bike is green")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert fits_the_screen(page)

    # Switch to Arabic from the language menu on the page.
    page.locator("details.language-switcher summary").click()
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    heading = page.locator("h1").inner_text()
    assert ARABIC.search(heading), heading
    assert ARABIC.search(page.locator("header").inner_text())
    # The mirrored layout: the brand sits at the right edge in right-to-left.
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 390 / 2 - brand["width"]
    assert fits_the_screen(page)
    screenshot(page, "home-ar")

    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("a[href='/login']").count() >= 1
    # The language choice outlives the session.
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.problems.messages == []


def test_staff_log_in_with_a_totp_code(phone, live_server, world):
    page = phone
    page.goto(f"{live_server}/login")
    page.locator("#username").fill(world.staff_a.username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login/code"))
    page.locator("#code").fill("000000")
    page.locator("form.stack button[type=submit]").click()
    assert page.locator("#code-error").is_visible()
    page.locator("#code").fill(totp_code(world.staff_a))
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Group A").click()
    page.locator("details.more-tabs summary").click()
    page.get_by_role("link", name=re.compile("Invitasjoner|Invites")).click()
    page.locator("form.stack button[type=submit]").click()
    # htmx swaps the new invite into the list without a reload.
    page.wait_for_selector("#invite-list .code")
    assert page.locator("#invite-list .code").count() >= 1
    screenshot(page, "staff-invites")
    assert page.problems.messages == []


def test_join_works_with_javascript_off(browser, live_server, world):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    page.goto(f"{live_server}/join")
    page.locator("#code").fill(invite.code.lower())
    page.locator("form.stack button[type=submit]").click()
    page.locator("#display_name").fill("Ali")
    page.locator("#username").fill("ali")
    page.locator("#password").fill("x")
    page.locator("form.stack button[type=submit]").click()
    assert page.locator("#password-error").is_visible()
    page.locator("#password").fill("a long enough sentence")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/groups/{world.group_a.id}$"))
    # The language menu is a plain <details> with a form: it works without a script.
    page.locator("details.language-switcher summary").click()
    page.get_by_role("button", name="Soomaali").click()
    assert page.locator("html").get_attribute("lang") == "so"
    assert fits_the_screen(page)
    screenshot(page, "group-so-nojs-360")
    context.close()


def test_listen_button_is_hidden_where_neither_phone_nor_server_speaks(browser, live_server, world):
    # Headless Chromium has no speech voices. The server speaks Norwegian, so Listen is there
    # (test_read_aloud_flow plays it); it speaks no Tigrinya, so there the button stays out of
    # the way.
    context = browser.new_context(viewport=PHONE, locale="ti")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert page.locator("[data-listen]").is_hidden()
    voices = page.evaluate("'speechSynthesis' in window ? speechSynthesis.getVoices().length : -1")
    assert voices <= 0
    context.close()
