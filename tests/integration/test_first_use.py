"""What a new user stumbled on (issue 11), each fixed and checked. The visual points (right-to-
left charts, the QR image, failed htmx requests, tables on a phone) are also checked in Chromium:
tests/browser/test_first_use_flow.py."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups import services as groups
from pb.payouts import services as payouts
from pb.payouts.models import PayoutRequest
from pb.proposals import moderation
from pb.proposals.models import BudgetRound
from pb.timeutil import utcnow
from pb.voting import services as voting
from tests.conftest import post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_payouts_pipeline import add_staff, fund
from tests.integration.voting_helpers import proposal_ids, voting_round
from tests.proposals_factories import make_proposal, make_round

EN = {"Accept-Language": "en"}
ROOT = Path(__file__).resolve().parents[2]


def client_for(app, user):
    client = app.test_client()
    log_in(client, user)
    return client


def available(group) -> int:
    return payouts.balances(payouts.pot_for_group(group)).available


# --- 1. The count explainer, with the round's choice about proposals without votes --------------


@pytest.mark.parametrize("allowed", [False, True])
def test_proposals_nobody_voted_for_are_bought_only_if_the_round_allows(app, world, allowed):
    budget_round = voting_round(
        world, ballot_format="approval", amount_ore=100_000, costs=[50_000, 20_000, 90_000]
    )
    a, b, c = proposal_ids(budget_round)
    voting.cast_ballot(budget_round, world.member_a, [a])
    voting.cast_ballot(budget_round, world.peer_a, [c])
    result = voting.count_round(budget_round, actor=world.staff_a, complete_unvoted=allowed)
    assert (b in result.selected) == allowed
    page = client_for(app, world.staff_a).get(
        f"/groups/{world.group_a.id}/rounds/{budget_round.id}/results", headers=EN
    )
    text = page.get_data(as_text=True)
    bought = set(re.findall(r'data-bought="(\d+)"', text))
    not_bought = set(re.findall(r'data-not-bought="(\d+)"', text))
    assert not bought & not_bought and bought | not_bought == {str(a), str(b), str(c)}
    if allowed:
        assert "Nobody voted for it" in text and "which this round allows" in text
    else:
        assert "this round does not buy proposals without votes" in text
    spent = re.search(r"data-spent>(.*?)</p>", text, re.S).group(1)
    assert "NOK" in spent


# --- 3. User text in another script keeps its own direction -------------------------------------


def test_group_and_round_text_is_isolated_from_the_page_direction(app, world):
    world.group_a.description = "33 ungdommer … bestemmer"
    db.session.commit()
    budget_round = make_round(world)
    client = client_for(app, world.member_a)
    page = client.get(f"/groups/{world.group_a.id}", headers={"Accept-Language": "ar"})
    text = page.get_data(as_text=True)
    assert 'dir="rtl"' in text
    assert '<p class="plain-text" dir="auto">33 ungdommer' in text
    assert "<h1><bdi>Group A</bdi></h1>" in text
    assert f"<bdi>{budget_round.title}</bdi>" in text


# --- 4. The invite QR code is an image browsers accept ------------------------------------------


def test_the_invite_qr_code_is_a_standalone_svg(app, world):
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    response = client_for(app, world.staff_a).get(
        f"/groups/{world.group_a.id}/invites/{invite.id}/qr.svg"
    )
    body = response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml"
    assert body.lstrip().startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in body


# --- 5. A round's pages show that round in the banner -------------------------------------------


def test_the_banner_on_a_rounds_pages_is_about_that_round(app, world):
    older = voting_round(world, ballot_format="approval")
    newer = make_round(world)  # newer, collecting ideas
    client = client_for(app, world.member_a)
    for path in (
        f"/groups/{world.group_a.id}/rounds/{older.id}",
        f"/groups/{world.group_a.id}/rounds/{older.id}/ballot",
        f"/groups/{world.group_a.id}/rounds/{older.id}/proposals/{older.proposals[0].id}",
    ):
        text = client.get(path).get_data(as_text=True)
        banner = re.search(r'class="phase-banner.*?</p>|class="phase-banner.*?</div>', text, re.S)
        assert banner and f"/rounds/{older.id}" in banner.group(0), path
        assert f'/rounds/{newer.id}"' not in banner.group(0)


# --- 6. Opening a round earmarks its money ------------------------------------------------------


def round_form(amount: str, title: str = "Sommer") -> dict:
    today = utcnow().date()
    return {
        "title": title,
        "amount": amount,
        "languages": ["nb"],
        "review_starts_on": (today + timedelta(days=7)).isoformat(),
        "voting_starts_on": (today + timedelta(days=14)).isoformat(),
        "voting_ends_on": (today + timedelta(days=21)).isoformat(),
        "followup_starts_on": (today + timedelta(days=28)).isoformat(),
        "ballot_format": "approval",
        "counting_rule": "mes",
        "proposal_limit": "3",
        "report_threshold": "3",
    }


def test_opening_a_round_takes_its_money_and_two_rounds_cant_promise_the_same(app, world):
    fund(world.group_a, world.lead, 100_000)
    client = client_for(app, world.staff_a)
    url = f"/groups/{world.group_a.id}/rounds/new"
    assert post_form(client, url, round_form("60000")).status_code == 303
    assert available(world.group_a) == 40_000_00
    pot = payouts.balances(payouts.pot_for_group(world.group_a))
    assert pot.earmarked == 60_000_00
    refused = post_form(client, url, round_form("60000", "Høst"), headers=EN)
    assert "does not have that much money" in refused.get_data(as_text=True)
    assert db.session.scalar(select(BudgetRound.id).where(BudgetRound.title == "Høst")) is None
    assert available(world.group_a) == 40_000_00
    assert payouts.ledger_problems() == []


def test_winners_draw_on_the_earmark_and_the_rest_goes_back(world):
    budget_round = voting_round(
        world, ballot_format="approval", amount_ore=100_000, costs=[50_000, 30_000, 90_000]
    )
    a, b, _c = proposal_ids(budget_round)
    before = available(world.group_a)
    voting.cast_ballot(budget_round, world.member_a, [a, b])
    voting.count_round(budget_round, actor=world.staff_a)
    assert payouts.ledger_problems() == []
    voting.publish_results(budget_round, actor=world.staff_a)
    # 80,000 of the 100,000 øre stay earmarked for the two winners; 20,000 come back.
    assert available(world.group_a) == before + 20_000
    assert payouts.ledger_problems() == []
    staff_a2 = add_staff("staff_a2", world.group_a)
    requests = {r.source_proposal_id: r for r in db.session.scalars(select(PayoutRequest))}
    payouts.decide(requests[a], actor=staff_a2, approve=True, reason="Vedtatt")
    assert available(world.group_a) == before + 20_000  # drawn from the earmark, not available
    payouts.decide(requests[b], actor=staff_a2, approve=False, reason="Ikke nå")
    assert available(world.group_a) == before + 50_000  # the rejected winner's money is free
    pot = payouts.balances(payouts.pot_for_group(world.group_a))
    assert pot.earmarked == 0 and pot.reserved == 50_000
    assert payouts.ledger_problems() == []


# --- 9. A member who joined after voting opened is told why they can't vote ---------------------


def test_a_late_joiner_is_told_why_there_is_no_ballot(app, world):
    budget_round = voting_round(world, ballot_format="approval")
    later = make_round(world, title="Vinteren")
    newcomer = make_user("newcomer")
    add_to_group(newcomer, world.group_a)
    page = client_for(app, newcomer).get(
        f"/groups/{world.group_a.id}/rounds/{budget_round.id}", headers=EN
    )
    text = page.get_data(as_text=True)
    assert "data-joined-late" in text and "You joined after that" in text
    assert "Vinteren" in text and f"/rounds/{later.id}" in text


# --- 10. Counting asks first, and closing early needs a reason ----------------------------------


def test_close_and_count_asks_for_confirmation_and_a_reason_when_early(app, world):
    budget_round = voting_round(world, ballot_format="approval")
    voting.cast_ballot(budget_round, world.member_a, proposal_ids(budget_round)[:1])
    client = client_for(app, world.staff_a)
    url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/count"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "1 of 2 (50%)" in page and "data-time-left" in page and "3 days" in page
    refused = post_form(client, url, {}, headers=EN)
    assert refused.status_code == 400 and "Write why voting closes early" in refused.get_data(
        as_text=True
    )
    assert voting.result_of(budget_round) is None
    assert post_form(client, url, {"reason": "Alle har stemt"}).status_code == 303
    assert voting.result_of(budget_round) is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.counted"))
    assert event.reason == "Alle har stemt"


# --- 11. The assisted ballot speaks about the member ---------------------------------------------


def test_the_knapsack_total_on_an_assisted_ballot_names_the_member(app, world):
    budget_round = voting_round(world)
    membership = groups.membership_of(world.member_a, world.group_a)
    peer = client_for(app, world.peer_a)
    url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    page = peer.get(f"{url}/assist?member={membership.id}", headers=EN).get_data(as_text=True)
    assert "Choices of <bdi>Member_A</bdi>" in page and "Your choices" not in page
    partial = post_form(
        peer,
        f"{url}/ballot/total",
        {"proposal": [proposal_ids(budget_round)[0]], "member": membership.id},
        token_from=f"{url}/assist?member={membership.id}",
        headers={**EN, "HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Choices of <bdi>Member_A</bdi>" in partial


# --- 12, 13. The group page leads with what is happening; compact tabs ---------------------------


def test_the_group_page_leads_with_what_waits_and_what_is_open(app, world):
    budget_round = voting_round(world, ballot_format="approval")
    ideas = make_round(world, title="Idérunde")
    make_proposal(ideas, world.member_a)  # waits for moderation
    voting.cast_ballot(budget_round, world.member_a, proposal_ids(budget_round)[:1])
    member_page = (
        client_for(app, world.member_a)
        .get(f"/groups/{world.group_a.id}", headers=EN)
        .get_data(as_text=True)
    )
    assert "data-voted" in member_page and "Propose an idea" in member_page
    assert "data-waiting" not in member_page and "Reset code" not in member_page
    peer_page = (
        client_for(app, world.peer_a)
        .get(f"/groups/{world.group_a.id}", headers=EN)
        .get_data(as_text=True)
    )
    assert "data-not-voted" in peer_page
    assert "1 thing waits for moderation" in peer_page
    fund(world.group_a, world.lead, 100_000)
    staff_a2 = add_staff("staff_a2", world.group_a)
    household = groups.save_household(
        world.group_a,
        actor=world.staff_a,
        label="Familie",
        birth_years=[2016],
        member_ids=[groups.membership_of(world.member_a, world.group_a).id],
    )
    payouts.create_conditional_request(
        world.group_a,
        actor=world.staff_a,
        title="Sykkel",
        purpose="",
        amount_ore=20_000_00,
        category="sports_shop",
        payment_method="gift_card",
        household=household,
    )
    staff_page = (
        client_for(app, staff_a2)
        .get(f"/groups/{world.group_a.id}", headers=EN)
        .get_data(as_text=True)
    )
    assert "1 payout waits for your decision" in staff_page
    nav = re.search(r'<nav class="tabs".*?</nav>', staff_page, re.S).group(0)
    main_tabs = re.findall(r"<a href=[^>]*>", nav.split("<details")[0])
    assert len(main_tabs) == 4 and "More" in nav


def test_the_member_list_is_its_own_tab_and_searchable(app, world):
    client = client_for(app, world.peer_a)
    url = f"/groups/{world.group_a.id}/members"
    full = client.get(url, headers=EN).get_data(as_text=True)
    assert "Member_A" in full and "Staff_A" in full and 'name="q"' in full
    found = client.get(f"{url}?q=memb", headers=EN).get_data(as_text=True)
    assert "Member_A" in found and "Staff_A" not in found
    partial = client.get(f"{url}?q=staff", headers={**EN, "HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="member-list">') and "Staff_A" in text


# --- 15. The moderation log speaks in words -----------------------------------------------------


def test_the_moderation_log_shows_words_not_codes(app, world):
    proposal = make_proposal(make_round(world), world.member_a)
    moderation.request_changes(proposal, actor=world.peer_a, message="Skriv mer")
    page = (
        client_for(app, world.peer_a)
        .get(f"/groups/{world.group_a.id}/moderation", headers=EN)
        .get_data(as_text=True)
    )
    log = page.split("Moderation log", 1)[1]
    assert "Asked for changes to a proposal" in log and ">proposal.changes_requested<" not in log


# --- 19. Compressed pages and static files cached for a year ------------------------------------


def test_pages_are_compressed_and_static_files_are_immutable(app, world):
    client = client_for(app, world.member_a)
    page = client.get(f"/groups/{world.group_a.id}", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] in ("br", "gzip")
    html = client.get(f"/groups/{world.group_a.id}").get_data(as_text=True)
    static = set(re.findall(r'(?:href|src)="(/static/[^"#]+)', html))
    assert {s.split("?")[0] for s in static} >= {"/static/css/app.css", "/static/js/app.js"}
    for url in static:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        if url.endswith((".css", ".js")):
            assert response.headers["Content-Encoding"] == "gzip"
    stale = client.get("/static/css/app.css?v=000000000000")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"


# --- 20. A researcher counts a Pabulib file with no app, database or secret --------------------


PB_FILE = """META
key;value
description;test
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost
1;60
2;40
3;50
VOTES
voter_id;vote
1;1,2
2;1
3;3
"""


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "pb.tally"],
        [str(Path(sys.executable).parent / "flask"), "--app", "pb", "tally"],
    ],
)
def test_counting_a_pabulib_file_needs_no_secret_key(tmp_path, command):
    path = tmp_path / "small.pb"
    path.write_text(PB_FILE)
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_DEBUG")}
    env["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never touched
    done = subprocess.run(
        [*command, str(path), "--rule", "greedy"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '["1", "2"]'
