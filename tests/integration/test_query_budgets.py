"""Each main page sends at most the SQL statements its view's budget allows (`query_budget` in
pb/web.py, written beside the view), never more than 12, and the same number for a group of
10 as for a group of 100 with ten times the proposals, comments, ballots, payouts and
bookings: no page asks once per row."""

from datetime import timedelta

from sqlalchemy import event

from pb.extensions import db
from pb.projects import services as projects
from pb.proposals import services as proposals
from pb.surveys import services as surveys
from pb.timeutil import local_today
from pb.voting import services as voting
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_payouts_pipeline import conditional, family, fund
from tests.integration.test_projects import log, make_project
from tests.integration.voting_helpers import voting_round
from tests.lending_helpers import book, make_item

MOST_FOR_ANY_PAGE = 12


def build(world, size: int) -> dict:
    """A group with `size` extra members, size/2 proposals with comments and support, ballots,
    a counted and published round, payouts and bookings, a project's activities and survey waves,
    all in proportion."""
    people = [add_to_group(make_user(f"m{size}-{i}"), world.group_a).user for i in range(size)]
    fund(world.group_a, world.lead)
    counted = voting_round(world, costs=[1_000] * (size // 2))
    for voter in people[: size // 2]:
        voting.cast_ballot(counted, voter, [p.id for p in counted.proposals[:2]])
    voting.count_round(counted, actor=world.staff_a)
    voting.publish_results(counted, actor=world.staff_a)
    open_round = voting_round(world, costs=[1_000] * (size // 2))
    for index, proposal in enumerate(open_round.proposals):
        author = people[index % size]
        proposals.add_comment(proposal, author=author, body="Bra forslag!")
        proposals.add_comment(proposal, author=world.member_a, body="Enig.")
        proposals.set_support(proposal, author, support=True)
    for voter in people[: size // 2]:
        voting.cast_ballot(open_round, voter, [p.id for p in open_round.proposals[:2]])
    household = family(world.group_a, world.staff_a, world.member_a, label=f"Familie {size}")
    payouts = [conditional(world.group_a, world.staff_a, household, 100) for _ in range(size // 5)]
    board = make_item(world.group_a, world.staff_a, world.peer_a)
    bookings = [book(board, world.member_a, 1, 1)]
    bookings += [book(board, people[i], 2 * i + 2, 2 * i + 2) for i in range(size // 5)]
    # What the group's report reads beyond the above: a project's log, closed survey waves with
    # answers, and a published story.
    project = make_project(world, title=f"Prosjekt {size}")
    for index in range(size // 5):
        log(project, world, adults=index % 4)
    for _wave in range(1 + size // 50):
        wave = surveys.create_wave(
            world.group_a,
            actor=world.staff_a,
            question_keys=["life_good", "belong_group"],
            closes_on=local_today() + timedelta(days=7),
        )
        for person in people[:5]:
            surveys.answer(wave, user=person, answers=dict.fromkeys(wave.question_keys, "3"))
        surveys.close_wave(wave, actor=world.staff_a)
    story = projects.submit_story(
        world.group_a,
        actor=world.member_a,
        project_id=project.id,
        body="Noe endret seg.",
        language="nb",
        visibility="group",
    )
    projects.publish_story(story, actor=world.peer_a)
    db.session.commit()
    return {
        "g": world.group_a.id,
        "counted": counted.id,
        "open": open_round.id,
        "proposal": open_round.proposals[0].id,
        "payout": payouts[0].id,
        "item": board.id,
        "booking": bookings[0].id,
    }


def main_pages(ids: dict) -> list[tuple[str, str]]:
    g = f"/groups/{ids['g']}"
    open_round = f"{g}/rounds/{ids['open']}"
    return [
        ("member", "/"),
        ("member", g),
        ("member", f"{g}/rounds"),
        ("member", open_round),
        ("member", f"{open_round}/proposals/{ids['proposal']}"),
        ("member", f"{open_round}/ballot"),
        ("member", f"{g}/rounds/{ids['counted']}/results"),
        ("member", f"{g}/pot"),
        ("member", f"{g}/payouts"),
        ("member", f"{g}/items/{ids['item']}"),
        ("member", f"{g}/items/{ids['item']}/calendar"),
        ("member", f"{g}/items/{ids['item']}/bookings/{ids['booking']}"),
        ("staff", "/"),
        ("staff", g),
        ("staff", f"{g}/payouts"),
        ("staff", f"{g}/payouts/{ids['payout']}"),
        ("staff", f"{g}/moderation"),
        ("staff", f"{open_round}/proposals/{ids['proposal']}"),
        ("staff", f"{g}/rounds/{ids['counted']}/results"),
        ("staff", f"{g}/report"),
        ("peer", f"{open_round}/proposals/{ids['proposal']}"),
        ("peer", g),
        ("peer", f"{g}/moderation"),
        ("peer", f"{g}/items/{ids['item']}/bookings/{ids['booking']}"),
    ]


def logged_in(app, world) -> dict:
    """One client per role, logged in once: a TOTP code works only once in its 30 seconds."""
    people = {"member": world.member_a, "staff": world.staff_a, "peer": world.peer_a}
    clients = {}
    for role, person in people.items():
        clients[role] = app.test_client()
        log_in(clients[role], person)
    return clients


def statements_per_page(app, clients, ids) -> dict[tuple[str, str], int]:
    counted = {}
    sent = []

    def count(*_args):
        sent.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for role, path in main_pages(ids):
            sent.clear()
            # The calendar is the part htmx swaps in when the month changes.
            htmx = {"HX-Request": "true"} if path.endswith("/calendar") else {}
            response = clients[role].get(path, headers=htmx)
            assert response.status_code == 200, (role, path, response.status_code)
            endpoint = app.url_map.bind("").match(path)[0]
            counted[(role, path)] = (len(sent), endpoint)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counted


def test_every_main_page_keeps_to_its_budget_for_a_group_of_any_size(app, world):
    clients = logged_in(app, world)
    small = statements_per_page(app, clients, build(world, 10))
    # The same group again with ten times the rows: the counts must not move.
    large = statements_per_page(app, clients, build(world, 100))
    problems = []
    for ((role, path), (count, endpoint)), ((_r, large_path), (large_count, _e)) in zip(
        small.items(), large.items(), strict=True
    ):
        view = app.view_functions[endpoint]
        budget = getattr(view, "query_budget", None)
        if budget is None:
            problems.append(f"{endpoint}: no query_budget beside the view")
            continue
        if budget > MOST_FOR_ANY_PAGE:
            problems.append(f"{endpoint}: budget {budget} is above {MOST_FOR_ANY_PAGE}")
        for seen, where in ((count, path), (large_count, large_path)):
            if seen > budget:
                problems.append(f"{endpoint} as {role}: {seen} statements > {budget} ({where})")
        if count != large_count:
            problems.append(
                f"{endpoint} as {role}: {count} statements, {large_count} with 10x rows"
            )
    assert not problems, "\n".join(problems)
