"""A NOK 25,000 conditional payout, end to end on a phone: one staff member proposes it, a second
approves it with a reason, the family reads the reason in Somali and complains, and a third
staff member decides the complaint."""

import re

import pytest
from sqlalchemy import select

from pb.accounts.models import User
from pb.accounts.passwords import hash_password
from pb.extensions import db
from pb.payouts.models import PayoutComplaint, PayoutRequest
from tests.browser.conftest import fits_the_screen, phone_for, screenshot
from tests.factories import PASSWORD
from tests.integration.test_payouts_pipeline import add_staff, family, fund

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

REASON_NB = "Familien har flyttet og trenger møbler. Vi dekker seng, bord og stoler."
REASON_SO = "Qoyska ayaa guuray oo u baahan alaab guri. Waxaan bixinaynaa sariir, miis iyo kuraas."


def test_propose_approve_read_in_somali_complain_and_decide(browser, live_server, world):
    fund(world.group_a, world.lead)
    second = add_staff("staff_a2", world.group_a)
    third = add_staff("staff_a3", world.group_a)
    household = family(world.group_a, world.staff_a, world.member_a)
    world.member_a.locale = "so"
    db.session.commit()
    group_url = f"{live_server}/groups/{world.group_a.id}"

    # 1. A staff member proposes NOK 25,000 for furniture, written with the family.
    page = phone_for(browser, live_server, world.staff_a)
    page.goto(f"{group_url}/payouts")
    page.locator(f"a[href='/groups/{world.group_a.id}/payouts/new']").click()
    page.locator("#recipient").select_option(f"h{household.id}")
    page.locator("#title").fill("Møbler til ny leilighet")
    page.locator("#amount").fill("25 000")
    page.locator("#category").select_option("furniture")
    page.locator("#payment_method").select_option("vendor_invoice")
    assert fits_the_screen(page)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/payouts/\d+$"))
    payout_url = page.url
    # The requester can't approve a second-tier payout.
    assert page.locator("input[name=verdict]").count() == 0
    screenshot(page, "payout-requested")
    page.context.close()

    # 2. A second staff member approves it, with the reason in Norwegian and in Somali.
    page = phone_for(browser, live_server, second)
    page.goto(payout_url)
    page.locator("input[name=verdict][value=approve]").check()
    page.locator("#reason").fill(REASON_NB)
    page.locator("#reason_translation").fill(REASON_SO)
    page.locator("#translation_locale").select_option("so")
    assert fits_the_screen(page)
    screenshot(page, "payout-decide")
    page.locator("form[action$='/decide'] button[type=submit]").click()
    page.wait_for_url(payout_url)
    assert page.locator(".state-approved").count() == 1
    assert page.problems.messages == []
    page.context.close()

    # 3. The family member reads the reason in Somali and complains.
    page = phone_for(browser, live_server, world.member_a)
    assert page.locator("html").get_attribute("lang") == "so"
    page.goto(payout_url)
    assert page.locator("html").get_attribute("lang") == "so"
    assert page.locator(".decision .reason").inner_text().strip() == REASON_SO
    assert REASON_NB in page.locator(".decision details").text_content()  # the original
    assert fits_the_screen(page)
    screenshot(page, "payout-reason-somali")
    page.locator("#text").fill("Waxaan u baahanahay talaajad sidoo kale.")
    page.locator("form[action$='/complaints'] button[type=submit]").click()
    page.wait_for_url(payout_url)
    assert page.locator(".complaint[data-state=open]").count() == 1
    assert page.problems.messages == []
    page.context.close()

    complaint = db.session.scalar(select(PayoutComplaint))
    assert complaint.handler_id == third.id  # the one staff member who took no part

    # 4. The third staff member decides the complaint, with a reason.
    page = phone_for(browser, live_server, third)
    page.goto(payout_url)
    page.locator("input[name='complaint-outcome'][value=dismissed]").check()
    page.locator("#complaint-reason").fill(
        "Møblene dekker det viktigste. Kjøleskap kan søkes om senere."
    )
    page.locator("form[action*='/complaints/'] button[type=submit]").click()
    page.wait_for_url(payout_url)
    assert page.locator(".complaint[data-state=dismissed]").count() == 1
    assert "Kjøleskap" in page.locator(".complaint .outcome").inner_text()
    assert page.problems.messages == []
    page.context.close()

    db.session.expire_all()
    payout = db.session.scalar(select(PayoutRequest))
    assert payout.amount_ore == 2_500_000 and payout.tier == 2 and payout.state == "approved"


def test_the_demo_pot_page_draws_its_charts_on_a_phone(browser, live_server, app):
    from pb.demo import seed_demo
    from pb.groups.models import Group

    seed_demo()
    steady = db.session.scalar(select(Group).where(Group.name == "Stødig start"))
    refugees = db.session.scalar(select(Group).where(Group.name == "Flyktningfamilien i sentrum"))
    lead = db.session.scalar(select(User).where(User.username == "leder"))
    lead.password_hash = hash_password(PASSWORD)
    db.session.commit()
    page = phone_for(browser, live_server, lead)
    for group in (steady, refugees):
        page.goto(f"{live_server}/groups/{group.id}/pot")
        assert page.locator("svg.chart-svg").count() >= 2
        assert page.locator("svg.chart-svg rect").count() >= 2
        assert fits_the_screen(page)
        screenshot(page, f"pot-charts-{group.id}")
    page.goto(f"{live_server}/programmes/{steady.programme_id}/pots")
    assert page.locator("table.complaints tbody tr").count() >= 1
    screenshot(page, "programme-pots")
    assert page.problems.messages == []
