"""Writing to the audit log. Callers add the event in the same transaction as the change."""

from pb.audit.models import AuditEvent, AuditNote
from pb.extensions import db


def _speaks_for_staff(actor, group) -> bool:
    from pb.groups.access import is_staff_of

    return actor is not None and group is not None and is_staff_of(actor, group)


def record(
    action: str,
    *,
    actor=None,
    group=None,
    subject=None,
    reason: str | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit makes both durable.

    A reason written by staff (or the programme lead) is kept in the event, as the municipality's
    record. Anyone else's reason goes into an AuditNote beside it, which is theirs to erase. So
    callers pass member-written text only as `reason`, never in `details`.
    """
    keep = reason if not reason or actor is None or _speaks_for_staff(actor, group) else None
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        group_id=getattr(group, "id", None),
        subject_type=subject.__class__.__tablename__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        reason=keep,
        details=details,
    )
    if reason and keep is None:
        event.note = AuditNote(author_id=actor.id, text=reason)
    db.session.add(event)
    return event
