"""Who must agree: the programme's amount tiers, and the pure rules that apply them."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pb.extensions import db
from pb.groups.models import Membership, ProgrammeRole
from pb.payouts.models import ApprovalPolicy
from pb.transaction_cache import remember

# The pilot's tiers: under NOK 10,000 one staff member; NOK 10,000-50,000 the requester and one
# other; above NOK 50,000 a team decision with at least three staff and a majority of the team.
DEFAULT_TIER2_FROM_ORE = 1_000_000
DEFAULT_TIER3_ABOVE_ORE = 5_000_000
DEFAULT_TEAM_MIN = 3
COMPLAINT_DAYS = 21


def policy_for(programme_id: int) -> ApprovalPolicy:
    """The programme's policy; an unsaved one with the pilot's defaults if none is set."""
    return remember(("approval_policy", programme_id), lambda: _load_policy(programme_id))


def _load_policy(programme_id: int) -> ApprovalPolicy:
    policy = db.session.scalar(
        select(ApprovalPolicy).where(ApprovalPolicy.programme_id == programme_id)
    )
    if policy is None:
        policy = ApprovalPolicy(
            programme_id=programme_id,
            tier2_from_ore=DEFAULT_TIER2_FROM_ORE,
            tier3_above_ore=DEFAULT_TIER3_ABOVE_ORE,
            team_min_approvers=DEFAULT_TEAM_MIN,
            self_approval_in_lowest_tier=True,
        )
    return policy


def tier_for(policy: ApprovalPolicy, amount_ore: int) -> int:
    if amount_ore < policy.tier2_from_ore:
        return 1
    if amount_ore <= policy.tier3_above_ore:
        return 2
    return 3


def self_decision_allowed(policy: ApprovalPolicy, tier: int) -> bool:
    """Only in the lowest tier, and only if the programme allows it, as the pilot did."""
    return tier == 1 and bool(policy.self_approval_in_lowest_tier)


@dataclass(frozen=True)
class Votes:
    approvals: int
    rejections: int
    team_size: int  # the group's staff memberships
    undecided_eligible: int  # staff (and leads) who may still vote on this request
    # The requester is staff: asking is their agreement, as in the second tier ("the requester
    # plus at least one other"). They can never record an approval themselves.
    requester_agrees: bool = False


def approvals_needed(tier: int, team_size: int, team_min: int) -> int:
    """How many staff must agree (the requester included when they are staff)."""
    if tier < 3:
        return 1
    return max(team_min, team_size // 2 + 1)


def outcome(tier: int, votes: Votes, team_min: int) -> str | None:
    """'approved', 'rejected', or None while the decision is still open.

    Tiers 1 and 2: the first eligible staff member decides (in tier 2 that is someone other than
    the requester, who agreed by asking). Tier 3, a team decision: approved when at least
    `team_min` staff, and a majority of the group's staff team, agree; the requester who is staff
    counts as agreeing, the others approve. Rejected once that can no longer happen because of
    rejections.
    """
    if tier < 3:
        if votes.approvals:
            return "approved"
        if votes.rejections:
            return "rejected"
        return None
    needed = approvals_needed(tier, votes.team_size, team_min)
    agreeing = votes.approvals + int(votes.requester_agrees)
    if agreeing >= needed:
        return "approved"
    if agreeing + votes.undecided_eligible < needed:
        # Out of reach because of rejections: rejected. A team that is simply too small stays
        # open (an approval never turns into a rejection); staff are told to add members.
        return "rejected" if votes.rejections else None
    return None


def staff_team_ids(group) -> set[int]:
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group.id, Membership.role == "staff"
            )
        )
    )


def lead_ids(programme_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(ProgrammeRole.user_id).where(
                ProgrammeRole.programme_id == programme_id, ProgrammeRole.role == "lead"
            )
        )
    )


def is_decider(group, user) -> bool:
    """deciders(group) for one person, read from their own memberships and roles, which every
    request has loaded: no query."""
    return any(m.group_id == group.id and m.role == "staff" for m in user.memberships) or any(
        r.programme_id == group.programme_id and r.role == "lead" for r in user.programme_roles
    )


def deciders(group) -> set[int]:
    """Who may act as staff on the group's money: its staff team and the programme's lead."""
    return remember(
        ("deciders", group.id), lambda: staff_team_ids(group) | lead_ids(group.programme_id)
    )


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def plan_due_dates(starts_on: date, ends_on: date, payment_day: int) -> list[date]:
    """Each month's payment day that falls inside the plan's period."""
    dates = []
    cursor = date(starts_on.year, starts_on.month, 1)
    while cursor <= ends_on:
        due = cursor.replace(day=payment_day)
        if starts_on <= due <= ends_on:
            dates.append(due)
        cursor = add_months(cursor, 1)
    return dates


def save_policy(
    programme_id: int,
    *,
    actor,
    tier2_from_ore: int,
    tier3_above_ore: int,
    team_min_approvers: int,
    self_approval_in_lowest_tier: bool,
) -> ApprovalPolicy:
    """The programme lead sets the tiers: one transaction with its audit event. Requests keep the
    tier they were submitted under."""
    from pb.audit.services import record
    from pb.timeutil import utcnow

    if not 0 < tier2_from_ore <= tier3_above_ore or team_min_approvers < 2:
        raise ValueError("tiers")
    policy = policy_for(programme_id)
    db.session.add(policy)
    policy.tier2_from_ore = tier2_from_ore
    policy.tier3_above_ore = tier3_above_ore
    policy.team_min_approvers = team_min_approvers
    policy.self_approval_in_lowest_tier = self_approval_in_lowest_tier
    policy.updated_by_id = actor.id
    policy.updated_at = utcnow()
    db.session.flush()
    record(
        "payout.policy_changed",
        actor=actor,
        subject=policy,
        tier2_from_ore=tier2_from_ore,
        tier3_above_ore=tier3_above_ore,
        team_min_approvers=team_min_approvers,
        self_approval_in_lowest_tier=self_approval_in_lowest_tier,
    )
    db.session.commit()
    return policy
