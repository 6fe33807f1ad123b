"""Discussion: comments and one level of replies, inline with htmx or as plain forms; support;
the 15-minute edit window; removed stubs; the polled partial."""

from datetime import timedelta

from sqlalchemy import func, select

from pb.extensions import db
from pb.notifications.models import Notification
from pb.proposals import services
from pb.proposals.models import Comment, Support
from tests.conftest import post_form
from tests.factories import log_in
from tests.proposals_factories import EN, make_proposal, make_round, more_members, urls

HTMX = {"HX-Request": "true"}


def comment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def kinds_for(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_comment_and_reply_with_plain_forms(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    login(world.peer_a)
    response = post_form(
        client,
        urls(proposal)["comments"],
        {"body": "Hvor mange timer?"},
        token_from=urls(proposal)["page"],
    )
    assert response.status_code == 303 and "#comment-" in response.location
    first = db.session.scalar(select(Comment))
    author = client.application.test_client()
    log_in(author, world.member_a)
    reply = post_form(
        author,
        urls(proposal)["comments"],
        {"body": "Ti hver.", "parent_id": str(first.id)},
        token_from=urls(proposal)["page"],
    )
    assert reply.status_code == 303
    # A reply to a reply joins the same thread: one level only.
    second = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    post_form(
        client,
        urls(proposal)["comments"],
        {"body": "Takk!", "parent_id": str(second.id)},
        token_from=urls(proposal)["page"],
    )
    replies = db.session.scalars(select(Comment).where(Comment.parent_id.is_not(None))).all()
    assert {r.parent_id for r in replies} == {first.id} and len(replies) == 2
    assert "proposals.comment" in kinds_for(world.member_a)
    assert "proposals.reply" in kinds_for(world.peer_a)
    page = client.get(urls(proposal)["page"], headers=EN).get_data(as_text=True)
    assert page.index("Hvor mange timer?") < page.index("Ti hver.") < page.index("Takk!")


def test_comment_inline_with_htmx_returns_the_partial(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    login(world.peer_a)
    response = post_form(
        client,
        urls(proposal)["comments"],
        {"body": "<b>Bra</b> idé"},
        token_from=urls(proposal)["page"],
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="comments"') and "<html" not in html
    assert "&lt;b&gt;Bra&lt;/b&gt; idé" in html and "<b>Bra</b>" not in html
    # The polled partial, and a plain GET that goes back to the page.
    polled = client.get(urls(proposal)["comments"], headers=HTMX)
    assert polled.status_code == 200 and 'hx-trigger="fp-poll"' in polled.get_data(as_text=True)
    assert client.get(urls(proposal)["comments"]).status_code == 303


def test_empty_or_too_long_comments_are_refused(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    login(world.peer_a)
    for body, message in (("  ", "Please fill in this field"), ("x" * 2001, "at most 2000")):
        response = post_form(
            client,
            urls(proposal)["comments"],
            {"body": body},
            token_from=urls(proposal)["page"],
            headers=EN,
        )
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert comment_count() == 0


def test_no_comment_on_a_hidden_proposal(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    login(world.peer_a)
    token_page = urls(proposal)["page"]
    from tests.conftest import csrf_token

    token = csrf_token(client, token_page)
    proposal.hidden_at = proposal.created_at
    db.session.commit()
    response = client.post(
        urls(proposal)["comments"], data={"csrf_token": token, "body": "Hei"}, headers=EN
    )
    assert response.status_code == 200
    assert "hidden while moderators look at it" in response.get_data(as_text=True)
    assert comment_count() == 0
    # A plain member who is not the author doesn't see a hidden proposal's content at all.
    member = client.application.test_client()
    log_in(member, more_members(world, 1)[0])
    page = member.get(token_page, headers=EN).get_data(as_text=True)
    assert "Hidden proposal" in page and "Ti kjøretimer" not in page
    assert member.get(urls(proposal)["versions"]).status_code == 404


def test_the_author_edits_a_comment_for_15_minutes(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    comment = services.add_comment(proposal, author=world.peer_a, body="Første")
    login(world.peer_a)
    edit_url = f"{urls(proposal)['comments']}/{comment.id}/edit"
    assert post_form(client, edit_url, {"body": "Rettet"}).status_code == 303
    db.session.refresh(comment)
    assert comment.body == "Rettet" and comment.edited_at is not None
    comment.created_at -= timedelta(minutes=16)
    db.session.commit()
    response = post_form(
        client, edit_url, {"body": "For sent"}, token_from=urls(proposal)["page"], headers=EN
    )
    assert response.status_code == 200 and "first 15 minutes" in response.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.body == "Rettet"
    # Someone else's comment: not theirs to edit.
    other = client.application.test_client()
    log_in(other, world.member_a)
    assert other.get(edit_url).status_code == 404


def test_a_deleted_comment_leaves_a_stub_and_its_replies(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    comment = services.add_comment(proposal, author=world.peer_a, body="Hemmelig tekst")
    services.add_comment(proposal, author=world.member_a, body="Svar som blir", parent=comment)
    login(world.peer_a)
    delete_url = f"{urls(proposal)['comments']}/{comment.id}/delete"
    assert post_form(client, delete_url, {}, token_from=urls(proposal)["page"]).status_code == 303
    page = client.get(urls(proposal)["page"], headers=EN).get_data(as_text=True)
    assert "This comment was removed." in page and "Hemmelig tekst" not in page
    assert "Svar som blir" in page
    other = client.application.test_client()
    log_in(other, world.member_a)
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == comment.id)).one()
    other_delete = f"{urls(proposal)['comments']}/{reply.id}/delete"
    assert (
        post_form(
            other,
            f"{urls(proposal)['comments']}/{comment.id}/delete",
            {},
            token_from=urls(proposal)["page"],
        ).status_code
        == 404
    )
    assert post_form(other, other_delete, {}, token_from=urls(proposal)["page"]).status_code == 303


def test_support_is_one_per_member_and_counted(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    login(world.peer_a)
    for _ in range(2):
        response = post_form(
            client, urls(proposal)["support"], {"support": "1"}, token_from=urls(proposal)["page"]
        )
        assert response.status_code == 303
    assert services.support_count(proposal) == 1
    partial = post_form(
        client,
        urls(proposal)["support"],
        {"support": "0"},
        token_from=urls(proposal)["page"],
        headers={**HTMX, **EN},
    )
    html = partial.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="support"') and "0 supporters" in html
    assert db.session.scalar(select(func.count()).select_from(Support)) == 0
    post_form(
        client, urls(proposal)["support"], {"support": "1"}, token_from=urls(proposal)["page"]
    )
    page = client.get(urls(proposal)["page"], headers=EN).get_data(as_text=True)
    assert "1 supporter" in page and 'aria-pressed="true"' in page


def test_another_groups_member_sees_and_does_nothing(client, login, world):
    proposal = make_proposal(make_round(world), world.member_a)
    comment = services.add_comment(proposal, author=world.peer_a, body="Hei")
    login(world.member_a)
    token_page = urls(proposal)["page"]
    from tests.conftest import csrf_token

    outsider = client.application.test_client()
    log_in(outsider, world.member_b)
    token = csrf_token(outsider, f"/groups/{world.group_b.id}")
    for path, data in (
        (urls(proposal)["comments"], {"body": "Hei"}),
        (urls(proposal)["support"], {"support": "1"}),
        (urls(proposal)["report"], {"reason": "spam"}),
        (f"{urls(proposal)['comments']}/{comment.id}/report", {"reason": "spam"}),
    ):
        assert outsider.post(path, data={"csrf_token": token, **data}).status_code == 404
    for path in (token_page, urls(proposal)["versions"], urls(proposal)["comments"]):
        assert outsider.get(path).status_code == 404
    assert comment_count() == 1 and services.support_count(proposal) == 0


def test_a_members_proposals_comments_and_support_are_in_their_data_export(world):
    from pb.accounts.services import export_user_data

    proposal = make_proposal(make_round(world), world.member_a)
    services.add_comment(proposal, author=world.member_a, body="Min kommentar")
    services.set_support(proposal, world.member_a, support=True)
    mine = export_user_data(world.member_a)["proposals"]
    assert mine["proposals"][0]["title"] == "Kjøretimer for alle"
    assert mine["comments"][0]["text"] == "Min kommentar"
    assert mine["supported"] == ["Kjøretimer for alle"]


def test_every_page_renders_for_the_people_who_use_it(client, world):
    from pb.proposals import moderation

    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    comment = services.add_comment(proposal, author=world.member_a, body="Hei")
    case = moderation.escalate(proposal, actor=world.peer_a, message="Se på dette")
    u = urls(proposal)
    group = f"/groups/{world.group_a.id}"
    author = client.application.test_client()
    log_in(author, world.member_a)
    for path in (
        f"{group}/rounds",
        f"{group}/rounds/{budget_round.id}",
        f"{group}/rounds/{budget_round.id}/proposals/new",
        u["page"],
        u["page"] + "?original=1",
        u["edit"],
        u["versions"],
        u["translate"],
        f"{u['comments']}/{comment.id}/edit",
    ):
        assert author.get(path, headers=EN).status_code == 200, path
    peer = client.application.test_client()
    log_in(peer, world.peer_a)
    for path in (
        u["report"],
        f"{u['comments']}/{comment.id}/report",
        f"{group}/moderation",
        f"{group}/moderation/cases/{case.id}",
        f"{group}/rounds/new",
    ):
        assert peer.get(path, headers=EN).status_code == 200, path
