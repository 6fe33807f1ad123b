"""The settings page's rules, the email's unsubscribe link, and the dead letters staff see."""

from flask import abort
from sqlalchemy import select

from pb.audit.services import record
from pb.extensions import db
from pb.forms import phone_or_none
from pb.notifications import delivery as deliveries
from pb.notifications import preferences
from pb.notifications.models import CATEGORIES, Delivery
from pb.phones import readable_phone


def fill_form(form, user) -> None:
    """What holds now: a channel shows as chosen only where there is an address for it."""
    prefs = preferences.of(user)
    form.email.data = user.email or ""
    form.phone.data = readable_phone(user.phone)
    form.quiet_from.data = str(prefs.quiet_from)
    form.quiet_until.data = str(prefs.quiet_until)
    form.daily_digest.data = prefs.daily_digest
    form.weekly_summary.data = prefs.weekly_summary
    for category in CATEGORIES:
        form.channel_field(category, "email").data = bool(user.email) and prefs.wants(
            category, "email"
        )
        form.channel_field(category, "sms").data = (
            bool(user.phone) and prefs.sms_stopped_at is None and prefs.wants(category, "sms")
        )


def save_form(form, user) -> None:
    """Everything in one transaction: the addresses, the channels and the hours."""
    was_digest = preferences.of(user).daily_digest
    user.email = (form.email.data or "").strip() or None
    user.phone = phone_or_none(form.phone.data)
    preferences.save(
        user,
        choices=form.choices(),
        quiet_from=int(form.quiet_from.data),
        quiet_until=int(form.quiet_until.data),
        daily_digest=bool(form.daily_digest.data),
        weekly_summary=bool(form.weekly_summary.data),
    )
    if was_digest and not form.daily_digest.data:
        deliveries.release_held(user)
    db.session.commit()


def sms_stopped_at(user):
    return preferences.of(user).sms_stopped_at


def user_for_unsubscribe(found):
    from pb.accounts.models import User

    if found is None:
        return None
    user = db.session.get(User, found[0])
    return user if user is not None and user.is_active else None


def unsubscribe(user, category: str, channel: str) -> None:
    preferences.turn_off(user, category, channel)
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# Dead letters


def _recipients_seen_by(user) -> set[int] | None:
    """The people whose failed messages this person may see: members of the groups they are
    staff of (all of a programme's groups for its lead); None for everyone else."""
    from pb.groups.models import Group, Membership

    group_ids = {m.group_id for m in user.memberships if m.role == "staff"}
    lead_of = [r.programme_id for r in user.programme_roles if r.role == "lead"]
    if lead_of:
        group_ids |= set(
            db.session.scalars(select(Group.id).where(Group.programme_id.in_(lead_of)))
        )
    if not group_ids:
        return None
    return set(
        db.session.scalars(select(Membership.user_id).where(Membership.group_id.in_(group_ids)))
    )


def dead_letters_for(user) -> list[Delivery] | None:
    recipients = _recipients_seen_by(user)
    if recipients is None:
        return None
    if not recipients:
        return []
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.status == "dead", Delivery.user_id.in_(recipients))
            .order_by(Delivery.id.desc())
            .limit(200)
        )
    )


def dead_letter(user, delivery_id: int) -> Delivery:
    recipients = _recipients_seen_by(user)
    delivery = db.session.get(Delivery, delivery_id)
    if (
        recipients is None
        or delivery is None
        or delivery.user_id not in recipients
        or delivery.status != "dead"
    ):
        abort(404)
    return delivery


def resend(delivery: Delivery, *, actor) -> None:
    deliveries.resend(delivery)
    record("notifications.delivery_resent", actor=actor, subject=delivery, channel=delivery.channel)
    db.session.commit()
