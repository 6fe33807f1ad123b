"""axe-core, vendored from the npm registry (tests/browser/vendor/README.md), on every main page
of the demo in Norwegian and Arabic on a 390×844 phone: no serious or critical violation."""

import re
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from pb.demo import DEMO_PASSWORD, seed_demo
from pb.extensions import db
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture
def demo(app, tmp_path):
    """The demo programme, with a round in voting in each ballot format, and every page's path."""
    from pb.accounts.models import User
    from pb.lending.models import Booking
    from pb.payouts.models import PayoutComplaint, PayoutRequest
    from pb.projects.models import Activity
    from pb.proposals.models import BudgetRound, Proposal
    from pb.surveys.models import SurveyWave
    from pb.timeutil import utcnow

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    seed_demo()
    users = {u.username: u for u in db.session.scalars(select(User))}
    now = utcnow()
    voting = db.session.scalars(
        select(BudgetRound).where(
            BudgetRound.voting_starts_at <= now, BudgetRound.voting_ends_at > now
        )
    ).first()
    counted = db.session.scalars(
        select(BudgetRound).where(BudgetRound.voting_ends_at <= now).order_by(BudgetRound.id)
    ).first()
    ballots = {voting.ballot_format: voting}
    for ballot_format in ("approval", "knapsack", "points", "ranking"):
        if ballot_format in ballots:
            continue
        extra = BudgetRound(
            group_id=voting.group_id,
            title=f"Runde ({ballot_format})",
            amount_ore=voting.amount_ore,
            languages=voting.languages,
            ideas_start_at=voting.ideas_start_at,
            review_starts_at=voting.review_starts_at,
            voting_starts_at=voting.voting_starts_at,
            voting_ends_at=voting.voting_ends_at,
            followup_starts_at=voting.followup_starts_at,
            ballot_format=ballot_format,
            points_total=10 if ballot_format == "points" else None,
            ranking_top_k=3 if ballot_format == "ranking" else None,
            created_by_id=voting.created_by_id,
        )
        db.session.add(extra)
        db.session.flush()
        for number, cost in enumerate((400_000, 250_000, 150_000), start=1):
            db.session.add(
                Proposal(
                    round_id=extra.id,
                    author_id=users["emma"].id,
                    title=f"Forslag {number}",
                    description="Beskrivelse",
                    category="equipment",
                    estimated_cost_ore=cost,
                    confirmed_cost_ore=cost,
                    status="accepted",
                )
            )
        ballots[ballot_format] = extra
    db.session.commit()

    group = voting.group_id
    proposal = db.session.scalars(select(Proposal).where(Proposal.round_id == voting.id)).first()
    complaint = db.session.scalars(select(PayoutComplaint)).first()
    payout = db.session.get(PayoutRequest, complaint.request_id)
    booking = db.session.scalars(select(Booking)).first()
    activity = db.session.scalars(select(Activity)).first()
    wave = db.session.scalars(select(SurveyWave)).first()
    lending_group = booking.item.group_id
    project = activity.project
    pages_as_lead = {
        "group": f"/groups/{group}",
        "round": f"/groups/{group}/rounds/{voting.id}",
        "proposal": f"/groups/{group}/rounds/{voting.id}/proposals/{proposal.id}",
        "results": f"/groups/{group}/rounds/{counted.id}/results",
        "pot": f"/groups/{payout.group_id}/pot",
        "payout list": f"/groups/{payout.group_id}/payouts",
        # A complaint is read and decided on its payout's page.
        "payout with a complaint": f"/groups/{payout.group_id}/payouts/{payout.id}",
        "item calendar": f"/groups/{lending_group}/items/{booking.item_id}",
        "booking": f"/groups/{lending_group}/items/{booking.item_id}/bookings/{booking.id}",
        "project": f"/groups/{project.group_id}/projects/{project.id}",
        "activity": f"/groups/{project.group_id}/projects/{project.id}/activities/{activity.id}",
        "survey": f"/groups/{wave.group_id}/surveys/{wave.id}",
        "report": f"/groups/{group}/report",
        "notification settings": "/account/notifications",
        "voice clips": "/clips",
    }
    pages_as_member = {
        f"ballot ({name})": f"/groups/{group}/rounds/{r.id}/ballot" for name, r in ballots.items()
    }
    return {"leder": pages_as_lead, "emma": pages_as_member}, users


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/login")
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    if user.has_two_factor:
        page.wait_for_url(re.compile(r"/login/code"))
        page.locator("#code").fill(pyotp.TOTP(user.totp_secret).now())
        page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
             const result = await axe.run(document, {resultTypes: ["violations"]});
             return result.violations.map(v => ({
               id: v.id, impact: v.impact,
               nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
             }));
           }"""
    )
    blocking = [v for v in found if v["impact"] in BLOCKING]
    return [f"{v['impact']} {v['id']}: {', '.join(v['nodes'])}" for v in blocking]


@pytest.mark.parametrize("locale", ["nb", "ar"])
def test_no_serious_accessibility_violations_on_the_main_pages(browser, live_server, demo, locale):
    pages, users = demo
    problems = {}
    checked = 0
    # axe is injected as a script of the test's own, which the app's CSP would refuse.
    context = browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    problems["log-in"] = violations(page)
    checked += 1
    for username, paths in pages.items():
        context.clear_cookies()
        log_in(page, live_server, users[username])
        for name, path in paths.items():
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (name, path, response.status)
            assert page.evaluate("document.documentElement.lang") == locale
            problems[name] = violations(page)
            checked += 1
    context.close()
    assert checked == 1 + sum(len(paths) for paths in pages.values()) >= 20
    assert {name: found for name, found in problems.items() if found} == {}
