"""Complaints (klage): the recipient, or the group for a collective payout, complains about a
decision within three weeks; a staff member who took no part decides, with a reason."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pb.audit.services import record
from pb.extensions import db
from pb.idempotency import client_key
from pb.notifications.services import register_kind
from pb.payouts import policy as tiers
from pb.payouts.models import PayoutComplaint, PayoutRequest
from pb.payouts.requests import (
    PayoutError,
    _commit_or_explain,
    _existing,
    _notify_ids,
    audit_reason,
    recipient_ids,
)
from pb.timeutil import utcnow

register_kind("complaint.assigned", _l("A complaint about “%(title)s” is yours to decide."))
register_kind(
    "complaint.decided", _l("Your complaint about “%(title)s” is decided. Read the outcome.")
)


def may_complain(request: PayoutRequest, user) -> bool:
    """The recipient household or youth; for a collective payout, anyone in the group."""
    if request.kind == "collective":
        return any(m.group_id == request.group_id for m in user.memberships)
    return user.id in recipient_ids(request)


def involved_ids(request: PayoutRequest) -> set[int]:
    """Everyone who took part in the decision: requester, drafter, and every decider."""
    ids = {d.actor_id for d in request.decisions}
    ids |= {i for i in (request.requested_by_id, request.drafted_by_id) if i}
    return ids


def complaint_problem(request: PayoutRequest, user, now=None) -> str | None:
    if not may_complain(request, user):
        return "not_yours"
    if request.decided_at is None:
        return "not_decided"
    now = now or utcnow()
    if now > request.decided_at + timedelta(days=tiers.COMPLAINT_DAYS):
        return "too_late"
    if any(c.state == "open" for c in request.complaints):
        return "already_open"
    return None


def _choose_handler(request: PayoutRequest, complainant_id: int) -> int | None:
    """A staff member of the group who took no part, with the fewest open complaints; else the
    programme's lead, if uninvolved; else nobody yet (the lead's list shows it)."""
    excluded = involved_ids(request) | {complainant_id}
    candidates = sorted(tiers.staff_team_ids(request.group) - excluded)
    if not candidates:
        candidates = sorted(tiers.lead_ids(request.group.programme_id) - excluded)
    if not candidates:
        return None
    load = dict(
        db.session.execute(
            select(PayoutComplaint.handler_id, func.count())
            .where(PayoutComplaint.state == "open", PayoutComplaint.handler_id.in_(candidates))
            .group_by(PayoutComplaint.handler_id)
        ).all()
    )
    return min(candidates, key=lambda user_id: (load.get(user_id, 0), user_id))


def file_complaint(
    request: PayoutRequest, *, actor, text: str, idempotency_key: str | None = None, now=None
) -> PayoutComplaint:
    idempotency_key = client_key(actor, f"complain:payout-{request.id}", idempotency_key)
    first = _existing(PayoutComplaint, idempotency_key)
    if first is not None:
        return first
    text = (text or "").strip()
    if not text:
        raise PayoutError("reason_required")
    problem = complaint_problem(request, actor, now)
    if problem:
        raise PayoutError(problem)

    def write():
        complaint = PayoutComplaint(
            request_id=request.id,
            filed_by_id=actor.id,
            text=text,
            handler_id=_choose_handler(request, actor.id),
            idempotency_key=idempotency_key,
        )
        db.session.add(complaint)
        db.session.flush()
        record(
            "payout.complaint_filed",
            actor=actor,
            group=request.group,
            subject=complaint,
            payout_id=request.id,
            handler_id=complaint.handler_id,
        )
        if complaint.handler_id:
            _notify_ids({complaint.handler_id}, "complaint.assigned", request, title=request.title)
        return complaint

    return _commit_or_explain(write, PayoutComplaint, idempotency_key)


def complaint_decision_problem(complaint: PayoutComplaint, user) -> str | None:
    if complaint.state != "open":
        return "not_open"
    if user.id in involved_ids(complaint.request):
        return "involved"
    request = complaint.request
    is_lead = user.id in tiers.lead_ids(request.group.programme_id)
    if user.id != complaint.handler_id and not is_lead:
        return "not_handler"
    return None


def decide_complaint(
    complaint: PayoutComplaint, *, actor, upheld: bool, reason: str
) -> PayoutComplaint:
    """Record the outcome and its reason. An upheld complaint about a rejection reopens the
    request for a new decision round (the earlier decisions stay on record)."""
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("reason_required")

    def write():
        fresh = db.session.scalar(
            select(PayoutComplaint)
            .where(PayoutComplaint.id == complaint.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        problem = complaint_decision_problem(fresh, actor)
        if problem:
            raise PayoutError(problem)
        fresh.state = "upheld" if upheld else "dismissed"
        fresh.outcome_reason = reason
        fresh.decided_by_id = actor.id
        fresh.decided_at = utcnow()
        request = fresh.request
        reopened = upheld and request.state == "rejected"
        if reopened:
            request.state = "requested"
            request.decision_round += 1
            request.decided_at = None
        record(
            "payout.complaint_decided",
            actor=actor,
            group=request.group,
            subject=fresh,
            **audit_reason(request, reason),
            outcome=fresh.state,
            reopened=reopened,
        )
        _notify_ids({fresh.filed_by_id}, "complaint.decided", request, title=request.title)
        return fresh

    return _commit_or_explain(write)


def open_complaints(programme_id: int) -> list[PayoutComplaint]:
    from pb.groups.models import Group

    return list(
        db.session.scalars(
            select(PayoutComplaint)
            .join(PayoutRequest)
            .join(Group, Group.id == PayoutRequest.group_id)
            .where(Group.programme_id == programme_id, PayoutComplaint.state == "open")
            .order_by(PayoutComplaint.created_at)
        )
    )
