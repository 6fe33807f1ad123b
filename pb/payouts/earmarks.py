"""A budget round's money, set aside in the ledger from the moment the round opens.

Opening a round moves its amount from "available" to "earmarked", under the pot lock, so two
rounds can never promise the same money. Publishing the results leaves each winner's cost
earmarked for its collective payout and gives the rest back to "available". Approving such a
payout moves its money from "earmarked" to "reserved"; rejecting or cancelling it before approval
gives it back. Every one of these transactions names the round, so `earmark_problems()` can check
that each round holds exactly what it should.
"""

from sqlalchemy import func, select

from pb.extensions import db
from pb.payouts.ledger import lock_pot, post, pot_for_group
from pb.payouts.models import LedgerEntry, LedgerTransaction, PayoutRequest


class EarmarkError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def earmark_round(budget_round, *, actor) -> LedgerTransaction:
    """Set the round's amount aside (available → earmarked), in the caller's transaction."""
    pot = pot_for_group(budget_round.group)
    if pot is None:
        raise EarmarkError("no_pot")
    pot = lock_pot(pot.id)
    if pot.available_ore < budget_round.amount_ore:
        raise EarmarkError("not_enough_money")
    return post(
        pot,
        kind="earmark",
        actor=actor,
        moves={"available": -budget_round.amount_ore, "earmarked": budget_round.amount_ore},
        memo=budget_round.title,
        budget_round=budget_round,
    )


def round_of(request: PayoutRequest):
    """The round whose earmark a collective payout draws on, if it came from one."""
    if request.kind != "collective" or request.source_proposal_id is None:
        return None
    from pb.proposals.models import Proposal

    proposal = db.session.get(Proposal, request.source_proposal_id)
    return proposal.round if proposal is not None else None


def held_for(budget_round) -> int:
    """What the ledger holds earmarked for this round now."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_ore), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerTransaction.budget_round_id == budget_round.id)
            .where(LedgerEntry.account == "earmarked")
        )
    )


def release_round_rest(budget_round, *, actor, winners_ore: int) -> None:
    """At publishing: what the winners did not use goes back to "available" (caller's
    transaction). The pot is locked first, like every movement of its money."""
    pot = lock_pot(pot_for_group(budget_round.group).id)
    rest = held_for(budget_round) - winners_ore
    if rest > 0:
        give_back(pot, rest, budget_round=budget_round, actor=actor, memo=budget_round.title)


def give_back(pot, amount: int, *, budget_round, actor, memo: str, payout_request=None) -> None:
    """Earmarked money a round no longer needs goes back to "available" (caller holds the
    pot lock): the rest of the round at publishing, or a winner that will not be paid."""
    post(
        pot,
        kind="earmark_release",
        actor=actor,
        moves={"earmarked": -amount, "available": amount},
        memo=memo,
        payout_request=payout_request,
        budget_round=budget_round,
    )


def expected_for(budget_round) -> int:
    """What a round should hold earmarked: its amount until its results are published, then the
    cost of its winners' payouts that still wait for a decision."""
    from pb.proposals.models import Proposal
    from pb.voting.models import RoundResult

    published = db.session.scalar(
        select(RoundResult.published_at).where(RoundResult.round_id == budget_round.id)
    )
    if published is None:
        return budget_round.amount_ore
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(PayoutRequest.amount_ore), 0))
            .join(Proposal, Proposal.id == PayoutRequest.source_proposal_id)
            .where(Proposal.round_id == budget_round.id, PayoutRequest.state == "requested")
        )
    )


def earmark_problems() -> list[str]:
    from pb.proposals.models import BudgetRound

    problems = []
    for budget_round in db.session.scalars(select(BudgetRound).order_by(BudgetRound.id)):
        held, expected = held_for(budget_round), expected_for(budget_round)
        if held != expected:
            problems.append(
                f"round {budget_round.id}: {held} øre earmarked, expected {expected} øre"
            )
    return problems
