"""Regression tests for the outside security review: each finding as it was reproduced, now
refused. Personal data (finding 8) is in test_personal_data.py, uploads (6) in
tests/unit/test_proposals_photos.py."""

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from pb.accounts import services as accounts
from pb.accounts.models import ResetCode, User, UserSession
from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups import services as groups
from pb.groups.models import Invite
from pb.payouts import services as payouts
from pb.payouts.models import Allocation, PayoutRequest, PlanInstallment
from pb.proposals import moderation
from pb.proposals.models import Proposal
from pb.voting import services as voting
from tests.conftest import csrf_token, make_test_app, post_form
from tests.factories import add_to_group, log_in, make_user, totp_code
from tests.integration.test_first_use import round_form
from tests.integration.test_payouts_pipeline import EN, add_staff, conditional, family, fund
from tests.integration.voting_helpers import proposal_ids, voting_round
from tests.proposals_factories import make_proposal, make_round, urls


def client_for(app, user):
    client = app.test_client()
    log_in(client, user)
    return client


# --- 1. Invites: a person sees and handles only the invites they may issue ----------------------


@pytest.fixture
def invites(world):
    household = family(world.group_a, world.staff_a, world.member_a)
    made = {
        "member": groups.create_invite(world.group_a, actor=world.peer_a),
        "household": groups.create_invite(world.group_a, actor=world.staff_a, household=household),
        "peer": groups.create_invite(world.group_a, actor=world.staff_a, role="peer"),
        "staff": groups.create_invite(world.group_a, actor=world.lead, role="staff"),
    }
    return made


# Which invite kinds each role may see, share and revoke.
INVITE_MATRIX = {
    "member_a": set(),
    "peer_a": {"member"},
    "staff_a": {"member", "household", "peer"},
    "lead": {"member", "household", "peer", "staff"},
}


@pytest.mark.parametrize("who", sorted(INVITE_MATRIX))
def test_every_role_against_every_invite_kind(app, world, invites, who):
    user = getattr(world, who)
    client = client_for(app, user)
    allowed = INVITE_MATRIX[who]
    base = f"/groups/{world.group_a.id}/invites"
    listing = client.get(base)
    if not allowed:
        assert listing.status_code == 404
    else:
        page = listing.get_data(as_text=True)
        for kind, invite in invites.items():
            shown = invite.code[:4] in page and invite.code[4:8] in page
            assert shown == (kind in allowed), (who, kind)
    for kind, invite in invites.items():
        expected = 200 if kind in allowed else 404
        assert client.get(f"{base}/{invite.id}").status_code == expected, (who, kind)
        assert client.get(f"{base}/{invite.id}/qr.svg").status_code == expected, (who, kind)
    for kind, invite in invites.items():
        if kind in allowed:
            continue
        token = csrf_token(client, "/account")
        response = client.post(f"{base}/{invite.id}/revoke", data={"csrf_token": token})
        assert response.status_code == 404, (who, kind)
        assert db.session.get(Invite, invite.id).revoked_at is None


def test_a_peer_can_make_member_invites_only(client, login, world):
    login(world.peer_a)
    base = f"/groups/{world.group_a.id}/invites"
    household = family(world.group_a, world.staff_a, world.member_a)
    count = select(func.count()).select_from(Invite)
    before = db.session.scalar(count)
    for data in (
        {"role": "staff"},
        {"role": "peer"},
        {"role": "member", "household_id": household.id},
    ):
        post_form(client, base, {"household_id": 0, **data})
    assert db.session.scalar(count) == before
    post_form(client, base, {"role": "member", "household_id": 0})
    made = db.session.scalars(select(Invite).order_by(Invite.id.desc())).first()
    assert (made.role, made.household_id, made.created_by_id) == ("member", None, world.peer_a.id)


def test_a_leaked_staff_code_cannot_reach_a_peer_any_more(app, world, invites):
    """The reviewer's path: read the staff code as a peer, join with it anonymously."""
    peer = client_for(app, world.peer_a)
    page = peer.get(f"/groups/{world.group_a.id}/invites").get_data(as_text=True)
    codes = {c.replace("-", "") for c in re.findall(r'class="code">([A-Z0-9-]+)<', page)}
    assert invites["member"].code in codes
    assert not codes & {invites[kind].code for kind in ("staff", "peer", "household")}


