"""What the payouts domain holds about a person, for their export, and what deleting the account
erases.

The export holds the payouts to them or their household, with the reasons given for each
decision, the complaints they filed and the receipts they uploaded. Deletion blanks the text of
their complaints, removes their receipts and their unfinished drafts, and takes the title of their
own winning proposal off the collective payout and its ledger rows. The amounts stay: the ledger
stays balanced, and the recipient is shown as "deleted member".
"""

import base64

from sqlalchemy import or_, select, update

from pb import privacy
from pb.extensions import db
from pb.groups.models import Membership
from pb.payouts.models import LedgerTransaction, PayoutComplaint, PayoutReceipt, PayoutRequest
from pb.proposals.models import Proposal
from pb.proposals.personal_data import ERASED_TITLE


def _their_payouts(user) -> list[PayoutRequest]:
    households = select(Membership.household_id).where(
        Membership.user_id == user.id, Membership.household_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(PayoutRequest)
            .where(
                or_(
                    PayoutRequest.recipient_id == user.id,
                    PayoutRequest.household_id.in_(households),
                )
            )
            .order_by(PayoutRequest.id)
        )
    )


def _export(user) -> dict:
    locale = user.locale or "nb"
    complaints = db.session.scalars(
        select(PayoutComplaint).where(PayoutComplaint.filed_by_id == user.id)
    ).all()
    receipts = db.session.scalars(
        select(PayoutReceipt).where(PayoutReceipt.uploaded_by_id == user.id)
    ).all()
    return {
        "payouts_to_you_or_your_household": [
            {
                "id": p.id,
                "title": p.title,
                "kind": p.kind,
                "state": p.state,
                "amount_ore": p.amount_ore,
                "category": p.category,
                "purpose": p.purpose,
                "decisions": [
                    {
                        "verdict": d.verdict,
                        "reason": d.reason_for(locale),
                        "at": d.created_at.isoformat(),
                    }
                    for d in p.decisions
                ],
                "monthly_payments": [
                    {"due_on": i.due_on.isoformat(), "amount_ore": i.amount_ore}
                    for i in p.installments
                ],
            }
            for p in _their_payouts(user)
        ],
        "complaints": [
            {
                "payout_id": c.request_id,
                "text": c.text,
                "state": c.state,
                "outcome_reason": c.outcome_reason,
                "at": c.created_at.isoformat(),
            }
            for c in complaints
        ],
        "receipts": [
            {
                "payout_id": r.request_id,
                "uploaded_at": r.created_at.isoformat(),
                "jpeg_base64": base64.b64encode(r.image).decode("ascii"),
            }
            for r in receipts
        ],
    }


def _erase(erasure: privacy.Erasure) -> None:
    user_id = erasure.user.id
    for complaint in db.session.scalars(
        select(PayoutComplaint).where(PayoutComplaint.filed_by_id == user_id)
    ):
        erasure.blanked(complaint.text)
        complaint.text = ""
    for receipt in db.session.scalars(
        select(PayoutReceipt).where(PayoutReceipt.uploaded_by_id == user_id)
    ):
        db.session.delete(receipt)
    # A draft nobody has submitted is still only theirs: it ends with them.
    for draft in db.session.scalars(
        select(PayoutRequest).where(
            PayoutRequest.drafted_by_id == user_id, PayoutRequest.state == "draft"
        )
    ):
        erasure.blanked(draft.title, draft.purpose)
        draft.title, draft.purpose, draft.state = ERASED_TITLE, "", "cancelled"
    # A winning proposal's payout carries its title, and so do its ledger rows' memos.
    collective = db.session.scalars(
        select(PayoutRequest).where(
            PayoutRequest.source_proposal_id.in_(
                select(Proposal.id).where(Proposal.author_id == user_id)
            )
        )
    ).all()
    for payout in collective:
        erasure.blanked(payout.title)
        payout.title = ERASED_TITLE
    if collective:
        db.session.execute(
            update(LedgerTransaction)
            .where(LedgerTransaction.payout_request_id.in_([p.id for p in collective]))
            .values(memo="")
            .execution_options(synchronize_session=False)
        )


privacy.register_exporter("payouts", _export)
privacy.register_eraser("payouts", _erase, order=60)
