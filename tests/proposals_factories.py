"""Budget rounds and proposals for the proposals tests, built through the real services."""

from datetime import timedelta

from pb.proposals import services
from pb.timeutil import utcnow
from tests.factories import add_to_group, make_user

EN = {"Accept-Language": "en"}

# Phase start offsets in days from now, for a round that is in the given phase by its dates.
_OFFSETS = {
    "ideas": (7, 14, 21, 28),
    "review": (-1, 7, 14, 21),
    "voting": (-2, -1, 7, 14),
    "results": (-3, -2, -1, 7),
    "followup": (-4, -3, -2, -1),
}


def make_round(world, phase: str = "ideas", *, group=None, actor=None, **settings):
    review, voting, ends, followup = (utcnow() + timedelta(days=d) for d in _OFFSETS[phase])
    values = {
        "title": "Sommeren 2027",
        "amount_ore": 100_000_00,
        "languages": ["nb", "ar"],
        "review_starts_at": review,
        "voting_starts_at": voting,
        "voting_ends_at": ends,
        "followup_starts_at": followup,
        "ballot_format": "knapsack",
        "counting_rule": "mes",
        **settings,
    }
    group = group or world.group_a
    _fund_for(world, group, values["amount_ore"])
    return services.create_round(group, actor=actor or world.staff_a, **values)


def _fund_for(world, group, amount_ore: int) -> None:
    """Opening a round earmarks its money: give the pot what the round needs, if it lacks it."""
    from datetime import date

    from pb.payouts import services as payouts

    pot = payouts.pot_for_group(group)
    missing = amount_ore - (pot.available_ore if pot is not None else 0)
    if missing > 0:
        payouts.allocate(
            group,
            actor=world.lead,
            amount_ore=missing,
            funder="Kommunen",
            purpose="Runder",
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
        )


def make_proposal(budget_round, author, **fields):
    values = {
        "title": "Kjøretimer for alle",
        "description": "Ti kjøretimer til hver av oss.",
        "category": "driving_licence",
        "estimated_cost_ore": 20_000_00,
        "language": "nb",
        **fields,
    }
    return services.create_proposal(budget_round, author=author, **values)


def set_phase(budget_round, phase: str) -> None:
    """Move a round's dates so that it is in `phase` now (tests only; not by hand)."""
    from pb.extensions import db

    review, voting, ends, followup = (utcnow() + timedelta(days=d) for d in _OFFSETS[phase])
    budget_round.review_starts_at = review
    budget_round.voting_starts_at = voting
    budget_round.voting_ends_at = ends
    budget_round.followup_starts_at = followup
    db.session.commit()


def more_members(world, count: int, group=None):
    return [
        add_to_group(make_user(f"extra{index}"), group or world.group_a).user
        for index in range(count)
    ]


def urls(proposal) -> dict[str, str]:
    base = f"/groups/{proposal.round.group_id}/rounds/{proposal.round_id}/proposals/{proposal.id}"
    return {
        "page": base,
        "edit": base + "/edit",
        "versions": base + "/versions",
        "translate": base + "/translate",
        "support": base + "/support",
        "comments": base + "/comments",
        "report": base + "/report",
        "appeal": base + "/appeal",
        "request_changes": base + "/request-changes",
        "cost": base + "/cost",
        "accept": base + "/accept",
        "reject": base + "/reject",
        "merge": base + "/merge",
        "restore": base + "/restore",
        "escalate": base + "/escalate",
        "photo": base + "/photo/full",
        "thumb": base + "/photo/thumb",
    }


def fresh(model, ident):
    """Read a row again from the database, not from the session's identity map."""
    from pb.extensions import db

    db.session.expire_all()
    return db.session.get(model, ident)
