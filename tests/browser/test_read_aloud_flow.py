"""Read-aloud on a phone with no voices (headless Chromium has none): Listen plays the server's
audio; a peer's voice clip is uploaded, approved by staff, and plays on the Tigrinya ballot."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fits_the_screen, log_in, phone_for, screenshot
from tests.clip_helpers import sound
from tests.integration.voting_helpers import voting_round
from tests.proposals_factories import make_proposal, make_round, urls

pytestmark = pytest.mark.browser

AUDIO_READY = """() => {
  const audio = document.querySelector('.listen-player audio');
  return audio && audio.src.includes('/speech?') && audio.readyState >= 1 && audio.duration > 0;
}"""


@pytest.fixture
def folders(app, tmp_path):
    app.config["SPEECH_CACHE_FOLDER"] = str(tmp_path / "speech")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


def listen_on(page, url: str, name: str) -> float:
    page.goto(url)
    # The phone has no voice for the language: the button is there for the server's audio,
    # and the plain link for browsers without JavaScript is hidden.
    assert page.evaluate("speechSynthesis.getVoices().length") == 0
    button = page.locator("[data-listen]")
    expect(button).to_be_visible()
    expect(page.locator(".listen-link")).to_be_hidden()
    button.click()
    page.wait_for_function(AUDIO_READY, timeout=20_000)
    screenshot(page, name)
    assert fits_the_screen(page)
    return page.evaluate("document.querySelector('.listen-player audio').duration")


def test_listen_plays_the_servers_audio_in_norwegian_and_arabic(
    phone, browser, live_server, world, folders
):
    proposal = make_proposal(make_round(world), world.member_a)
    page_url = f"{live_server}{urls(proposal)['page']}"
    log_in(phone, live_server, world.member_a)
    assert listen_on(phone, page_url, "listen-nb") > 0.5
    # The proposal's own part has its own Listen button.
    phone.locator("[data-speech-part='proposal-body'] [data-listen-part]").click()
    phone.wait_for_function(
        """() => [...document.querySelectorAll('.listen-player audio')]
                 .some(a => a.src.includes('part=proposal-body') && a.duration > 0)""",
        timeout=20_000,
    )
    assert phone.problems.messages == []

    arabic = phone_for(browser, live_server, world.member_a, locale="ar")
    assert arabic.evaluate("document.documentElement.dir") == "rtl"
    assert listen_on(arabic, f"{live_server}/", "listen-ar") > 0.3
    assert arabic.problems.messages == []
    arabic.context.close()


def test_a_peers_clip_is_uploaded_approved_and_plays_on_the_tigrinya_ballot(
    phone, browser, live_server, world, folders, tmp_path
):
    budget_round = voting_round(world, ballot_format="approval")
    clip_file = sound(tmp_path / "vote.ogg", seconds=1.2, container="ogg")

    log_in(phone, live_server, world.peer_a)
    phone.goto(f"{live_server}/clips?language=ti")
    screenshot(phone, "clips-record-nb")
    assert fits_the_screen(phone)
    form = phone.locator("form.clip-form").filter(
        has=phone.locator("input[name=msgid][value='Vote']")
    )
    form.locator("input[type=file]").set_input_files(str(clip_file))
    form.locator("[data-upload]").click()
    phone.wait_for_url(re.compile(r"/clips\?language=ti"))
    expect(phone.locator(".flash-success")).to_be_visible()
    assert phone.problems.messages == []

    staff = phone_for(browser, live_server, world.staff_a)
    staff.goto(f"{live_server}/clips/review")
    staff.locator("form[action$='/approve'] button").first.click()
    staff.wait_for_url(re.compile(r"/clips/review$"))
    expect(staff.locator(".flash-success")).to_be_visible()
    staff.context.close()

    member = phone_for(browser, live_server, world.member_a, locale="ti")
    member.goto(f"{live_server}/groups/{world.group_a.id}/rounds/{budget_round.id}/ballot")
    speaker = member.locator("form.ballot .clip-button")
    expect(speaker).to_have_count(1)
    href = speaker.get_attribute("href")
    assert re.fullmatch(r"/clips/\d+\.mp3", href)
    # The clip is a real sound the browser can play.
    duration = member.evaluate(
        """href => new Promise(resolve => {
             const audio = new Audio(href);
             audio.onloadedmetadata = () => resolve(audio.duration);
             audio.onerror = () => resolve(-1);
           })""",
        href,
    )
    assert 1.0 < duration < 1.5
    speaker.click()  # plays in the page, without leaving it
    assert member.url.endswith("/ballot")
    screenshot(member, "ballot-ti-clip")
    assert fits_the_screen(member)
    assert member.problems.messages == []
    member.context.close()

    arabic = phone_for(browser, live_server, world.peer_a, locale="ar")
    arabic.goto(f"{live_server}/clips?language=so")
    screenshot(arabic, "clips-record-ar")
    assert fits_the_screen(arabic)
    arabic.context.close()
