"""Properties every rule has, whatever the election; and MES helping a minority greedy ignores."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pb.tally import (
    Election,
    GreedyStep,
    MesSkipStep,
    MesStep,
    PhragmenStep,
    greedy,
    mes,
    phragmen,
    tally,
)

RULES = ["greedy", "greedy_points", "mes", "mes_cost", "mes_points", "phragmen"]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@st.composite
def elections(draw):
    n_projects = draw(st.integers(1, 7))
    ids = [f"p{i}" for i in draw(st.permutations(range(12)))[:n_projects]]
    costs = {pid: Fraction(draw(st.sampled_from([0, 1, 3, 5, 8, 13, 40])) * 25, 2) for pid in ids}
    vote_type = draw(st.sampled_from(["approval", "cumulative", "ordinal"]))
    ballots = []
    for _ in range(draw(st.integers(0, 15))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=n_projects))
        if vote_type == "cumulative":
            ballots.append({p: draw(st.integers(0, 3)) for p in chosen})
        else:
            ballots.append(chosen)
    budget = Fraction(draw(st.integers(0, int(sum(costs.values())) + 10)))
    return Election.build(costs, budget, ballots, vote_type)


def shuffled(election: Election, order: list[int], project_order: list[int]) -> Election:
    ballots = tuple(election.ballots[i] for i in order)
    projects = tuple(election.projects[i] for i in project_order)
    return Election(projects, election.budget, ballots, election.vote_type)


@SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_budget_determinism_and_ballot_order(election, rnd):
    order = list(range(len(election.ballots)))
    rnd.shuffle(order)
    project_order = list(range(len(election.projects)))
    rnd.shuffle(project_order)
    other = shuffled(election, order, project_order)
    for rule in RULES:
        first = tally(election, rule)
        assert first.total_cost <= election.budget
        assert election.cost_of(first.selected) == first.total_cost
        assert len(set(first.selected)) == len(first.selected)
        again = tally(election, rule)
        assert again.selected == first.selected and again.trace == first.trace
        assert tally(other, rule).selected == first.selected


@SETTINGS
@given(elections())
def test_traces_explain_the_outcome(election):
    result = greedy(election)
    steps = [s for s in result.trace if isinstance(s, GreedyStep)]
    assert [s.project for s in steps if s.selected] == result.selected
    assert all(s.fits == s.selected for s in steps)
    assert steps == [] or steps[-1].budget_left == election.budget - result.total_cost

    result = mes(election)
    costs = {p.id: p.cost for p in election.projects}
    for step in result.trace:
        if isinstance(step, MesStep):
            assert step.full_payers * step.share + step.partial_total == costs[step.project]
            assert step.payers <= step.supporters
            assert step.share <= step.budget_per_voter
        if isinstance(step, MesSkipStep) and step.supporters_money is not None:
            assert step.supporters_money < step.cost
        assert step.describe()
    # every project is explained by the MES part, and the completion adds the rest
    mes_part = [s for s in result.trace if s.phase == "mes"]
    assert sorted(s.project for s in mes_part) == sorted(costs)
    bought = [s.project for s in mes_part if s.selected]
    completed = [s.project for s in result.trace if s.phase == "completion" and s.selected]
    assert bought + completed == result.selected

    result = phragmen(election)
    loads = [s.load for s in result.trace if isinstance(s, PhragmenStep) and s.selected]
    finite = [x for x in loads if x is not None]
    assert finite == sorted(finite)  # Phragmén's loads only grow
    assert [s.project for s in result.trace if s.selected] == result.selected


def test_mes_gives_a_minority_what_greedy_does_not():
    """Six voters want A and B, four want C; each costs half the budget.

    Greedy funds the two most approved projects, A and B: the four C voters get nothing.
    MES gives every voter a tenth of the budget: the six pay for A, and the four can afford C
    (with Add1 raising their share), but the six cannot afford B a second time.
    """
    ballots = [{"A", "B"}] * 6 + [{"C"}] * 4
    election = Election.build({"A": 50, "B": 50, "C": 50}, 100, ballots)
    assert greedy(election).selected == ["A", "B"]
    result = mes(election)
    assert result.selected == ["A", "C"]
    a, c = [s for s in result.trace if isinstance(s, MesStep)]
    assert (a.project, a.full_payers, a.share) == ("A", 6, Fraction(50, 6))
    assert (c.project, c.full_payers, c.share, c.partial_payers) == ("C", 4, Fraction(25, 2), 0)
    assert result.details["budget_per_voter"] == 13  # 10 each, then Add1: 11, 12, 13
    # Phragmén agrees with MES here.
    assert sorted(phragmen(election).selected) == ["A", "C"]


def test_points_mes_uses_the_points():
    # "small" has more supporters, but ten of them care much more about "big".
    ballots = [{"big": 9, "small": 1}] * 10 + [{"small": 1}] * 2
    election = Election.build({"big": 50, "small": 50}, 60, ballots, "cumulative")
    assert tally(election, "greedy").selected == ["small"]  # approvals
    assert tally(election, "mes_cost").selected == ["small"]
    assert tally(election, "greedy_points").selected == ["big"]
    result = tally(election, "mes_points")
    assert result.selected == ["big"]
    step, skipped = result.trace
    assert (skipped.project, skipped.selected, skipped.supporters_money) == ("small", False, 10)
    # every "big" supporter pays exactly all of their 5: 9 points at 5/9 per point
    assert (step.rho, step.full_payers, step.partial_payers) == (Fraction(5, 9), 10, 0)


def test_tie_breaking_compares_ids_as_strings():
    # "10" < "9" as strings: pabutools' default lexicographic tie-breaking.
    election = Election.build({"9": 10, "10": 10}, 10, [{"9", "10"}] * 4)
    for rule in ("greedy", "mes", "mes_cost", "phragmen"):
        assert tally(election, rule).selected == ["10"]
