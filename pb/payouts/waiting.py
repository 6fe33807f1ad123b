"""What the payouts domain puts at the top of a group page: decisions and complaints for staff."""

from flask import url_for
from sqlalchemy import select

from pb.extensions import db
from pb.groups.overview import Waiting, register_waiting
from pb.i18n import ngettext
from pb.payouts import services
from pb.payouts.models import PayoutComplaint, PayoutRequest


def waiting_counts(group_id: int, user) -> tuple[int, int]:
    """(payouts this person may decide now, complaints assigned to them) in one group."""
    requests = db.session.scalars(
        select(PayoutRequest).where(
            PayoutRequest.group_id == group_id, PayoutRequest.state == "requested"
        )
    ).all()
    decide = sum(1 for r in requests if services.decision_problem(r, user) is None)
    complaints = db.session.scalar(
        select(PayoutComplaint.id)
        .join(PayoutRequest, PayoutRequest.id == PayoutComplaint.request_id)
        .where(PayoutRequest.group_id == group_id)
        .where(PayoutComplaint.state == "open", PayoutComplaint.handler_id == user.id)
        .with_only_columns(db.func.count())
    )
    return decide, complaints or 0


def _for_staff(access, user) -> list[Waiting]:
    if not access.can_manage:
        return []
    decide, complaints = waiting_counts(access.group.id, user)
    payouts_url = url_for("payouts.payout_list", group_id=access.group.id)
    return [
        Waiting(
            ngettext(
                "%(num)d payout waits for your decision",
                "%(num)d payouts wait for your decision",
                decide,
            ),
            payouts_url,
            decide,
            "coins",
        ),
        Waiting(
            ngettext(
                "%(num)d complaint waits for you", "%(num)d complaints wait for you", complaints
            ),
            payouts_url,
            complaints,
            "flag",
        ),
    ]


register_waiting("payouts", _for_staff)
