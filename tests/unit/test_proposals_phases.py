"""A round's phase comes from its dates, or from a moderator moving it on; never backwards."""

from datetime import timedelta

from pb.proposals.models import BudgetRound
from pb.timeutil import utcnow


def a_round(now) -> BudgetRound:
    return BudgetRound(
        review_starts_at=now + timedelta(days=1),
        voting_starts_at=now + timedelta(days=2),
        voting_ends_at=now + timedelta(days=3),
        followup_starts_at=now + timedelta(days=4),
    )


def test_phases_follow_the_dates_in_order():
    now = utcnow()
    budget_round = a_round(now)
    expected = ["ideas", "review", "voting", "results", "followup"]
    for days, phase in enumerate(expected):
        assert budget_round.phase_at(now + timedelta(days=days, hours=1)) == phase
    assert budget_round.next_phase_starts_at(now) == now + timedelta(days=1)
    assert budget_round.next_phase_starts_at(now + timedelta(days=5)) is None


def test_a_manual_phase_moves_forward_but_never_back():
    now = utcnow()
    budget_round = a_round(now)
    budget_round.manual_phase = "voting"
    assert budget_round.phase_at(now) == "voting"
    # Dates that have passed beyond the manual phase win: phases never run backwards.
    assert budget_round.phase_at(now + timedelta(days=3, hours=1)) == "results"


def test_the_roll_freezes_when_voting_opened_by_hand():
    now = utcnow()
    budget_round = a_round(now)
    assert budget_round.roll_frozen_at == budget_round.voting_starts_at
    budget_round.voting_opened_at = now
    assert budget_round.roll_frozen_at == now
