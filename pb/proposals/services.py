"""Budget rounds, proposals and discussion.

Each public function is one transaction, unless its docstring says it joins the caller's.
Moderation (requests for changes, the ballot, reports, appeals) is in moderation.py.
"""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pb.audit.services import record
from pb.errors import RuleRefused
from pb.extensions import db
from pb.groups.models import Group, Membership
from pb.notifications.services import notify, register_kind
from pb.proposals import photos
from pb.proposals.models import (
    PHASES,
    BudgetRound,
    Comment,
    Proposal,
    ProposalTranslation,
    ProposalVersion,
    Support,
)
from pb.timeutil import utcnow
from pb.transaction_cache import remember

COMMENT_EDIT_WINDOW = timedelta(minutes=15)
# Phases in which the ballot is still being put together.
BEFORE_VOTING = ("ideas", "review")


class ProposalError(RuleRefused):
    """A rule refused the action; `code` names it, and MESSAGES holds its translated text."""


MESSAGES = {
    "not_ideas_phase": _l("New proposals can only be made while the round collects ideas."),
    "limit_reached": _l("You have made as many proposals as this round allows (%(limit)s)."),
    "cost_exceeds_round": _l("The cost is more than the whole round's amount."),
    "edit_closed": _l(
        "This proposal can no longer be changed: the review has started or it was decided."
    ),
    "proposal_hidden": _l("This proposal is hidden while moderators look at it."),
    "comment_edit_closed": _l("A comment can only be changed in the first 15 minutes."),
    "comment_gone": _l("This comment was removed."),
    "ballot_closed": _l("The ballot can no longer change: voting has started."),
    "cost_not_confirmed": _l("Staff must confirm the cost before it goes on the ballot."),
    "not_waiting": _l("This proposal is not waiting for a decision."),
    "phase_backwards": _l("A round can only move forward to a later phase."),
    "same_proposal": _l("Choose another proposal to merge into."),
    "already_reported": _l("You have already reported this."),
    "staff_decided": _l("Staff have decided this, so only staff can change it."),
    "round_no_pot": _l(
        "This group has no money in its pot yet. The programme lead adds an allocation first."
    ),
    "round_not_enough_money": _l("The pot does not have that much money available."),
    "appeal_open": _l("An appeal about this is already waiting for staff."),
    "appeal_decided": _l("Staff have already decided an appeal about this decision."),
    "case_decided": _l("This case is already decided."),
    "nothing_to_appeal": _l("Only a rejected or merged proposal can be appealed."),
}
ProposalError.messages = MESSAGES

register_kind("proposals.queue_new", _l("A new proposal is waiting for review: “%(title)s”."))
register_kind(
    "proposals.queue_edited", _l("A proposal was changed and is waiting for review: “%(title)s”.")
)
# A discussion is part of choosing what to vote for, not of moderation.
register_kind(
    "proposals.comment",
    _l("%(name)s commented on your proposal “%(title)s”."),
    category="votes",
)
register_kind(
    "proposals.reply",
    _l("%(name)s replied to your comment on “%(title)s”."),
    category="votes",
)


# ---------------------------------------------------------------------------------------------
# Rounds and phases


def default_amount_ore(group: Group) -> int | None:
    """The money the group's pot has available, when the group has a pot."""
    from pb.payouts.services import balances, pot_for_group

    pot = pot_for_group(group)
    return balances(pot).available if pot is not None else None


def create_round(group: Group, *, actor, **settings) -> BudgetRound:
    """Open a round, and set its money aside in the pot's ledger in the same transaction, so
    that no other round or payout can promise it again."""
    from pb.payouts.services import EarmarkError, earmark_round

    budget_round = BudgetRound(group_id=group.id, created_by_id=actor.id, **settings)
    db.session.add(budget_round)
    db.session.flush()
    try:
        earmark_round(budget_round, actor=actor)
    except EarmarkError as error:
        db.session.rollback()
        raise ProposalError(f"round_{error.code}") from error
    record(
        "round.created",
        actor=actor,
        group=group,
        subject=budget_round,
        amount_ore=budget_round.amount_ore,
        ballot_format=budget_round.ballot_format,
        counting_rule=budget_round.counting_rule,
    )
    db.session.commit()
    return budget_round


def current_phase(budget_round: BudgetRound) -> str:
    return budget_round.phase_at(utcnow())


def next_phase(budget_round: BudgetRound) -> str | None:
    index = PHASES.index(current_phase(budget_round))
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


