"""Peer moderation: every transition of a proposal, cost review, reports and auto-hiding, hiding a
comment, appeals and escalations, the queue, the audit log, and who may do each."""

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.notifications.models import Notification
from pb.proposals import moderation, services
from pb.proposals.models import Comment, ModerationCase, Proposal
from tests.conftest import csrf_token, post_form
from tests.factories import log_in
from tests.proposals_factories import (
    EN,
    fresh,
    make_proposal,
    make_round,
    more_members,
    set_phase,
    urls,
)

EDIT = {
    "title": "Kjøretimer for alle, med teori",
    "description": "Ti timer og teorikurs.",
    "estimated_cost": "24 000",
    "category": "driving_licence",
}


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def kinds_for(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    )


def as_user(client, user):
    other = client.application.test_client()
    log_in(other, user)
    return other


def test_request_changes_edit_confirm_cost_and_accept(client, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    u = urls(proposal)
    set_phase(budget_round, "review")
    peer, author, staff = (
        as_user(client, w) for w in (world.peer_a, world.member_a, world.staff_a)
    )

    response = post_form(
        peer, u["request_changes"], {"message": "Skriv hvor mange timer."}, token_from=u["page"]
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == "changes_requested"
    assert "proposals.changes_requested" in kinds_for(world.member_a)
    author_page = author.get(u["page"], headers=EN).get_data(as_text=True)
    assert "Skriv hvor mange timer." in author_page and "Change it" in author_page

    # Review has begun, but the author was asked for changes: the edit is allowed.
    assert post_form(author, u["edit"], EDIT).status_code == 303
    db.session.refresh(proposal)
    assert (proposal.status, len(proposal.versions)) == ("submitted", 2)

    # A peer consultant can't confirm the cost; accepting without it is refused.
    assert (
        post_form(peer, u["cost"], {"confirmed_cost": "22 000"}, token_from=u["page"]).status_code
        == 404
    )
    refused = post_form(peer, u["accept"], {}, token_from=u["page"], headers=EN)
    assert refused.status_code == 200 and "confirm the cost" in refused.get_data(as_text=True)
    assert fresh(Proposal, proposal.id).status == "submitted"

    assert (
        post_form(staff, u["cost"], {"confirmed_cost": "22 000"}, token_from=u["page"]).status_code
        == 303
    )
    db.session.refresh(proposal)
    assert (proposal.estimated_cost_ore, proposal.confirmed_cost_ore) == (24_000_00, 22_000_00)
    assert proposal.ballot_cost_ore == 22_000_00
    page = peer.get(u["page"], headers=EN).get_data(as_text=True)
    assert "NOK\xa024,000" in page and "NOK\xa022,000" in page  # the estimate stays visible

    assert post_form(peer, u["accept"], {}, token_from=u["page"]).status_code == 303
    db.session.refresh(proposal)
    assert proposal.on_ballot and services.ballot_proposals(budget_round) == [proposal]
    assert "proposals.accepted" in kinds_for(world.member_a)
    # Once accepted, the author can no longer change it.
    assert not services.can_edit(proposal, world.member_a)
    for action, actor in (
        ("proposal.changes_requested", world.peer_a),
        ("proposal.cost_confirmed", world.staff_a),
        ("proposal.accepted", world.peer_a),
    ):
        (event,) = audit(action)
        assert event.actor_id == actor.id and event.group_id == world.group_a.id
    assert audit("proposal.changes_requested")[0].why == "Skriv hvor mange timer."


def test_a_cost_above_the_round_cannot_be_confirmed_or_accepted(client, world):
    budget_round = make_round(world, amount_ore=30_000_00)
    proposal = make_proposal(budget_round, world.member_a)
    staff = as_user(client, world.staff_a)
    response = post_form(
        staff,
        urls(proposal)["cost"],
        {"confirmed_cost": "30,000.01"},  # as English writes it
        token_from=urls(proposal)["page"],
        headers=EN,
    )
    assert response.status_code == 200
    assert "more than the whole round" in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.confirmed_cost_ore is None
    # Even if the round shrinks after the cost was confirmed, acceptance re-checks it.
    moderation.confirm_cost(proposal, actor=world.staff_a, cost_ore=25_000_00)
    budget_round.amount_ore = 20_000_00
    db.session.commit()
    refused = post_form(
        staff, urls(proposal)["accept"], {}, token_from=urls(proposal)["page"], headers=EN
    )
    assert "more than the whole round" in refused.get_data(as_text=True)
    assert fresh(Proposal, proposal.id).status == "submitted"


def test_reject_with_a_reason_in_the_authors_language_then_appeal_and_staff_decide(client, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    u = urls(proposal)
    peer = as_user(client, world.peer_a)
    missing = post_form(
        peer, u["reject"], {"reason_code": "", "note": ""}, token_from=u["page"], headers=EN
    )
    assert "Please fill in" in missing.get_data(as_text=True)
    assert fresh(Proposal, proposal.id).status == "submitted"
    response = post_form(
        peer,
        u["reject"],
        {"reason_code": "not_for_group", "note": "Spør kommunen om dette."},
        token_from=u["page"],
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert (proposal.status, proposal.reject_reason) == ("rejected", "not_for_group")
    assert "proposals.rejected" in kinds_for(world.member_a)

    author = as_user(client, world.member_a)
    english = author.get(u["page"], headers=EN).get_data(as_text=True)
    assert "not something this group's money can pay for" in english
    assert "Spør kommunen om dette." in english and "Appeal to staff" in english

    # One tap: the appeal needs no text.
    assert post_form(author, u["appeal"], {}, token_from=u["page"]).status_code == 303
    (case,) = db.session.scalars(select(ModerationCase)).all()
    assert (case.kind, case.opened_by_id) == ("appeal", world.member_a.id)
    assert "proposals.appealed" in kinds_for(world.staff_a)
    again = post_form(author, u["appeal"], {}, token_from=u["page"], headers=EN)
    assert again.status_code == 303 and len(db.session.scalars(select(ModerationCase)).all()) == 1

    case_url = f"/groups/{world.group_a.id}/moderation/cases/{case.id}"
    assert peer.get(case_url).status_code == 200
    assert post_form(peer, case_url, {"outcome": "back_to_review", "note": "Ja"}).status_code == 404
    staff = as_user(client, world.staff_a)
    no_reason = post_form(staff, case_url, {"outcome": "back_to_review", "note": ""}, headers=EN)
    assert "Please fill in" in no_reason.get_data(as_text=True)
    assert (
        post_form(
            staff, case_url, {"outcome": "back_to_review", "note": "Dette kan potten betale."}
        ).status_code
        == 303
    )
    db.session.refresh(proposal)
    db.session.refresh(case)
    assert proposal.status == "submitted" and case.outcome == "back_to_review"
    assert "proposals.case_decided" in kinds_for(world.member_a)
    assert audit("case.decided")[0].reason == "Dette kan potten betale."
    assert audit("proposal.rejected")[0].actor_id == world.peer_a.id


def test_merge_into_a_duplicate(client, world):
    budget_round = make_round(world)
    original = make_proposal(budget_round, world.peer_a, title="Kjøretimer")
    duplicate = make_proposal(budget_round, world.member_a, title="Kjøretimer til alle")
    peer = as_user(client, world.peer_a)
    response = post_form(
        peer,
        urls(duplicate)["merge"],
        {"into": str(original.id), "merge_note": "Samme idé."},
        token_from=urls(duplicate)["page"],
    )
    assert response.status_code == 303
    db.session.refresh(duplicate)
    assert (duplicate.status, duplicate.merged_into_id) == ("merged", original.id)
    assert "proposals.merged" in kinds_for(world.member_a)
    author_page = as_user(client, world.member_a).get(urls(duplicate)["page"], headers=EN)
    assert "Merged into:" in author_page.get_data(as_text=True)
    # Merging into itself is refused.
    refused = post_form(
        peer,
        urls(original)["merge"],
        {"into": str(original.id)},
        token_from=urls(original)["page"],
        headers=EN,
    )
    assert refused.status_code == 200 and fresh(Proposal, original.id).status == "submitted"


MODERATION_POSTS = {
    "request_changes": {"message": "Endre"},
    "cost": {"confirmed_cost": "100"},
    "accept": {},
    "reject": {"reason_code": "other", "note": "x"},
    "merge": {"into": "1"},
    "restore": {"reason": "x"},
    "escalate": {"staff_message": "x"},
}


def test_a_plain_member_or_another_group_gets_404_for_every_moderation_action(client, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    other_proposal = make_proposal(budget_round, world.peer_a, title="Annen")
    comment = services.add_comment(proposal, author=world.peer_a, body="Hei")
    posts = {urls(proposal)[action]: data for action, data in MODERATION_POSTS.items()}
    posts[urls(proposal)["merge"]] = {"into": str(other_proposal.id)}
    posts[f"{urls(proposal)['comments']}/{comment.id}/hide"] = {"reason": "x"}
    posts[f"{urls(proposal)['comments']}/{comment.id}/restore"] = {"reason": "x"}
    clients = [(as_user(client, world.member_a), urls(proposal)["page"])] + [
        (as_user(client, outsider), f"/groups/{world.group_b.id}")
        for outsider in (world.member_b, world.staff_b)
    ]
    for user_client, token_page in clients:
        token = csrf_token(user_client, token_page)
        for path, data in posts.items():
            response = user_client.post(path, data={"csrf_token": token, **data})
            assert response.status_code == 404, path
    db.session.refresh(proposal)
    assert proposal.status == "submitted" and proposal.confirmed_cost_ore is None
    assert audit("proposal.accepted") == [] and audit("case.escalated") == []


def test_the_queue_is_for_peer_consultants_and_staff(client, world):
    budget_round = make_round(world)
    make_proposal(budget_round, world.member_a, title="Ny idé")
    queue_url = f"/groups/{world.group_a.id}/moderation"
    assert as_user(client, world.member_a).get(queue_url).status_code == 404
    assert as_user(client, world.staff_b).get(queue_url).status_code == 404
    for user in (world.peer_a, world.staff_a, world.lead):
        page = as_user(client, user).get(queue_url, headers=EN).get_data(as_text=True)
        assert "Ny idé" in page and "Waiting for review" in page


def test_moderation_stops_when_voting_starts(client, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    moderation.confirm_cost(proposal, actor=world.staff_a, cost_ore=10_000_00)
    set_phase(budget_round, "voting")
    peer = as_user(client, world.peer_a)
    response = post_form(
        peer, urls(proposal)["accept"], {}, token_from=urls(proposal)["page"], headers=EN
    )
    assert response.status_code == 200
    assert "voting has started" in response.get_data(as_text=True)
    assert fresh(Proposal, proposal.id).status == "submitted"


def test_three_reports_hide_a_comment_and_tell_its_author(client, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    comment = services.add_comment(proposal, author=world.member_a, body="Ring meg på 912 34 567")
    report_url = f"{urls(proposal)['comments']}/{comment.id}/report"
    reporters = more_members(world, 3)
    for number, reporter in enumerate(reporters):
        member = as_user(client, reporter)
        response = post_form(
            member, report_url, {"reason": "personal_info", "note": "Telefonnummer"}
        )
        assert response.status_code == 303
        db.session.refresh(comment)
        assert comment.is_hidden == (number == 2)
    assert "proposals.comment_hidden" in kinds_for(world.member_a)
    assert "proposals.queue_reported" in kinds_for(world.peer_a)
    again = post_form(member, report_url, {"reason": "spam"}, headers=EN)
    assert again.status_code == 200 and "already reported" in again.get_data(as_text=True)
    bad = post_form(as_user(client, world.peer_a), report_url, {"reason": "boring"}, headers=EN)
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)

    page = (
        as_user(client, reporters[0]).get(urls(proposal)["page"], headers=EN).get_data(as_text=True)
    )
    assert "hidden by a moderator" in page and "912 34 567" not in page
    queue = as_user(client, world.peer_a).get(f"/groups/{world.group_a.id}/moderation", headers=EN)
    assert "3 reports" in queue.get_data(as_text=True)
    assert len(audit("report.filed")) == 3 and len(audit("comment.auto_hidden")) == 1

    # The peer consultant decides the reports were unfounded after all.
    restore_url = f"{urls(proposal)['comments']}/{comment.id}/restore"
    peer = as_user(client, world.peer_a)
    assert (
        post_form(
            peer,
            restore_url,
            {"reason": "Nummeret er kommunens."},
            token_from=urls(proposal)["page"],
        ).status_code
        == 303
    )
    db.session.refresh(comment)
    assert not comment.is_hidden and moderation.open_report_count("comment", comment.id) == 0
    assert audit("comment.restored")[0].why == "Nummeret er kommunens."


def test_the_report_threshold_is_configurable_and_covers_proposals(client, world):
    budget_round = make_round(world, report_threshold=1)
    proposal = make_proposal(budget_round, world.member_a)
    peer = as_user(client, world.peer_a)
    assert post_form(peer, urls(proposal)["report"], {"reason": "offensive"}).status_code == 303
    db.session.refresh(proposal)
    assert proposal.is_hidden and services.ballot_proposals(budget_round) == []
    assert "proposals.proposal_hidden" in kinds_for(world.member_a)
    # Support and comments stop while it is hidden.
    author = as_user(client, world.member_a)
    response = post_form(
        author,
        urls(proposal)["comments"],
        {"body": "Hei"},
        token_from=urls(proposal)["page"],
        headers=EN,
    )
    assert "hidden while moderators look at it" in response.get_data(as_text=True)


def test_a_peer_consultant_hides_a_comment_with_a_reason(client, world):
    proposal = make_proposal(make_round(world), world.member_a)
    comment = services.add_comment(proposal, author=world.member_a, body="Stygt ord")
    hide_url = f"{urls(proposal)['comments']}/{comment.id}/hide"
    member = as_user(client, world.member_a)
    assert (
        post_form(member, hide_url, {"reason": "x"}, token_from=urls(proposal)["page"]).status_code
        == 404
    )
    peer = as_user(client, world.peer_a)
    no_reason = post_form(
        peer, hide_url, {"reason": ""}, token_from=urls(proposal)["page"], headers=EN
    )
    assert "Please fill in" in no_reason.get_data(as_text=True)
    assert not fresh(Comment, comment.id).is_hidden
    assert (
        post_form(
            peer, hide_url, {"reason": "Banning"}, token_from=urls(proposal)["page"]
        ).status_code
        == 303
    )
    db.session.refresh(comment)
    assert comment.is_hidden and comment.hidden_reason == "Banning"
    (event,) = audit("comment.hidden")
    assert (event.actor_id, event.reason, event.why) == (world.peer_a.id, None, "Banning")
    # The audit log is readable by peer consultants and staff, not by members.
    assert "Banning" in peer.get(f"/groups/{world.group_a.id}/moderation").get_data(as_text=True)
    assert "Banning" in peer.get(f"/groups/{world.group_a.id}/audit").get_data(as_text=True)
    assert member.get(f"/groups/{world.group_a.id}/audit").status_code == 404


def test_escalation_to_staff(client, world):
    proposal = make_proposal(make_round(world), world.member_a)
    comment = services.add_comment(proposal, author=world.member_a, body="Vanskelig sak")
    peer = as_user(client, world.peer_a)
    response = post_form(
        peer,
        urls(proposal)["escalate"],
        {"staff_message": "Jeg er usikker.", "comment_id": str(comment.id)},
        token_from=urls(proposal)["page"],
    )
    assert response.status_code == 303
    (case,) = db.session.scalars(select(ModerationCase)).all()
    assert (case.kind, case.comment_id) == ("escalation", comment.id)
    assert "proposals.escalated" in kinds_for(world.staff_a)
    case_url = f"/groups/{world.group_a.id}/moderation/cases/{case.id}"
    assert as_user(client, world.member_a).get(case_url).status_code == 404
    staff = as_user(client, world.staff_a)
    wrong = post_form(staff, case_url, {"outcome": "back_to_review", "note": "x"}, headers=EN)
    assert wrong.status_code == 200 and "Not a valid choice" in wrong.get_data(as_text=True)
    assert (
        post_form(staff, case_url, {"outcome": "hidden", "note": "Personangrep."}).status_code
        == 303
    )
    db.session.refresh(comment)
    assert comment.is_hidden and comment.hidden_reason == "Personangrep."
    assert "proposals.case_decided" in kinds_for(world.peer_a)
    assert audit("case.escalated")[0].why == "Jeg er usikker."


def test_the_moderation_panel_has_unique_ids_and_a_label_for_every_field(client, world):
    import re

    budget_round = make_round(world, report_threshold=1)
    proposal = make_proposal(budget_round, world.member_a)
    make_proposal(budget_round, world.peer_a, title="Annen")
    services.add_comment(proposal, author=world.member_a, body="Hei")
    moderation.file_report(proposal, reporter=world.peer_a, reason="spam", note="")
    for user in (world.staff_a, world.peer_a):
        page = as_user(client, user).get(urls(proposal)["page"]).get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        for field_id in re.findall(r'<(?:textarea|select|input)[^>]*\sid="([^"]+)"', page):
            assert f'for="{field_id}"' in page, field_id


def test_an_appeal_can_fail_and_only_one_per_decision(client, world):
    proposal = make_proposal(make_round(world), world.member_a)
    moderation.reject_proposal(proposal, actor=world.staff_a, reason_code="against_rules", note="")
    case = moderation.appeal(proposal, actor=world.member_a)
    staff = as_user(client, world.staff_a)
    case_url = f"/groups/{world.group_a.id}/moderation/cases/{case.id}"
    response = post_form(
        staff, case_url, {"outcome": "rejection_stands", "note": "Reglene er klare."}
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == "rejected"
    author = as_user(client, world.member_a)
    page = author.get(urls(proposal)["page"], headers=EN).get_data(as_text=True)
    assert "the decision stands" in page and "Appeal to staff" not in page
    post_form(author, urls(proposal)["appeal"], {}, token_from=urls(proposal)["page"])
    assert len(db.session.scalars(select(ModerationCase)).all()) == 1
    # Deciding twice is refused.
    again = post_form(staff, case_url, {"outcome": "back_to_review", "note": "x"}, headers=EN)
    assert "already decided" in again.get_data(as_text=True)


def test_staff_keep_an_escalated_hidden_proposal_visible(client, world):
    budget_round = make_round(world, report_threshold=1)
    proposal = make_proposal(budget_round, world.member_a)
    moderation.file_report(proposal, reporter=world.peer_a, reason="offensive", note="")
    db.session.refresh(proposal)
    assert proposal.is_hidden
    case = moderation.escalate(proposal, actor=world.peer_a, message="Er dette støtende?")
    staff = as_user(client, world.staff_a)
    case_url = f"/groups/{world.group_a.id}/moderation/cases/{case.id}"
    assert (
        post_form(staff, case_url, {"outcome": "kept", "note": "Ikke støtende."}).status_code == 303
    )
    db.session.refresh(proposal)
    assert not proposal.is_hidden and moderation.open_report_count("proposal", proposal.id) == 0
    assert "proposals.restored" in kinds_for(world.member_a)
    # Staff moderate too: they accept it once the cost is confirmed.
    post_form(
        staff,
        urls(proposal)["cost"],
        {"confirmed_cost": "15 000"},
        token_from=urls(proposal)["page"],
    )
    assert (
        post_form(
            staff, urls(proposal)["accept"], {}, token_from=urls(proposal)["page"]
        ).status_code
        == 303
    )
    assert fresh(Proposal, proposal.id).on_ballot


def test_a_peer_consultant_restores_a_reported_proposal(client, world):
    budget_round = make_round(world, report_threshold=1)
    proposal = make_proposal(budget_round, world.member_a)
    moderation.file_report(proposal, reporter=world.staff_a, reason="spam", note="")
    peer = as_user(client, world.peer_a)
    page = peer.get(urls(proposal)["page"], headers=EN).get_data(as_text=True)
    assert "1 open report" in page and "Hidden from members" in page
    response = post_form(
        peer, urls(proposal)["restore"], {"reason": "Ikke spam."}, token_from=urls(proposal)["page"]
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert not proposal.is_hidden
    (event,) = audit("proposal.restored")
    assert (event.actor_id, event.reason, event.why) == (world.peer_a.id, None, "Ikke spam.")


def test_script_in_translations_reports_messages_and_reasons_is_inert(client, world):
    evil = "<script>alert(1)</script>"
    proposal = make_proposal(make_round(world), world.member_a)
    services.save_translation(
        proposal, actor=world.peer_a, language="en", title=evil, description=evil
    )
    moderation.file_report(proposal, reporter=world.staff_a, reason="other", note=evil)
    moderation.request_changes(proposal, actor=world.peer_a, message=evil)
    moderation.escalate(proposal, actor=world.peer_a, message=evil)
    peer = as_user(client, world.peer_a)
    english = as_user(client, world.member_a)
    for user_client, path in (
        (english, urls(proposal)["page"]),
        (peer, f"/groups/{world.group_a.id}/moderation"),
        (english, "/notifications"),
    ):
        page = user_client.get(path, headers=EN).get_data(as_text=True)
        assert evil not in page, path
        assert "&lt;script&gt;" in page, path
