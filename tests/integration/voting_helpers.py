"""A round in the voting phase with proposals on its ballot, for the voting tests."""

from datetime import date, timedelta

from sqlalchemy import update

from pb.extensions import db
from pb.groups.models import Membership
from pb.payouts import services as payouts
from pb.proposals.models import BudgetRound, Proposal
from pb.timeutil import utcnow


def voting_round(
    world,
    *,
    ballot_format="knapsack",
    rule="mes",
    amount_ore=100_000,
    costs=None,
    group=None,
    **settings,
) -> BudgetRound:
    group = group or world.group_a
    now = utcnow()
    # Everyone in the world joined well before voting opened, so all are on the roll.
    db.session.execute(update(Membership).values(joined_at=now - timedelta(days=30)))
    budget_round = BudgetRound(
        group_id=group.id,
        title="Sommer 2026",
        amount_ore=amount_ore,
        languages=["nb"],
        ideas_start_at=now - timedelta(days=20),
        review_starts_at=now - timedelta(days=10),
        voting_starts_at=now - timedelta(days=1),
        voting_ends_at=now + timedelta(days=3),
        followup_starts_at=now + timedelta(days=30),
        ballot_format=ballot_format,
        counting_rule=rule,
        created_by_id=world.staff_a.id,
        **settings,
    )
    if payouts.pot_for_group(group) is None:
        payouts.allocate(
            group,
            actor=world.lead,
            amount_ore=amount_ore * 2,
            funder="Kommunen",
            purpose="Runden",
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
        )
    db.session.add(budget_round)
    db.session.flush()
    payouts.earmark_round(budget_round, actor=world.staff_a)
    for index, cost in enumerate(costs or [60_000, 40_000, 30_000, 20_000]):
        db.session.add(
            Proposal(
                round_id=budget_round.id,
                author_id=world.member_a.id,
                title=f"Forslag {index + 1}",
                description="Beskrivelse",
                category="equipment",
                estimated_cost_ore=cost,
                confirmed_cost_ore=cost,
                status="accepted",
            )
        )
    db.session.commit()
    return budget_round


def proposal_ids(budget_round) -> list[int]:
    return [p.id for p in sorted(budget_round.proposals, key=lambda p: p.id)]


def a_winning_proposal(world, *, group=None) -> int:
    """A proposal on a round's ballot, for tests that need a collective payout's source."""
    budget_round = voting_round(world, group=group, costs=[10_000])
    return budget_round.proposals[0].id
