"""Writing to the audit log. Callers add the event in the same transaction as the change."""

from pb.audit.models import AuditEvent
from pb.extensions import db


def record(
    action: str,
    *,
    actor=None,
    group=None,
    subject=None,
    reason: str | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit makes both durable."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        group_id=getattr(group, "id", None),
        subject_type=subject.__class__.__tablename__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        reason=reason,
        details=details,
    )
    db.session.add(event)
    return event
