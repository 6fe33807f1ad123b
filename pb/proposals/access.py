"""Loading "the round / proposal / comment this URL is about", inside a group the reader may see.

Anything outside the group, or in another round, is a 404, like everything else in Fellespott.
"""

from flask import abort

from pb.extensions import db
from pb.groups.access import GroupAccess
from pb.ids import whole_number
from pb.proposals.models import BudgetRound, Comment, ModerationCase, Proposal


def round_in_group(access: GroupAccess, round_id: int) -> BudgetRound:
    budget_round = db.session.get(BudgetRound, round_id)
    if budget_round is None or budget_round.group_id != access.group.id:
        abort(404)
    return budget_round


def proposal_in_round(budget_round: BudgetRound, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != budget_round.id:
        abort(404)
    return proposal


def comment_on(proposal: Proposal, comment_id: int | str | None) -> Comment:
    comment_id = whole_number(comment_id)
    comment = db.session.get(Comment, comment_id) if comment_id is not None else None
    if comment is None or comment.proposal_id != proposal.id:
        abort(404)
    return comment


def case_in_group(access: GroupAccess, case_id: int) -> ModerationCase:
    case = db.session.get(ModerationCase, case_id)
    if case is None or case.group_id != access.group.id:
        abort(404)
    return case


def can_see_hidden(access: GroupAccess, proposal: Proposal, user) -> bool:
    """Moderators see hidden things to judge them; an author still sees their own."""
    return access.can_moderate or proposal.author_id == user.id
