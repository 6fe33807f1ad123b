"""Payout requests: one pipeline, amount tiers, reasons, idempotent forms, privacy, and bad input
refused with nothing written."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups import services as groups
from pb.payouts import services
from pb.payouts.models import LedgerEntry, LedgerTransaction, PayoutDecision, PayoutRequest
from tests.conftest import post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.voting_helpers import a_winning_proposal

EN = {"Accept-Language": "en"}
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


# --- helpers, also used by the other payout tests ----------------------------------------------


def fund(group, lead, kroner: int = 100_000):
    return services.allocate(
        group,
        actor=lead,
        amount_ore=kroner * 100,
        funder="Trondheim kommune",
        purpose="Test",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )


def add_staff(username: str, group):
    user = make_user(username, totp=True)
    add_to_group(user, group, "staff")
    return user


def family(group, actor, member, *, children: int = 2, label: str = "Familie A"):
    membership = groups.membership_of(member, group)
    household = groups.save_household(
        group,
        actor=actor,
        label=label,
        birth_years=[2015 + i for i in range(children)],
        member_ids=[membership.id],
    )
    db.session.commit()
    return household


def conditional(group, actor, household, kroner: int, **extra):
    return services.create_conditional_request(
        group,
        actor=actor,
        title=extra.pop("title", "Sykkel"),
        purpose="Avtalt i samtale",
        amount_ore=kroner * 100,
        category=extra.pop("category", "sports_shop"),
        payment_method="gift_card",
        household=household,
        **extra,
    )


def key_on(page_html: str) -> str:
    match = KEY.search(page_html)
    assert match, "no idempotency key on the page"
    return match.group(1)


@pytest.fixture
def pot_world(world):
    fund(world.group_a, world.lead)
    world.staff_a2 = add_staff("staff_a2", world.group_a)
    world.staff_a3 = add_staff("staff_a3", world.group_a)
    world.household = family(world.group_a, world.staff_a, world.member_a)
    return world


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(PayoutRequest)),
        db.session.scalar(select(func.count()).select_from(PayoutDecision)),
        db.session.scalar(select(func.count()).select_from(LedgerEntry)),
    )


# --- the pipeline and the tiers ----------------------------------------------------------------


def test_lowest_tier_one_staff_decides_alone_even_on_their_own_request(pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 2_500)
    assert request.tier == 1 and request.state == "requested"
    services.decide(request, actor=w.staff_a, approve=True, reason="Trenger sykkel til skolen")
    assert request.state == "approved"
    pot = services.pot_for_group(w.group_a)
    assert services.balances(pot).reserved == 250_000
    services.pay(request, actor=w.staff_a)
    assert request.state == "paid"
    b = services.balances(pot)
    assert (b.paid, b.reserved, b.available) == (250_000, 0, 10_000_000 - 250_000)
    assert services.ledger_problems() == []
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"payout.requested", "payout.vote", "payout.approved", "payout.paid"} <= set(actions)


def test_a_programme_can_switch_off_self_approval(pot_world):
    w = pot_world
    services.save_policy(
        w.programme.id,
        actor=w.lead,
        tier2_from_ore=1_000_000,
        tier3_above_ore=5_000_000,
        team_min_approvers=3,
        self_approval_in_lowest_tier=False,
    )
    request = conditional(w.group_a, w.staff_a, w.household, 2_500)
    with pytest.raises(services.PayoutError, match="own_request"):
        services.decide(request, actor=w.staff_a, approve=True, reason="ok")
    services.decide(request, actor=w.staff_a2, approve=True, reason="ok")
    assert request.state == "approved"


def test_second_tier_needs_someone_other_than_the_requester(pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 25_000, category="furniture")
    assert request.tier == 2
    with pytest.raises(services.PayoutError, match="own_request"):
        services.decide(request, actor=w.staff_a, approve=True, reason="Jeg ba om den")
    assert counts()[1] == 0
    services.decide(request, actor=w.staff_a2, approve=True, reason="Møbler til ny leilighet")
    assert request.state == "approved"


def test_third_tier_is_a_team_decision_with_a_majority(pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 60_000, category="housing_deposit")
    assert request.tier == 3
    w.staff_a4 = add_staff("staff_a4", w.group_a)
    w.staff_a5 = add_staff("staff_a5", w.group_a)  # a team of five: three must agree
    services.decide(request, actor=w.staff_a2, approve=True, reason="Depositum")
    assert request.state == "requested"  # the requester and one more: two of three
    with pytest.raises(services.PayoutError, match="already_decided"):
        services.decide(request, actor=w.staff_a2, approve=True, reason="Igjen")
    with pytest.raises(services.PayoutError, match="own_request"):
        services.decide(request, actor=w.staff_a, approve=True, reason="Min egen")
    services.decide(request, actor=w.staff_a3, approve=True, reason="Enig, teamet har snakket")
    assert request.state == "approved"
    assert services.ledger_problems() == []


def test_third_tier_is_rejected_once_a_majority_is_out_of_reach(pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 60_000, category="debt")
    w.staff_a4 = add_staff("staff_a4", w.group_a)  # a team of four: three must agree
    services.decide(request, actor=w.staff_a2, approve=False, reason="For mye nå")
    assert request.state == "requested"  # a3, a4 and the lead may still agree
    services.decide(request, actor=w.staff_a3, approve=False, reason="Vent til neste år")
    assert request.state == "requested"  # the requester, a4 and the lead would still be three
    services.decide(request, actor=w.staff_a4, approve=False, reason="Enig med de andre")
    assert request.state == "rejected"  # at most two could agree now
    assert services.balances(services.pot_for_group(w.group_a)).reserved == 0


def test_cancel_after_approval_releases_the_money(pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 3_000)
    services.decide(request, actor=w.staff_a, approve=True, reason="ok")
    services.cancel(request, actor=w.staff_a, reason="Familien flyttet")
    pot = services.pot_for_group(w.group_a)
    assert services.balances(pot).available == 10_000_000
    assert request.state == "cancelled"
    with pytest.raises(services.PayoutError, match=r"not_approved|not_open"):
        services.pay(request, actor=w.staff_a)
    assert services.ledger_problems() == []


def test_approval_never_overdraws_the_pot(pot_world):
    w = pot_world
    first = conditional(w.group_a, w.staff_a, w.household, 9_000)
    second = conditional(w.group_a, w.staff_a, w.household, 9_000)
    services.save_policy(
        w.programme.id,
        actor=w.lead,
        tier2_from_ore=10_000_000_00,
        tier3_above_ore=10_000_000_00,
        team_min_approvers=3,
        self_approval_in_lowest_tier=True,
    )
    big = conditional(w.group_a, w.staff_a, w.household, 95_000)
    services.decide(first, actor=w.staff_a, approve=True, reason="ok")
    services.decide(second, actor=w.staff_a, approve=True, reason="ok")
    before = counts()
    with pytest.raises(services.PayoutError, match="not_enough_money"):
        services.decide(big, actor=w.staff_a, approve=True, reason="ok")
    assert counts() == before and big.state == "requested"
    assert services.pot_for_group(w.group_a).available_ore == 10_000_000 - 1_800_000


def test_paying_twice_is_refused_and_a_repeated_key_pays_once(pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 1_000)
    services.decide(request, actor=w.staff_a, approve=True, reason="ok")
    services.pay(request, actor=w.staff_a, idempotency_key="k" * 32)
    services.pay(request, actor=w.staff_a, idempotency_key="k" * 32)  # a retry: no error
    with pytest.raises(services.PayoutError, match="already_paid"):
        services.pay(request, actor=w.staff_a, idempotency_key="other-key-123")
    payments = db.session.scalar(
        select(func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.kind == "payment")
    )
    assert payments == 1


def test_collective_contract_joins_the_callers_transaction(pot_world):
    w = pot_world
    proposal_id = a_winning_proposal(w)
    request = services.create_collective_request(
        w.group_a,
        proposal_id=proposal_id,
        title="Kjøretimer",
        amount_ore=5_000_000,
        actor=w.staff_a,
    )
    db.session.rollback()  # the caller decides: nothing was committed
    assert db.session.scalar(select(func.count()).select_from(PayoutRequest)) == 0
    request = services.create_collective_request(
        w.group_a,
        proposal_id=proposal_id,
        title="Kjøretimer",
        amount_ore=5_000_000,
        actor=w.staff_a,
    )
    db.session.commit()
    assert (request.kind, request.state, request.source_proposal_id) == (
        "collective",
        "requested",
        proposal_id,
    )


# --- through the web: forms, messages, privacy ------------------------------------------------


def test_staff_request_approve_and_pay_through_the_forms(client, pot_world):
    w = pot_world
    log_in(client, w.staff_a)
    page = client.get(f"/groups/{w.group_a.id}/payouts/new", headers=EN).get_data(as_text=True)
    key = key_on(page)
    form = {
        "recipient": f"h{w.household.id}",
        "title": "Fotballsko",
        "purpose": "",
        "amount": "1 200",
        "category": "sports_shop",
        "payment_method": "gift_card",
        "idempotency_key": key,
    }
    first = post_form(client, f"/groups/{w.group_a.id}/payouts/new", form)
    again = post_form(client, f"/groups/{w.group_a.id}/payouts/new", form)  # a double-click
    assert first.status_code == again.status_code == 303
    assert first.location == again.location
    request = db.session.scalar(select(PayoutRequest))
    assert db.session.scalar(select(func.count()).select_from(PayoutRequest)) == 1
    url = f"/groups/{w.group_a.id}/payouts/{request.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    decide_key = key_on(page)
    response = post_form(
        client,
        f"{url}/decide",
        {"verdict": "approve", "reason": "Trenger sko", "idempotency_key": decide_key},
        token_from=url,
    )
    assert response.status_code == 303
    page = client.get(url, headers=EN).get_data(as_text=True)
    pay_key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    for _attempt in range(2):
        response = post_form(client, f"{url}/pay", {"idempotency_key": pay_key}, token_from=url)
        assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PayoutRequest, request.id).state == "paid"
    assert services.balances(services.pot_for_group(w.group_a)).paid == 120_000
    assert services.ledger_problems() == []


BAD_AMOUNTS = [
    ("0", "more than zero"),
    ("-100", "can't be negative"),
    ("mye", "in numbers"),
    ("100.555", "two decimals"),  # in English the comma groups thousands: "100,555" is a number
    ("200 000", "not enough money"),
]


def test_bad_amounts_are_refused_and_nothing_is_written(client, pot_world):
    w = pot_world
    log_in(client, w.staff_a)
    before = counts()
    for amount, message in BAD_AMOUNTS:
        response = post_form(
            client,
            f"/groups/{w.group_a.id}/payouts/new",
            {
                "recipient": f"h{w.household.id}",
                "title": "Noe",
                "amount": amount,
                "category": "groceries",
                "payment_method": "bank_transfer",
            },
            headers=EN,
        )
        assert response.status_code == 200, amount
        assert message in response.get_data(as_text=True), amount
        assert counts() == before


def test_a_decision_without_a_reason_or_by_the_requester_is_refused(client, pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 20_000)
    url = f"/groups/{w.group_a.id}/payouts/{request.id}"
    log_in(client, w.staff_a2)
    response = post_form(
        client, f"{url}/decide", {"verdict": "approve", "reason": "  "}, token_from=url, headers=EN
    )
    assert response.status_code == 200 and "Please fill in this field" in response.get_data(
        as_text=True
    )
    assert counts()[1] == 0
    requester = client.application.test_client()
    log_in(requester, w.staff_a)
    page = requester.get(url, headers=EN).get_data(as_text=True)
    assert "Your decision" not in page
    response = post_form(
        requester,
        f"{url}/decide",
        {"verdict": "approve", "reason": "Jeg godkjenner selv"},
        token_from=url,
        headers=EN,
    )
    assert response.status_code == 303
    page = requester.get(url, headers=EN).get_data(as_text=True)
    assert "someone else must decide" in page
    assert counts()[1] == 0


def test_other_groups_get_404_for_everything(client, pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 1_000)
    url = f"/groups/{w.group_a.id}/payouts/{request.id}"
    log_in(client, w.staff_b)
    assert client.get(url).status_code == 404
    for action in ("decide", "pay", "cancel"):
        response = post_form(
            client, f"{url}/{action}", {"verdict": "approve", "reason": "x"}, token_from="/"
        )
        assert response.status_code == 404
    # The right group id with another group's request is a 404 too.
    fund(w.group_b, w.lead)
    other_url = f"/groups/{w.group_b.id}/payouts/{request.id}"
    assert client.get(other_url).status_code == 404
    assert request.state == "requested" and counts()[1] == 0


def test_private_payouts_are_seen_only_by_the_household_and_staff(client, pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 1_000, title="Hemmelig sykkel")
    collective = services.create_collective_request(
        w.group_a,
        proposal_id=a_winning_proposal(w),
        title="Padlebrett",
        amount_ore=100_000,
        actor=w.staff_a,
    )
    db.session.commit()
    url = f"/groups/{w.group_a.id}/payouts/{request.id}"
    outsider = make_user("member_a2")
    add_to_group(outsider, w.group_a)
    log_in(client, outsider)
    assert client.get(url).status_code == 404
    listing = client.get(f"/groups/{w.group_a.id}/payouts").get_data(as_text=True)
    assert "Hemmelig sykkel" not in listing and "Padlebrett" in listing
    pot_page = client.get(f"/groups/{w.group_a.id}/pot").get_data(as_text=True)
    assert "Hemmelig sykkel" not in pot_page and "Padlebrett" in pot_page
    peer = client.application.test_client()
    log_in(peer, w.peer_a)
    assert peer.get(url).status_code == 404
    assert peer.get(f"/groups/{w.group_a.id}/payouts/{collective.id}").status_code == 200
    recipient = client.application.test_client()
    log_in(recipient, w.member_a)
    assert recipient.get(url).status_code == 200


def test_a_peer_drafts_with_a_family_and_sees_only_their_drafts(client, pot_world):
    w = pot_world
    other = conditional(w.group_a, w.staff_a, w.household, 1_000, title="Ikke din")
    log_in(client, w.peer_a)
    response = post_form(
        client,
        f"/groups/{w.group_a.id}/payouts/new",
        {
            "recipient": f"h{w.household.id}",
            "title": "Vinterjakke",
            "amount": "900",
            "category": "toys_gear",
            "payment_method": "gift_card",
        },
    )
    assert response.status_code == 303
    draft = db.session.scalar(select(PayoutRequest).where(PayoutRequest.title == "Vinterjakke"))
    assert draft.state == "draft" and draft.drafted_by_id == w.peer_a.id
    listing = client.get(f"/groups/{w.group_a.id}/payouts").get_data(as_text=True)
    assert "Vinterjakke" in listing and "Ikke din" not in listing
    partial = client.get(f"/groups/{w.group_a.id}/payouts", headers={"HX-Request": "true"})
    assert "Vinterjakke" in partial.get_data(as_text=True)
    assert "<html" not in partial.get_data(as_text=True)  # htmx gets only the list
    assert client.get(f"/groups/{w.group_a.id}/payouts/{other.id}").status_code == 404
    staff = client.application.test_client()
    log_in(staff, w.staff_a)
    url = f"/groups/{w.group_a.id}/payouts/{draft.id}"
    assert post_form(staff, f"{url}/submit", {}, token_from=url).status_code == 303
    db.session.expire_all()
    assert db.session.get(PayoutRequest, draft.id).state == "requested"


def test_the_group_log_does_not_show_a_private_payouts_reason(client, pot_world):
    w = pot_world
    request = conditional(w.group_a, w.staff_a, w.household, 1_000)
    services.decide(request, actor=w.staff_a, approve=True, reason="Mor er syk og trenger hjelp")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payout.approved"))
    assert event.details["private_reason"] == "Mor er syk og trenger hjelp"
    log_in(client, w.peer_a)
    log_page = client.get(f"/groups/{w.group_a.id}/audit").get_data(as_text=True)
    # Peers see no payout events at all; staff see the event, but the reason stays private.
    assert "payout.approved" not in log_page and "Mor er syk" not in log_page
    staff = client.application.test_client()
    log_in(staff, w.staff_a)
    staff_page = staff.get(f"/groups/{w.group_a.id}/audit").get_data(as_text=True)
    assert "payout.approved" in staff_page and "Mor er syk" not in staff_page


def test_a_team_too_small_for_a_team_decision_keeps_the_request_open(client, world):
    fund(world.group_b, world.lead)
    household = family(world.group_b, world.staff_b, world.member_b)
    request = conditional(world.group_b, world.staff_b, household, 60_000)
    services.decide(request, actor=world.lead, approve=True, reason="Enig")
    assert request.state == "requested"  # an approval is never turned into a rejection
    assert services.team_too_small(request)
    log_in(client, world.staff_b)
    page = client.get(f"/groups/{world.group_b.id}/payouts/{request.id}", headers=EN)
    assert "too few staff members" in page.get_data(as_text=True)


def test_the_lead_sets_the_programmes_tiers_and_staff_cannot(client, pot_world):
    w = pot_world
    url = f"/programmes/{w.programme.id}/pots"
    log_in(client, w.lead)
    form = {
        "tier2_from": "5 000",
        "tier3_above": "20 000",
        "team_min_approvers": "3",
    }  # the self-approval box left unticked: switched off
    assert post_form(client, url, form).status_code == 303
    policy = services.policy_for(w.programme.id)
    assert (policy.tier2_from_ore, policy.tier3_above_ore) == (500_000, 2_000_000)
    assert policy.self_approval_in_lowest_tier is False
    assert conditional(w.group_a, w.staff_a, w.household, 6_000).tier == 2
    bad = post_form(client, url, {**form, "tier3_above": "1 000"}, headers=EN)
    assert bad.status_code == 200 and "at least the amount" in bad.get_data(as_text=True)
    staff = client.application.test_client()
    log_in(staff, w.staff_a)
    assert post_form(staff, url, form, token_from=url).status_code == 404
