"""Peer moderation: the queue, decisions on proposals, cost review, reports, appeals and
escalations. Every act is written to the audit log with who, what and why, in the same transaction.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pb.audit.models import AuditEvent
from pb.audit.services import record
from pb.extensions import db
from pb.groups.access import is_staff_of
from pb.groups.models import Group
from pb.notifications.services import notify, register_kind
from pb.proposals.models import Comment, ModerationCase, Proposal, Report
from pb.proposals.services import (
    BEFORE_VOTING,
    ProposalError,
    current_phase,
    moderators_of,
    proposal_link,
)
from pb.timeutil import utcnow

register_kind(
    "proposals.changes_requested",
    _l("A peer consultant asks you to change “%(title)s”: %(message)s"),
)
register_kind("proposals.accepted", _l("“%(title)s” is accepted and will be on the ballot."))
register_kind(
    "proposals.rejected",
    _l("“%(title)s” was not accepted. Open it to read why, and to appeal if you disagree."),
)
register_kind("proposals.merged", _l("“%(title)s” was merged into “%(target)s”."))
register_kind(
    "proposals.proposal_hidden", _l("“%(title)s” is hidden until a moderator looks at it.")
)
register_kind(
    "proposals.comment_hidden",
    _l("Your comment on “%(title)s” is hidden until a moderator looks at it."),
)
register_kind("proposals.queue_reported", _l("Something in “%(title)s” was reported."))
register_kind("proposals.appealed", _l("%(name)s appeals the decision on “%(title)s”."))
register_kind("proposals.escalated", _l("A peer consultant asks staff to decide on “%(title)s”."))
register_kind("proposals.case_decided", _l("Staff have decided the case about “%(title)s”."))
register_kind("proposals.restored", _l("“%(title)s” is visible again after review."))

# Which audit actions count as moderation, for the log peer consultants and staff read.
MODERATION_ACTIONS = (
    "proposal.changes_requested",
    "proposal.accepted",
    "proposal.rejected",
    "proposal.merged",
    "proposal.cost_confirmed",
    "proposal.auto_hidden",
    "proposal.restored",
    "comment.hidden",
    "comment.auto_hidden",
    "comment.restored",
    "report.filed",
    "case.appealed",
    "case.escalated",
    "case.decided",
)


def _group(proposal: Proposal) -> Group:
    return proposal.round.group


def _tell_author(proposal: Proposal, kind: str, **params) -> None:
    notify(
        proposal.author,
        kind,
        in_group=_group(proposal),
        link=proposal_link(proposal),
        title=proposal.title,
        **params,
    )


def _require_ballot_open(proposal: Proposal) -> None:
    if current_phase(proposal.round) not in BEFORE_VOTING:
        raise ProposalError("ballot_closed")


def _require_waiting(proposal: Proposal) -> None:
    _require_ballot_open(proposal)
    if proposal.status != "submitted":
        raise ProposalError("not_waiting")


# ---------------------------------------------------------------------------------------------
# Decisions on a proposal


def request_changes(proposal: Proposal, *, actor, message: str) -> None:
    _require_waiting(proposal)
    proposal.status = "changes_requested"
    proposal.moderator_message = message.strip()
    record(
        "proposal.changes_requested",
        actor=actor,
        group=_group(proposal),
        subject=proposal,
        reason=proposal.moderator_message,
    )
    _tell_author(proposal, "proposals.changes_requested", message=proposal.moderator_message)
    db.session.commit()


def confirm_cost(proposal: Proposal, *, actor, cost_ore: int) -> None:
    """Staff confirm or correct the cost; the ballot uses it, the estimate stays visible."""
    _require_ballot_open(proposal)
    if proposal.status not in ("submitted", "changes_requested"):
        raise ProposalError("not_waiting")
    if cost_ore > proposal.round.amount_ore:
        raise ProposalError("cost_exceeds_round")
    proposal.confirmed_cost_ore = cost_ore
    proposal.cost_confirmed_by_id = actor.id
    proposal.cost_confirmed_at = utcnow()
    record(
        "proposal.cost_confirmed",
        actor=actor,
        group=_group(proposal),
        subject=proposal,
        estimated_cost_ore=proposal.estimated_cost_ore,
        confirmed_cost_ore=cost_ore,
    )
    db.session.commit()


def accept_proposal(proposal: Proposal, *, actor) -> None:
    _require_waiting(proposal)
    if proposal.is_hidden:
        raise ProposalError("proposal_hidden")
    if proposal.confirmed_cost_ore is None:
        raise ProposalError("cost_not_confirmed")
    if proposal.ballot_cost_ore > proposal.round.amount_ore:
        raise ProposalError("cost_exceeds_round")
    proposal.status = "accepted"
    proposal.moderator_message = None
    record(
        "proposal.accepted",
        actor=actor,
        group=_group(proposal),
        subject=proposal,
        ballot_cost_ore=proposal.ballot_cost_ore,
    )
    _tell_author(proposal, "proposals.accepted")
    db.session.commit()


def reject_proposal(proposal: Proposal, *, actor, reason_code: str, note: str) -> None:
    _require_ballot_open(proposal)
    if proposal.status not in ("submitted", "changes_requested"):
        raise ProposalError("not_waiting")
    proposal.status = "rejected"
    proposal.updated_at = utcnow()
    proposal.reject_reason = reason_code
    proposal.moderator_message = note.strip()
    record(
        "proposal.rejected",
        actor=actor,
        group=_group(proposal),
        subject=proposal,
        reason=f"{reason_code}: {proposal.moderator_message}".rstrip(": "),
    )
    _tell_author(proposal, "proposals.rejected")
    db.session.commit()


def merge_proposal(proposal: Proposal, *, into: Proposal, actor, note: str) -> None:
    """Fold a proposal into the one it duplicates; its supporters can support that one."""
    _require_ballot_open(proposal)
    if proposal.status not in ("submitted", "changes_requested"):
        raise ProposalError("not_waiting")
    if into.id == proposal.id or into.round_id != proposal.round_id or into.status == "merged":
        raise ProposalError("same_proposal")
    proposal.status = "merged"
    proposal.updated_at = utcnow()
    proposal.merged_into_id = into.id
    proposal.reject_reason = "duplicate"
    proposal.moderator_message = note.strip()
    record(
        "proposal.merged",
        actor=actor,
        group=_group(proposal),
        subject=proposal,
        reason=proposal.moderator_message,
        merged_into_id=into.id,
    )
    _tell_author(proposal, "proposals.merged", target=into.title)
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# Reports and hiding


def _subject_of(report_or_case) -> Proposal | Comment:
    return report_or_case.comment if report_or_case.comment_id else report_or_case.proposal


def open_reports_about(subject_type: str, subject_id: int) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report).where(
                Report.subject_type == subject_type,
                Report.subject_id == subject_id,
                Report.resolved_at.is_(None),
            )
        )
    )


def file_report(subject: Proposal | Comment, *, reporter, reason: str, note: str) -> Report:
    """Any member reports a proposal or a comment. At the round's threshold of open reports it
    is hidden pending review, and its author is told."""
    if isinstance(subject, Comment):
        proposal, subject_type = subject.proposal, "comment"
        if subject.is_removed:
            raise ProposalError("comment_gone")
    else:
        proposal, subject_type = subject, "proposal"
    group = _group(proposal)
    report = Report(
        group_id=group.id,
        proposal_id=proposal.id,
        subject_type=subject_type,
        subject_id=subject.id,
        reporter_id=reporter.id,
        reason=reason,
        note=note.strip(),
    )
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ProposalError("already_reported") from error
    record(
        "report.filed",
        actor=reporter,
        group=group,
        subject=subject,
        reason=f"{reason}: {report.note}".rstrip(": "),
    )
    open_count = len(open_reports_about(subject_type, subject.id))
    if open_count >= proposal.round.report_threshold and subject.hidden_at is None:
        subject.hidden_at = utcnow()
        subject.hidden_reason = "reports"
        record(f"{subject_type}.auto_hidden", group=group, subject=subject, reports=open_count)
        kind = (
            "proposals.comment_hidden" if subject_type == "comment" else "proposals.proposal_hidden"
        )
        notify(
            subject.author,
            kind,
            in_group=group,
            link=proposal_link(proposal),
            title=proposal.title,
        )
    for user in moderators_of(group):
        if user.id != reporter.id:
            notify(
                user,
                "proposals.queue_reported",
                in_group=group,
                link=proposal_link(proposal),
                title=proposal.title,
            )
    db.session.commit()
    return report


def _resolve_reports(subject_type: str, subject_id: int, *, actor) -> int:
    reports = open_reports_about(subject_type, subject_id)
    for report in reports:
        report.resolved_at = utcnow()
        report.resolved_by_id = actor.id
    return len(reports)


def _take_visibility_decision(subject: Proposal | Comment, actor) -> None:
    """Whether something is shown or hidden is a decision. Once staff have taken it, only staff
    may change it: a peer consultant can't undo it, but can escalate again."""
    group = _group(subject.proposal if isinstance(subject, Comment) else subject)
    by_staff = is_staff_of(actor, group)
    if subject.visibility_by_staff and not by_staff:
        raise ProposalError("staff_decided")
    subject.visibility_by_staff = by_staff