def test_invite_codes_are_long_and_still_typed_in_groups_of_four(client, world):
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    assert len(invite.code) == 12
    typed = "-".join(invite.code[i : i + 4] for i in range(0, 12, 4)).lower()
    response = post_form(client, "/join", {"code": typed})
    assert response.status_code == 303 and response.location.endswith(f"/join/{invite.code}")


# --- 2. Log-out ends this device's session, server-side ------------------------------------------


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str, agent: str = "Replayer/1.0"):
    other = app.test_client()
    other.set_cookie("session", cookie)
    other.environ_base["HTTP_USER_AGENT"] = agent
    return other


def test_a_cookie_saved_before_log_out_is_anonymous_after_it(app, world):
    client = client_for(app, world.member_a)
    saved = cookie_of(client)
    assert client.get("/account").status_code == 200
    post_form(client, "/logout", {}, token_from="/account")
    thief = replay(app, saved)
    response = thief.get("/account")
    assert response.status_code == 302 and "/login" in response.location
    thief_same_agent = replay(app, saved, agent="Werkzeug/3")
    assert thief_same_agent.get("/account").status_code == 302
    token = csrf_token(thief_same_agent, "/login")
    changed = thief_same_agent.post(
        "/account", data={"csrf_token": token, "display_name": "Hacked", "locale": ""}
    )
    assert changed.status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(User, world.member_a.id).display_name != "Hacked"


def test_log_out_ends_only_this_device(app, world):
    phone, laptop = client_for(app, world.member_a), client_for(app, world.member_a)
    post_form(phone, "/logout", {}, token_from="/account")
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_the_account_page_lists_devices_and_logs_out_everywhere(app, world):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    )
    log_in(phone, world.member_a)
    laptop = client_for(app, world.member_a)
    page = laptop.get("/account", headers=EN).get_data(as_text=True)
    assert "Chrome / Android" in page and "This device" in page
    response = post_form(laptop, "/account/sessions/end-all", {}, token_from="/account")
    assert response.status_code == 303
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 302
    open_sessions = (
        select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))
    )
    assert db.session.scalar(open_sessions) == 0


def test_one_device_can_be_logged_out_from_another_but_not_someone_elses(app, world):
    phone, laptop = client_for(app, world.member_a), client_for(app, world.member_a)
    other = client_for(app, world.peer_a)
    phone_session = db.session.scalars(
        select(UserSession).where(UserSession.user_id == world.member_a.id)
    ).first()
    path = f"/account/sessions/{phone_session.id}/end"
    assert post_form(other, path, {}, token_from="/account").status_code == 404
    assert phone.get("/account").status_code == 200
    assert post_form(laptop, path, {}, token_from="/account").status_code == 303
    assert phone.get("/account").status_code == 302


def test_the_csrf_token_changes_at_log_in(client, world):
    before = csrf_token(client, "/login")
    log_in(client, world.member_a)
    after = csrf_token(client, "/account")
    assert before != after
    # The token from before the log-in no longer works.
    response = client.post(
        "/account", data={"csrf_token": before, "display_name": "X", "locale": ""}
    )
    assert response.status_code == 400


def test_a_password_reset_ends_every_session(app, world):
    phone = client_for(app, world.member_a)
    code = accounts.issue_reset_code(world.member_a, actor=world.staff_a, group=world.group_a)
    accounts.reset_password("member_a", code, "a brand new passphrase")
    assert phone.get("/account").status_code == 302


# --- 3. An assisted ballot never replaces the member's own ------------------------------------


@pytest.fixture
def ballot_round(world):
    return voting_round(world, ballot_format="approval", costs=[10_000, 20_000, 30_000])


def assist_url(world, budget_round):
    membership = groups.membership_of(world.member_a, world.group_a)
    return (
        f"/groups/{world.group_a.id}/rounds/{budget_round.id}/assist?member={membership.id}",
        membership,
    )


def test_an_assisted_ballot_cannot_replace_the_members_own(app, world, ballot_round):
    ids = proposal_ids(ballot_round)
    voting.cast_ballot(ballot_round, world.member_a, [ids[0], ids[1]])
    peer = client_for(app, world.peer_a)
    url, membership = assist_url(world, ballot_round)
    page = peer.get(url, headers=EN).get_data(as_text=True)
    assert "has already voted themselves" in page and 'name="proposal"' not in page
    response = post_form(peer, url, {"member": membership.id, "proposal": [ids[2]]}, headers=EN)
    assert response.status_code == 400
    assert "Only they can change their ballot" in response.get_data(as_text=True)
    db.session.expire_all()
    assert voting.ballot_of(ballot_round, world.member_a).choices == [ids[0], ids[1]]


