"""Each staff member's weekly summary of payouts waiting for their decision and complaints
assigned to them, sent by the tick from Monday morning on, once a week (the database refuses a
second one with the same week's key)."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pb.extensions import db
from pb.notifications import preferences
from pb.notifications.models import Notification
from pb.notifications.services import notify, register_kind
from pb.payouts.waiting import waiting_counts
from pb.timeutil import OSLO, utcnow

register_kind(
    "staff.weekly_summary",
    # Stored with its numbers and written out when read, so it can't choose a plural form:
    # the numbers stand after a colon, where one form reads right for any count.
    _l("Waiting for you this week: payouts to decide: %(payouts)s. Complaints: %(complaints)s."),
)
SUMMARY_HOUR = 8


def send_weekly_summaries(now: datetime | None = None) -> int:
    from pb.accounts.models import User
    from pb.groups.models import Membership

    now = now or utcnow()
    local = now.replace(tzinfo=UTC).astimezone(OSLO)
    if local.weekday() == 0 and local.hour < SUMMARY_HOUR:
        return 0  # Monday before eight: wait for the morning
    year, week, _day = local.isocalendar()
    staff = db.session.execute(
        select(Membership.user_id, Membership.group_id).where(Membership.role == "staff")
    ).all()
    groups_of: dict[int, list[int]] = {}
    for user_id, group_id in staff:
        groups_of.setdefault(user_id, []).append(group_id)
    sent = 0
    for user_id, group_ids in groups_of.items():
        key = f"staff-summary:{user_id}:{year}-W{week:02d}"
        if db.session.scalar(select(Notification.id).where(Notification.once_key == key)):
            continue
        user = db.session.get(User, user_id)
        if not user.is_active or not preferences.of(user).weekly_summary:
            continue
        payouts = complaints = 0
        for group_id in group_ids:
            decide, assigned = waiting_counts(group_id, user)
            payouts, complaints = payouts + decide, complaints + assigned
        if not (payouts or complaints):
            continue
        notify(
            user,
            "staff.weekly_summary",
            link="/",
            once_key=key,
            payouts=payouts,
            complaints=complaints,
        )
        try:
            db.session.commit()
        except IntegrityError:  # another tick sent it at the same moment
            db.session.rollback()
            continue
        sent += 1
    return sent
