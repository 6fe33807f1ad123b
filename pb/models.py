"""Imports every domain's tables, so that Alembic and create_all() see the whole schema."""

from pb.accounts.models import ResetCode, User
from pb.audit.models import AuditEvent
from pb.groups.models import Child, Group, Household, Invite, Membership, Programme, ProgrammeRole

__all__ = [
    "AuditEvent",
    "Child",
    "Group",
    "Household",
    "Invite",
    "Membership",
    "Programme",
    "ProgrammeRole",
    "ResetCode",
    "User",
]
