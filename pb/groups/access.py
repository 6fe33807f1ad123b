"""Who may see and do what in a group: the one place these rules live.

Anything a person may not see is "not found" (404), so that another group's pages reveal nothing,
not even that they exist.
"""

from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import or_, select

from pb.extensions import db
from pb.groups.models import Group, Invite, Membership, Programme

# Who outranks whom. A person may hand out only what ranks below them: invites, reset codes.
ROLE_RANK = {"member": 0, "peer": 1, "staff": 2, "lead": 3}


@dataclass(frozen=True)
class GroupAccess:
    group: Group
    membership: Membership | None
    is_programme_lead: bool

    @property
    def role(self) -> str:
        if self.membership is not None:
            return self.membership.role
        return "lead"

    @property
    def can_manage(self) -> bool:
        """Staff of the group, or the programme's lead."""
        return self.is_programme_lead or self.role == "staff"

    @property
    def can_moderate(self) -> bool:
        return self.can_manage or self.role == "peer"

    @property
    def can_promote(self) -> bool:
        return self.is_programme_lead

    @property
    def rank(self) -> int:
        return ROLE_RANK["lead"] if self.is_programme_lead else ROLE_RANK[self.role]

    @property
    def invite_roles(self) -> tuple[str, ...]:
        """The roles this person may invite into: only those below their own. Peer consultants
        invite plain members, staff also peers, and the lead also staff."""
        return tuple(role for role in ("member", "peer", "staff") if ROLE_RANK[role] < self.rank)

    @property
    def can_invite_into_household(self) -> bool:
        """Joining a household opens its private payouts, so only staff invite into one."""
        return self.can_manage

    def may_handle_invite(self, invite: Invite) -> bool:
        """See, share or revoke an invite: only one this person could have made themselves."""
        return (
            invite.group_id == self.group.id
            and invite.role in self.invite_roles
            and (invite.household_id is None or self.can_invite_into_household)
        )


def is_staff_of(user, group: Group) -> bool:
    """Staff of this group, or the lead of its programme: their word is the municipality's."""
    if user is None:
        return False
    if any(m.group_id == group.id and m.role == "staff" for m in user.memberships):
        return True
    return programme_role(user, group.programme_id) == "lead"


def programme_role(user, programme_id: int) -> str | None:
    for role in user.programme_roles:
        if role.programme_id == programme_id:
            return role.role
    return None


def group_access(group_id: int) -> GroupAccess:
    """Load a group for the current user, or 404 if they have no part in it."""
    group = db.session.get(Group, group_id)
    if group is None or not current_user.is_authenticated:
        abort(404)
    membership = next((m for m in current_user.memberships if m.group_id == group.id), None)
    is_lead = programme_role(current_user, group.programme_id) == "lead"
    if membership is None and not is_lead:
        abort(404)
    return GroupAccess(group=group, membership=membership, is_programme_lead=is_lead)


def found_in(model, ident: int, **owner):
    """The row `ident` of `model` if its columns match `owner` (its group, its item, ...),
    else 404: a row under someone else's parent is as unknown as a row that isn't there."""
    row = db.session.get(model, ident)
    if row is None or any(getattr(row, name) != value for name, value in owner.items()):
        abort(404)
    return row


def require(allowed: bool) -> None:
    if not allowed:
        abort(404)


def programme_access(programme_id: int) -> tuple[Programme, str]:
    programme = db.session.get(Programme, programme_id)
    if programme is None or not current_user.is_authenticated:
        abort(404)
    role = programme_role(current_user, programme.id)
    if role is None:
        abort(404)
    return programme, role


def individual_payout_user_ids(user_ids: list[int]) -> set[tuple[int, int]]:
    """(group id, user id) for each of these people whose household, or who themselves, receive
    individual payouts in that group. Such a member's account opens private payouts, so only
    staff may hand out a reset code for it."""
    from pb.payouts.models import PayoutRequest  # payouts build on groups, not the reverse

    if not user_ids:
        return set()
    rows = db.session.execute(
        select(Membership.group_id, Membership.user_id)
        .join(
            PayoutRequest,
            or_(
                PayoutRequest.household_id == Membership.household_id,
                PayoutRequest.recipient_id == Membership.user_id,
            ),
        )
        .where(PayoutRequest.group_id == Membership.group_id)
        .where(PayoutRequest.kind != "collective")
        .where(Membership.user_id.in_(user_ids))
    ).all()
    return {(group_id, user_id) for group_id, user_id in rows}