def hide_comment(comment: Comment, *, actor, reason: str, commit: bool = True) -> None:
    """A peer consultant or staff hides a comment, with a reason; its open reports are settled."""
    _take_visibility_decision(comment, actor)
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason.strip()
    settled = _resolve_reports("comment", comment.id, actor=actor)
    record(
        "comment.hidden",
        actor=actor,
        group=_group(comment.proposal),
        subject=comment,
        reason=comment.hidden_reason,
        reports_settled=settled,
    )
    if commit:
        db.session.commit()


def restore(subject: Proposal | Comment, *, actor, reason: str, commit: bool = True) -> None:
    """The reports were unfounded: show the item again and settle its reports."""
    subject_type = "comment" if isinstance(subject, Comment) else "proposal"
    proposal = subject.proposal if isinstance(subject, Comment) else subject
    _take_visibility_decision(subject, actor)
    subject.hidden_at = None
    subject.hidden_reason = None
    settled = _resolve_reports(subject_type, subject.id, actor=actor)
    record(
        f"{subject_type}.restored",
        actor=actor,
        group=_group(proposal),
        subject=subject,
        reason=reason.strip(),
        reports_settled=settled,
    )
    notify(
        subject.author,
        "proposals.restored",
        in_group=_group(proposal),
        link=proposal_link(proposal),
        title=proposal.title,
    )
    if commit:
        db.session.commit()


