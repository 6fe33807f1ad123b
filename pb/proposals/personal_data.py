"""What the proposals domain holds about a person, for their export, and what deleting the
account erases: the proposals, comments, translations, reports and appeals they wrote, their
photos, and the moderation notes they wrote as a peer consultant. Staff's words stay."""

from sqlalchemy import delete, select

from pb import privacy
from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.proposals import photos
from pb.proposals.models import (
    Comment,
    ModerationCase,
    Proposal,
    ProposalTranslation,
    ProposalVersion,
    Report,
    Support,
)
from pb.timeutil import utcnow

# What stands where an erased title was: not the member's words, and not empty on a ballot.
ERASED_TITLE = "—"

# The moderation actions whose text lives on the proposal or the comment itself.
_PROPOSAL_MESSAGES = ("proposal.changes_requested", "proposal.rejected", "proposal.merged")
_COMMENT_REASONS = ("comment.hidden",)


def _export(user) -> dict:
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id)
    ).all()
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    translations = db.session.scalars(
        select(ProposalTranslation).where(ProposalTranslation.translated_by_id == user.id)
    ).all()
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id)).all()
    cases = db.session.scalars(
        select(ModerationCase).where(ModerationCase.opened_by_id == user.id)
    ).all()
    supported = db.session.scalars(
        select(Proposal.title)
        .join(Support, Support.proposal_id == Proposal.id)
        .where(Support.user_id == user.id)
        .order_by(Support.id)
    ).all()
    return {
        "proposals": [
            {
                "id": p.id,
                "round": p.round.title,
                "title": p.title,
                "description": p.description,
                "status": p.status,
                "estimated_cost_ore": p.estimated_cost_ore,
                "created_at": p.created_at.isoformat(),
                "has_photo": p.photo_name is not None,
                "versions": [
                    {"number": v.number, "title": v.title, "description": v.description}
                    for v in p.versions
                ],
                "translations": [
                    {"language": t.language, "title": t.title, "text": t.description}
                    for t in p.translations
                ],
            }
            for p in proposals
        ],
        "comments": [
            {
                "proposal_id": c.proposal_id,
                "proposal": c.proposal.title,
                "text": c.body,
                "at": c.created_at.isoformat(),
                "deleted": c.deleted_at is not None,
            }
            for c in comments
        ],
        "translations_you_wrote": [
            {
                "proposal_id": t.proposal_id,
                "language": t.language,
                "title": t.title,
                "text": t.description,
            }
            for t in translations
        ],
        "reports": [
            {
                "proposal_id": r.proposal_id,
                "about": r.subject_type,
                "reason": r.reason,
                "note": r.note,
                "at": r.created_at.isoformat(),
            }
            for r in reports
        ],
        "appeals_and_escalations": [
            {
                "proposal_id": c.proposal_id,
                "kind": c.kind,
                "message": c.message,
                "outcome": c.outcome,
                "staff_note": c.decision_note,
            }
            for c in cases
        ],
        "supported": list(supported),
    }


def _last_word_is_theirs(user_id: int, subject_type: str, actions: tuple[str, ...]) -> set[int]:
    """The subjects whose latest moderation text (of these actions) this person wrote."""
    latest: dict[int, int | None] = {}
    events = db.session.execute(
        select(AuditEvent.subject_id, AuditEvent.actor_id)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.action.in_(actions))
        .where(
            AuditEvent.subject_id.in_(
                select(AuditEvent.subject_id).where(
                    AuditEvent.actor_id == user_id,
                    AuditEvent.subject_type == subject_type,
                    AuditEvent.action.in_(actions),
                )
            )
        )
        .order_by(AuditEvent.id)
    )
    for subject_id, actor_id in events:
        latest[subject_id] = actor_id
    return {subject_id for subject_id, actor_id in latest.items() if actor_id == user_id}


def _erase(erasure: privacy.Erasure) -> None:
    user_id = erasure.user.id
    for proposal in db.session.scalars(select(Proposal).where(Proposal.author_id == user_id)):
        erasure.blanked(proposal.title, proposal.description)
        proposal.title = ERASED_TITLE
        proposal.description = ""
        photos.remove_photo(proposal.photo_name, proposal.thumbnail_name)
        proposal.photo_name = proposal.thumbnail_name = None
        for version in proposal.versions:
            erasure.blanked(version.title, version.description)
            version.title, version.description = ERASED_TITLE, ""
        # Translations of their words are their words too.
        for translation in proposal.translations:
            erasure.blanked(translation.title, translation.description)
        db.session.execute(
            delete(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id)
        )
    for translation in db.session.scalars(
        select(ProposalTranslation).where(ProposalTranslation.translated_by_id == user_id)
    ):
        erasure.blanked(translation.title, translation.description)
        db.session.delete(translation)
    for version in db.session.scalars(
        select(ProposalVersion).where(ProposalVersion.edited_by_id == user_id)
    ):
        erasure.blanked(version.title, version.description)
        version.title, version.description = ERASED_TITLE, ""
    for comment in db.session.scalars(select(Comment).where(Comment.author_id == user_id)):
        erasure.blanked(comment.body)
        comment.body = ""
        comment.deleted_at = comment.deleted_at or utcnow()
    for report in db.session.scalars(select(Report).where(Report.reporter_id == user_id)):
        erasure.blanked(report.note)
        report.note = ""
    for case in db.session.scalars(
        select(ModerationCase).where(ModerationCase.opened_by_id == user_id)
    ):
        erasure.blanked(case.message)
        case.message = ""
    # As a peer consultant they may have written the note a proposal or comment still shows.
    for proposal_id in _last_word_is_theirs(user_id, "proposal", _PROPOSAL_MESSAGES):
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is not None and proposal.moderator_message:
            erasure.blanked(proposal.moderator_message)
            proposal.moderator_message = ""
    for comment_id in _last_word_is_theirs(user_id, "proposal_comment", _COMMENT_REASONS):
        comment = db.session.get(Comment, comment_id)
        if comment is not None and comment.hidden_reason:
            erasure.blanked(comment.hidden_reason)
            comment.hidden_reason = ""


privacy.register_exporter("proposals", _export)
privacy.register_eraser("proposals", _erase, order=40)
