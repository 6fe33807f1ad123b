"""The neutral election object the tally rules work on.

An :class:`Election` is a budget, a tuple of :class:`Project` and a tuple of ballots. It knows
nothing about the web app or the database: build one from any source with :meth:`Election.build`
(or the dataclass constructor), or read one from a Pabulib file with
:func:`pb.tally.pabulib.read_pabulib`.

Money is exact. Costs and the budget are stored as :class:`fractions.Fraction`, so a cost written
``2828094.61`` in a ``.pb`` file is exactly ``282809461/100``. Floats are accepted by the
constructors only through their shortest decimal representation (``0.1`` means ``1/10``). The rules
scale every amount by the least common denominator of all the costs and the budget, and then work
on integers and exact rationals.

Ballot kinds and how the approval rules see them:

- :class:`ApprovalBallot` (vote types ``approval`` and ``choose-1``): the set of approved projects.
- :class:`OrdinalBallot` (``ordinal``): a ranking, best first. As an approval ballot it approves
  every ranked project.
- :class:`PointsBallot` (``cumulative`` and ``scoring``): points per project. As an approval
  ballot it approves every project with more than 0 points; rules "with points" use the points
  as utilities.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property

__all__ = [
    "ApprovalBallot",
    "Ballot",
    "Election",
    "ElectionError",
    "OrdinalBallot",
    "PointsBallot",
    "Project",
    "VoteType",
    "to_fraction",
]


class ElectionError(ValueError):
    """An election that cannot be tallied: unknown project, negative cost, wrong ballot kind..."""


class VoteType(StrEnum):
    """The Pabulib vote types."""

    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    ORDINAL = "ordinal"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"

    @property
    def has_points(self) -> bool:
        return self in (VoteType.CUMULATIVE, VoteType.SCORING)

    def __str__(self) -> str:
        return self.value


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def to_fraction(value: object, what: str = "number") -> Fraction:
    """Converts an int, Fraction, Decimal, float or decimal string to an exact Fraction.

    Strings may use a comma as the decimal separator (``"12,5"``), as some Pabulib files do.
    Floats are converted through their shortest decimal representation. Raises
    :class:`ElectionError` for anything else (``nan``, ``"1/3"``, ``"12 000"``...).
    """
    if isinstance(value, bool):
        raise ElectionError(f"{what} {value!r} is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ElectionError(f"{what} {value!r} is not a finite number")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ElectionError(f"{what} {value!r} is not a finite number")
        return Fraction(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return Fraction(int(text))
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _NUMBER.fullmatch(text):
            raise ElectionError(f"{what} {value!r} is not a number")
        return Fraction(text)
    raise ElectionError(f"{what} {value!r} is not a number")


def _frozen_pairs(value: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> tuple:
    if value is None:
        return ()
    if type(value) is tuple:
        return value
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), str(v)) for k, v in items)


@dataclass(frozen=True, slots=True)
class Project:
    """A project: its id (a string, also the tie-breaking key), its exact cost, optional name.

    ``extra`` keeps any other columns of a Pabulib PROJECTS row, as ``(column, value)`` pairs.
    """

    id: str
    cost: Fraction
    name: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ElectionError(f"project id {self.id!r} must be a non-empty string")
        cost = to_fraction(self.cost, f"cost of project {self.id!r}")
        if cost < 0:
            raise ElectionError(f"cost of project {self.id!r} is negative: {cost}")
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "extra", _frozen_pairs(self.extra))


@dataclass(frozen=True, slots=True)
class ApprovalBallot:
    """The set of approved project ids (vote types ``approval`` and ``choose-1``)."""

    projects: frozenset[str]
    voter_id: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", frozenset(self.projects))
        object.__setattr__(self, "extra", _frozen_pairs(self.extra))

    def approved(self) -> frozenset[str]:
        return self.projects

    def points(self) -> dict[str, Fraction]:
        return {p: Fraction(1) for p in self.projects}


@dataclass(frozen=True, slots=True)
class OrdinalBallot:
    """A ranking of project ids, most preferred first. Approves every ranked project."""

    ranking: tuple[str, ...]
    voter_id: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        ranking = tuple(self.ranking)
        if len(set(ranking)) != len(ranking):
            raise ElectionError(f"ranking {list(ranking)} lists a project twice")
        object.__setattr__(self, "ranking", ranking)
        object.__setattr__(self, "extra", _frozen_pairs(self.extra))

    def approved(self) -> frozenset[str]:
        return frozenset(self.ranking)

    def points(self) -> dict[str, Fraction]:
        return {p: Fraction(1) for p in self.ranking}


@dataclass(frozen=True, slots=True)
class PointsBallot:
    """Points given to projects (vote types ``cumulative`` and ``scoring``).

    ``scores`` keeps the order of the file as ``(project id, points)`` pairs. As an approval
    ballot it approves every project with more than 0 points.
    """

    scores: tuple[tuple[str, Fraction], ...]
    voter_id: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    # the approved ids, worked out once: every approval rule asks for them
    _approved: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items = self.scores.items() if isinstance(self.scores, Mapping) else self.scores
        scores = tuple((str(p), to_fraction(v, f"points for project {p!r}")) for p, v in items)
        if len({p for p, _ in scores}) != len(scores):
            raise ElectionError("a points ballot gives points to the same project twice")
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "extra", _frozen_pairs(self.extra))
        object.__setattr__(self, "_approved", frozenset(p for p, v in scores if v > 0))

    def approved(self) -> frozenset[str]:
        return self._approved

    def points(self) -> dict[str, Fraction]:
        return dict(self.scores)


Ballot = ApprovalBallot | OrdinalBallot | PointsBallot


_BALLOT_CLASS = {
    VoteType.APPROVAL: ApprovalBallot,
    VoteType.CHOOSE_1: ApprovalBallot,
    VoteType.ORDINAL: OrdinalBallot,
    VoteType.CUMULATIVE: PointsBallot,
    VoteType.SCORING: PointsBallot,
}


def _ballot_projects(ballot: Ballot) -> Iterable[str]:
    if isinstance(ballot, ApprovalBallot):
        return ballot.projects
    if isinstance(ballot, OrdinalBallot):
        return ballot.ranking
    return (p for p, _ in ballot.scores)


@dataclass(frozen=True, eq=True)
class Election:
    """A participatory-budgeting election: projects, budget, ballots and their vote type.

    Validation happens on construction and raises :class:`ElectionError`. ``meta`` keeps the
    Pabulib META pairs (other than the ones derived from the data) for round-tripping files.
    """

    projects: tuple[Project, ...]
    budget: Fraction
    ballots: tuple[Ballot, ...]
    vote_type: VoteType = VoteType.APPROVAL
    meta: tuple[tuple[str, str], ...] = ()
    # every ballot as the set of ids it approves (worked out on construction)
    _approved_sets: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        projects = tuple(self.projects)
        for p in projects:
            if not isinstance(p, Project):
                raise ElectionError(f"{p!r} is not a Project")
        ids = [p.id for p in projects]
        if len(set(ids)) != len(ids):
            dup = next(i for i, c in Counter(ids).items() if c > 1)
            raise ElectionError(f"project id {dup!r} appears twice")
        budget = to_fraction(self.budget, "budget")
        if budget < 0:
            raise ElectionError(f"budget is negative: {budget}")
        try:
            vote_type = VoteType(self.vote_type)
        except ValueError:
            raise ElectionError(f"unknown vote type {self.vote_type!r}") from None
        ballots = tuple(self.ballots)
        known = set(ids)
        cls = _BALLOT_CLASS[vote_type]
        # Every ballot as the set it approves, equal sets being one object: approval rules
        # group equal ballots (`approval_groups`), which then hashes each set once and reads
        # one compact column instead of every ballot object.
        shared: dict[frozenset[str], frozenset[str]] = {}
        approved = []
        for index, ballot in enumerate(ballots):
            if not isinstance(ballot, cls):
                raise ElectionError(
                    f"ballot {index + 1} is a {type(ballot).__name__}, "
                    f"but vote type {vote_type} needs a {cls.__name__}"
                )
            for pid in _ballot_projects(ballot):
                if pid not in known:
                    raise ElectionError(f"ballot {index + 1}: project {pid!r} is not in projects")
            if vote_type is VoteType.CHOOSE_1 and len(ballot.projects) > 1:
                raise ElectionError(f"ballot {index + 1} chooses more than one project")
            ids_approved = ballot.approved()
            approved.append(shared.setdefault(ids_approved, ids_approved))
        object.__setattr__(self, "projects", projects)
        object.__setattr__(self, "budget", budget)
        object.__setattr__(self, "vote_type", vote_type)
        object.__setattr__(self, "ballots", ballots)
        object.__setattr__(self, "meta", _frozen_pairs(self.meta))
        object.__setattr__(self, "_approved_sets", tuple(approved))

    # ----------------------------------------------------------------- construction helpers
    @classmethod
    def build(
        cls,
        projects: Mapping[str, object] | Iterable[Project] | Iterable[tuple[str, object]],
        budget: object,
        ballots: Iterable[object],
        vote_type: VoteType | str = VoteType.APPROVAL,
    ) -> Election:
        """Builds an election from plain data, e.g. rows from a database.

        - ``projects``: ``{id: cost}``, ``[(id, cost), ...]`` or ``[Project, ...]``; costs may be
          int, Decimal, Fraction, decimal strings or floats (see :func:`to_fraction`).
        - ``ballots``: for approval and choose-1, iterables of project ids; for ordinal,
          sequences of ids, best first; for cumulative and scoring, ``{id: points}`` mappings.
          Ballot objects are accepted as they are.
        """
        vote_type = VoteType(vote_type)
        if isinstance(projects, Mapping):
            plist = [Project(str(k), v) for k, v in projects.items()]
        else:
            plist = [
                p if isinstance(p, Project) else Project(str(p[0]), p[1])  # type: ignore[index]
                for p in projects
            ]
        made: list[Ballot] = []
        bcls = _BALLOT_CLASS[vote_type]
        for b in ballots:
            if isinstance(b, bcls):
                made.append(b)
            elif bcls is ApprovalBallot:
                made.append(ApprovalBallot(frozenset(str(x) for x in b)))  # type: ignore[attr-defined]
            elif bcls is OrdinalBallot:
                made.append(OrdinalBallot(tuple(str(x) for x in b)))  # type: ignore[attr-defined]
            else:
                if not isinstance(b, Mapping):
                    raise ElectionError(f"a {vote_type} ballot must be a mapping id -> points")
                made.append(PointsBallot(tuple((str(k), v) for k, v in b.items())))
        return cls(tuple(plist), to_fraction(budget, "budget"), tuple(made), vote_type)

    # ----------------------------------------------------------------------------- queries
    @property
    def num_voters(self) -> int:
        return len(self.ballots)

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    def cost_of(self, project_ids: Iterable[str]) -> Fraction:
        costs = {p.id: p.cost for p in self.projects}
        return sum((costs[i] for i in project_ids), Fraction(0))

    def meta_dict(self) -> dict[str, str]:
        return dict(self.meta)

    def approval_ballots(self) -> list[frozenset[str]]:
        """Every ballot seen as an approval ballot (see the module docstring)."""
        return list(self._approved_sets)

    @cached_property
    def approval_groups(self) -> Counter[frozenset[str]]:
        """Identical approval ballots counted once: ``{approved ids: number of voters}``.

        Cached because every rule starts from it, and MES then greedy run on the same election.
        """
        return Counter(self._approved_sets)

    def approval_scores(self) -> dict[str, int]:
        scores = dict.fromkeys((p.id for p in self.projects), 0)
        for approved, voters in self.approval_groups.items():
            for pid in approved:
                scores[pid] += voters
        return scores

    def point_totals(self) -> dict[str, Fraction]:
        """Total points per project (approval-type ballots count 1 per approval)."""
        totals = dict.fromkeys((p.id for p in self.projects), Fraction(0))
        for b in self.ballots:
            for pid, v in b.points().items():
                totals[pid] += v
        return totals

    def money_scale(self) -> int:
        """The least common denominator of all costs and of the budget."""
        scale = self.budget.denominator
        for p in self.projects:
            scale = math.lcm(scale, p.cost.denominator)
        return scale
