"""Imports every domain's tables, so that Alembic and create_all() see the whole schema."""

from pb.accounts.models import ResetCode, User, UserSession
from pb.audit.models import AuditEvent, AuditNote
from pb.glossary.models import WordReport
from pb.groups.models import Child, Group, Household, Invite, Membership, Programme, ProgrammeRole
from pb.lending.models import (
    Booking,
    BookingMessage,
    CalendarFeed,
    DamageReport,
    HandOver,
    Item,
    SwapPost,
    WaitlistEntry,
)
from pb.notifications.models import Notification
from pb.payouts.models import (
    Allocation,
    ApprovalPolicy,
    LedgerEntry,
    LedgerTransaction,
    PayoutComplaint,
    PayoutDecision,
    PayoutReceipt,
    PayoutRequest,
    PlanInstallment,
    Pot,
)
from pb.proposals.models import BudgetRound, Proposal
from pb.voting.models import Ballot, RoundResult, VotingReminder

__all__ = [
    "Allocation",
    "ApprovalPolicy",
    "AuditEvent",
    "AuditNote",
    "Ballot",
    "Booking",
    "BookingMessage",
    "BudgetRound",
    "CalendarFeed",
    "Child",
    "DamageReport",
    "Group",
    "HandOver",
    "Household",
    "Invite",
    "Item",
    "LedgerEntry",
    "LedgerTransaction",
    "Membership",
    "Notification",
    "PayoutComplaint",
    "PayoutDecision",
    "PayoutReceipt",
    "PayoutRequest",
    "PlanInstallment",
    "Pot",
    "Programme",
    "ProgrammeRole",
    "Proposal",
    "ResetCode",
    "RoundResult",
    "SwapPost",
    "User",
    "UserSession",
    "VotingReminder",
    "WaitlistEntry",
    "WordReport",
]
