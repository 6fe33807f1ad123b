"""Time in one place: stored as naive UTC, shown in Europe/Oslo through Babel."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today's date where the groups live: a booking's "tomorrow" turns at midnight in Oslo."""
    return datetime.now(OSLO).date()


def local_day(moment: datetime) -> date:
    """The day in Oslo of a naive UTC time as the database stores it."""
    return moment.replace(tzinfo=UTC).astimezone(OSLO).date()
