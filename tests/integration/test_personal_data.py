"""A person's data (security review, finding 8): the export holds everything Fellespott keeps
about them, and deleting the account leaves none of their words or files in any table.

One member does one of everything, each text carrying a marker. The export must show every
marker; after deletion, no column of any table may hold one, the photo files are gone, and the
ledger still balances with the amounts in place.
"""

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import JSON, LargeBinary, String, Text, func, select, update

from pb.accounts import services as accounts
from pb.audit.models import AuditEvent, AuditNote
from pb.extensions import db
from pb.groups import services as groups
from pb.groups.models import Membership
from pb.notifications.models import Notification
from pb.payouts import services as payouts
from pb.payouts.models import LedgerEntry, PayoutReceipt, PayoutRequest
from pb.proposals import moderation, photos
from pb.proposals import services as proposals
from pb.voting import services as voting
from tests.factories import PASSWORD, add_to_group
from tests.integration.test_payouts_pipeline import add_staff, conditional, fund
from tests.proposals_factories import make_round, set_phase

M = "ZQX"  # every marker starts with this, and nothing else in the database does


def marker(name: str) -> str:
    return f"{M}-{name}"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def everything(app, world, tmp_path):
    """member_a does one of everything; peer_a and staff react, as in real use."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    w = world
    user = w.member_a
    accounts.update_profile(
        user,
        display_name=marker("name"),
        email=f"{M.lower()}-mail@example.org",
        phone="+47 912 99 888",
        locale="nb",
    )
    fund(w.group_a, w.lead, 500_000)
    staff_a2 = add_staff("staff_a2", w.group_a)
    household = groups.save_household(
        w.group_a,
        actor=w.staff_a,
        label="Familie 7",
        birth_years=[2016],
        member_ids=[groups.membership_of(user, w.group_a).id],
    )
    # As a peer consultant in group B they moderate, with words of their own.
    add_to_group(user, w.group_b, "peer")

    budget_round = make_round(w)
    photo = photos.prepare_photo(io.BytesIO(jpeg()))
    proposal = proposals.create_proposal(
        budget_round,
        author=user,
        title=marker("title-1"),
        description=marker("description-1"),
        category="equipment",
        estimated_cost_ore=20_000_00,
        language="nb",
        photo=photo,
    )
    proposals.edit_proposal(
        proposal,
        actor=user,
        title=marker("title-2"),
        description=marker("description-2"),
        category="equipment",
        estimated_cost_ore=20_000_00,
    )
    proposals.save_translation(
        proposal,
        actor=w.peer_a,
        language="ar",
        title=marker("translated-title"),
        description=marker("translated-text"),
    )
    other = proposals.create_proposal(
        budget_round,
        author=w.peer_a,
        title="Tur til Oppdal",
        description="En helg",
        category="trip",
        estimated_cost_ore=10_000_00,
        language="nb",
    )
    proposals.add_comment(other, author=user, body=marker("comment"))
    moderation.file_report(other, reporter=user, reason="spam", note=marker("report-note"))
    rejected = proposals.create_proposal(
        budget_round,
        author=user,
        title=marker("title-rejected"),
        description=marker("description-rejected"),
        category="trip",
        estimated_cost_ore=10_000_00,
        language="nb",
    )
    moderation.reject_proposal(rejected, actor=w.peer_a, reason_code="not_allowed", note="Nei")
    moderation.appeal(rejected, actor=user, message=marker("appeal"))

    # In group B, as a peer: a request for changes and a restored comment, both with reasons.
    round_b = make_round(w, group=w.group_b, actor=w.staff_b)
    theirs = proposals.create_proposal(
        round_b,
        author=w.member_b,
        title="Fotballtrening",
        description="Baner",
        category="other",
        estimated_cost_ore=5_000_00,
        language="nb",
    )
    moderation.request_changes(theirs, actor=user, message=marker("moderator-message"))
    comment_b = proposals.add_comment(theirs, author=w.member_b, body="Hei")
    moderation.hide_comment(comment_b, actor=user, reason=marker("hide-reason"))
    moderation.restore(comment_b, actor=user, reason=marker("restore-reason"))

    # Their proposal wins and is paid as a collective payout: its title is on the ledger.
    set_phase(budget_round, "review")
    moderation.confirm_cost(proposal, actor=w.staff_a, cost_ore=proposal.estimated_cost_ore)
    moderation.accept_proposal(proposal, actor=w.peer_a)
    set_phase(budget_round, "voting")
    db.session.execute(update(Membership).values(joined_at=budget_round.review_starts_at))
    db.session.commit()
    voting.cast_ballot(budget_round, user, [proposal.id])
    voting.count_round(budget_round, actor=w.staff_a)
    voting.publish_results(budget_round, actor=w.staff_a)
    collective = db.session.scalar(
        select(PayoutRequest).where(PayoutRequest.source_proposal_id == proposal.id)
    )
    payouts.decide(collective, actor=staff_a2, approve=True, reason="Vedtatt i runden")
    payouts.pay(collective, actor=staff_a2)

    # A conditional payout to their household, a complaint, and a receipt they chose to add.
    private = conditional(w.group_a, w.staff_a, household, 2_000)
    payouts.decide(private, actor=staff_a2, approve=False, reason="Ikke nå, søk i mars")
    payouts.file_complaint(private, actor=user, text=marker("complaint"))
    granted = conditional(w.group_a, w.staff_a, household, 1_000, title="Vinterjakke")
    payouts.decide(granted, actor=staff_a2, approve=True, reason="Ja")
    payouts.attach_receipt(granted, actor=user, stream=io.BytesIO(jpeg()))
    w.granted = granted
    w.to_youth = conditional(w.group_a, w.staff_a, None, 500, title="Førerkort", recipient=user)
    from pb.glossary.services import report_word

    report_word(user, language="nb", word=marker("wrong-word"), better=marker("better-word"))
    w.proposal, w.collective, w.private = proposal, collective, private
    w.photo_names = (proposal.photo_name, proposal.thumbnail_name)
    return w


def markers_in(value) -> set[str]:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    found, start = set(), 0
    while (index := text.find(M, start)) >= 0:
        end = index
        while end < len(text) and (text[end].isalnum() or text[end] in "-_"):
            end += 1
        found.add(text[index:end])
        start = end
    return found


EXPECTED = {
    "name",
    "title-1",
    "title-2",
    "description-1",
    "description-2",
    "translated-title",
    "translated-text",
    "comment",
    "report-note",
    "title-rejected",
    "description-rejected",
    "appeal",
    "moderator-message",
    "hide-reason",
    "restore-reason",
    "complaint",
    "wrong-word",
    "better-word",
}


def test_the_export_holds_everything_about_the_person(everything):
    user = everything.member_a
    data = accounts.export_user_data(user)
    found = markers_in(data)
    assert {marker(name) for name in EXPECTED} <= found, EXPECTED - {
        f.removeprefix(f"{M}-") for f in found
    }
    assert data["profile"]["email"].startswith(M.lower())
    assert data["profile"]["phone"] == "+4791299888"  # stored in one form
    assert data["log_ins"] == [] or all("device" in s for s in data["log_ins"])
    payouts_part = data["payouts"]
    mine = {p["title"]: p for p in payouts_part["payouts_to_you_or_your_household"]}
    assert mine["Sykkel"]["decisions"][0]["reason"] == "Ikke nå, søk i mars"
    assert payouts_part["receipts"][0]["jpeg_base64"]
    assert payouts_part["complaints"][0]["text"] == marker("complaint")
    assert len(data["notifications"]) > 0
    assert all(n["text"] for n in data["notifications"])


def every_text_in_the_database() -> list[tuple[str, str, object]]:
    """(table, column, value) for every text, JSON and binary value in every table."""
    values = []
    for table in db.metadata.sorted_tables:
        columns = [
            c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)
        ]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    values.append((table.name, column.name, value))
    return values


def test_deleting_the_account_leaves_none_of_their_words_or_files(everything, app):
    w = everything
    user = w.member_a
    receipt_bytes = db.session.scalar(select(PayoutReceipt.image))
    before = payouts.balances(payouts.pot_for_group(w.group_a))
    entries_before = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    others_notifications = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id != user.id)
    )

    accounts.delete_account(user, PASSWORD)
    db.session.expire_all()

    left = []
    for table, column, value in every_text_in_the_database():
        if isinstance(value, bytes):
            if value == receipt_bytes or M.encode() in value:
                left.append((table, column, "bytes"))
        else:
            as_text = value if isinstance(value, str) else json.dumps(value)
            if M in as_text or M.lower() in as_text or "912 99 888" in as_text:
                left.append((table, column, value))
    assert left == []

    folder = Path(app.config["UPLOAD_FOLDER"]) / "proposals"
    assert not any((folder / name).exists() for name in w.photo_names)
    assert db.session.scalar(select(func.count()).select_from(PayoutReceipt)) == 0
    mine = select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
    assert db.session.scalar(mine) == 0
    # Other people keep their notifications, only without the member's words.
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id != user.id)
        )
        == others_notifications
    )
    notes = db.session.scalars(select(AuditNote).where(AuditNote.author_id == user.id)).all()
    assert notes and all(n.text == "" and n.erased_at for n in notes)

    # The money is whole: same entries, same balances, the ledger checks out.
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == entries_before
    assert payouts.balances(payouts.pot_for_group(w.group_a)) == before
    assert payouts.ledger_problems() == []
    collective = db.session.get(PayoutRequest, w.collective.id)
    assert collective.amount_ore == w.proposal.estimated_cost_ore and collective.state == "paid"
    # Staff's reasons stay, as the municipality's record.
    assert "Ikke nå, søk i mars" in {
        d.reason for d in db.session.get(PayoutRequest, w.private.id).decisions
    }
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "account.deleted"))


def test_pages_show_the_deleted_person_as_deleted_member(everything, client):
    from tests.factories import log_in

    w = everything
    accounts.delete_account(w.member_a, PASSWORD)
    log_in(client, w.staff_a)
    for request in (w.private, w.collective, w.granted, w.to_youth):
        page = client.get(
            f"/groups/{w.group_a.id}/payouts/{request.id}", headers={"Accept-Language": "en"}
        ).get_data(as_text=True)
        assert M not in page
    assert "Deleted member" in page  # the youth the money was for