def test_the_database_refuses_it_even_past_the_check(world, ballot_round, monkeypatch):
    """Two requests at once: the helper's check ran before the member's ballot arrived."""
    ids = proposal_ids(ballot_round)
    voting.cast_ballot(ballot_round, world.member_a, [ids[0]])
    monkeypatch.setattr(voting, "cast_by_voter", lambda ballot: False)
    with pytest.raises(voting.BallotError) as refused:
        voting.cast_ballot(ballot_round, world.member_a, [ids[2]], assisted_by=world.peer_a)
    assert refused.value.code == "voted_themselves"
    db.session.expire_all()
    assert voting.ballot_of(ballot_round, world.member_a).choices == [ids[0]]


def test_an_earlier_assisted_ballot_may_be_replaced_and_the_page_says_by_whom(
    app, world, ballot_round
):
    ids = proposal_ids(ballot_round)
    voting.cast_ballot(ballot_round, world.member_a, [ids[0]], assisted_by=world.staff_a)
    peer = client_for(app, world.peer_a)
    url, membership = assist_url(world, ballot_round)
    page = peer.get(url, headers=EN).get_data(as_text=True)
    assert "was recorded by <bdi>Staff_A</bdi>" in page and "Choices of <bdi>Member_A</bdi>" in page
    assert post_form(peer, url, {"member": membership.id, "proposal": [ids[2]]}).status_code == 303
    db.session.expire_all()
    ballot = voting.ballot_of(ballot_round, world.member_a)
    assert ballot.choices == [ids[2]] and ballot.assisted_by_id == world.peer_a.id
    # The member may still change it themselves.
    voting.cast_ballot(ballot_round, world.member_a, [ids[1]])
    assert voting.ballot_of(ballot_round, world.member_a).assisted_by_id is None


# --- 4. Idempotency keys are scoped; run-schedules isolates failures --------------------------


@pytest.fixture
def money(world):
    fund(world.group_a, world.lead, 500_000)
    world.staff_a2 = add_staff("staff_a2", world.group_a)
    world.staff_a3 = add_staff("staff_a3", world.group_a)
    world.household = family(world.group_a, world.staff_a, world.member_a, children=2)
    return world


def a_plan(w, household=None):
    plan = payouts.create_payment_plan(
        w.group_a,
        actor=w.staff_a,
        household=household or w.household,
        per_child_ore=10_000,
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 5, 31),
        payment_day=20,
    )
    payouts.decide(plan, actor=w.staff_a2, approve=True, reason="Fast støtte")
    return plan


