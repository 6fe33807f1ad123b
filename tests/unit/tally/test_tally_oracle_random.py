"""pb.tally against pabutools 1.2.3 (the oracle) on random elections built to be hard.

The elections have few voters and projects, costs drawn from a few values (tied costs, some of
them 0 or decimal), ballots that often repeat or tie in number of approvals, and budgets close to
the sum of the costs of some projects: where implementations that are almost right differ. The
increments of Add1 are small next to the budgets per voter, so MES runs many increments and the
increment-skipping logic is exercised.
"""

from __future__ import annotations

import importlib
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import (
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
)
from pabutools.election import Project as PabuProject
from pabutools.fractions import frac
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from pb.tally import Election, greedy, mes, phragmen

EXAMPLES = 300

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Ids whose string order differs from their numeric order ("10" < "9").
IDS = ["1", "2", "9", "10", "11", "a", "B", "b2"]
COSTS = [Fraction(c) for c in (1, 2, 3, 4, 5, 6, 10, 12, 20)] + [Fraction(5, 2), Fraction(0)]


@st.composite
def elections(draw, points: bool = False) -> Election:
    n_projects = draw(st.integers(1, 6))
    ids = draw(st.permutations(IDS))[:n_projects]
    costs = [draw(st.sampled_from(COSTS)) for _ in ids]
    if draw(st.booleans()):  # many tied costs
        costs = [costs[0] if draw(st.booleans()) else c for c in costs]
    # Large costs make Add1 take many increments of 1 per voter.
    factor = draw(st.sampled_from([1, 1, 1, 7, 100]))
    costs = [c * factor for c in costs]
    n_voters = draw(st.integers(0, 12))
    ballots: list = []
    for _ in range(n_voters):
        if ballots and draw(st.integers(0, 3)) == 0:
            ballots.append(ballots[draw(st.integers(0, len(ballots) - 1))])  # repeated ballot
            continue
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=n_projects))
        if points:
            ballots.append({p: draw(st.integers(0, 4)) for p in chosen})
        else:
            ballots.append(set(chosen))
    total = sum(costs, Fraction(0))
    subset = draw(st.lists(st.booleans(), min_size=n_projects, max_size=n_projects))
    near = sum((c for c, keep in zip(costs, subset, strict=True) if keep), Fraction(0))
    budget = draw(
        st.sampled_from(
            [near, near + 1, max(near - 1, Fraction(0)), total, total / 2, near + Fraction(1, 2)]
        )
    )
    vote_type = "cumulative" if points else "approval"
    return Election.build(dict(zip(ids, costs, strict=True)), budget, ballots, vote_type)


def pabutools_election(election: Election, points: bool = False):
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=frac(election.budget))
    if points:
        profile = CumulativeProfile(
            [
                CumulativeBallot({projects[p]: frac(v) for p, v in b.scores})
                for b in election.ballots
            ]
        )
    else:
        profile = ApprovalProfile(
            [ApprovalBallot([projects[p] for p in b.approved()]) for b in election.ballots]
        )
    return instance, profile


def names(allocation) -> list[str]:
    return [p.name for p in allocation]


def oracle_mes_add1_greedy(instance, profile, sat):
    return names(
        completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}],
        )
    )


@SETTINGS
@given(elections())
def test_greedy_is_pabutools_greedy_cost_sat(election):
    instance, profile = pabutools_election(election)
    expected = names(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat))
    assert greedy(election).selected == expected


@SETTINGS
@given(elections())
def test_plain_mes_is_pabutools_mes_cost_sat(election):
    instance, profile = pabutools_election(election)
    expected = names(method_of_equal_shares(instance, profile, sat_class=Cost_Sat))
    assert mes(election, increment=None, completion=False).selected == expected


