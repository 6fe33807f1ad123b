"""Odd numbers in URLs and forms are refused cleanly: never a 500."""

import pytest

from pb.ids import MAX_ID, whole_number
from tests.conftest import post_form
from tests.integration.voting_helpers import proposal_ids, voting_round

HUGE = "9" * 25


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("1.0", None),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("", None),
        (None, None),
    ],
)
def test_whole_number(text, expected):
    assert whole_number(text) == expected


def test_huge_ids_in_urls_are_not_found(client, login, world):
    login(world.member_a)
    for path in (
        f"/groups/{HUGE}",
        f"/groups/{world.group_a.id}/rounds/{HUGE}",
        f"/groups/{world.group_a.id}/payouts/{HUGE}",
        f"/programmes/{HUGE}",
    ):
        assert client.get(path).status_code == 404, path


def test_superscript_and_huge_numbers_in_forms(client, login, world):
    budget_round = voting_round(world, ballot_format="points", points_total=10)
    first = proposal_ids(budget_round)[0]
    ballot = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/ballot"
    login(world.member_a)
    for data in (
        {f"points-{first}": "²"},
        {"points-²": "3"},
        {f"points-{first}": HUGE},
        {f"points-{HUGE}": "1"},
    ):
        assert post_form(client, ballot, data).status_code == 400, data
    assisting = client.application.test_client()
    from tests.factories import log_in

    log_in(assisting, world.peer_a)
    assist = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/assist"
    assert assisting.get(f"{assist}?member=²").status_code == 200  # the member chooser
    assert assisting.get(f"{assist}?member={HUGE}").status_code == 200
    staff = client.application.test_client()
    log_in(staff, world.staff_a)
    household = post_form(
        staff,
        f"/groups/{world.group_a.id}/households/new",
        {"label": "X", "birth_years": "2015", "member_ids": ["²", HUGE]},
    )
    assert household.status_code in (303, 404)
    years = post_form(
        staff, f"/groups/{world.group_a.id}/households/new", {"label": "X", "birth_years": "²⁰¹⁵"}
    )
    assert years.status_code == 200


def test_a_two_step_code_with_odd_digits_is_just_wrong(client, world):
    post_form(
        client, "/login", {"username": world.staff_a.username, "password": "correct horse battery"}
    )
    response = post_form(client, "/login/code", {"code": "12345²"})
    assert response.status_code == 200