_PHASE_STARTS = {
    "review": "review_starts_at",
    "voting": "voting_starts_at",
    "results": "voting_ends_at",
    "followup": "followup_starts_at",
}


def advance_phase(budget_round: BudgetRound, *, to: str, actor) -> None:
    """Move a round on by hand, only forward. The phase's start date becomes now (earlier dates
    are pulled back to now if needed), so the dates stay in order and agree with the phase."""
    now = utcnow()
    current = budget_round.phase_at(now)
    if to not in PHASES or PHASES.index(to) <= PHASES.index(current):
        raise ProposalError("phase_backwards")
    target_index = PHASES.index(to)
    if target_index >= PHASES.index("voting") and budget_round.voting_starts_at > now:
        budget_round.voting_opened_at = now
    for phase, attribute in _PHASE_STARTS.items():
        steps_before = target_index - PHASES.index(phase)
        if steps_before >= 0 and getattr(budget_round, attribute) > now:
            # Earlier phases start a second apart, so voting never ends before it starts.
            setattr(budget_round, attribute, now - timedelta(seconds=steps_before))
    budget_round.manual_phase = to
    record(
        "round.phase_advanced",
        actor=actor,
        group=budget_round.group,
        subject=budget_round,
        old_phase=current,
        new_phase=to,
    )
    db.session.commit()


def rounds_for_group(group: Group) -> list[BudgetRound]:
    """Newest first; asked by the page and by its phase banner, read once per transaction."""
    return remember(
        ("rounds_for_group", group.id),
        lambda: list(
            db.session.scalars(
                select(BudgetRound)
                .where(BudgetRound.group_id == group.id)
                .order_by(BudgetRound.created_at.desc(), BudgetRound.id.desc())
            )
        ),
    )


# Which open round matters most to a member now: one to vote in, then one to propose in.
_PHASE_URGENCY = {"voting": 0, "ideas": 1, "review": 2, "results": 3}


def open_rounds_for(group: Group) -> list[BudgetRound]:
    """The rounds that have not reached follow-up, the most pressing first (voting, then
    ideas, review and results), newest first within a phase."""
    now = utcnow()
    rounds = [r for r in rounds_for_group(group) if r.phase_at(now) != "followup"]
    return sorted(rounds, key=lambda r: _PHASE_URGENCY[r.phase_at(now)])


def open_round_for(group: Group) -> BudgetRound | None:
    """The round the group's phase banner shows: the most pressing open one."""
    rounds = open_rounds_for(group)
    return rounds[0] if rounds else None


def ballot_proposals(budget_round: BudgetRound) -> list[Proposal]:
    """What is on the ballot: accepted and not hidden, in the order they were proposed."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.round_id == budget_round.id,
                Proposal.status == "accepted",
                Proposal.hidden_at.is_(None),
            )
            .order_by(Proposal.id)
        )
    )


def round_proposals(budget_round: BudgetRound) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal).where(Proposal.round_id == budget_round.id).order_by(Proposal.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Proposals


def moderators_of(group: Group, *, staff_only: bool = False) -> list:
    roles = ("staff",) if staff_only else ("peer", "staff")
    memberships = db.session.scalars(
        select(Membership).where(Membership.group_id == group.id, Membership.role.in_(roles))
    )
    return [m.user for m in memberships]


def proposal_link(proposal: Proposal) -> str:
    """The proposal page's path, for notifications written outside a request."""
    return f"/groups/{proposal.round.group_id}/rounds/{proposal.round_id}/proposals/{proposal.id}"


def proposals_by(budget_round: BudgetRound, author) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(Proposal.round_id == budget_round.id, Proposal.author_id == author.id)
    )


def check_can_propose(budget_round: BudgetRound, author) -> None:
    if current_phase(budget_round) != "ideas":
        raise ProposalError("not_ideas_phase")
    if proposals_by(budget_round, author) >= budget_round.proposal_limit:
        raise ProposalError("limit_reached", limit=budget_round.proposal_limit)


def _tell_moderators(proposal: Proposal, kind: str, *, actor) -> None:
    for user in moderators_of(proposal.round.group):
        if user.id != actor.id:
            notify(
                user,
                kind,
                in_group=proposal.round.group,
                link=proposal_link(proposal),
                title=proposal.title,
            )


def _add_version(proposal: Proposal, *, actor) -> ProposalVersion:
    number = len(proposal.versions) + 1
    version = ProposalVersion(
        proposal=proposal,
        number=number,
        title=proposal.title,
        description=proposal.description,
        category=proposal.category,
        estimated_cost_ore=proposal.estimated_cost_ore,
        edited_by_id=actor.id,
    )
    db.session.add(version)
    return version