@SETTINGS
@given(elections())
def test_mes_add1_greedy_is_pabutools(election):
    instance, profile = pabutools_election(election)
    expected = oracle_mes_add1_greedy(instance, profile, Cost_Sat)
    result = mes(election)
    assert result.selected == expected
    # Without skipping increments, the same outcome.
    assert mes(election, skip=False).selected == expected


@SETTINGS
@given(elections())
def test_mes_add1_without_completion_is_pabutools(election):
    instance, profile = pabutools_election(election)
    expected = names(
        method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    )
    assert mes(election, completion=False).selected == expected


@SETTINGS
@given(elections())
def test_phragmen_is_pabutools_sequential_phragmen(election):
    instance, profile = pabutools_election(election)
    expected = names(sequential_phragmen(instance, profile))
    result = phragmen(election)
    assert set(result.selected) == set(expected)  # pabutools returns them sorted
    assert len(result.selected) == len(expected)
    assert sorted(result.selected) == sorted(expected)


@settings(SETTINGS, max_examples=200)
@given(elections(points=True))
def test_points_rules_are_pabutools_additive_cardinal_sat(election):
    instance, profile = pabutools_election(election, points=True)
    sat = Additive_Cardinal_Sat
    plain = names(method_of_equal_shares(instance, profile, sat_class=sat))
    mine = mes(election, points=True, increment=None, completion=False).selected
    # Supported projects of cost 0 come first, in an order pabutools leaves to a set.
    assert set(mine) == set(plain) and len(mine) == len(plain)
    zero = {p.id for p in election.projects if p.cost == 0}
    assert [p for p in mine if p not in zero] == [p for p in plain if p not in zero]
    expected = oracle_mes_add1_greedy(instance, profile, sat)
    full = mes(election, points=True).selected
    assert set(full) == set(expected) and len(full) == len(expected)
    expected_greedy = names(greedy_utilitarian_welfare(instance, profile, sat_class=sat))
    assert greedy(election, points=True).selected == expected_greedy


@settings(SETTINGS, max_examples=100)
@given(elections(points=True))
def test_approval_rules_on_points_ballots_use_approvals(election):
    """On cumulative ballots the approval rules see every project with points > 0 approved."""
    approvals = Election.build(
        {p.id: p.cost for p in election.projects},
        election.budget,
        [b.approved() for b in election.ballots],
    )
    assert mes(election).selected == mes(approvals).selected
    assert greedy(election).selected == greedy(approvals).selected
    assert phragmen(election).selected == phragmen(approvals).selected


def _engine(election, points=False):
    # pb.tally.mes is also the name of the function: fetch the module itself.
    module = importlib.import_module("pb.tally.mes")
    return module._Engine(module._Data(election, points))


@settings(SETTINGS, max_examples=150)
@given(elections(), st.integers(0, 30))
def test_exact_run_matches_plain_fraction_arithmetic(election, extra):
    """The float-guided exact run and the all-Fraction reference give the same run and trace."""
    engine = _engine(election)
    if engine.d.n_voters == 0 or not engine.d.mes_projects:
        return
    b = Fraction(engine.d.budget, engine.d.n_voters) + extra * engine.d.scale
    fast = engine.exact_run(b)
    slow = engine.fraction_run(b)
    assert fast.order == slow.order
    assert fast.rounds == slow.rounds
    assert fast.left == slow.left  # what the supporters of each project not bought have left
    assert engine.float_run(b) in (None, slow.order)


@settings(SETTINGS, max_examples=100)
@given(elections(points=True), st.integers(0, 30))
def test_exact_run_with_points_matches_plain_fraction_arithmetic(election, extra):
    engine = _engine(election, points=True)
    if engine.d.n_voters == 0 or not engine.d.mes_projects:
        return
    b = Fraction(engine.d.budget, engine.d.n_voters) + extra * engine.d.scale
    fast = engine.exact_run(b)
    slow = engine.fraction_run(b)
    assert (fast.order, fast.rounds, fast.left) == (slow.order, slow.rounds, slow.left)
