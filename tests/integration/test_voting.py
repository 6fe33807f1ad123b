"""Voting: four ballot formats, one ballot per member, assisted voting, counting and results."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.notifications.models import Notification
from pb.tally import read_pabulib_string
from pb.timeutil import utcnow
from pb.voting import services
from pb.voting.models import Ballot
from tests.conftest import post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.voting_helpers import proposal_ids, voting_round

EN = {"Accept-Language": "en"}


def ballot_url(budget_round) -> str:
    return f"/groups/{budget_round.group_id}/rounds/{budget_round.id}/ballot"


def ballots() -> list[Ballot]:
    return db.session.scalars(select(Ballot)).all()


def test_knapsack_ballot_is_cast_then_changed_and_the_last_one_counts(client, login, world):
    budget_round = voting_round(world)
    a, b, c, _d = proposal_ids(budget_round)
    login(world.member_a)
    page = client.get(ballot_url(budget_round), headers=EN).get_data(as_text=True)
    assert "Tick proposals until the money runs out" in page
    assert (
        post_form(client, ballot_url(budget_round), {"proposal": [str(a), str(b)]}).status_code
        == 303
    )
    first = ballots()
    assert len(first) == 1 and first[0].choices == [a, b]
    receipt = first[0].receipt_code
    assert post_form(client, ballot_url(budget_round), {"proposal": [str(c)]}).status_code == 303
    db.session.expire_all()
    (ballot,) = ballots()
    assert ballot.choices == [c] and ballot.changes == 1 and ballot.receipt_code != receipt
    page = client.get(ballot_url(budget_round), headers=EN).get_data(as_text=True)
    assert "Receipt code" in page and ballot.receipt_code[:4] in page
    assert [e.action for e in db.session.scalars(select(AuditEvent))][-2:] == ["ballot.cast"] * 2


def test_knapsack_running_total_partial(client, login, world):
    budget_round = voting_round(world)
    a, b, c, _d = proposal_ids(budget_round)
    login(world.member_a)
    url = ballot_url(budget_round) + "/total"
    response = post_form(
        client,
        url,
        {"proposal": [str(a), str(b), str(c)]},
        token_from=ballot_url(budget_round),
        headers={**EN, "HX-Request": "true"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert "NOK\xa01,300" in text and "Over by <bdi>NOK\xa0300</bdi>" in text
    assert 'value="100000"' in text


@pytest.mark.parametrize(
    ("ballot_format", "settings", "choose", "message"),
    [
        (
            "knapsack",
            {},
            lambda ids: {"proposal": [str(ids[0]), str(ids[1]), str(ids[2])]},
            "but the round has",
        ),
        ("knapsack", {}, lambda ids: {}, "Choose at least one"),
        (
            "approval",
            {"approval_min": 2, "approval_max": 3},
            lambda ids: {"proposal": [str(ids[0])]},
            "between 2 and 3",
        ),
        (
            "approval",
            {"approval_max": 2},
            lambda ids: {"proposal": [str(i) for i in ids]},
            "between 1 and 2",
        ),
        (
            "points",
            {"points_total": 10, "points_max_per_proposal": 6},
            lambda ids: {f"points-{ids[0]}": "6", f"points-{ids[1]}": "5"},
            "10 points in all",
        ),
        (
            "points",
            {"points_total": 10, "points_max_per_proposal": 6},
            lambda ids: {f"points-{ids[0]}": "7"},
            "at most 6 points",
        ),
        ("points", {"points_total": 10}, lambda ids: {f"points-{ids[0]}": "-1"}, "whole numbers"),
        (
            "ranking",
            {"ranking_top_k": 3},
            lambda ids: {"rank-1": str(ids[0]), "rank-2": str(ids[0])},
            "only one place",
        ),
        (
            "ranking",
            {"ranking_top_k": 2},
            lambda ids: {"rank-1": str(ids[0]), "rank-2": str(ids[1]), "rank-3": str(ids[2])},
            "at most 2",
        ),
        ("approval", {}, lambda ids: {"proposal": ["999999"]}, "not on this ballot"),
        ("approval", {}, lambda ids: {"proposal": ["1 OR 1=1"]}, "not on this ballot"),
    ],
)
def test_bad_ballots_are_refused_and_nothing_changes(
    client, login, world, ballot_format, settings, choose, message
):
    budget_round = voting_round(world, ballot_format=ballot_format, **settings)
    login(world.member_a)
    response = post_form(
        client, ballot_url(budget_round), choose(proposal_ids(budget_round)), headers=EN
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert ballots() == []


def test_a_proposal_not_on_the_ballot_or_from_another_round_is_refused(client, login, world):
    budget_round = voting_round(world, ballot_format="approval")
    other = voting_round(world, ballot_format="approval", group=world.group_b)
    rejected = budget_round.proposals[0]
    rejected.status = "rejected"
    db.session.commit()
    login(world.member_a)
    for proposal_id in (rejected.id, other.proposals[0].id):
        response = post_form(
            client, ballot_url(budget_round), {"proposal": [str(proposal_id)]}, headers=EN
        )
        assert response.status_code == 400 and "not on this ballot" in response.get_data(
            as_text=True
        )
    assert ballots() == []


def test_points_and_ranking_ballots_are_stored_canonically(client, login, world):
    points = voting_round(world, ballot_format="points", points_total=10, points_max_per_proposal=6)
    ids = proposal_ids(points)
    login(world.member_a)
    data = {f"points-{ids[0]}": "6", f"points-{ids[1]}": "4", f"points-{ids[2]}": "0"}
    assert post_form(client, ballot_url(points), data).status_code == 303
    assert ballots()[0].choices == {str(ids[0]): 6, str(ids[1]): 4}
    ranking = voting_round(world, ballot_format="ranking", ranking_top_k=3)
    ids = proposal_ids(ranking)
    data = {"rank-1": str(ids[2]), "rank-2": str(ids[0]), "rank-3": ""}
    assert post_form(client, ballot_url(ranking), data).status_code == 303
    assert services.ballot_of(ranking, world.member_a).choices == [ids[2], ids[0]]


def test_only_the_roll_votes(client, login, world):
    budget_round = voting_round(world)
    a = proposal_ids(budget_round)[0]
    # Another group's member, and the group's staff, are not on the roll: 404.
    for user in (world.member_b, world.staff_a):
        other = client.application.test_client()
        log_in(other, user)
        assert other.get(ballot_url(budget_round)).status_code == 404
        assert (
            post_form(
                other, ballot_url(budget_round), {"proposal": [str(a)]}, token_from="/"
            ).status_code
            == 404
        )
    # Someone who joined after voting opened is not on the roll either.
    late = make_user("late")
    add_to_group(late, world.group_a)
    late_client = client.application.test_client()
    log_in(late_client, late)
    assert late_client.get(ballot_url(budget_round)).status_code == 404
    # The peer consultant is a member of the group, and votes.
    log_in(client, world.peer_a)
    assert post_form(client, ballot_url(budget_round), {"proposal": [str(a)]}).status_code == 303
    assert len(ballots()) == 1


def test_no_ballot_after_close(client, login, world):
    budget_round = voting_round(world)
    a = proposal_ids(budget_round)[0]
    login(world.member_a)
    token_page = ballot_url(budget_round)
    from tests.conftest import csrf_token

    token = csrf_token(client, token_page)
    budget_round.voting_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(
        ballot_url(budget_round), data={"csrf_token": token, "proposal": [str(a)]}, headers=EN
    )
    assert response.status_code == 400 and "Voting is closed" in response.get_data(as_text=True)
    assert ballots() == []


def test_assisted_voting(client, login, world):
    budget_round = voting_round(world)
    a, b, *_ = proposal_ids(budget_round)
    membership = next(m for m in world.group_a.memberships if m.user_id == world.member_a.id)
    login(world.peer_a)
    assist = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/assist"
    assert "Member_A" in client.get(assist).get_data(as_text=True)
    url = f"{assist}?member={membership.id}"
    assert (
        post_form(client, url, {"proposal": [str(a)], "member": str(membership.id)}).status_code
        == 303
    )
    ballot = services.ballot_of(budget_round, world.member_a)
    assert ballot.assisted_by_id == world.peer_a.id and ballot.choices == [a]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ballot.assisted")
    ).one()
    assert event.actor_id == world.peer_a.id and event.details == {"voter_id": world.member_a.id}
    notice = db.session.scalars(
        select(Notification).where(Notification.user_id == world.member_a.id)
    ).all()
    assert [n.kind for n in notice] == ["voting.assisted"]
    # Opening the member's ballot again shows the helper nothing of what is on it.
    page = client.get(url).get_data(as_text=True)
    assert "checked" not in page and ballot.receipt_code[:4] not in page
    # A tampered member id from another group is not found.
    foreign = next(m for m in world.group_b.memberships if m.user_id == world.member_b.id)
    assert (
        post_form(
            client, f"{assist}?member={foreign.id}", {"proposal": [str(a)]}, token_from=url
        ).status_code
        == 404
    )
    # The member changes the assisted ballot themselves; the mark goes.
    member = client.application.test_client()
    log_in(member, world.member_a)
    assert post_form(member, ballot_url(budget_round), {"proposal": [str(b)]}).status_code == 303
    db.session.expire_all()
    ballot = services.ballot_of(budget_round, world.member_a)
    assert ballot.assisted_by_id is None and ballot.choices == [b]
    # A plain member cannot assist.
    assert member.get(assist).status_code == 404


def cast(budget_round, users_and_choices):
    for user, choices in users_and_choices:
        services.cast_ballot(budget_round, user, choices)


def test_count_results_and_publish(client, login, world):
    budget_round = voting_round(
        world,
        ballot_format="approval",
        rule="mes",
        amount_ore=100_000,
        costs=[60_000, 50_000, 40_000],
    )
    a, b, c = proposal_ids(budget_round)
    voters = [world.member_a, world.peer_a]
    for index in range(4):
        extra = make_user(f"voter{index}")
        add_to_group(extra, world.group_a)
        voters.append(extra)
    from sqlalchemy import update

    from pb.groups.models import Membership

    db.session.execute(update(Membership).values(joined_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    cast(
        budget_round,
        [
            (voters[0], [a]),
            (voters[1], [a]),
            (voters[2], [a]),
            (voters[3], [a, b]),
            (voters[4], [c]),
            (voters[5], [c]),
        ],
    )
    results_url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/results"
    member = client.application.test_client()
    log_in(member, world.member_a)
    assert member.get(results_url).status_code == 404  # not counted
    login(world.staff_a)
    count_url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/count"
    page = client.get(count_url, headers=EN).get_data(as_text=True)
    assert "Time left to vote" in page and "Why close voting before its end?" in page
    assert post_form(client, count_url, {"reason": "Alle har stemt"}).status_code == 303
    db.session.expire_all()
    result = services.result_of(budget_round)
    # MES: 6 voters share 100,000; a (4 supporters) and c (2 supporters) are bought.
    assert set(result.selected) == {a, c} and result.voters == 6 and result.used_ore == 100_000
    assert services.round_phase(budget_round) == "results"
    assert member.get(results_url).status_code == 404  # not published
    page = client.get(results_url, headers=EN).get_data(as_text=True)
    assert "How the count worked" in page and "voters shared the cost" in page and "<svg" in page
    assert "Publish the results" in page
    assert (
        post_form(client, results_url.replace("results", "publish"), {}, token_from="/").status_code
        == 303
    )
    page = member.get(results_url, headers=EN).get_data(as_text=True)
    assert "Forslag 1" in page and "6 of 6 (100%)" in page
    # Nobody's choices are on the page: no voter names at all.
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    for user in voters:
        assert user.display_name not in main
    # Publishing twice is refused; recounting after publishing is refused.
    assert (
        post_form(client, results_url.replace("results", "publish"), {}, token_from="/").status_code
        == 303
    )
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "round.published"))
    db.session.expire_all()
    with pytest.raises(services.BallotError):
        services.count_round(budget_round, actor=world.staff_a)


def test_publishing_makes_the_winners_payout_requests(world):
    from pb.payouts import services as payouts

    if not hasattr(payouts, "create_collective_request"):
        pytest.fail("pb.payouts.services.create_collective_request is missing")
    from pb.payouts.models import PayoutRequest

    budget_round = voting_round(
        world, ballot_format="approval", amount_ore=100_000, costs=[60_000, 30_000]
    )
    a, b = proposal_ids(budget_round)
    cast(budget_round, [(world.member_a, [a, b]), (world.peer_a, [a])])
    services.count_round(budget_round, actor=world.staff_a)
    services.publish_results(budget_round, actor=world.staff_a)
    requests = db.session.scalars(select(PayoutRequest)).all()
    assert sorted(r.source_proposal_id for r in requests) == [a, b]
    assert sorted(r.amount_ore for r in requests) == [30_000, 60_000]


def test_cli_tally_and_export_pb(app, world, tmp_path):
    runner = app.test_cli_runner()
    shared = Path(__file__).resolve().parents[2] / "tests/data/pabulib"
    sample = sorted(shared.glob("*.pb"))[0] if shared.exists() else None
    if sample is None:
        pytest.fail("tests/data/pabulib has no .pb files")
    output = runner.invoke(args=["tally", str(sample), "--rule", "greedy"])
    assert output.exit_code == 0, output.output
    assert isinstance(json.loads(output.output), list)
    broken = tmp_path / "broken.pb"
    broken.write_text(
        "META\nkey;value\nbudget;abc\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\n1;9\n"
    )
    failed = runner.invoke(args=["tally", str(broken)])
    assert failed.exit_code != 0 and "Traceback" not in failed.output
    assert len(failed.output.strip().splitlines()) == 1

    budget_round = voting_round(world, ballot_format="approval")
    a, b, *_ = proposal_ids(budget_round)
    cast(budget_round, [(world.member_a, [a]), (world.peer_a, [a, b])])
    assert runner.invoke(args=["export-pb", str(budget_round.id)]).exit_code != 0  # not counted
    services.count_round(budget_round, actor=world.staff_a)
    exported = runner.invoke(args=["export-pb", str(budget_round.id)])
    assert exported.exit_code == 0, exported.output
    assert "Member_A" not in exported.output and "member_a" not in exported.output
    election = read_pabulib_string(exported.output)
    assert len(election.ballots) == 2 and len(election.projects) == 4
    assert election.budget == 1000  # kroner


def test_reminders_are_sent_once_and_the_last_day_only_to_non_voters(world):
    budget_round = voting_round(world)
    a = proposal_ids(budget_round)[0]
    services.cast_ballot(budget_round, world.member_a, [a])
    first = services.send_reminders()
    assert first == 2  # member_a and peer_a: "voting opened"
    assert services.send_reminders() == 0
    budget_round.voting_ends_at = utcnow() + timedelta(hours=5)
    db.session.commit()
    assert services.send_reminders() == 1  # only peer_a has not voted
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == world.peer_a.id)
    ).all()
    assert sorted(kinds) == ["voting.last_day", "voting.opened"]


def test_a_round_is_counted_when_voting_closes(world):
    budget_round = voting_round(world, ballot_format="approval")
    a = proposal_ids(budget_round)[0]
    services.cast_ballot(budget_round, world.member_a, [a])
    assert services.run_scheduled()["rounds counted"] == 0
    budget_round.voting_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert services.run_scheduled()["rounds counted"] == 1
    result = services.result_of(budget_round)
    # Greedy completion also buys what nobody chose if it fits, exactly as pabutools does.
    assert result.selected[0] == a and result.counted_by_id is None
    assert services.run_scheduled()["rounds counted"] == 0


def test_my_ballots_are_in_my_data_export(client, login, world):
    budget_round = voting_round(world)
    a = proposal_ids(budget_round)[0]
    services.cast_ballot(budget_round, world.member_a, [a])
    login(world.member_a)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["ballots"][0]["choices"] == [a]
    assert data["ballots"][0]["round"] == "Sommer 2026"


def test_the_group_log_does_not_show_who_voted(client, login, world):
    budget_round = voting_round(world)
    services.cast_ballot(budget_round, world.member_a, [proposal_ids(budget_round)[0]])
    login(world.peer_a)
    page = client.get(f"/groups/{world.group_a.id}/audit").get_data(as_text=True)
    assert "ballot.cast" not in page
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "ballot.cast"))


def test_a_winning_proposal_becomes_at_most_one_payout(world):
    """The database refuses a second collective request for a proposal, so two staff publishing
    at the same moment cannot double a payout."""
    from sqlalchemy.exc import IntegrityError

    from pb.payouts import services as payouts

    budget_round = voting_round(world, ballot_format="approval", costs=[30_000])
    (a,) = proposal_ids(budget_round)
    services.cast_ballot(budget_round, world.member_a, [a])
    services.count_round(budget_round, actor=world.staff_a)
    services.publish_results(budget_round, actor=world.staff_a)
    with pytest.raises(IntegrityError):
        payouts.create_collective_request(
            world.group_a, proposal_id=a, title="Again", amount_ore=30_000, actor=world.staff_a
        )
        db.session.flush()
    db.session.rollback()
