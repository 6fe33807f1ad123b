"""Proposals: making one, every kind of bad input, the limit, versions, translations and photos."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.notifications.models import Notification
from pb.proposals import photos
from pb.proposals.models import Proposal, ProposalVersion
from tests.conftest import post_form
from tests.factories import log_in
from tests.proposals_factories import EN, make_proposal, make_round, set_phase, urls

GOOD = {
    "title": "Kjøretimer for alle",
    "description": "Ti timer hver.\nVi har ikke råd selv.",
    "estimated_cost": "25 000",
    "category": "driving_licence",
    "language": "nb",
}


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads" / "proposals"


def new_url(budget_round) -> str:
    return f"/groups/{budget_round.group_id}/rounds/{budget_round.id}/proposals/new"


def proposals_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Proposal))


def jpeg_with_gps(size=(2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (63.0, 25.0, 50.0)  # Trondheim
    gps[3] = "E"
    gps[4] = (10.0, 23.0, 40.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_member_proposes_and_the_peer_consultants_are_told(client, login, world):
    budget_round = make_round(world)
    login(world.member_a)
    response = post_form(client, new_url(budget_round), GOOD)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.author_id, proposal.status) == (world.member_a.id, "submitted")
    assert proposal.estimated_cost_ore == 25_000_00 and proposal.confirmed_cost_ore is None
    assert [v.number for v in proposal.versions] == [1]
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "proposals.queue_new")
    )
    assert {n.user_id for n in told} == {world.peer_a.id, world.staff_a.id}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.created"))
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "Kjøretimer for alle" in page and "Waiting for review" in page
    assert "Ti timer hver.\nVi har ikke råd selv." in page  # line breaks kept, as text


def test_html_and_script_in_every_field_are_inert_text(client, login, world):
    budget_round = make_round(world)
    login(world.member_a)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = post_form(
        client, new_url(budget_round), {**GOOD, "title": evil[:120], "description": evil}
    )
    assert response.status_code == 303
    proposal = db.session.scalar(select(Proposal))
    for path in (
        urls(proposal)["page"],
        urls(proposal)["versions"],
        f"/groups/{world.group_a.id}/rounds/{budget_round.id}",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page


BAD_PROPOSALS = [
    ("title", "", "Please fill in this field"),
    ("title", "   ", "Please fill in this field"),
    ("title", "x" * 121, "at most 120 characters"),
    ("description", "", "Please fill in this field"),
    ("description", "x" * 5001, "at most 5000 characters"),
    ("estimated_cost", "0", "more than zero"),
    ("estimated_cost", "-100", "can't be negative"),
    ("estimated_cost", "mye", "in numbers"),
    ("estimated_cost", "100.555", "two decimals"),
    ("estimated_cost", "", "Please write an amount"),
    ("estimated_cost", "100 001", "more than the whole round"),
    ("category", "weapons", "Not a valid choice"),
]


def test_bad_proposals_are_refused_with_a_message(client, login, world):
    budget_round = make_round(world)
    login(world.member_a)
    for field, value, message in BAD_PROPOSALS:
        response = post_form(client, new_url(budget_round), {**GOOD, field: value}, headers=EN)
        assert response.status_code == 200, (field, value)
        assert message in response.get_data(as_text=True), (field, value)
    assert proposals_count() == 0


def test_no_proposals_after_the_ideas_phase(client, login, world):
    budget_round = make_round(world)
    login(world.member_a)
    round_page = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    for phase in ("review", "voting", "results", "followup"):
        set_phase(budget_round, phase)
        response = post_form(client, new_url(budget_round), GOOD, token_from=round_page, headers=EN)
        assert response.status_code == 200, phase
        assert "only be made while the round collects ideas" in response.get_data(as_text=True)
    assert proposals_count() == 0


def test_the_per_round_limit(client, login, world):
    budget_round = make_round(world, proposal_limit=2)
    login(world.member_a)
    for number in range(2):
        response = post_form(client, new_url(budget_round), {**GOOD, "title": f"Idé {number}"})
        assert response.status_code == 303
    round_page = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    response = post_form(client, new_url(budget_round), GOOD, token_from=round_page, headers=EN)
    assert response.status_code == 200
    assert "as many proposals as this round allows (2)" in response.get_data(as_text=True)
    assert proposals_count() == 2
    # Someone else still has all their places.
    other = client.application.test_client()
    log_in(other, world.peer_a)
    assert post_form(other, new_url(budget_round), GOOD).status_code == 303


def test_the_author_edits_and_every_version_is_kept(client, login, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    login(world.member_a)
    response = post_form(
        client,
        urls(proposal)["edit"],
        {**GOOD, "title": "Kjøretimer og teori", "estimated_cost": "30 000"},
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.title == "Kjøretimer og teori" and proposal.estimated_cost_ore == 30_000_00
    versions = db.session.scalars(select(ProposalVersion).order_by(ProposalVersion.number)).all()
    assert [(v.number, v.title) for v in versions] == [
        (1, "Kjøretimer for alle"),
        (2, "Kjøretimer og teori"),
    ]
    page = client.get(urls(proposal)["versions"], headers=EN).get_data(as_text=True)
    assert "Version 1" in page and "Version 2" in page and "Kjøretimer for alle" in page
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "proposals.queue_edited")
        )
        == 2
    )


def test_only_the_author_edits_and_not_after_review_began(client, login, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    login(world.peer_a)
    assert client.get(urls(proposal)["edit"]).status_code == 404
    other = client.application.test_client()
    log_in(other, world.member_b)
    assert other.get(urls(proposal)["edit"]).status_code == 404

    set_phase(budget_round, "review")
    author = client.application.test_client()
    log_in(author, world.member_a)
    response = post_form(
        author,
        urls(proposal)["edit"],
        {**GOOD, "title": "For sent"},
        token_from=urls(proposal)["page"],
        headers=EN,
    )
    assert response.status_code == 200
    assert "can no longer be changed" in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.title == "Kjøretimer for alle" and len(proposal.versions) == 1


def test_a_translation_is_shown_first_with_a_switch_to_the_original(client, login, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.member_a)
    login(world.peer_a)
    response = post_form(
        client,
        urls(proposal)["translate"],
        {"language": "ar", "title": "دروس القيادة للجميع", "description": "عشر ساعات لكل واحد."},
    )
    assert response.status_code == 303
    world.member_a.locale = "ar"
    db.session.commit()
    reader = client.application.test_client()
    log_in(reader, world.member_a)
    page = reader.get(urls(proposal)["page"]).get_data(as_text=True)
    assert "دروس القيادة للجميع" in page and "original=1" in page
    assert 'dir="rtl"' in page
    original = reader.get(urls(proposal)["page"] + "?original=1").get_data(as_text=True)
    assert "Ti kjøretimer til hver av oss." in original
    # A Norwegian reader sees the original, with no switch.
    nb_reader = client.application.test_client()
    log_in(nb_reader, world.staff_a)
    assert "original=1" not in nb_reader.get(urls(proposal)["page"]).get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.translated"))


def test_a_plain_member_who_is_not_the_author_cannot_translate(client, login, world):
    budget_round = make_round(world)
    proposal = make_proposal(budget_round, world.peer_a)
    login(world.member_a)
    assert client.get(urls(proposal)["translate"]).status_code == 404


def test_a_photo_is_re_encoded_resized_and_stripped_of_gps(client, login, world, uploads):
    budget_round = make_round(world)
    login(world.member_a)
    response = post_form(
        client,
        new_url(budget_round),
        {**GOOD, "photo": (io.BytesIO(jpeg_with_gps()), "ferie.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    proposal = db.session.scalar(select(Proposal))
    assert proposal.photo_name and "ferie" not in proposal.photo_name
    served = client.get(urls(proposal)["photo"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(served.data)) as image:
        assert max(image.size) == 1600
        assert not image.getexif() and "exif" not in image.info
    with Image.open(io.BytesIO(client.get(urls(proposal)["thumb"]).data)) as thumb:
        assert max(thumb.size) == 400
    assert sorted(p.name for p in uploads.iterdir()) == sorted(
        [proposal.photo_name, proposal.thumbnail_name, photos.medium_name(proposal.photo_name)]
    )
    with Image.open(io.BytesIO(client.get(urls(proposal)["page"] + "/photo/medium").data)) as mid:
        assert max(mid.size) == 800
    # Another group's member can't fetch it.
    other = client.application.test_client()
    log_in(other, world.member_b)
    assert other.get(urls(proposal)["photo"]).status_code == 404


def _truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((300, 300), 60).convert("RGB").save(out, format="JPEG")
    data = out.getvalue()
    return data[: len(data) // 2]


def test_bad_photos_are_refused(client, login, world, uploads):
    budget_round = make_round(world)
    login(world.member_a)
    for content, name, message in (
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "big.jpg", "too large"),
        (b"GIF89a" + b"\x00" * 100, "anim.gif", "JPEG, PNG or WebP"),
        (b"<?php echo 'hi'; ?>", "photo.jpg", "JPEG, PNG or WebP"),
        (_truncated_jpeg(), "broken.jpg", "could not be read"),
    ):
        response = post_form(
            client,
            new_url(budget_round),
            {**GOOD, "photo": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
            headers=EN,
        )
        assert response.status_code == 200, name
        assert message in response.get_data(as_text=True), name
    assert proposals_count() == 0
    assert not uploads.exists() or not list(uploads.iterdir())


def test_a_real_gif_is_refused(client, login, world):
    budget_round = make_round(world)
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    login(world.member_a)
    response = post_form(
        client,
        new_url(budget_round),
        {**GOOD, "photo": (io.BytesIO(out.getvalue()), "photo.png")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert "JPEG, PNG or WebP" in response.get_data(as_text=True)
    assert proposals_count() == 0


def test_a_large_photo_is_refused_in_the_form_which_keeps_what_was_typed(client, login, world):
    """A 9 MB photo (above the 5 MB limit, below the 20 MB hard limit) reaches the form: it is
    refused beside the field, and the title and text stay as typed."""
    budget_round = make_round(world)
    login(world.member_a)
    response = post_form(
        client,
        new_url(budget_round),
        {**GOOD, "photo": (io.BytesIO(b"\xff\xd8" + b"0" * (9 * 1024 * 1024)), "big.jpg")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert "under 5 MB" in page and GOOD["title"] in page
    assert proposals_count() == 0


def test_a_huge_upload_is_refused_before_it_is_read_with_a_way_back(client, login, world):
    budget_round = make_round(world)
    login(world.member_a)
    response = post_form(
        client,
        new_url(budget_round),
        {**GOOD, "photo": (io.BytesIO(b"\xff\xd8" + b"0" * (21 * 1024 * 1024)), "huge.jpg")},
        content_type="multipart/form-data",
        headers={**EN, "Referer": f"http://localhost{new_url(budget_round)}"},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Choose one under 5 MB" in page
    assert f'href="{new_url(budget_round)}"' in page  # "Go back to the page"
    assert proposals_count() == 0