# ---------------------------------------------------------------------------------------------
# Appeals and escalations: staff decide


def open_case_about(proposal: Proposal, comment: Comment | None = None) -> ModerationCase | None:
    about_comment = (
        ModerationCase.comment_id == comment.id
        if comment is not None
        else ModerationCase.comment_id.is_(None)
    )
    return db.session.scalar(
        select(ModerationCase).where(
            ModerationCase.proposal_id == proposal.id,
            about_comment,
            ModerationCase.decided_at.is_(None),
        )
    )


def already_appealed(proposal: Proposal) -> bool:
    """One appeal per decision: staff have decided one since the proposal was last decided."""
    return (
        db.session.scalar(
            select(ModerationCase.id).where(
                ModerationCase.proposal_id == proposal.id,
                ModerationCase.kind == "appeal",
                ModerationCase.created_at >= proposal.updated_at,
            )
        )
        is not None
    )


def appeal(proposal: Proposal, *, actor, message: str = "") -> ModerationCase:
    """The author asks staff to look again at a rejection or a merge: one tap."""
    if proposal.status not in ("rejected", "merged"):
        raise ProposalError("nothing_to_appeal")
    if open_case_about(proposal) is not None:
        raise ProposalError("appeal_open")
    if already_appealed(proposal):
        raise ProposalError("appeal_decided")
    case = ModerationCase(
        group_id=_group(proposal).id,
        kind="appeal",
        proposal_id=proposal.id,
        opened_by_id=actor.id,
        message=message.strip(),
    )
    db.session.add(case)
    db.session.flush()
    record("case.appealed", actor=actor, group=_group(proposal), subject=case, reason=case.message)
    for user in moderators_of(_group(proposal), staff_only=True):
        notify(
            user,
            "proposals.appealed",
            in_group=_group(proposal),
            link=proposal_link(proposal),
            name=actor.display_name,
            title=proposal.title,
        )
    db.session.commit()
    return case


def escalate(
    proposal: Proposal, *, actor, message: str, comment: Comment | None = None
) -> ModerationCase:
    """A peer consultant hands a hard case to staff."""
    if open_case_about(proposal, comment) is not None:
        raise ProposalError("appeal_open")
    case = ModerationCase(
        group_id=_group(proposal).id,
        kind="escalation",
        proposal_id=proposal.id,
        comment_id=comment.id if comment else None,
        opened_by_id=actor.id,
        message=message.strip(),
    )
    db.session.add(case)
    db.session.flush()
    record("case.escalated", actor=actor, group=_group(proposal), subject=case, reason=case.message)
    for user in moderators_of(_group(proposal), staff_only=True):
        if user.id != actor.id:
            notify(
                user,
                "proposals.escalated",
                in_group=_group(proposal),
                link=proposal_link(proposal),
                title=proposal.title,
            )
    db.session.commit()
    return case


CASE_OUTCOMES_BY_KIND = {
    "appeal": ("rejection_stands", "back_to_review"),
    "escalation": ("hidden", "kept"),
}


