"""MES's Add1 loop stops a run early only when the outcome surely lets the loop go on.

`_Engine.surely_goes_on(budgets, bought, spent, scale)` may say True only if, whatever MES buys
from that state on, the outcome is within the budget and not exhaustive. It is also asked with
upper bounds of the budgets (by the boxes). These tests replay exact runs on random and real
elections, ask it at every step, and compare with how each run really ends.
"""

from __future__ import annotations

import importlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tally_mes_boxes import elections as box_elections  # (this folder is on sys.path)

from pb.tally import Election, mes, read_pabulib

# pb.tally.mes is also the name of the function: fetch the module itself.
MES = importlib.import_module("pb.tally.mes")
DATA = Path(__file__).resolve().parents[2] / "data" / "pabulib"
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def elections(draw) -> Election:
    """The random elections of the box tests, with up to two projects that one voter wants
    and nobody can afford (the check needs such projects to say yes), and a new budget."""
    drawn = draw(box_elections())
    costs = {p.id: p.cost for p in drawn.projects}
    ballots = [sorted(b.projects) for b in drawn.ballots]
    for rare in range(draw(st.integers(0, 2))):
        costs[f"r{rare}"] = min(costs.values()) * draw(st.integers(5, 60))
        ballots[draw(st.integers(0, len(ballots) - 1))] = [*ballots[0], f"r{rare}"]
    total = int(sum(costs.values()))
    budget = draw(st.integers(1, total) | st.integers(total // 3, total))
    return Election.build(costs, budget, ballots, "approval")


def goes_on(data, bought) -> bool:
    """What Add1 asks of the set bought at one increment (pb.tally.mes.mes)."""
    by_cost = sorted(data.mes_projects, key=lambda p: data.cost[p])
    return MES._outcome_cost(data, bought) <= data.budget and not MES._exhaustive(
        data, list(bought), by_cost
    )


def states(engine, b: Fraction):
    """Every state of the exact run at b: (budgets as floats, projects bought, their cost), and
    the set the run ends with."""
    d = engine.d
    run = engine.exact_run(b)
    budgets = [b] * d.n_groups
    bought: list[int] = []
    found = []
    for facts in [None, *run.rounds]:
        if facts is not None:
            p, rho = facts["project"], facts["rho"]
            for g, u in zip(d.sup_g[p].tolist(), d.sup_u[p].tolist(), strict=True):
                budgets[g] = max(budgets[g] - rho * int(u), Fraction(0))
            bought.append(p)
        spent = sum(d.cost[q] for q in bought)
        found.append((np.array([float(x) for x in budgets]), list(bought), spent))
    return found, frozenset(run.order)


SAID: list[bool] = []


@SETTINGS
@given(elections(), st.integers(0, 60), st.sampled_from([0, Fraction(1, 100), Fraction(1, 3)]))
def test_surely_goes_on_is_never_wrong(election, extra, slack):
    data = MES._Data(election, points=False)
    engine = MES._Engine(data)
    b = Fraction(data.budget, data.n_voters) + extra * data.scale
    found, final = states(engine, b)
    truth = goes_on(data, final)
    for budgets, bought, spent in found:
        # with the budgets themselves, or with upper bounds of them (as boxes ask)
        high = budgets * float(1 + slack)
        says = engine.surely_goes_on(high, bought, spent, float(b * (1 + slack)))
        if says:
            assert truth, (bought, final)
        SAID.append(says)


def test_surely_goes_on_said_yes_often_enough_to_mean_something():
    SAID.clear()
    test_surely_goes_on_is_never_wrong()  # all its examples again
    assert len(SAID) >= 500
    assert 0.05 < sum(SAID) / len(SAID) < 0.9


@pytest.mark.parametrize(
    "name", ["Poland_Wieliczka_2023_Green_Budget.pb", "Poland_Krakow_2022_Pradnik_Bialy.pb"]
)
def test_surely_goes_on_on_real_elections(name):
    election = read_pabulib(DATA / name)
    data = MES._Data(election, points=False)
    engine = MES._Engine(data)
    first = Fraction(data.budget, data.n_voters)
    yes = 0
    for extra in (0, 60, 120, 149, 150, 200, 203, 204):
        found, final = states(engine, first + extra * data.scale)
        truth = goes_on(data, final)
        for budgets, bought, spent in found:
            if engine.surely_goes_on(budgets, bought, spent, float(first + extra * data.scale)):
                assert truth, (name, extra, bought)
                yes += 1
    assert yes > 20


@SETTINGS
@given(elections())
def test_before_anything_is_bought_it_holds_up_to_some_budget_then_never(election):
    """mes() skips the first increments by halving on this, so it must be monotone."""
    data = MES._Data(election, points=False)
    engine = MES._Engine(data)
    first = Fraction(data.budget, data.n_voters)
    answers = []
    for k in range(0, 400, 3):
        b = float(first + k * data.scale)
        answers.append(engine.surely_goes_on(np.full(data.n_groups, b), (), 0, b))
    assert answers == sorted(answers, reverse=True)


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Krakow_2022_Pradnik_Bialy.pb",
        "Poland_Katowice_2023_Ligota_-_Panewniki.pb",
        "US_Stanford_Dataset_PB_Vallejo_2017_vote_approvals.pb",
        "Switzerland_Zurich_D10.pb",
    ],
)
def test_stopping_early_gives_the_outcome_of_every_increment(name):
    election = read_pabulib(DATA / name)
    fast = mes(election)
    slow = mes(election, skip=False)
    assert fast.selected == slow.selected
    assert fast.details["budget_per_voter"] == slow.details["budget_per_voter"]
    assert fast.details["mes_runs"] < slow.details["mes_runs"] / 4  # increments were skipped
