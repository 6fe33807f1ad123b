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
from pb.notifications.models import (
    ChannelChoice,
    Delivery,
    Notification,
    NotificationSettings,
    SmsCode,
    SmsInboundSeen,
)
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
from pb.projects.models import (
    Activity,
    ActivityPhoto,
    Project,
    ProjectLeader,
    ProjectPayout,
    Story,
    StoryTranslation,
)
from pb.proposals.models import BudgetRound, Proposal
from pb.surveys.models import (
    SurveyAnswerCount,
    SurveyRespondent,
    SurveyWave,
    SurveyWaveQuestion,
)
from pb.voting.models import Ballot, RoundResult, VotingReminder

__all__ = [
    "Activity",
    "ActivityPhoto",
    "Allocation",
    "ApprovalPolicy",
    "AuditEvent",
    "AuditNote",
    "Ballot",
    "Booking",
    "BookingMessage",
    "BudgetRound",
    "CalendarFeed",
    "ChannelChoice",
    "Child",
    "DamageReport",
    "Delivery",
    "Group",
    "HandOver",
    "Household",
    "Invite",
    "Item",
    "LedgerEntry",
    "LedgerTransaction",
    "Membership",
    "Notification",
    "NotificationSettings",
    "PayoutComplaint",
    "PayoutDecision",
    "PayoutReceipt",
    "PayoutRequest",
    "PlanInstallment",
    "Pot",
    "Programme",
    "ProgrammeRole",
    "Project",
    "ProjectLeader",
    "ProjectPayout",
    "Proposal",
    "ResetCode",
    "RoundResult",
    "SmsCode",
    "SmsInboundSeen",
    "Story",
    "StoryTranslation",
    "SurveyAnswerCount",
    "SurveyRespondent",
    "SurveyWave",
    "SurveyWaveQuestion",
    "SwapPost",
    "User",
    "UserSession",
    "VotingReminder",
    "WaitlistEntry",
    "WordReport",
]