def test_a_client_key_shaped_like_a_plan_key_breaks_nothing(app, money):
    """The reviewer paid a payout with the key the schedule would later make for itself."""
    w = money
    plan = a_plan(w)
    payout = conditional(w.group_a, w.staff_a, w.household, 500)
    payouts.decide(payout, actor=w.staff_a2, approve=True, reason="Ja")
    payouts.pay(payout, actor=w.staff_a2, idempotency_key=f"plan-{plan.id}-2026-12-20")
    result = app.test_cli_runner().invoke(args=["run-schedules", "--today", "2026-12-21"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(PlanInstallment)) == 1
    assert payouts.ledger_problems() == []


def test_the_same_key_in_another_action_or_by_another_person_is_another_key(money):
    w = money
    first = conditional(w.group_a, w.staff_a, w.household, 500, idempotency_key="k" * 16)
    again = conditional(w.group_a, w.staff_a, w.household, 700, idempotency_key="k" * 16)
    assert again.id == first.id  # the same form sent twice
    other = conditional(w.group_a, w.staff_a2, w.household, 700, idempotency_key="k" * 16)
    assert other.id != first.id
    for payout in (first, other):
        payouts.decide(
            payout, actor=w.staff_a3, approve=True, reason="Ja", idempotency_key="k" * 16
        )
    assert {p.state for p in (db.session.get(PayoutRequest, first.id), other)} == {"approved"}


def test_a_reused_allocation_key_gives_the_first_result_never_a_500(app, money):
    w = money
    lead = client_for(app, w.lead)
    url = f"/groups/{w.group_a.id}/pot"
    form = {
        "idempotency_key": "reused-key-123",
        "amount": "1000",
        "funder": "Bufdir",
        "purpose": "Sommer",
        "starts_on": "2026-06-01",
        "ends_on": "2026-12-31",
    }
    assert post_form(lead, url, form).status_code == 303
    assert post_form(lead, url, {**form, "amount": "2000"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 2  # fund() + one
    # The same key once used for a payment, as the reviewer did: another action, no crash.
    payout = conditional(w.group_a, w.staff_a, w.household, 500)
    payouts.decide(payout, actor=w.staff_a2, approve=True, reason="Ja")
    payouts.pay(payout, actor=w.lead, idempotency_key="another-reused-key")
    assert (
        post_form(lead, url, {**form, "idempotency_key": "another-reused-key"}).status_code == 303
    )
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 3


def test_run_schedules_runs_every_plan_and_round_despite_one_failing(app, money):
    w = money
    other_household = family(w.group_a, w.staff_a, w.peer_a, children=1, label="Familie B")
    broken, healthy = a_plan(w), a_plan(w, other_household)
    # A fault in one plan's data: its monthly amount became zero, which the ledger refuses.
    db.session.execute(
        update(PayoutRequest).where(PayoutRequest.id == broken.id).values(monthly_ore=0)
    )
    db.session.commit()
    ended = voting_round(w, ballot_format="approval", costs=[10_000, 20_000])
    ended.voting_ends_at = ended.voting_starts_at + timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["run-schedules", "--today", "2026-12-21"])
    assert result.exit_code != 0
    assert f"Failed: payment plan {broken.id}" in result.output
    assert "1 monthly payment(s) made" in result.output
    paid = db.session.scalars(select(PlanInstallment.request_id)).all()
    assert paid == [healthy.id]
    assert voting.result_of(ended) is not None  # the round after the failure was counted
    assert payouts.ledger_problems() == []


# --- 5. Reset codes: only someone who outranks the account everywhere --------------------------


def reset_path(group, membership):
    return f"/groups/{group.id}/members/{membership.id}/reset-code"


def try_reset(client, group, target):
    membership = groups.membership_of(target, group)
    return post_form(client, reset_path(group, membership), {}, token_from=f"/groups/{group.id}")


def test_a_peer_cannot_take_over_a_peer_of_another_group(app, world):
    """The reviewer's path: a peer in B resets a member of B who is a peer in A."""
    dual = make_user("dual")
    add_to_group(dual, world.group_a, "peer")
    add_to_group(dual, world.group_b, "member")
    peer_b = make_user("peer_b")
    add_to_group(peer_b, world.group_b, "peer")
    client = client_for(app, peer_b)
    assert try_reset(client, world.group_b, dual).status_code == 404
    assert try_reset(client, world.group_b, world.member_b).status_code == 200
    page = client.get(f"/groups/{world.group_b.id}/members", headers=EN).get_data(as_text=True)
    assert page.count("Reset code") == 1
    # Staff of B don't outrank a peer of A either; the lead does.
    staff_b = client_for(app, world.staff_b)
    assert try_reset(staff_b, world.group_b, dual).status_code == 404
    assert try_reset(client_for(app, world.lead), world.group_b, dual).status_code == 200


def test_a_member_whose_household_gets_individual_payouts_gets_codes_from_staff(app, money):
    w = money
    conditional(w.group_a, w.staff_a, w.household, 500)
    assert try_reset(client_for(app, w.peer_a), w.group_a, w.member_a).status_code == 404
    assert try_reset(client_for(app, w.staff_a), w.group_a, w.member_a).status_code == 200


def test_staff_get_codes_from_the_lead_only_and_the_lead_from_the_server(app, world):
    colleague = add_staff("colleague", world.group_a)
    assert try_reset(client_for(app, world.staff_a), world.group_a, colleague).status_code == 404
    assert try_reset(client_for(app, world.peer_a), world.group_a, colleague).status_code == 404
    assert try_reset(client_for(app, world.lead), world.group_a, colleague).status_code == 200
    assert accounts.reset_code_problem(world.staff_a, world.lead) == "outranked"
    result = app.test_cli_runner().invoke(args=["reset-code", "lead"])
    assert result.exit_code == 0
    code = re.search(r"Reset code for lead: ([A-Z0-9]+)", result.output).group(1)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "password.reset_code_issued")
    ).all()[-1]
    assert event.actor_id is None and event.details == {"via": "command line"}
    assert event.subject_id == world.lead.id
    accounts.reset_password("lead", code, "the lead's new passphrase")
    assert db.session.scalar(select(ResetCode.used_at).where(ResetCode.user_id == world.lead.id))


