"""Time in one place: stored as naive UTC, shown in Europe/Oslo through Babel."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