def create_proposal(
    budget_round: BudgetRound,
    *,
    author,
    title: str,
    description: str,
    category: str,
    estimated_cost_ore: int,
    language: str,
    photo: photos.PreparedPhoto | None = None,
) -> Proposal:
    # Lock the round so two quick posts can't both take a member's last place under the limit.
    db.session.scalar(
        select(BudgetRound.id).where(BudgetRound.id == budget_round.id).with_for_update()
    )
    check_can_propose(budget_round, author)
    if estimated_cost_ore > budget_round.amount_ore:
        raise ProposalError("cost_exceeds_round")
    proposal = Proposal(
        round=budget_round,
        author_id=author.id,
        title=title.strip(),
        description=description.strip(),
        category=category,
        language=language,
        estimated_cost_ore=estimated_cost_ore,
        status="submitted",
    )
    db.session.add(proposal)
    db.session.flush()
    _add_version(proposal, actor=author)
    stored = photos.store_photo(photo) if photo else (None, None)
    proposal.photo_name, proposal.thumbnail_name = stored
    record(
        "proposal.created",
        actor=author,
        group=budget_round.group,
        subject=proposal,
        estimated_cost_ore=estimated_cost_ore,
    )
    _tell_moderators(proposal, "proposals.queue_new", actor=author)
    _commit_or_remove(*stored)
    return proposal


def _commit_or_remove(*photo_names: str | None) -> None:
    """Commit; if that fails, the photos written for this change are removed again."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        photos.remove_photo(*photo_names)
        raise


def can_edit(proposal: Proposal, user) -> bool:
    """The author edits during the ideas phase, and during review only when asked for changes."""
    if proposal.author_id != user.id or proposal.is_hidden:
        return False
    phase = current_phase(proposal.round)
    if phase == "ideas":
        return proposal.status in ("submitted", "changes_requested")
    return phase == "review" and proposal.status == "changes_requested"


def edit_proposal(
    proposal: Proposal,
    *,
    actor,
    title: str,
    description: str,
    category: str,
    estimated_cost_ore: int,
    photo: photos.PreparedPhoto | None = None,
    remove_photo: bool = False,
) -> Proposal:
    if not can_edit(proposal, actor):
        raise ProposalError("edit_closed")
    if estimated_cost_ore > proposal.round.amount_ore:
        raise ProposalError("cost_exceeds_round")
    old_photos = (proposal.photo_name, proposal.thumbnail_name)
    if estimated_cost_ore != proposal.estimated_cost_ore:
        # A new estimate needs a new look from staff.
        proposal.confirmed_cost_ore = None
        proposal.cost_confirmed_by_id = None
        proposal.cost_confirmed_at = None
    proposal.title = title.strip()
    proposal.description = description.strip()
    proposal.category = category
    proposal.estimated_cost_ore = estimated_cost_ore
    proposal.status = "submitted"
    proposal.updated_at = utcnow()
    stored: tuple[str | None, str | None] = (None, None)
    if photo is not None:
        stored = photos.store_photo(photo)
        proposal.photo_name, proposal.thumbnail_name = stored
    elif remove_photo:
        proposal.photo_name = proposal.thumbnail_name = None
    version = _add_version(proposal, actor=actor)
    record(
        "proposal.edited",
        actor=actor,
        group=proposal.round.group,
        subject=proposal,
        version=version.number,
        estimated_cost_ore=estimated_cost_ore,
    )
    _tell_moderators(proposal, "proposals.queue_edited", actor=actor)
    _commit_or_remove(*stored)
    if photo is not None or remove_photo:
        # Earlier versions keep their text; an old photo is not kept, since it may be why the
        # author replaced it.
        photos.remove_photo(*old_photos)
    return proposal


def can_translate(proposal: Proposal, user, *, can_moderate: bool) -> bool:
    return not proposal.is_hidden and (proposal.author_id == user.id or can_moderate)


def save_translation(
    proposal: Proposal, *, actor, language: str, title: str, description: str
) -> ProposalTranslation:
    values = {
        "title": title.strip(),
        "description": description.strip(),
        "translated_by_id": actor.id,
        "updated_at": utcnow(),
    }
    translation = proposal.translation_for(language)
    if translation is None:
        translation = ProposalTranslation(proposal=proposal, language=language, **values)
        db.session.add(translation)
    else:
        for name, value in values.items():
            setattr(translation, name, value)
    db.session.flush()
    record(
        "proposal.translated",
        actor=actor,
        group=proposal.round.group,
        subject=proposal,
        language=language,
    )
    db.session.commit()
    return translation


# ---------------------------------------------------------------------------------------------
# Discussion


def comments_for(proposal: Proposal) -> list[Comment]:
    """Top-level comments, oldest first; each carries its replies."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.proposal_id == proposal.id, Comment.parent_id.is_(None))
            .order_by(Comment.id)
            # Authors and replies in three queries, not one more per comment.
            .options(
                selectinload(Comment.author),
                selectinload(Comment.replies).selectinload(Comment.author),
            )
        )
    )


