"""Who may see and do what in a group: the one place these rules live.

Anything a person may not see is "not found" (404), so that another group's pages reveal nothing,
not even that they exist.
"""

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from pb.extensions import db
from pb.groups.models import Group, Membership, Programme


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
