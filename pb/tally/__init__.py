"""Participatory-budgeting tally engine: greedy, Method of Equal Shares, sequential Phragmén.

Pure Python (standard library and numpy); no Flask, no database. Outcomes are those of
pabutools 1.2.3 with its default (lexicographic) tie-breaking, computed exactly and fast.

Typical use::

    from pb.tally import Election, tally
    election = Election.build({"a": 100, "b": 250}, 300, [{"a"}, {"a", "b"}, {"b"}])
    result = tally(election, "mes")
    result.selected      # ['a', ...] in order of selection
    result.trace         # steps explaining every decision
    result.details       # e.g. MES: final budget_per_voter, mes_runs

    from pb.tally import read_pabulib, tally_file, write_pabulib
    tally_file("election.pb", "mes")   # -> selected project ids; PabulibError if malformed

Trace steps (all amounts exact Fractions in money units; ``str(step)`` is a one-line
explanation): :class:`GreedyStep` (votes or points, cost, fits, budget left), :class:`MesStep`
(round, rho, how many voters paid their full ``share`` and how many paid all they had left),
:class:`MesSkipStep` (what a project's supporters had left when MES stopped),
:class:`ZeroCostStep`, :class:`PhragmenStep` (load at which a project was bought). A step's
``phase`` says which part of the rule took it ("mes", "completion", "greedy", "phragmen").

Rules (``tally(election, rule)``):

==========================  ====================================================================
``greedy``                  greedy, ballots seen as approvals (pabutools ``greedy_cost``)
``greedy_points``           greedy with points as utilities (pabutools ``greedy_points``; on
                            approval ballots one point per approval, i.e. ``greedy_card``)
``mes``                     MES + Add1 + greedy completion: with approvals (Cost_Sat) for
                            approval, choose-1 and ordinal ballots (``mes_cost_add1_greedy``);
                            with points (Additive_Cardinal_Sat, completed by ``greedy_points``)
                            for cumulative and scoring ballots
``mes_cost``                plain MES, approvals (pabutools ``mes_cost``)
``mes_cost_add1``           MES + Add1, approvals, no completion
``mes_cost_add1_greedy``    MES + Add1 + greedy, approvals, whatever the ballots
``mes_points``              plain MES with points (pabutools ``mes_points``)
``mes_points_add1_greedy``  MES + Add1 + greedy with points
``phragmen``                sequential Phragmén, approvals (pabutools ``seq_phragmen``)
==========================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .election import (
    ApprovalBallot,
    Ballot,
    Election,
    ElectionError,
    OrdinalBallot,
    PointsBallot,
    Project,
    VoteType,
    to_fraction,
)
from .explain import (
    GreedyStep,
    MesSkipStep,
    MesStep,
    PhragmenStep,
    Step,
    TallyResult,
    ZeroCostStep,
)
from .greedy import greedy
from .mes import MesTooLong, mes
from .pabulib import PabulibError, read_pabulib, read_pabulib_string, write_pabulib
from .phragmen import phragmen

__all__ = [
    "RULES",
    "ApprovalBallot",
    "Ballot",
    "Election",
    "ElectionError",
    "GreedyStep",
    "MesSkipStep",
    "MesStep",
    "MesTooLong",
    "OrdinalBallot",
    "PabulibError",
    "PhragmenStep",
    "PointsBallot",
    "Project",
    "Step",
    "TallyResult",
    "VoteType",
    "ZeroCostStep",
    "greedy",
    "mes",
    "phragmen",
    "read_pabulib",
    "read_pabulib_string",
    "tally",
    "tally_file",
    "to_fraction",
    "write_pabulib",
]


def _mes_default(election: Election) -> TallyResult:
    return mes(election, points=election.vote_type.has_points)


RULES: dict[str, Callable[[Election], TallyResult]] = {
    "greedy": lambda e: greedy(e),
    "greedy_cost": lambda e: greedy(e),
    "greedy_points": lambda e: greedy(e, points=True),
    "mes": _mes_default,
    "mes_cost": lambda e: mes(e, increment=None, completion=False),
    "mes_cost_add1": lambda e: mes(e, completion=False),
    "mes_cost_add1_greedy": lambda e: mes(e),
    "mes_points": lambda e: mes(e, points=True, increment=None, completion=False),
    "mes_points_add1_greedy": lambda e: mes(e, points=True),
    "phragmen": phragmen,
    "seq_phragmen": phragmen,
}
"""Rule name -> function of an election returning a :class:`TallyResult`."""


def tally(election: Election, rule: str) -> TallyResult:
    """Runs the named rule (see the module docstring) on an election."""
    try:
        run = RULES[rule]
    except KeyError:
        raise ValueError(f"unknown rule {rule!r}; known rules: {', '.join(RULES)}") from None
    result = run(election)
    if result.rule != rule:
        result = TallyResult(
            rule, result.selected, result.trace, result.budget, result.total_cost, result.details
        )
    return result


def tally_file(path: str | Path, rule: str) -> list[str]:
    """Reads a Pabulib file and returns the ids of the selected projects, in order of selection.

    Raises :class:`PabulibError` (one-line message with section and line) for a malformed file
    and ValueError for an unknown rule.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; known rules: {', '.join(RULES)}")
    return tally(read_pabulib(path), rule).selected
