"""Imports every domain's tables, so that Alembic and create_all() see the whole schema."""

from pb.accounts.models import ResetCode, User
from pb.audit.models import AuditEvent
from pb.groups.models import Child, Group, Household, Invite, Membership, Programme, ProgrammeRole
from pb.notifications.models import Notification
from pb.payouts.models import Allocation, LedgerEntry, LedgerTransaction, Pot
from pb.proposals.models import BudgetRound, Proposal

__all__ = [
    "Allocation",
    "AuditEvent",
    "BudgetRound",
    "Child",
    "Group",
    "Household",
    "Invite",
    "LedgerEntry",
    "LedgerTransaction",
    "Membership",
    "Notification",
    "Pot",
    "Programme",
    "ProgrammeRole",
    "Proposal",
    "ResetCode",
    "User",
]
