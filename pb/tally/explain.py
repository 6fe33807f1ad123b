"""Results and traces of the tally rules.

Every rule returns a :class:`TallyResult`: the selected project ids in order of selection, and a
trace, a list of steps saying why each project was selected or skipped. All amounts are exact
:class:`~fractions.Fraction` in the election's money unit; ``str(step)`` (or :meth:`Step.describe`)
gives a one-line English explanation, and the fields are there for a web page to render its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

__all__ = [
    "GreedyStep",
    "MesSkipStep",
    "MesStep",
    "PhragmenStep",
    "Step",
    "TallyResult",
    "ZeroCostStep",
    "format_amount",
]


def format_amount(value: Fraction | int | None, digits: int = 2) -> str:
    """A readable rendering of an exact amount: exact if it is a short decimal, else rounded."""
    if value is None:
        return "-"
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    scaled = value * 10**digits
    if scaled.denominator == 1:
        return f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return f"~{float(value):.{digits}f}"


@dataclass(frozen=True)
class Step:
    """One decision of a rule about one project.

    ``phase`` is the part of the rule that took it: ``"greedy"``, ``"mes"``, ``"completion"``
    (the greedy completion after MES) or ``"phragmen"``.
    """

    project: str
    selected: bool
    phase: str

    def describe(self) -> str:
        return f"{self.project}: {'selected' if self.selected else 'skipped'}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class GreedyStep(Step):
    """Greedy looks at projects by score (votes, or points) per unit of cost, best first.

    ``score`` is the number of approvals (or the total points), ``fits`` whether the cost fits in
    what was left, ``budget_left`` what is left after this step.
    """

    score: Fraction
    cost: Fraction
    fits: bool
    budget_left: Fraction
    score_unit: str = "votes"

    def describe(self) -> str:
        verdict = "fits: selected" if self.fits else "does not fit: skipped"
        return (
            f"{self.project}: {format_amount(self.score)} {self.score_unit}, cost "
            f"{format_amount(self.cost)}, {verdict}; budget left {format_amount(self.budget_left)}"
        )


@dataclass(frozen=True)
class ZeroCostStep(Step):
    """A project of cost 0 that some voter supports: MES selects it before the first round."""

    def describe(self) -> str:
        return f"{self.project}: costs nothing and has support: selected"


@dataclass(frozen=True)
class MesStep(Step):
    """A project bought by the Method of Equal Shares.

    Each voter starts a run with ``budget_per_voter``. The project's supporters share its cost:
    the ``full_payers`` each pay ``share`` (for points ballots, ``rho`` times their points, so
    ``share`` is None), and ``partial_payers`` voters who had less than that paid everything they
    had left, ``partial_total`` together. ``supporters - payers`` supporters had nothing left.

    ``rho`` is the price per unit of satisfaction (pabutools' "affordability"; with approval
    ballots the satisfaction of a project is its cost, so ``rho = share / cost`` when nobody is
    short of money); projects are bought in increasing order of ``rho``. ``effective_votes`` is
    ``1 / rho`` for approval ballots: the number of voters who would pay the cost in equal shares.
    """

    round: int
    cost: Fraction
    rho: Fraction
    supporters: int
    full_payers: int
    share: Fraction | None
    partial_payers: int
    partial_total: Fraction
    budget_per_voter: Fraction

    @property
    def payers(self) -> int:
        """How many voters paid something for this project."""
        return self.full_payers + self.partial_payers

    @property
    def effective_votes(self) -> Fraction:
        return 1 / self.rho

    def describe(self) -> str:
        parts = [f"round {self.round}: {self.project} (cost {format_amount(self.cost)}) bought by"]
        if self.share is not None:
            parts.append(f"{self.full_payers} voters paying {format_amount(self.share)} each")
        else:
            parts.append(f"{self.full_payers} voters paying {format_amount(self.rho)} per point")
        if self.partial_payers:
            parts.append(
                f"and {self.partial_payers} voters paying all they had left "
                f"({format_amount(self.partial_total)} together)"
            )
        parts.append(f"out of {self.supporters} supporters; rho {float(self.rho):.6g}")
        return " ".join(parts)


@dataclass(frozen=True)
class MesSkipStep(Step):
    """A project the Method of Equal Shares did not buy (the greedy completion may still add it).

    ``supporters_money`` is what its ``supporters`` had left together when MES stopped: less than
    the ``cost``. It is None when MES did not consider the project: nobody supports it, or (with
    approval ballots, where the satisfaction of a project is its cost) it costs nothing.
    """

    cost: Fraction
    supporters: int
    supporters_money: Fraction | None
    budget_per_voter: Fraction

    def describe(self) -> str:
        if self.supporters_money is not None:
            return (
                f"{self.project}: its {self.supporters} supporters had "
                f"{format_amount(self.supporters_money)} left together, less than its cost "
                f"{format_amount(self.cost)}: not bought with equal shares"
            )
        if self.supporters == 0:
            return f"{self.project}: nobody voted for it: not bought with equal shares"
        return f"{self.project}: costs nothing: left to the completion"


@dataclass(frozen=True)
class PhragmenStep(Step):
    """Sequential Phragmén: voters earn money continuously; a project is bought as soon as its
    supporters have earned its cost, each supporter's load becoming ``load`` (money per voter:
    the "time" at which it is bought). ``load`` is None for a project nobody supports (bought at
    the end if it fits). A skipped step is the project that would have been next but does not
    fit: the rule stops there.
    """

    cost: Fraction
    supporters: int
    load: Fraction | None
    fits: bool

    def describe(self) -> str:
        load = "never (no supporters)" if self.load is None else format_amount(self.load)
        if self.fits:
            return (
                f"{self.project}: {self.supporters} supporters earn its cost "
                f"{format_amount(self.cost)} at load {load}: selected"
            )
        return (
            f"{self.project}: next at load {load} but its cost {format_amount(self.cost)} "
            "does not fit: stop"
        )


@dataclass(frozen=True)
class TallyResult:
    """The outcome of a rule: ``selected`` in order of selection, and the ``trace``.

    ``details`` holds rule-specific facts, e.g. for MES with Add1 the final ``budget_per_voter``
    and the number of MES runs computed.
    """

    rule: str
    selected: list[str]
    trace: list[Step]
    budget: Fraction
    total_cost: Fraction
    details: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [
            f"{self.rule}: {len(self.selected)} projects, cost {format_amount(self.total_cost)}"
        ]
        lines += [f"  {step.describe()}" for step in self.trace]
        return "\n".join(lines)