# --- 7. No 500 on odd input ---------------------------------------------------------------------


def test_every_url_with_a_zero_id_is_a_404(app, world):
    budget_round = make_round(world)
    make_proposal(budget_round, world.member_a)
    client = client_for(app, world.lead)
    token = csrf_token(client, "/account")
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [
            name
            for name, conv in rule._converters.items()
            if type(conv).__name__.startswith("Bounded")
        ]
        if not ints:
            continue
        for zeroed in ints:
            values = {name: 1 for name in rule.arguments}
            values.update({name: budget_round.id for name in ("round_id",) if name in values})
            values[zeroed] = 0
            path = rule.rule
            for name, value in values.items():
                path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", str(value), path)
            path = re.sub(r"<any\([^)]*\):(\w+)>", "full", path)
            for method in ("GET", "POST") if "POST" in rule.methods else ("GET",):
                if method not in rule.methods:
                    continue
                response = client.open(path, method=method, data={"csrf_token": token})
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
    assert checked > 30


@pytest.mark.parametrize(
    "dates",
    [
        {"review_starts_on": "0001-01-01"},
        {"followup_starts_on": "9999-12-31"},
    ],
)
def test_a_round_with_dates_out_of_range_gets_a_form_error(app, world, dates):
    client = client_for(app, world.staff_a)
    url = f"/groups/{world.group_a.id}/rounds/new"
    form = {**round_form("1000", "Runde"), **dates}
    response = post_form(client, url, form, headers=EN)
    assert response.status_code in (200, 400)
    assert "Choose a date between" in response.get_data(as_text=True)


def test_a_plan_ending_in_9999_gets_a_form_error(app, money):
    client = client_for(app, money.staff_a)
    url = f"/groups/{money.group_a.id}/plans/new"
    response = post_form(
        client,
        url,
        {
            "household": money.household.id,
            "per_child": "1600",
            "starts_on": "2026-01-01",
            "ends_on": "9999-12-31",
            "payment_day": "20",
        },
        headers=EN,
    )
    assert response.status_code in (200, 400)
    assert "Choose a date between" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PayoutRequest)) == 0
    with pytest.raises(payouts.PayoutError):
        payouts.create_payment_plan(
            money.group_a,
            actor=money.staff_a,
            household=money.household,
            per_child_ore=100,
            starts_on=date(2026, 1, 1),
            ends_on=date(9999, 12, 31),
            payment_day=20,
        )


# --- 9. A TOTP code works once, even sent five times at once -----------------------------------


def test_a_totp_code_sent_in_parallel_is_accepted_once(app, world):
    code = totp_code(world.staff_a)
    user_id = world.staff_a.id
    results, barrier = [], threading.Barrier(5)

    def attempt():
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            results.append(accounts.verify_two_factor(user, code))
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, False, True]


# --- 10. A decision taken by staff can be changed by staff only ---------------------------------


