"""Peer-led projects, the activity log with its photos and their consent, and stories of change,
through the services and through the pages with their permissions."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups.models import Membership
from pb.notifications.models import Notification
from pb.projects import services
from pb.projects.models import Activity, ActivityPhoto, Project, Story
from pb.projects.services import ProjectError
from pb.timeutil import local_today
from tests.conftest import plain, post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_lending import english_readers  # noqa: F401 - autouse
from tests.integration.test_proposals_proposals import jpeg_with_gps


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_project(world, **extra) -> Project:
    fields = {
        "title": "Ung-til-ung",
        "goal": "Youth settle conflicts together",
        "result_goals": "20 mediations",
        "effect_goals": "Fewer fights",
        "status": "running",
        "starts_on": local_today() - timedelta(days=60),
        "ends_on": None,
    }
    fields.update(extra)
    return services.create_project(
        world.group_a,
        actor=world.staff_a,
        leader_ids=[world.peer_a.id],
        payout_ids=[],
        **fields,
    )


def log(project, world, **extra) -> Activity:
    fields = {
        "happened_on": local_today() - timedelta(days=1),
        "kind": "meal",
        "place": "Fritidsklubben",
        "adults": 4,
        "youth": 9,
        "children": 3,
        "volunteer_minutes": 150,
        "cost_ore": 0,
        "payout_id": None,
        "note": "",
    }
    fields.update(extra)
    return services.log_activity(project, actor=world.peer_a, **fields)


def project_url(project) -> str:
    return f"/groups/{project.group_id}/projects/{project.id}"


def log_out(client) -> None:
    assert post_form(client, "/logout", {}, token_from="/").status_code in (302, 303)


def upload(data: bytes, name: str = "photo.jpg"):
    return (io.BytesIO(data), name)


# ---------------------------------------------------------------------------------------------
# Projects


def test_a_peer_starts_a_project_with_a_staff_co_leader_and_the_leaders_are_told(client, world):
    log_in(client, world.peer_a)
    response = post_form(
        client,
        f"/groups/{world.group_a.id}/projects/new",
        {
            "title": "Stødig oppvekst",
            "goal": "Dinners every week",
            "result_goals": "40 dinners",
            "effect_goals": "Parents know each other",
            "status": "running",
            "starts_on": (local_today() - timedelta(days=10)).isoformat(),
            "ends_on": "",
            "leaders": [str(world.peer_a.id), str(world.staff_a.id)],
        },
    )
    assert response.status_code == 303, plain(response.get_data(as_text=True))[:2000]
    project = db.session.scalar(select(Project))
    assert project.leader_ids == {world.peer_a.id, world.staff_a.id}
    assert project.status == "running"
    told = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == "project.leader", Notification.user_id == world.staff_a.id)
    )
    assert told == 1
    page = plain(client.get(project_url(project)).get_data(as_text=True))
    assert "Stødig oppvekst" in page and "40 dinners" in page and "Log an activity" in page
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "project.created")
    )


def test_leaders_must_include_a_peer_and_be_peers_or_staff(world):
    with pytest.raises(ProjectError, match="needs_peer_leader"):
        services.create_project(
            world.group_a,
            actor=world.staff_a,
            leader_ids=[world.staff_a.id],
            payout_ids=[],
            title="x",
            goal="y",
            status="planned",
            starts_on=local_today(),
        )
    with pytest.raises(ProjectError, match="not_a_peer"):
        services.create_project(
            world.group_a,
            actor=world.staff_a,
            leader_ids=[world.peer_a.id, world.member_a.id],
            payout_ids=[],
            title="x",
            goal="y",
            status="planned",
            starts_on=local_today(),
        )
    db.session.rollback()
    assert count(Project) == 0


def test_a_plain_member_cannot_start_or_log_and_another_group_gets_404(client, world):
    project = make_project(world)
    log_in(client, world.member_a)
    assert client.get(f"/groups/{world.group_a.id}/projects/new").status_code == 404
    assert client.get(project_url(project) + "/activities/new").status_code == 404
    assert client.get(project_url(project)).status_code == 200
    log_out(client)
    log_in(client, world.member_b)
    assert client.get(project_url(project)).status_code == 404
    assert client.get(f"/groups/{world.group_b.id}/projects/{project.id}").status_code == 404
    activity = log(project, world)
    assert client.get(f"{project_url(project)}/activities/{activity.id}").status_code == 404


def test_peer_kinds_are_labels_with_the_peer_consultants_rights(client, world):
    mediator = make_user("mediator")
    add_to_group(mediator, world.group_a, "peer")
    log_in(client, world.staff_a)
    response = post_form(
        client,
        f"/groups/{world.group_a.id}/members/{mediator.id}/peer-kind",
        {"peer_kind": "youth_mediator"},
        token_from=f"/groups/{world.group_a.id}/members",
    )
    assert response.status_code == 303
    db.session.expire_all()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == mediator.id))
    assert membership.peer_kind == "youth_mediator" and membership.role == "peer"
    page = plain(client.get(f"/groups/{world.group_a.id}/members").get_data(as_text=True))
    assert "Youth-to-youth mediator" in page
    # A youth-to-youth mediator starts projects like any peer consultant.
    log_out(client)
    log_in(client, mediator)
    assert client.get(f"/groups/{world.group_a.id}/projects/new").status_code == 200
    # A plain member has no kind of peer work.
    with pytest.raises(ProjectError):
        services.set_peer_kind(
            db.session.scalar(select(Membership).where(Membership.user_id == world.member_a.id)),
            "street_mediator",
            actor=world.staff_a,
        )


# ---------------------------------------------------------------------------------------------
# The activity log


def test_a_leader_logs_an_activity_with_a_photo_and_the_gps_is_gone(client, world, app):
    project = make_project(world)
    log_in(client, world.peer_a)
    response = post_form(
        client,
        project_url(project) + "/activities/new",
        {
            "happened_on": local_today().isoformat(),
            "kind": "trip",
            "place": "Bymarka",
            "adults": "2",
            "youth": "11",
            "children": "0",
            "volunteer_hours": "3,5",
            "cost": "450",
            "note": "Hundekjøring",
            "photo": upload(jpeg_with_gps()),
            "photo_consent": "group",
        },
        token_from=project_url(project) + "/activities/new",
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, plain(response.get_data(as_text=True))[:2000]
    activity = db.session.scalar(select(Activity))
    assert (activity.adults, activity.youth, activity.children) == (2, 11, 0)
    assert activity.volunteer_minutes == 210 and activity.cost_ore == 45_000
    photo = activity.photos[0]
    assert photo.consent == "group"
    served = client.get(
        f"{project_url(project)}/activities/{activity.id}/photos/{photo.id}/photo/full"
    )
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.data))
    assert not image.getexif() and "exif" not in image.info
    page = plain(client.get(project_url(project)).get_data(as_text=True))
    assert "13 people" in page


BAD_ACTIVITIES = [
    ({"adults": "-1"}, "Write a number from 0 to 1000."),
    ({"volunteer_hours": "-2"}, "Write a number of hours from 0 to 1000."),
    ({"volunteer_hours": "nan"}, "Write the hours as a number"),
    ({"happened_on": "BEFORE_START"}, "This date is before the project started."),
    ({"happened_on": "FUTURE"}, "This date is in the future."),
    ({"kind": ""}, "Choose what kind of activity it was."),
    ({"cost": "-5"}, "The amount can't be negative."),
    ({"photo_consent": ""}, "Choose who may see the photo"),
]


@pytest.mark.parametrize(("change", "message"), BAD_ACTIVITIES)
def test_bad_activity_input_gets_a_message_and_nothing_is_stored(
    client, world, app, change, message
):
    project = make_project(world)
    log_in(client, world.peer_a)
    data = {
        "happened_on": local_today().isoformat(),
        "kind": "meal",
        "adults": "1",
        "youth": "1",
        "children": "1",
        "photo": upload(jpeg_with_gps((300, 200))),
        "photo_consent": "none",
    }
    data.update(change)
    if data["happened_on"] == "FUTURE":
        data["happened_on"] = (local_today() + timedelta(days=1)).isoformat()
    if data["happened_on"] == "BEFORE_START":
        data["happened_on"] = (project.starts_on - timedelta(days=1)).isoformat()
    response = post_form(
        client,
        project_url(project) + "/activities/new",
        data,
        token_from=project_url(project) + "/activities/new",
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert message in plain(response.get_data(as_text=True))
    assert count(Activity) == 0 and count(ActivityPhoto) == 0
    folder = Path(app.config["UPLOAD_FOLDER"]) / "projects"
    assert not folder.exists() or not list(folder.iterdir())


def test_the_database_refuses_negative_head_counts(world):
    project = make_project(world)
    with pytest.raises(Exception):  # noqa: B017 - either database's IntegrityError
        log(project, world, adults=-3)
    db.session.rollback()
    assert count(Activity) == 0


@pytest.mark.parametrize(
    ("consent", "seen_by"),
    [
        ("none", {"leader"}),
        ("group", {"leader", "member", "staff"}),
        ("programme", {"leader", "member", "staff", "other_group"}),
        ("public", {"leader", "member", "staff", "other_group"}),
    ],
)
def test_a_photo_is_seen_only_as_far_as_its_people_agreed(client, world, consent, seen_by):
    project = make_project(world)
    activity = log(project, world)
    photo = services.add_activity_photo(
        activity,
        actor=world.peer_a,
        photo=__import__("pb.proposals.photos", fromlist=["x"]).prepare_photo(
            io.BytesIO(jpeg_with_gps((300, 200)))
        ),
        consent=consent,
    )
    url = f"{project_url(project)}/activities/{activity.id}/photos/{photo.id}/photo/thumb"
    readers = {
        "leader": world.peer_a,
        "member": world.member_a,
        "staff": world.staff_a,
        "other_group": world.member_b,
    }
    for name, user in readers.items():
        log_out(client)
        log_in(client, user)
        if name == "other_group":
            # Another group never reaches the group's pages; the programme sees the photo in
            # the programme's report instead (pb/projects/access.photo_visible).
            from pb.projects.access import photo_visible

            assert photo_visible(photo, user) == (name in seen_by), name
            assert client.get(url).status_code == 404
            continue
        assert (client.get(url).status_code == 200) == (name in seen_by), name
        page = client.get(f"{project_url(project)}/activities/{activity.id}").get_data(as_text=True)
        assert (f"/photos/{photo.id}/photo/thumb" in page) == (name in seen_by), name


def test_a_leader_takes_a_mistake_out_of_the_log(client, world):
    project = make_project(world)
    activity = log(project, world)
    log_in(client, world.member_a)
    url = f"{project_url(project)}/activities/{activity.id}/delete"
    assert post_form(client, url, {}, token_from=project_url(project)).status_code == 404
    log_out(client)
    log_in(client, world.peer_a)
    assert post_form(client, url, {}, token_from=project_url(project)).status_code == 303
    assert count(Activity) == 0
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "activity.deleted"))


# ---------------------------------------------------------------------------------------------
# Stories


def story_data(**extra) -> dict:
    data = {
        "title": "Vi fant hverandre",
        "body": "Før kjente jeg ingen. Nå spiser vi middag sammen hver uke.",
        "language": "nb",
        "visibility": "public",
        "project": "0",
    }
    data.update(extra)
    return data


def test_a_story_is_moderated_translated_and_shown_as_the_author_chose(client, world):
    log_in(client, world.member_a)
    new = f"/groups/{world.group_a.id}/stories/new"
    response = post_form(client, new, story_data(), content_type="multipart/form-data")
    assert response.status_code == 303, plain(response.get_data(as_text=True))[:2000]
    story = db.session.scalar(select(Story))
    assert story.status == "submitted"
    # Not yet published: the public page and other members don't see it.
    log_out(client)
    assert "Vi fant hverandre" not in client.get(
        f"/programmes/{world.programme.id}/stories"
    ).get_data(as_text=True)
    assert client.get(f"/groups/{world.group_a.id}/stories/{story.id}").status_code == 302
    log_in(client, world.peer_a)
    group_page = plain(client.get(f"/groups/{world.group_a.id}").get_data(as_text=True))
    assert "1 story waits for a moderator" in group_page
    story_url = f"/groups/{world.group_a.id}/stories/{story.id}"
    assert post_form(client, story_url + "/publish", {}, token_from=story_url).status_code == 303
    db.session.refresh(story)
    assert story.status == "published"
    response = post_form(
        client,
        story_url + "/translate",
        {"language": "en", "title": "We found each other", "body": "Before, I knew nobody."},
    )
    assert response.status_code == 303
    # The public page, with no log-in, in English, shows the translation.
    log_out(client)
    public = plain(
        client.get(
            f"/programmes/{world.programme.id}/stories", headers={"Accept-Language": "en"}
        ).get_data(as_text=True)
    )
    assert "We found each other" in public and "Translated" in public
    assert db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == "story.published", Notification.user_id == world.member_a.id)
    )


@pytest.mark.parametrize(
    ("visibility", "public", "programme_member", "group_member"),
    [
        ("group", False, False, True),
        ("programme", False, True, True),
        ("public", True, True, True),
    ],
)
def test_stories_travel_only_as_far_as_the_author_chose(
    client, world, visibility, public, programme_member, group_member
):
    story = services.submit_story(
        world.group_a,
        actor=world.member_a,
        title=f"Story for {visibility}",
        body="Noe endret seg.",
        language="nb",
        visibility=visibility,
    )
    services.publish_story(story, actor=world.peer_a)
    url = f"/programmes/{world.programme.id}/stories"
    assert (story.title in client.get(url).get_data(as_text=True)) == public
    log_in(client, world.member_b)  # in group B of the same programme
    assert (story.title in client.get(url).get_data(as_text=True)) == programme_member
    assert client.get(f"/groups/{world.group_a.id}/stories/{story.id}").status_code == 404
    log_out(client)
    log_in(client, world.member_a)
    in_group = client.get(f"/groups/{world.group_a.id}/stories").get_data(as_text=True)
    assert (story.title in in_group) == group_member


def test_a_story_or_photo_without_consent_settings_is_refused(client, world):
    log_in(client, world.member_a)
    new = f"/groups/{world.group_a.id}/stories/new"
    response = post_form(client, new, story_data(visibility=""))
    assert response.status_code == 200
    assert "Choose who may read your story." in plain(response.get_data(as_text=True))
    response = post_form(
        client,
        new,
        story_data(photo=upload(jpeg_with_gps((300, 200)))),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Choose who may see the photo" in plain(response.get_data(as_text=True))
    assert count(Story) == 0


def test_a_story_photo_goes_no_further_than_its_people_agreed(client, world):
    from pb.proposals.photos import prepare_photo

    story = services.submit_story(
        world.group_a,
        actor=world.member_a,
        title="Båten",
        body="Vi fikk en båt.",
        language="nb",
        visibility="public",
        photo=prepare_photo(io.BytesIO(jpeg_with_gps((300, 200)))),
        photo_consent="group",
    )
    services.publish_story(story, actor=world.peer_a)
    public_photo = f"/programmes/{world.programme.id}/stories/{story.id}/photo/thumb"
    assert client.get(public_photo).status_code == 404
    assert "Båten" in client.get(f"/programmes/{world.programme.id}/stories").get_data(as_text=True)
    log_in(client, world.member_a)
    group_photo = f"/groups/{world.group_a.id}/stories/{story.id}/photo/thumb"
    assert client.get(group_photo).status_code == 200


def test_a_moderator_declines_with_a_reason_the_author_reads(client, world):
    story = services.submit_story(
        world.group_a,
        actor=world.member_a,
        title="",
        body="Navnet til naboen er ...",
        language="nb",
        visibility="group",
    )
    log_in(client, world.peer_a)
    url = f"/groups/{world.group_a.id}/stories/{story.id}"
    response = post_form(
        client,
        url + "/decline",
        {"reason": "Please leave out other people's names."},
        token_from=url,
    )
    assert response.status_code == 303
    db.session.refresh(story)
    assert story.status == "declined"
    # Only the author and moderators see a declined story.
    log_out(client)
    log_in(client, world.staff_a)
    assert client.get(url).status_code == 200
    other = make_user("other_member", locale="en")
    add_to_group(other, world.group_a)
    log_out(client)
    log_in(client, other)
    assert client.get(url).status_code == 404
    log_out(client)
    log_in(client, world.member_a)
    assert "leave out other people" in plain(client.get(url).get_data(as_text=True))
    # The author changes it and sends it again, starting from what they wrote.
    again = client.get(f"/groups/{world.group_a.id}/stories/new?from={story.id}")
    assert "Navnet til naboen er" in again.get_data(as_text=True)
    # Deciding twice is refused with a message, not an error page.
    with pytest.raises(ProjectError):
        services.publish_story(story, actor=world.peer_a)


def test_deleting_an_account_erases_its_stories_and_keeps_the_head_counts(world):
    from pb import privacy

    project = make_project(world)
    log(project, world)
    services.submit_story(
        world.group_a,
        actor=world.peer_a,
        title="Min historie",
        body="Tekst",
        language="nb",
        visibility="group",
    )
    exported = dict((name, fn(world.peer_a)) for name, fn in privacy.exporters())["projects"]
    assert exported["stories"][0]["title"] == "Min historie"
    assert exported["projects_you_lead"] == ["Ung-til-ung"]
    erasure = privacy.Erasure(user=world.peer_a)
    for _name, eraser in privacy.erasers():
        if _name == "projects":
            eraser(erasure)
    db.session.commit()
    assert count(Story) == 0
    activity = db.session.scalar(select(Activity))
    assert activity.logged_by_id is None and activity.heads == 16
    assert project.leader_ids == set()


def test_the_programme_sees_only_photos_its_people_agreed_to_show_it(client, world):
    from pb.proposals.photos import prepare_photo

    project = make_project(world)
    activity = log(project, world)
    shown = {}
    for consent in ("none", "group", "programme", "public"):
        shown[consent] = services.add_activity_photo(
            activity,
            actor=world.peer_a,
            photo=prepare_photo(io.BytesIO(jpeg_with_gps((200, 200)))),
            consent=consent,
        )
    base = f"/programmes/{world.programme.id}/activity-photos"
    public_page = client.get(f"/programmes/{world.programme.id}/stories").get_data(as_text=True)
    for consent, photo in shown.items():
        url = f"{base}/{photo.id}/photo/thumb"
        assert (client.get(url).status_code == 200) == (consent == "public"), consent
        assert (url in public_page) == (consent == "public"), consent
    log_in(client, world.lead)
    report = client.get(f"/programmes/{world.programme.id}/report").get_data(as_text=True)
    for consent, photo in shown.items():
        url = f"{base}/{photo.id}/photo/thumb"
        assert (url in report) == (consent in ("programme", "public")), consent
    log_out(client)
    log_in(client, world.staff_a)
    report = client.get(f"/groups/{world.group_a.id}/report").get_data(as_text=True)
    for consent, photo in shown.items():
        url = f"{base}/{photo.id}/photo/thumb"
        assert (url in report) == (consent != "none"), consent
        assert (client.get(url).status_code == 200) == (consent != "none"), consent


def test_a_leader_made_a_plain_member_again_loses_the_leaders_rights(client, world):
    from pb.groups import services as groups

    project = make_project(world)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == world.peer_a.id))
    groups.change_role(membership, "member", actor=world.lead)
    db.session.commit()
    log_in(client, world.peer_a)
    assert client.get(project_url(project) + "/activities/new").status_code == 404
    assert client.get(project_url(project) + "/edit").status_code == 404


def test_an_activity_that_cost_nothing_may_say_0(client, world):
    project = make_project(world)
    log_in(client, world.peer_a)
    url = project_url(project) + "/activities/new"
    response = post_form(
        client,
        url,
        {"happened_on": local_today().isoformat(), "kind": "sport", "youth": "5", "cost": "0"},
    )
    assert response.status_code == 303, plain(response.get_data(as_text=True))[:2000]
    assert db.session.scalar(select(Activity.cost_ore)) == 0


def test_deleting_an_account_blanks_its_notes_and_translations(world):
    from pb import privacy

    project = make_project(world)
    log(project, world, note="Ahmed kom for første gang")
    story = services.submit_story(
        world.group_a,
        actor=world.member_a,
        title="Tittel",
        body="Tekst",
        language="nb",
        visibility="group",
    )
    services.translate_story(
        story, actor=world.peer_a, language="en", title="Title", body="My translation"
    )
    erasure = privacy.Erasure(user=world.peer_a)
    for name, eraser in privacy.erasers():
        if name == "projects":
            eraser(erasure)
    db.session.commit()
    activity = db.session.scalar(select(Activity))
    assert activity.note == "" and activity.heads == 16
    assert "Ahmed kom for første gang" in erasure.texts and "My translation" in erasure.texts
    db.session.refresh(story)
    assert story.translations == []