def comment_counts(proposals: list[Proposal]) -> dict[int, int]:
    """Visible comments per proposal, in one query for a whole list of cards."""
    rows = db.session.execute(
        select(Comment.proposal_id, func.count())
        .where(
            Comment.proposal_id.in_([p.id for p in proposals]),
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
        )
        .group_by(Comment.proposal_id)
    )
    return dict(rows.all())


def comment_count(proposal: Proposal) -> int:
    return comment_counts([proposal]).get(proposal.id, 0)


def add_comment(proposal: Proposal, *, author, body: str, parent: Comment | None = None) -> Comment:
    if proposal.is_hidden:
        raise ProposalError("proposal_hidden")
    if parent is not None and parent.parent_id is not None:
        # One level of replies: a reply to a reply joins the same thread.
        parent = parent.parent
    comment = Comment(
        proposal_id=proposal.id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=body.strip(),
    )
    db.session.add(comment)
    db.session.flush()
    record(
        "comment.created",
        actor=author,
        group=proposal.round.group,
        subject=comment,
        proposal_id=proposal.id,
    )
    link = proposal_link(proposal) + f"#comment-{comment.id}"
    told = {author.id}
    if parent is not None and parent.author_id not in told and not parent.is_removed:
        notify(
            parent.author,
            "proposals.reply",
            in_group=proposal.round.group,
            link=link,
            name=author.display_name,
            title=proposal.title,
        )
        told.add(parent.author_id)
    if proposal.author_id not in told:
        notify(
            proposal.author,
            "proposals.comment",
            in_group=proposal.round.group,
            link=link,
            name=author.display_name,
            title=proposal.title,
        )
    db.session.commit()
    return comment


def can_edit_comment(comment: Comment, user) -> bool:
    return (
        comment.author_id == user.id
        and not comment.is_removed
        and not comment.is_hidden
        and utcnow() - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def edit_comment(comment: Comment, *, actor, body: str) -> Comment:
    if not can_edit_comment(comment, actor):
        raise ProposalError("comment_edit_closed")
    comment.body = body.strip()
    comment.edited_at = utcnow()
    record("comment.edited", actor=actor, group=comment.proposal.round.group, subject=comment)
    db.session.commit()
    return comment


def delete_comment(comment: Comment, *, actor) -> None:
    """The author removes their comment: a stub stays, so the replies keep their context."""
    if comment.is_removed:
        raise ProposalError("comment_gone")
    comment.deleted_at = utcnow()
    comment.body = ""
    record("comment.deleted", actor=actor, group=comment.proposal.round.group, subject=comment)
    db.session.commit()


def support_counts(proposals: list[Proposal]) -> dict[int, int]:
    """Supporters per proposal, in one query for a whole list of cards."""
    rows = db.session.execute(
        select(Support.proposal_id, func.count())
        .where(Support.proposal_id.in_([p.id for p in proposals]))
        .group_by(Support.proposal_id)
    )
    return dict(rows.all())


def support_count(proposal: Proposal) -> int:
    return support_counts([proposal]).get(proposal.id, 0)


def supports(proposal: Proposal, user) -> bool:
    return (
        db.session.scalar(
            select(Support.id).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
        )
        is not None
    )


def set_support(proposal: Proposal, user, *, support: bool) -> None:
    """Mark or unmark support; the unique constraint keeps it at one per member."""
    if proposal.is_hidden:
        raise ProposalError("proposal_hidden")
    existing = db.session.scalar(
        select(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
    )
    if support and existing is None:
        db.session.add(Support(proposal_id=proposal.id, user_id=user.id))
    elif not support and existing is not None:
        db.session.delete(existing)
    try:
        db.session.commit()
    except IntegrityError:
        # The same member's other tab got there first: the support is already counted.
        db.session.rollback()


def phase_time_left(budget_round: BudgetRound) -> tuple[str, datetime | None]:
    now = utcnow()
    return budget_round.phase_at(now), budget_round.next_phase_starts_at(now)
