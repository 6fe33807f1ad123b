"""What a new user saw on a 390 x 844 phone, in Norwegian and in Arabic (issue 11): labelled charts
in both directions, user text in its own direction, a QR code that is an image, a message when
an htmx request fails, tables that fit, and a first load that stays small."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from pb.extensions import db
from pb.groups import services as groups
from pb.groups.models import Group
from pb.proposals import moderation
from pb.voting import services as voting
from tests.browser.conftest import fits_the_screen, phone_for, screenshot
from tests.integration.voting_helpers import proposal_ids, voting_round
from tests.proposals_factories import make_proposal, make_round

pytestmark = pytest.mark.browser

LOCALES = {"nb": "nb-NO", "ar": "ar"}


@pytest.fixture
def counted(world):
    db.session.execute(
        update(Group)
        .where(Group.id == world.group_a.id)
        .values(description="33 ungdommer fra 16 til 20 år bestemmer sammen.")
    )
    db.session.commit()
    budget_round = voting_round(
        world,
        ballot_format="approval",
        amount_ore=100_000,
        costs=[60_000, 40_000, 30_000, 20_000],
    )
    ids = proposal_ids(budget_round)
    voting.cast_ballot(budget_round, world.member_a, ids[:2])
    voting.cast_ballot(budget_round, world.peer_a, ids[1:3])
    voting.count_round(budget_round, actor=world.staff_a, reason="Test")
    voting.publish_results(budget_round, actor=world.staff_a)
    return budget_round


def labels_outside_their_svg(page, selector: str) -> list[str]:
    return page.evaluate(
        """selector => {
            const out = [];
            for (const svg of document.querySelectorAll(selector)) {
                const box = svg.getBoundingClientRect();
                for (const text of svg.querySelectorAll("text")) {
                    const r = text.getBoundingClientRect();
                    if (r.width === 0 || r.left < box.left - 1 || r.right > box.right + 1) {
                        out.push(text.textContent);
                    }
                }
            }
            return out;
        }""",
        selector,
    )


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_phone_in_both_directions(browser, live_server, world, counted, language):
    page = phone_for(browser, live_server, world.member_a, LOCALES[language])
    base = f"{live_server}/groups/{world.group_a.id}"

    # 2. Every label of the results chart lies inside the chart, whichever way the page reads.
    page.goto(f"{base}/rounds/{counted.id}/results")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator("svg.bar-chart text").count() == 4
    assert labels_outside_their_svg(page, "svg.bar-chart") == []
    # 14. The results table fits: every cell, "Won" included, is on the screen.
    assert fits_the_screen(page)
    cells = page.locator("table.stack td[data-label]")
    width = page.evaluate("window.innerWidth")
    for index in range(cells.count()):
        box = cells.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    screenshot(page, f"first-use-results-{language}")

    # 3. The Norwegian description keeps its own direction in the Arabic page.
    page.goto(base)
    description = page.locator("p.plain-text[dir=auto]")
    assert description.evaluate("p => getComputedStyle(p).direction") == "ltr"
    assert "ungdommer fra 16 til 20" in description.inner_text()
    assert fits_the_screen(page)
    screenshot(page, f"first-use-group-{language}")

    # 7. A failed htmx request says so above the form, and the text stays in the box.
    proposal = counted.proposals[0]
    page.goto(f"{base}/rounds/{counted.id}/proposals/{proposal.id}")
    # The token the page was given no longer works (the session ended, say).
    page.evaluate(
        """() => {
            document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": "expired"}));
            for (const input of document.querySelectorAll("input[name=csrf_token]")) {
                input.value = "expired";
            }
        }"""
    )
    box = page.locator("form.comment-form textarea")
    box.fill("Jeg liker dette forslaget.")
    page.locator("form.comment-form button[type=submit]").click()
    error = page.locator("p.request-error[data-request-error='400']")
    error.wait_for()
    assert error.is_visible() and len(error.inner_text()) > 20
    assert box.input_value() == "Jeg liker dette forslaget."
    # No connection at all: the same, with its own message.
    page.route("**/comments", lambda route: route.abort())
    page.locator("form.comment-form button[type=submit]").click()
    page.locator("p.request-error[data-request-error='0']").wait_for()
    assert page.locator("p.request-error").count() == 1
    assert box.input_value() == "Jeg liker dette forslaget."
    page.unroute("**/comments")
    screenshot(page, f"first-use-htmx-error-{language}")
    # The failures themselves are logged (the 400, the aborted request, htmx's own notes);
    # nothing else may be.
    expected = ("400", "ERR_FAILED", "htmx:")
    assert [m for m in page.problems.messages if not any(e in m for e in expected)] == []
    page.context.close()


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_staff_pages_fit_and_the_qr_code_is_an_image(browser, live_server, world, language):
    proposal = make_proposal(make_round(world), world.member_a)
    moderation.request_changes(proposal, actor=world.peer_a, message="Skriv hvor mange timer.")
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    page = phone_for(browser, live_server, world.staff_a, LOCALES[language])
    base = f"{live_server}/groups/{world.group_a.id}"

    # 4. The invite's QR code decodes as an image.
    page.goto(f"{base}/invites/{invite.id}")
    image = page.locator("img[src$='qr.svg']")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    assert fits_the_screen(page)

    # 13, 14, 15. The tabs fit in two rows; the moderation log fits, in words.
    page.goto(f"{base}/moderation")
    tabs = page.locator("nav.tabs").bounding_box()
    assert tabs["height"] <= 2 * 48 + 8  # two rows of 44 px targets, with their gaps
    assert fits_the_screen(page)
    log = page.locator("table.stack").last
    assert "proposal.changes_requested" not in log.inner_text()
    screenshot(page, f"first-use-moderation-{language}")
    page.context.close()


def test_a_first_load_is_small_and_a_repeat_view_fetches_only_the_page(
    browser, live_server, world, counted
):
    """19. Compressed responses, and static files the browser keeps (a fresh browser each)."""
    page = phone_for(browser, live_server, world.member_a)
    page.context.clear_cookies()
    page.goto(f"{live_server}/login")

    def transferred() -> dict[str, int]:
        return page.evaluate(
            """() => Object.fromEntries(
                performance.getEntries()
                    .filter(e => e.transferSize !== undefined)
                    .map(e => [e.name, e.transferSize]))"""
        )

    first = transferred()
    assert sum(first.values()) <= 30 * 1024, first
    assert any(re.search(r"htmx.*\.js\?v=", name) for name in first)
    page.goto(f"{live_server}/join")
    again = transferred()
    # What the first page loaded, the second takes from the cache (the favicon may come late).
    statics = {name: size for name, size in again.items() if "/static/" in name and name in first}
    assert statics and all(size == 0 for size in statics.values()), {
        name: size for name, size in statics.items() if size
    }
    page.context.close()


def test_a_too_large_photo_is_stopped_before_sending_and_the_form_stays(
    browser, live_server, world
):
    """8. The browser checks the photo's size before sending: a message beside the field, and
    nothing is sent, so what was typed stays."""
    budget_round = make_round(world)
    page = phone_for(browser, live_server, world.member_a)
    url = f"{live_server}/groups/{world.group_a.id}/rounds/{budget_round.id}/proposals/new"
    page.goto(url)
    page.locator("#title").fill("Kjøretimer for alle")
    page.locator("input[type=file]").set_input_files(
        {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"0" * 6_000_000}
    )
    note = page.locator(".file-too-large")
    expect(note).to_be_visible()
    sent = []
    page.on("request", lambda request: sent.append(request.method))
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_timeout(300)
    assert "POST" not in sent and page.url == url
    assert page.locator("#title").input_value() == "Kjøretimer for alle"
    page.context.close()
