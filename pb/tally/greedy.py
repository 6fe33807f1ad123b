"""The greedy rule (greedy utilitarian welfare), as pabutools 1.2.3 computes it.

Projects are looked at in decreasing order of satisfaction per unit of cost, and each one whose
cost fits in what is left of the budget is selected. This is pabutools'
``greedy_utilitarian_welfare`` with

- ``Cost_Sat`` (``points=False``, the default; every ballot seen as approvals): the satisfaction
  of a project is its cost times its number of approvals, so projects are ordered by number of
  approvals. A project of cost 0 has satisfaction 0 under Cost_Sat and so comes last;
- ``Additive_Cardinal_Sat`` (``points=True``): the satisfaction is the total number of points,
  so projects are ordered by points per unit of cost; a supported project of cost 0 comes first.

Projects with satisfaction 0 (nobody approves them) come last, and are still selected if they
fit, as in pabutools. Ties are broken by project id compared as strings (pabutools' default
lexicographic tie-breaking: ``"11"`` comes before ``"2"``). Arithmetic is exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

from .election import Election, ElectionError
from .explain import GreedyStep, TallyResult

__all__ = ["greedy", "greedy_order"]


def _scores(election: Election, points: bool) -> dict[str, Fraction]:
    """Votes (approvals) or total points per project."""
    if points and election.vote_type.has_points:
        return election.point_totals()
    return {pid: Fraction(v) for pid, v in election.approval_scores().items()}


def greedy_order(
    election: Election,
    *,
    points: bool = False,
    exclude: Iterable[str] = (),
    scores: dict[str, Fraction] | None = None,
) -> list[tuple[str, Fraction]]:
    """The projects in the order greedy looks at them, with their score (votes or points;
    ``scores`` when the caller knows them already)."""
    excluded = set(exclude)
    if scores is None:
        scores = _scores(election, points)
    keyed = []
    for p in election.projects:
        if p.id in excluded:
            continue
        score = scores[p.id]
        # pabutools' satisfaction of the project: Cost_Sat gives cost * votes.
        sat = score if points else score * p.cost
        if sat > 0:
            density: Fraction | float = sat / p.cost if p.cost > 0 else math.inf
        else:
            density = Fraction(0)
        keyed.append(((-density, p.id), p.id, score))
    keyed.sort(key=lambda item: item[0])
    return [(pid, score) for _, pid, score in keyed]


def greedy(
    election: Election,
    *,
    points: bool = False,
    initial: Iterable[str] = (),
    phase: str = "greedy",
    scores: dict[str, Fraction] | None = None,
) -> TallyResult:
    """Runs greedy. ``initial`` are projects already selected (greedy completes them);
    ``scores``, each project's votes or points, when the caller knows them already.

    ``selected`` in the result is ``initial`` followed by what greedy adds; the trace has one
    :class:`GreedyStep` per project looked at.
    """
    if points and election.vote_type.has_points:
        for b in election.ballots:
            if any(v < 0 for _, v in b.scores):  # type: ignore[union-attr]
                raise ElectionError("greedy with points needs points of at least 0")
    initial = list(initial)
    costs = {p.id: p.cost for p in election.projects}
    remaining = election.budget - sum((costs[i] for i in initial), Fraction(0))
    selected = list(initial)
    trace: list[GreedyStep] = []
    unit = "points" if points and election.vote_type.has_points else "votes"
    for pid, score in greedy_order(election, points=points, exclude=initial, scores=scores):
        cost = costs[pid]
        fits = cost <= remaining
        if fits:
            remaining -= cost
            selected.append(pid)
        trace.append(GreedyStep(pid, fits, phase, score, cost, fits, remaining, unit))
    return TallyResult(
        rule="greedy_points" if points else "greedy",
        selected=selected,
        trace=list(trace),
        budget=election.budget,
        total_cost=election.budget - remaining,
    )
