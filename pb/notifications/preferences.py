"""Each person's choice of channels per category, quiet hours, the daily digest and the staff's
weekly summary. Without a saved choice the defaults below hold, so a new member with a phone
number gets the reminders that matter by SMS without visiting a settings page first."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from pb.extensions import db
from pb.notifications.models import CATEGORIES, ChannelChoice, NotificationSettings
from pb.timeutil import OSLO, utcnow

# SMS costs the municipality money and reaches people where they are: by default it carries
# only what has a deadline (a vote closing, money, a booking). Email carries everything.
DEFAULT_SMS = frozenset({"votes", "payouts", "bookings"})
DEFAULT_QUIET_FROM, DEFAULT_QUIET_UNTIL = 21, 8


@dataclass
class Preferences:
    user_id: int
    quiet_from: int = DEFAULT_QUIET_FROM
    quiet_until: int = DEFAULT_QUIET_UNTIL
    daily_digest: bool = False
    weekly_summary: bool = True
    sms_stopped_at: datetime | None = None
    # category -> {"email": bool, "sms": bool}
    choices: dict[str, dict[str, bool]] = field(default_factory=dict)

    def wants(self, category: str, channel: str) -> bool:
        choice = self.choices.get(category)
        if choice is not None:
            return choice[channel]
        return channel == "email" or category in DEFAULT_SMS

    def channels_for(self, category: str) -> list[str]:
        return [channel for channel in ("email", "sms") if self.wants(category, channel)]

    @property
    def digest_hour(self) -> int:
        """The daily digest goes out when quiet hours end; without quiet hours, at eight."""
        return self.quiet_until if self.quiet_from != self.quiet_until else DEFAULT_QUIET_UNTIL

    def is_quiet(self, now: datetime) -> bool:
        hour = local_time(now).hour
        start, end = self.quiet_from, self.quiet_until
        if start == end:
            return False
        if start < end:
            return start <= hour < end
        return hour >= start or hour < end

    def quiet_ends(self, now: datetime) -> datetime | None:
        """When quiet hours end, as naive UTC, if `now` (naive UTC) is inside them; else None."""
        if not self.is_quiet(now):
            return None
        local = local_time(now)
        end = local.replace(hour=self.quiet_until, minute=0, second=0, microsecond=0)
        if end <= local:
            end = (local + timedelta(days=1)).replace(
                hour=self.quiet_until, minute=0, second=0, microsecond=0
            )
        # Built from the wall clock, so the offset of that day (summer or winter time) holds.
        end = end.replace(tzinfo=None).replace(tzinfo=OSLO)
        return end.astimezone(UTC).replace(tzinfo=None)


def local_time(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(OSLO)


def _cache() -> dict:
    # Forgotten at every commit and rollback (pb/notifications/delivery.py), so a saved change
    # is seen at once; within one transaction a roll of 40 members costs 2 queries each once.
    return db.session.info.setdefault("notification_preferences", {})


def of(user) -> Preferences:
    cached = _cache().get(user.id)
    if cached is not None:
        return cached
    settings = db.session.get(NotificationSettings, user.id)
    prefs = Preferences(user_id=user.id)
    if settings is not None:
        prefs.quiet_from = settings.quiet_from
        prefs.quiet_until = settings.quiet_until
        prefs.daily_digest = settings.daily_digest
        prefs.weekly_summary = settings.weekly_summary
        prefs.sms_stopped_at = settings.sms_stopped_at
    for choice in db.session.scalars(select(ChannelChoice).where(ChannelChoice.user_id == user.id)):
        prefs.choices[choice.category] = {"email": choice.email, "sms": choice.sms}
    _cache()[user.id] = prefs
    return prefs


def _settings_row(user_id: int) -> NotificationSettings:
    settings = db.session.get(NotificationSettings, user_id)
    if settings is None:
        settings = NotificationSettings(
            user_id=user_id,
            quiet_from=DEFAULT_QUIET_FROM,
            quiet_until=DEFAULT_QUIET_UNTIL,
            daily_digest=False,
            weekly_summary=True,
        )
        db.session.add(settings)
    return settings


def save(
    user,
    *,
    choices: dict[str, dict[str, bool]],
    quiet_from: int,
    quiet_until: int,
    daily_digest: bool,
    weekly_summary: bool,
) -> None:
    """Keep the person's choices; the caller commits. Choosing SMS again undoes a STOPP."""
    settings = _settings_row(user.id)
    settings.quiet_from = quiet_from
    settings.quiet_until = quiet_until
    settings.daily_digest = daily_digest
    settings.weekly_summary = weekly_summary
    if any(choice["sms"] for choice in choices.values()):
        settings.sms_stopped_at = None
    db.session.execute(delete(ChannelChoice).where(ChannelChoice.user_id == user.id))
    for category in CATEGORIES:
        choice = choices[category]
        db.session.add(
            ChannelChoice(
                user_id=user.id, category=category, email=choice["email"], sms=choice["sms"]
            )
        )
    _cache().pop(user.id, None)


def turn_off(user, category: str, channel: str) -> None:
    """One channel off for one category (an email's unsubscribe link); the caller commits."""
    prefs = of(user)
    choice = db.session.get(ChannelChoice, (user.id, category))
    if choice is None:
        choice = ChannelChoice(
            user_id=user.id,
            category=category,
            email=prefs.wants(category, "email"),
            sms=prefs.wants(category, "sms"),
        )
        db.session.add(choice)
    setattr(choice, channel, False)
    _cache().pop(user.id, None)


def stop_sms(user) -> None:
    """An SMS answer of STOPP: no more SMS to this person until they choose SMS again."""
    _settings_row(user.id).sms_stopped_at = utcnow()
    _cache().pop(user.id, None)


def export(user) -> dict:
    prefs = of(user)
    return {
        "quiet_hours": f"{prefs.quiet_from:02d}:00-{prefs.quiet_until:02d}:00",
        "daily_digest": prefs.daily_digest,
        "weekly_summary": prefs.weekly_summary,
        "sms_stopped_at": prefs.sms_stopped_at.isoformat() if prefs.sms_stopped_at else None,
        "channels": {category: prefs.channels_for(category) for category in CATEGORIES},
    }
