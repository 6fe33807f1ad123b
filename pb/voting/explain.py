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
        "Equal shares: the money was split equally between all voters. Each proposal was paid "
        "for by the voters who wanted it, sharing its cost. The proposal that cost its supporters "
        "the least each was bought first. So a smaller group also gets something it wants, as "
        "long as it agrees on it. Money left at the end went to the next most popular proposals."
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


def results_view(budget_round, result, proposals) -> dict:
    by_id = {str(p.id): p for p in proposals}
    position = {str(pid): index + 1 for index, pid in enumerate(result.selected)}
    rows = sorted(
        (
            ResultRow(
                p, result.scores.get(str(p.id), 0), str(p.id) in position, position.get(str(p.id))
            )
            for p in proposals
        ),
        key=lambda row: (-row.score, row.proposal.id),
    )
    steps = []
    for step in result.trace:
        proposal = by_id.get(str(step.get("project")))
        if proposal is None:
            continue
        kind = step["kind"]
        entry = {
            "kind": kind,
            "proposal": proposal,
            "selected": step["selected"],
            "phase": step.get("phase"),
        }
        if kind == "MesStep":
            share = step.get("share")
            entry.update(
                payers=step["full_payers"] + step["partial_payers"],
                full_payers=step["full_payers"],
                partial_payers=step["partial_payers"],
                partial_total_ore=whole_ore(step["partial_total"]),
                supporters=step["supporters"],
                share_ore=whole_ore(share) if share is not None else None,
                cost_ore=whole_ore(step["cost"]),
            )
        elif kind == "GreedyStep":
            entry.update(
                score=fraction(step["score"]),
                cost_ore=whole_ore(step["cost"]),
                fits=step["fits"],
                left_ore=whole_ore(step["budget_left"]),
            )
        elif kind == "PhragmenStep":
            entry.update(
                supporters=step["supporters"],
                cost_ore=whole_ore(step["cost"]),
                fits=step["fits"],
                load_ore=whole_ore(step["load"]) if step.get("load") is not None else None,
            )
        steps.append(entry)
    rule_key = result.rule if result.rule in RULE_EXPLANATIONS else result.rule.split("_")[0]
    return {
        "rows": rows,
        "max_score": max((row.score for row in rows), default=0) or 1,
        "left_ore": result.budget_ore - result.used_ore,
        "turnout_percent": round(100 * result.voters / result.eligible) if result.eligible else 0,
        "explanation": RULE_EXPLANATIONS.get(rule_key, RULE_EXPLANATIONS["greedy"]),
        "steps": steps,
        "bought_steps": [s for s in steps if s["selected"]],
    }
