"""The count in plain words: what the results page shows, and how each rule decided."""

from dataclasses import dataclass
from fractions import Fraction

from flask_babel import lazy_gettext as _l

RULE_EXPLANATIONS = {
    "greedy": _l(
        "The proposals with the most votes were chosen first. When one did not fit in the money "
        "that was left, it was skipped, and the next one was tried."
    ),
    "greedy_points": _l(
        "The proposals with the most points were chosen first. When one did not fit in the money "
        "that was left, it was skipped, and the next one was tried."
    ),
    "mes": _l(
        "Equal shares: every voter got the same share of the money. Each proposal was paid for "
        "by the voters who wanted it, sharing its cost. The proposal that cost its supporters the "
        "least each was bought first. So a smaller group also gets something it wants, as long "
        "as it agrees on it."
    ),
    "phragmen": _l(
        "Phragmén: every voter earns money at the same speed. A proposal is bought as soon as its "
        "supporters together have earned its cost; then their money is spent, and they start "
        "earning again. Proposals with many supporters are bought first, but a group that has "
        "already won something waits its turn."
    ),
}


def fraction(value) -> Fraction:
    return Fraction(value) if value is not None else Fraction(0)


def whole_ore(value) -> int:
    """Exact amounts in øre, rounded to the nearest øre only for showing."""
    return round(fraction(value))


def chosen_total(proposals, chosen) -> int:
    chosen_ids = {str(c) for c in (chosen.keys() if isinstance(chosen, dict) else chosen or [])}
    return sum(p.ballot_cost_ore for p in proposals if str(p.id) in chosen_ids)


@dataclass
class ResultRow:
    proposal: object
    score: int
    won: bool
    position: int | None


@dataclass
class Bought:
    """A winning proposal and how the count paid for it."""

    proposal: object
    cost_ore: int
    how: str  # "mes", "completion", "greedy", "phragmen" or "zero"
    score: int
    step: dict
    # For a proposal equal shares could not buy but the money left at the end did: what its
    # supporters had left together when equal shares stopped.
    supporters_had_ore: int | None = None

    @property
    def nobody_voted(self) -> bool:
        return self.score == 0


@dataclass
class NotBought:
    """A proposal on the ballot that did not win, with every reason the count gave."""

    proposal: object
    cost_ore: int
    score: int
    # What equal shares found: its supporters' money left together (None: not looked at).
    supporters_had_ore: int | None = None
    supporters: int = 0
    # What the greedy pass found: the money left when it was tried (None: not tried).
    left_when_tried_ore: int | None = None
    # Phragmén stopped at it, or before reaching it.
    phragmen: str | None = None  # "stopped_here" or "not_reached"
    excluded_without_votes: bool = False


def _money_steps(trace: list[dict]) -> dict[str, list[dict]]:
    by_project: dict[str, list[dict]] = {}
    for step in trace:
        by_project.setdefault(str(step.get("project")), []).append(step)
    return by_project


def _bought(proposal, score: int, steps: list[dict]) -> Bought:
    chosen = next(s for s in steps if s["selected"])
    kind, phase = chosen["kind"], chosen.get("phase")
    how = {
        "MesStep": "mes",
        "ZeroCostStep": "zero",
        "PhragmenStep": "phragmen",
    }.get(kind, "completion" if phase == "completion" else "greedy")
    entry = {"kind": kind, "phase": phase}
    if kind == "MesStep":
        share = chosen.get("share")
        entry.update(
            full_payers=chosen["full_payers"],
            partial_payers=chosen["partial_payers"],
            partial_total_ore=whole_ore(chosen["partial_total"]),
            supporters=chosen["supporters"],
            share_ore=whole_ore(share) if share is not None else None,
        )
    elif kind == "GreedyStep":
        entry.update(left_ore=whole_ore(chosen["budget_left"]))
    elif kind == "PhragmenStep":
        entry.update(supporters=chosen["supporters"])
    skipped = next((s for s in steps if s["kind"] == "MesSkipStep"), None)
    had = skipped.get("supporters_money") if skipped else None
    return Bought(
        proposal,
        proposal.ballot_cost_ore,
        how,
        score,
        entry,
        supporters_had_ore=whole_ore(had) if had is not None else None,
    )


def _not_bought(proposal, score: int, steps: list[dict], *, counted: bool, rule: str) -> NotBought:
    row = NotBought(proposal, proposal.ballot_cost_ore, score)
    if not counted:
        row.excluded_without_votes = True
        return row
    if rule == "phragmen":
        stopped = any(s["kind"] == "PhragmenStep" and not s["fits"] for s in steps)
        row.phragmen = "stopped_here" if stopped else "not_reached"
    for step in steps:
        if step["kind"] == "MesSkipStep":
            row.supporters = step["supporters"]
            if step.get("supporters_money") is not None:
                row.supporters_had_ore = whole_ore(step["supporters_money"])
        elif step["kind"] == "GreedyStep" and not step["fits"]:
            row.left_when_tried_ore = whole_ore(step["budget_left"])
    return row


def results_view(budget_round, result, proposals) -> dict:
    """Everything the results page says, from the stored trace, so that it tells what happened:
    each proposal is either bought (and how) or not bought (and why), never both, and what the
    bought ones cost adds up to what was spent."""
    by_id = {str(p.id): p for p in proposals}
    position = {str(pid): index + 1 for index, pid in enumerate(result.selected)}
    scores = {str(p.id): int(result.scores.get(str(p.id), 0)) for p in proposals}
    rows = sorted(
        (
            ResultRow(p, scores[str(p.id)], str(p.id) in position, position.get(str(p.id)))
            for p in proposals
        ),
        key=lambda row: (-row.score, row.proposal.id),
    )
    steps = _money_steps(result.trace)
    # Proposals nobody voted for, left out of the count by the round's setting (see count_round).
    left_out = {str(s["project"]) for s in result.trace if s["kind"] == "NotCountedStep"}
    bought = [
        _bought(by_id[str(pid)], scores[str(pid)], steps.get(str(pid), []))
        for pid in result.selected
        if str(pid) in by_id
    ]
    rule = result.rule if result.rule in RULE_EXPLANATIONS else result.rule.split("_")[0]
    not_bought = [
        _not_bought(
            p,
            scores[str(p.id)],
            steps.get(str(p.id), []),
            counted=str(p.id) not in left_out,
            rule=rule,
        )
        for p in sorted(proposals, key=lambda p: (-scores[str(p.id)], p.id))
        if str(p.id) not in position
    ]
    mes_steps = [s for s in result.trace if s["kind"] in ("MesStep", "MesSkipStep")]
    share = None
    if mes_steps and result.voters:
        start = whole_ore(Fraction(result.budget_ore, result.voters))
        final = whole_ore(mes_steps[0]["budget_per_voter"])
        share = {"voters": result.voters, "start_ore": start, "final_ore": final}
    return {
        "rows": rows,
        "max_score": max((row.score for row in rows), default=0) or 1,
        "left_ore": result.budget_ore - result.used_ore,
        "turnout_percent": round(100 * result.voters / result.eligible) if result.eligible else 0,
        "rule": rule,
        "explanation": RULE_EXPLANATIONS.get(rule, RULE_EXPLANATIONS["greedy"]),
        "share": share,
        "bought": bought,
        "bought_with_shares": [b for b in bought if b.how in ("mes", "zero")],
        "bought_after": [b for b in bought if b.how == "completion"],
        "bought_in_order": [b for b in bought if b.how in ("greedy", "phragmen")],
        "not_bought": not_bought,
        "spent_ore": sum(b.cost_ore for b in bought),
    }
