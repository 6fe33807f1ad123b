"""On a phone: a youth proposes with a photo, a second member comments and supports, a peer
consultant asks for a change, the author edits, staff confirm the cost and the peer accepts it to
the ballot. The same again in Arabic. Selectors name forms by their action, not their words."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from pb.extensions import db
from tests.browser.conftest import CHROMIUM, PHONE, fits_the_screen, log_in, phone_for, screenshot
from tests.factories import add_to_group, make_user
from tests.proposals_factories import make_round

pytestmark = pytest.mark.browser


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


def photo_file(tmp_path) -> str:
    image = Image.new("RGB", (2000, 1500), (30, 120, 200))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (63.0, 25.0, 50.0), 3: "E", 4: (10.0, 23.0, 40.0)})
    path = tmp_path / "kjoretime.jpg"
    image.save(path, format="JPEG", exif=exif)
    return str(path)


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_from_idea_to_the_ballot_on_a_phone(
    browser, live_server, world, uploads, tmp_path, language
):
    if not CHROMIUM:
        pytest.skip("no chromium")
    second = add_to_group(make_user("second"), world.group_a).user
    for user in (world.member_a, second, world.peer_a, world.staff_a):
        user.locale = language
    db.session.commit()
    budget_round = make_round(world, title="Runde for kjøretimer")
    round_url = f"{live_server}/groups/{world.group_a.id}/rounds/{budget_round.id}"
    title = "Kjøretimer for alle" if language == "nb" else "دروس القيادة للجميع"

    # 1. The youth proposes, with a photo, starting from the group page.
    youth = phone_for(browser, live_server, world.member_a, language)
    youth.goto(f"{live_server}/groups/{world.group_a.id}")
    html = youth.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert youth.locator(".phase-banner").is_visible()
    youth.locator(f"nav.tabs a[href$='/groups/{world.group_a.id}/rounds']").click()
    youth.locator(f"a[href$='/rounds/{budget_round.id}']").first.click()
    youth.locator("a[href$='/proposals/new']").click()
    youth.locator("#title").fill(title)
    youth.locator("#description").fill("Ti timer hver.\n<script>alert(1)</script>")
    youth.locator("#estimated_cost").fill("25 000")
    youth.locator("#category").select_option("driving_licence")
    youth.locator("#photo").set_input_files(photo_file(tmp_path))
    screenshot(youth, f"proposal-new-{language}")
    youth.locator("form.stack button[type=submit]").click()
    youth.wait_for_url(re.compile(r"/proposals/\d+$"))
    proposal_url = youth.url
    assert youth.locator("h1").inner_text() == title
    assert "<script>alert(1)</script>" in youth.locator(".description").inner_text()
    # The page loads a photo sized for the phone (srcset: 400 or 800 px), not the 1600 px one;
    # that one is behind the link, for a tap.
    photo = youth.locator(".proposal-photo img")
    expect(photo).to_have_js_property("complete", True)
    assert re.search(r"/photo/(thumb|medium)$", photo.evaluate("img => img.currentSrc"))
    full = youth.locator(".proposal-photo a").get_attribute("href")
    assert full.endswith("/photo/full")
    assert youth.request.get(live_server + full).status == 200
    assert fits_the_screen(youth)

    # The author's page polls the discussion: install a controllable clock before loading it.
    youth.clock.install()
    youth.goto(proposal_url)
    # Stop the page's clock: only run_for() below moves it, however slow the machine is.
    youth.clock.pause_at(youth.evaluate("Date.now()") + 1000)

    # 2. A second member comments inline (htmx) and supports.
    member = phone_for(browser, live_server, second, language)
    member.goto(proposal_url)
    member.locator(".comment-form textarea").fill("Så bra idé! Jeg er med.")
    member.locator(".comment-form button[type=submit]").click()
    member.wait_for_selector(".comments .comment:has-text('Så bra idé')")
    assert member.url == proposal_url  # no reload: htmx swapped the discussion
    member.locator("#support button").click()
    member.wait_for_selector("#support button[aria-pressed=true]")
    # The count, not the words: Arabic writes "one supporter" without a digit.
    assert member.locator(".support-count").get_attribute("data-count") == "1"
    screenshot(member, f"proposal-discussion-{language}")

    # The author sees the comment without reloading, but only while the page is visible.
    youth.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})"
    )
    youth.clock.run_for(21_000)
    assert youth.locator(".comments .comment:has-text('Så bra idé')").count() == 0
    youth.evaluate(
        "Object.defineProperty(document, 'visibilityState',"
        " {value: 'visible', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    youth.wait_for_selector(".comments .comment:has-text('Så bra idé')")
    # And while visible, the 20-second poll alone brings the next one.
    member.locator(".comment-form textarea").fill("Jeg også!")
    member.locator(".comment-form button[type=submit]").click()
    member.wait_for_selector(".comments .comment:has-text('Jeg også!')")
    youth.clock.run_for(21_000)
    youth.wait_for_selector(".comments .comment:has-text('Jeg også!')")

    # 3. The peer consultant finds it in the queue and asks for a change.
    peer = phone_for(browser, live_server, world.peer_a, language)
    peer.goto(f"{live_server}/groups/{world.group_a.id}/moderation")
    screenshot(peer, f"moderation-queue-{language}")
    peer.locator(".queue-waiting a").first.click()
    peer.locator("form[action$='/request-changes']").locator("xpath=..").locator("summary").click()
    peer.locator("form[action$='/request-changes'] textarea").fill(
        "Skriv hvor mange timer hver får."
    )
    peer.locator("form[action$='/request-changes'] button[type=submit]").click()
    peer.wait_for_selector(".notice")

    # 4. The author is told (the bell), and edits.
    youth.goto(proposal_url)
    assert youth.locator(".bell-count").count() == 1
    assert "Skriv hvor mange timer" in youth.locator(".notice").inner_text()
    youth.locator("a[href$='/edit']").click()
    youth.locator("#description").fill("Femten timer hver hos en godkjent trafikkskole.")
    youth.locator("form.stack button[type=submit]").click()
    youth.wait_for_url(re.compile(r"/proposals/\d+$"))
    assert "Femten timer" in youth.locator(".description").inner_text()

    # 5. Staff confirm the cost.
    staff = phone_for(browser, live_server, world.staff_a, language)
    staff.goto(proposal_url)
    staff.locator("form[action$='/cost']").locator("xpath=..").locator("summary").click()
    staff.locator("#confirmed_cost").fill("24 000")
    staff.locator("form[action$='/cost'] button[type=submit]").click()
    staff.wait_for_selector("form[action$='/accept']")

    # 6. The peer consultant accepts it to the ballot.
    peer.goto(proposal_url)
    peer.locator("form[action$='/accept'] button").click()
    peer.wait_for_selector(".badge.status-accepted")
    assert peer.locator("form[action$='/accept']").count() == 0
    screenshot(peer, f"proposal-accepted-{language}")
    peer.goto(round_url)
    assert peer.locator(".proposal-card").count() == 1
    screenshot(peer, f"round-{language}")
    assert fits_the_screen(peer)

    problems = {
        name: page.problems.messages
        for name, page in (("youth", youth), ("member", member), ("peer", peer), ("staff", staff))
    }
    assert all(messages == [] for messages in problems.values()), problems
    for page in (youth, member, peer, staff):
        page.context.close()


def test_discussion_works_without_javascript(browser, live_server, world):
    budget_round = make_round(world)
    from tests.proposals_factories import make_proposal

    proposal = make_proposal(budget_round, world.member_a)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, world.peer_a)
    url = (
        f"{live_server}/groups/{world.group_a.id}/rounds/{budget_round.id}/proposals/{proposal.id}"
    )
    page.goto(url)
    page.locator(".comment-form textarea").fill("Uten JavaScript")
    page.locator(".comment-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert page.locator(".comments .comment:has-text('Uten JavaScript')").count() == 1
    # Without JavaScript the button posts the form, and the page comes back with it pressed.
    with page.expect_navigation():
        page.locator("#support button").click()
    assert page.locator("#support button[aria-pressed=true]").count() == 1
    context.close()
