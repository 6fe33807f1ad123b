"""The scene of the authorization matrix: one of everything in group A, the people of every role,
and the URL of every route built with the scene's ids."""

import re
from dataclasses import dataclass, field

from werkzeug.routing import AnyConverter

from pb.clips.models import VoiceClip
from pb.extensions import db
from pb.groups import services as groups
from pb.payouts import services as payouts
from pb.projects import services as projects
from pb.proposals import services as proposals
from pb.surveys import services as surveys
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_payouts_pipeline import add_staff, conditional, family, fund
from tests.integration.test_projects import log, make_project
from tests.integration.voting_helpers import voting_round
from tests.lending_helpers import book, make_item

ROLES = (
    "anonymous",
    "member",
    "other_household",
    "other_group",
    "peer",
    "staff",
    "other_staff",
    "lead",
)


@dataclass
class Scene:
    ids: dict[str, object] = field(default_factory=dict)
    clients: dict[str, object] = field(default_factory=dict)


def build_scene(app, world) -> Scene:
    from datetime import timedelta

    from pb.timeutil import local_today

    scene = Scene()
    group = world.group_a
    fund(group, world.lead)
    budget_round = voting_round(world, ballot_format="approval")
    proposal = budget_round.proposals[0]
    comment = proposals.add_comment(proposal, author=world.member_a, body="Fin idé")
    household = family(group, world.staff_a, world.member_a)
    neighbour = make_user("neighbour")
    add_to_group(neighbour, group)
    family(group, world.staff_a, neighbour, label="Familie B")
    second_staff = add_staff("staff_a2", group)
    payout = conditional(group, world.staff_a, household, 2_000)
    payouts.decide(payout, actor=second_staff, approve=False, reason="Ikke nå")
    complaint = payouts.file_complaint(payout, actor=world.member_a, text="Jeg er uenig")
    invite = groups.create_invite(group, actor=world.staff_a)
    item = make_item(group, world.staff_a, world.peer_a)
    booking = book(item, world.member_a, 3)
    project = make_project(world, title="Ung-til-ung")
    activity = log(project, world)
    story = projects.submit_story(
        group,
        actor=world.member_a,
        title="Vi fant hverandre",
        body="Før kjente jeg ingen.",
        language="nb",
        visibility="group",
        project_id=None,
    )
    wave = surveys.create_wave(
        group,
        actor=world.staff_a,
        question_keys=["life_good", "belong_group"],
        closes_on=local_today() + timedelta(days=7),
        title="",
    )
    db.session.add(
        VoiceClip(
            msgid="Vote",
            language="ti",
            version=1,
            state="waiting",
            file_name="none.mp3",
            duration_ms=1000,
            size_bytes=1,
            recorded_by_id=world.peer_a.id,
        )
    )
    db.session.commit()
    clip_id = db.session.scalar(db.select(VoiceClip.id))
    membership = groups.membership_of(world.member_a, group)
    scene.ids = {
        "group_id": group.id,
        "programme_id": world.programme.id,
        "round_id": budget_round.id,
        "proposal_id": proposal.id,
        "comment_id": comment.id,
        "case_id": 1,
        "household_id": household.id,
        "membership_id": membership.id,
        "invite_id": invite.id,
        "request_id": payout.id,
        "complaint_id": complaint.id,
        "item_id": item.id,
        "booking_id": booking.id,
        "handover_id": 1,
        "report_id": 1,
        "post_id": 1,
        "entry_id": 1,
        "project_id": project.id,
        "activity_id": activity.id,
        "photo_id": 1,
        "story_id": story.id,
        "wave_id": wave.id,
        "clip_id": clip_id,
        "user_id": world.member_a.id,
        "session_id": 1,
        "delivery_id": 1,
        "token": "not-a-token",
        "code": "ABCDEF",
        "section": "money",
        "size": "thumb",
        "decision": "approve",
    }
    people = {
        "member": world.member_a,
        "other_household": neighbour,
        "other_group": world.member_b,
        "peer": world.peer_a,
        "staff": world.staff_a,
        "other_staff": world.staff_b,
        "lead": world.lead,
    }
    scene.clients["anonymous"] = app.test_client()
    for role, person in people.items():
        client = app.test_client()
        log_in(client, person)
        scene.clients[role] = client
    return scene


def url_for_rule(app, rule, ids: dict) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        value = ids[name]
        if isinstance(converter, AnyConverter) and value not in converter.items:
            value = sorted(converter.items)[0]
        values[name] = value
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def outcome(response) -> str:
    """A request's outcome in the matrix's words."""
    if response.status_code in (301, 302, 303) and re.search(
        r"/login(\?|$)", response.headers.get("Location", "")
    ):
        return "login"
    if response.status_code == 401:
        return "login"
    return str(response.status_code)
