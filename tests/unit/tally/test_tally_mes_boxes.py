"""The boxes that let MES's Add1 loop skip increments never vouch for a wrong outcome.

`_Engine.box_check(lo, hi, accept)` may say True only if, at every per-voter budget in [lo, hi],
the set MES buys is accepted. These tests ask it about intervals of increments and compare with
plain runs at every increment of the interval, on random elections and on real ones.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pb.tally import Election, mes, read_pabulib
from pb.tally.mes import _Data, _Engine

DATA = Path(__file__).resolve().parents[2] / "data" / "pabulib"
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def elections(draw) -> Election:
    n_projects = draw(st.integers(2, 7))
    ids = [f"p{i}" for i in range(n_projects)]
    base = draw(st.sampled_from([1, 7, 100]))
    costs = {pid: base * draw(st.sampled_from([2, 3, 4, 6, 6, 10])) for pid in ids}
    ballots = []
    for _ in range(draw(st.integers(1, 14))):
        if ballots and draw(st.integers(0, 2)) == 0:
            ballots.append(ballots[-1])  # repeated ballots, as real elections have
        else:
            ballots.append(draw(st.lists(st.sampled_from(ids), unique=True, min_size=1)))
    budget = draw(st.integers(1, sum(costs.values())))
    return Election.build(costs, budget, ballots, "approval")


def engine_for(election: Election) -> tuple[_Engine, Fraction, Fraction]:
    data = _Data(election, points=False)
    return _Engine(data), Fraction(data.budget, data.n_voters), Fraction(data.scale)


def sets_bought(engine: _Engine, budgets: list[Fraction]) -> list[frozenset[int]]:
    return [frozenset(engine.exact_run(b).order) for b in budgets]


@SETTINGS
@given(elections(), st.integers(0, 30), st.integers(1, 40), st.booleans())
def test_a_box_that_holds_is_right_at_every_increment(election, start, span, same_set):
    engine, first, step = engine_for(election)
    low = first + start * step
    budgets = [low + k * step for k in range(span + 1)]
    truth = sets_bought(engine, budgets)
    if same_set:  # strict: only the set bought at the low end
        wanted = truth[0]
        accept = lambda bought: bought == wanted  # noqa: E731
    else:  # what Add1 asks: within the budget (here: at most two projects)
        accept = lambda bought: len(bought) <= 2  # noqa: E731
    holds, _ = engine.box_check(budgets[0], budgets[-1], accept)
    # (a box may give up where every run passes: only a wrong "holds" is a failure)
    if holds:
        assert all(accept(bought) for bought in truth)
    HELD.append(holds)


HELD: list[bool] = []


def test_the_random_boxes_held_often_enough_to_mean_something():
    HELD.clear()
    test_a_box_that_holds_is_right_at_every_increment()  # all its examples again
    assert len(HELD) >= 100
    assert 0.2 < sum(HELD) / len(HELD) < 0.95


@pytest.mark.parametrize(
    "name", ["Poland_Swiecie_2023.pb", "Poland_Katowice_2023_Ligota_-_Panewniki.pb"]
)
def test_boxes_on_real_elections_agree_with_runs_at_every_increment(name):
    election = read_pabulib(DATA / name)
    engine, first, step = engine_for(election)
    budgets = [first + k * step for k in range(0, 121, 3)]
    truth = [frozenset(engine.float_run(b) or engine.exact_run(b).order) for b in budgets]
    for span in (1, 2, 4, 8):
        for i in range(0, len(budgets) - span, span):
            wanted = truth[i]
            holds, _ = engine.box_check(
                budgets[i], budgets[i + span], lambda bought, wanted=wanted: bought == wanted
            )
            if holds:
                assert truth[i : i + span + 1] == [wanted] * (span + 1), (i, span)


def test_skipping_with_boxes_gives_the_outcome_of_every_increment():
    for name in ["Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb"]:
        election = read_pabulib(DATA / name)
        fast = mes(election)
        assert fast.details["boxes"] > 0  # the boxes were used
        slow = mes(election, skip=False)
        assert fast.selected == slow.selected
        assert fast.details["budget_per_voter"] == slow.details["budget_per_voter"]
