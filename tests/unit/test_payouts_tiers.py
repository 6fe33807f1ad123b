"""The approval rules and the plan schedule, as pure functions."""

from datetime import date

import pytest

from pb.payouts.models import ApprovalPolicy
from pb.payouts.policy import (
    Votes,
    add_months,
    approvals_needed,
    outcome,
    plan_due_dates,
    self_decision_allowed,
    tier_for,
)

PILOT = ApprovalPolicy(
    tier2_from_ore=1_000_000,
    tier3_above_ore=5_000_000,
    team_min_approvers=3,
    self_approval_in_lowest_tier=True,
)


@pytest.mark.parametrize(
    ("ore", "tier"),
    [(1, 1), (999_999, 1), (1_000_000, 2), (2_500_000, 2), (5_000_000, 2), (5_000_001, 3)],
)
def test_the_pilots_tiers(ore, tier):
    assert tier_for(PILOT, ore) == tier


def test_self_decision_only_in_the_lowest_tier_and_only_if_allowed():
    assert self_decision_allowed(PILOT, 1)
    assert not self_decision_allowed(PILOT, 2)
    strict = ApprovalPolicy(
        tier2_from_ore=1,
        tier3_above_ore=2,
        team_min_approvers=3,
        self_approval_in_lowest_tier=False,
    )
    assert not self_decision_allowed(strict, 1)


def test_lower_tiers_are_decided_by_the_first_eligible_vote():
    assert outcome(1, Votes(1, 0, 2, 1), 3) == "approved"
    assert outcome(2, Votes(0, 1, 2, 1), 3) == "rejected"
    assert outcome(2, Votes(0, 0, 2, 2), 3) is None


@pytest.mark.parametrize(
    ("team", "needed"), [(2, 3), (3, 3), (4, 3), (5, 3), (6, 4), (7, 4), (9, 5)]
)
def test_a_team_decision_needs_three_and_a_majority_of_the_team(team, needed):
    assert approvals_needed(3, team, 3) == needed


def test_a_team_decision_is_rejected_once_out_of_reach():
    assert outcome(3, Votes(2, 0, 3, 1), 3) is None
    assert outcome(3, Votes(3, 0, 3, 0), 3) == "approved"
    assert outcome(3, Votes(2, 1, 3, 0), 3) == "rejected"
    assert outcome(3, Votes(0, 2, 5, 2), 3) == "rejected"
    assert outcome(3, Votes(1, 2, 5, 2), 3) is None


def test_a_requester_who_is_staff_counts_as_agreeing_but_never_approves():
    # Team of three, the requester is one: two more approvals make three who agree.
    assert outcome(3, Votes(1, 0, 3, 1, requester_agrees=True), 3) is None
    assert outcome(3, Votes(2, 0, 3, 0, requester_agrees=True), 3) == "approved"
    # Two staff and the lead (the pilot's smallest groups): requester, other staff and lead.
    assert outcome(3, Votes(2, 0, 2, 0, requester_agrees=True), 3) == "approved"
    # A team of seven needs four who agree.
    assert outcome(3, Votes(2, 0, 7, 4, requester_agrees=True), 3) is None
    assert outcome(3, Votes(3, 0, 7, 3, requester_agrees=True), 3) == "approved"


def test_a_team_too_small_to_decide_stays_open_rather_than_rejecting_an_approval():
    assert outcome(3, Votes(1, 0, 2, 1), 3) is None
    assert outcome(3, Votes(2, 0, 2, 0), 3) is None
    assert outcome(3, Votes(1, 1, 2, 0), 3) == "rejected"
    assert outcome(3, Votes(1, 0, 1, 0, requester_agrees=True), 3) is None


def test_months_and_payment_days():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 31), -3) == date(2026, 9, 30)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
    days = plan_due_dates(date(2026, 1, 25), date(2026, 12, 31), 20)
    assert days[0] == date(2026, 2, 20) and days[-1] == date(2026, 12, 20) and len(days) == 11
    assert plan_due_dates(date(2026, 3, 1), date(2026, 3, 10), 20) == []