def decide_case(case: ModerationCase, *, actor, outcome: str, note: str) -> None:
    if not case.is_open:
        raise ProposalError("case_decided")
    if outcome not in CASE_OUTCOMES_BY_KIND[case.kind]:
        raise ValueError(outcome)
    proposal = case.proposal
    subject = _subject_of(case)
    if outcome == "back_to_review":
        _require_ballot_open(proposal)
        proposal.status = "submitted"
        proposal.updated_at = utcnow()
        proposal.reject_reason = None
        proposal.merged_into_id = None
    elif outcome == "hidden":
        if isinstance(subject, Comment):
            hide_comment(subject, actor=actor, reason=note, commit=False)
        else:
            _take_visibility_decision(subject, actor)
            subject.hidden_at = subject.hidden_at or utcnow()
            subject.hidden_reason = note.strip()
            _resolve_reports("proposal", subject.id, actor=actor)
    elif outcome == "kept":
        if subject.hidden_at is not None:
            restore(subject, actor=actor, reason=note, commit=False)
        else:
            _take_visibility_decision(subject, actor)
    case.outcome = outcome
    case.decision_note = note.strip()
    case.decided_by_id = actor.id
    case.decided_at = utcnow()
    record(
        "case.decided",
        actor=actor,
        group=_group(proposal),
        subject=case,
        reason=case.decision_note,
        outcome=outcome,
        kind=case.kind,
    )
    told = {actor.id}
    for user in (case.opened_by, proposal.author):
        if user.id not in told:
            told.add(user.id)
            notify(
                user,
                "proposals.case_decided",
                in_group=_group(proposal),
                link=proposal_link(proposal),
                title=proposal.title,
            )
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# The queue


@dataclass
class ReportedItem:
    proposal: Proposal
    comment: Comment | None
    reports: list[Report]

    @property
    def subject(self):
        return self.comment or self.proposal


@dataclass
class Queue:
    waiting: list[Proposal]
    reported: list[ReportedItem]
    cases: list[ModerationCase]

    @property
    def size(self) -> int:
        return len(self.waiting) + len(self.reported) + len(self.cases)


def queue_for(group: Group) -> Queue:
    """New and edited proposals waiting for review, reported items, and open cases."""
    from pb.proposals.models import BudgetRound

    waiting = list(
        db.session.scalars(
            select(Proposal)
            .join(BudgetRound)
            .where(BudgetRound.group_id == group.id, Proposal.status == "submitted")
            .order_by(Proposal.updated_at, Proposal.id)
        )
    )
    reports = db.session.scalars(
        select(Report)
        .where(Report.group_id == group.id, Report.resolved_at.is_(None))
        .order_by(Report.id)
        .options(selectinload(Report.proposal))
    ).all()
    # The reported comments in one query, not one per report.
    comment_ids = {r.subject_id for r in reports if r.subject_type == "comment"}
    comments = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
        if comment_ids
        else {}
    )
    items: dict[tuple[str, int], ReportedItem] = {}
    for report in reports:
        key = (report.subject_type, report.subject_id)
        if key not in items:
            comment = comments.get(report.subject_id) if report.subject_type == "comment" else None
            items[key] = ReportedItem(report.proposal, comment, [])
        items[key].reports.append(report)
    cases = list(
        db.session.scalars(
            select(ModerationCase)
            .where(ModerationCase.group_id == group.id, ModerationCase.decided_at.is_(None))
            .order_by(ModerationCase.id)
        )
    )
    return Queue(waiting, list(items.values()), cases)


def queue_size(group: Group) -> int:
    """What queue_for(group).size would say, counted in one query."""
    from pb.proposals.models import BudgetRound

    waiting = (
        select(func.count())
        .select_from(Proposal)
        .join(BudgetRound)
        .where(BudgetRound.group_id == group.id, Proposal.status == "submitted")
        .scalar_subquery()
    )
    reported_things = (
        select(Report.subject_type, Report.subject_id)
        .where(Report.group_id == group.id, Report.resolved_at.is_(None))
        .distinct()
        .subquery()
    )
    reported = select(func.count()).select_from(reported_things).scalar_subquery()
    cases = (
        select(func.count())
        .select_from(ModerationCase)
        .where(ModerationCase.group_id == group.id, ModerationCase.decided_at.is_(None))
        .scalar_subquery()
    )
    return sum(db.session.execute(select(waiting, reported, cases)).one())


def moderation_log(group: Group, limit: int = 50) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.group_id == group.id, AuditEvent.action.in_(MODERATION_ACTIONS))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def open_report_count(subject_type: str, subject_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Report)
        .where(
            Report.subject_type == subject_type,
            Report.subject_id == subject_id,
            Report.resolved_at.is_(None),
        )
    )
