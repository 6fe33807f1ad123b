"""Who may see and do what with a group's payouts: the one place these rules live.

Collective payouts are open to the whole group. Conditional and unconditional payouts are seen
only by the recipient household (or youth) and the group's staff team; a peer consultant sees the
drafts they started, until staff submit them. Everyone else gets 404, and group views show such
payouts only as totals.
"""

from flask import abort
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from pb.extensions import db
from pb.groups.access import GroupAccess, group_access, programme_access, require
from pb.groups.models import Household
from pb.payouts.models import PayoutComplaint, PayoutRequest

__all__ = ["group_access", "programme_access", "require"]


def own_household_id(access: GroupAccess) -> int | None:
    return access.membership.household_id if access.membership is not None else None


def can_see(access: GroupAccess, request: PayoutRequest, user=None) -> bool:
    user = user or current_user
    if request.group_id != access.group.id:
        return False
    if access.can_manage:
        return True
    if request.drafted_by_id == user.id and request.state == "draft":
        # Once staff submit it, it is the household's and the staff team's only.
        return True
    if request.kind == "collective":
        return request.state != "draft"
    if request.recipient_id == user.id:
        return True
    household_id = own_household_id(access)
    return household_id is not None and request.household_id == household_id


def load_request(access: GroupAccess, request_id: int) -> PayoutRequest:
    # What the payout page shows of it comes along in the same query.
    request = db.session.get(
        PayoutRequest,
        request_id,
        options=[
            joinedload(PayoutRequest.household).joinedload(Household.children),
            joinedload(PayoutRequest.receipt),
        ],
    )
    if request is None or not can_see(access, request):
        abort(404)
    return request


# A municipal group has thousands of payouts; the list shows them newest first, a page at a time.
PAYOUTS_PER_PAGE = 50


def visible_requests(
    access: GroupAccess, *, before: int | None = None, limit: int | None = None
) -> list[PayoutRequest]:
    """The payouts this person may see, newest first; with `before`, only older ones than
    that id, and with `limit`, at most that many."""
    query = select(PayoutRequest).where(PayoutRequest.group_id == access.group.id)
    if before is not None:
        query = query.where(PayoutRequest.id < before)
    if not access.can_manage:
        mine = [
            (PayoutRequest.drafted_by_id == current_user.id) & (PayoutRequest.state == "draft"),
            PayoutRequest.recipient_id == current_user.id,
            (PayoutRequest.kind == "collective") & (PayoutRequest.state != "draft"),
        ]
        household_id = own_household_id(access)
        if household_id is not None:
            mine.append(PayoutRequest.household_id == household_id)
        query = query.where(or_(*mine))
    return list(db.session.scalars(query.order_by(PayoutRequest.id.desc()).limit(limit)))


def load_complaint(access: GroupAccess, complaint_id: int) -> PayoutComplaint:
    complaint = db.session.get(PayoutComplaint, complaint_id)
    if complaint is None or not can_see(access, complaint.request):
        abort(404)
    return complaint


def can_draft(access: GroupAccess) -> bool:
    """Staff write conditional requests; peer consultants start drafts with a family."""
    return access.can_moderate


def can_plan(access: GroupAccess) -> bool:
    return access.can_manage


def can_export(access: GroupAccess) -> bool:
    return access.can_manage