def test_a_peer_cannot_restore_what_staff_decided_to_hide(app, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    case = moderation.escalate(proposal, actor=world.peer_a, message="Usikker")
    moderation.decide_case(case, actor=world.staff_a, outcome="hidden", note="Bryter reglene")
    peer = client_for(app, world.peer_a)
    response = post_form(
        peer,
        urls(proposal)["restore"],
        {"reason": "Jeg er uenig"},
        token_from=urls(proposal)["page"],
        headers=EN,
    )
    assert "only staff can change it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).is_hidden
    staff = client_for(app, world.staff_a)
    response = post_form(
        staff,
        urls(proposal)["restore"],
        {"reason": "Ny vurdering"},
        token_from=urls(proposal)["page"],
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert not db.session.get(Proposal, proposal.id).is_hidden


def test_a_peer_cannot_hide_a_comment_staff_decided_to_keep(world):
    from pb.proposals import services as proposals
    from pb.proposals.services import ProposalError

    proposal = make_proposal(make_round(world), world.member_a)
    comment = proposals.add_comment(proposal, author=world.member_a, body="Hei")
    case = moderation.escalate(proposal, actor=world.peer_a, message="?", comment=comment)
    moderation.decide_case(case, actor=world.staff_a, outcome="kept", note="Greit")
    with pytest.raises(ProposalError) as refused:
        moderation.hide_comment(comment, actor=world.peer_a, reason="Nei")
    assert refused.value.code == "staff_decided"
    moderation.hide_comment(comment, actor=world.staff_a, reason="Likevel")
    assert comment.is_hidden


# --- 11. Look-ups are throttled, and unknown usernames cost the same Argon2 work ---------------


def test_username_and_invite_look_ups_are_rate_limited(database_url, world):
    app = make_test_app(database_url, LOOKUP_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        for path in ("/join/check-username?username=abcd", "/join/WRONGCODE1234"):
            statuses = [client.get(path).status_code for _ in range(4)]
            assert statuses[-1] == 429 and 429 not in statuses[:3], (path, statuses)


def test_an_unknown_username_is_checked_against_a_hash_too(world, monkeypatch):
    from pb.accounts import passwords

    checked = []
    real = accounts.verify_password

    def counting(password_hash, password):
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    assert accounts.authenticate("nobody-by-this-name", "some password") is None
    assert checked == [passwords.dummy_hash()] and checked[0].startswith("$argon2")


# --- 12. Small points ---------------------------------------------------------------------------


def test_a_peer_no_longer_sees_a_draft_once_staff_submit_it(app, money):
    w = money
    draft = conditional(w.group_a, w.peer_a, w.household, 500)
    assert draft.state == "draft"
    peer = client_for(app, w.peer_a)
    page = f"/groups/{w.group_a.id}/payouts/{draft.id}"
    assert peer.get(page).status_code == 200
    payouts.submit_draft(draft, actor=w.staff_a)
    payouts.decide(draft, actor=w.staff_a2, approve=False, reason="Ikke nå")
    assert peer.get(page).status_code == 404
    listing = peer.get(f"/groups/{w.group_a.id}/payouts").get_data(as_text=True)
    assert "Sykkel" not in listing


def test_staff_see_only_their_own_groups_pots_the_lead_sees_all(app, world):
    fund(world.group_a, world.lead)
    fund(world.group_b, world.lead)
    path = f"/programmes/{world.programme.id}/pots"
    staff_page = client_for(app, world.staff_a).get(path).get_data(as_text=True)
    assert "Group A" in staff_page and "Group B" not in staff_page
    lead_page = client_for(app, world.lead).get(path).get_data(as_text=True)
    assert "Group A" in lead_page and "Group B" in lead_page


def charts_of(page: str) -> str:
    """The month-by-month charts (not the share of the pot left)."""
    figures = re.findall(r'<figure class="chart">.*?</figure>', page, flags=re.S)
    return "".join(f for f in figures if "month by month" in f or "måned for måned" in f)


def test_pot_charts_hide_cells_of_fewer_than_three_payouts(app, money):
    w = money
    payout = conditional(w.group_a, w.staff_a, w.household, 1234)
    payouts.decide(payout, actor=w.staff_a2, approve=True, reason="Ja")
    payouts.pay(payout, actor=w.staff_a2)
    member = client_for(app, w.member_a)
    page = member.get(f"/groups/{w.group_a.id}/pot").get_data(as_text=True)
    charts = charts_of(page)
    assert charts.count("<figure") == 2
    assert "1\u00a0234" not in charts and "data-suppressed" in charts and "<rect x" not in charts
    kinds = re.search(r'data-kind="conditional">(.*?)</tr>', page, flags=re.S).group(1)
    assert "data-suppressed" in kinds  # the type's total, of one payout, is hidden too
    for _ in range(2):
        more = conditional(w.group_a, w.staff_a, w.household, 1000)
        payouts.decide(more, actor=w.staff_a2, approve=True, reason="Ja")
        payouts.pay(more, actor=w.staff_a2)
    charts = charts_of(member.get(f"/groups/{w.group_a.id}/pot").get_data(as_text=True))
    assert "3\u00a0234" in charts and "data-suppressed" not in charts
