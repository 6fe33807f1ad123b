"""The settings page's rules, the email's unsubscribe link, and the dead letters staff see."""

from dataclasses import dataclass

from flask import abort
from sqlalchemy import or_, select

from pb.audit.services import record
from pb.extensions import db
from pb.forms import phone_or_none
from pb.notifications import delivery as deliveries
from pb.notifications import preferences
from pb.notifications.models import CATEGORIES, Delivery, Notification
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


@dataclass
class DeadLetterScope:
    """Which failed messages a person may see: those about the groups they are staff of, and,
    for a programme lead, also those about no group (digests, weekly summaries) sent to the
    programme's people. A message about one group never shows to another group's staff, even
    when its recipient belongs to both."""

    group_ids: set[int]
    lead_recipients: set[int]

    def where(self):
        about_my_groups = Notification.group_id.in_(self.group_ids or {-1})
        if not self.lead_recipients:
            return about_my_groups
        about_no_group = (
            or_(Delivery.notification_id.is_(None), Notification.group_id.is_(None))
        ) & Delivery.user_id.in_(self.lead_recipients)
        return or_(about_my_groups, about_no_group)


def _scope_of(user) -> DeadLetterScope | None:
    from pb.groups.models import Group, Membership

    group_ids = {m.group_id for m in user.memberships if m.role == "staff"}
    lead_of = [r.programme_id for r in user.programme_roles if r.role == "lead"]
    lead_groups = (
        set(db.session.scalars(select(Group.id).where(Group.programme_id.in_(lead_of))))
        if lead_of
        else set()
    )
    if not (group_ids or lead_groups):
        return None
    lead_recipients = (
        set(
            db.session.scalars(
                select(Membership.user_id).where(Membership.group_id.in_(lead_groups))
            )
        )
        if lead_groups
        else set()
    )
    return DeadLetterScope(group_ids | lead_groups, lead_recipients)


def _dead_letters(scope: DeadLetterScope):
    return (
        select(Delivery)
        .outerjoin(Notification, Notification.id == Delivery.notification_id)
        .where(Delivery.status == "dead", scope.where())
    )


def dead_letters_for(user) -> list[Delivery] | None:
    scope = _scope_of(user)
    if scope is None:
        return None
    return list(db.session.scalars(_dead_letters(scope).order_by(Delivery.id.desc()).limit(200)))


def dead_letter(user, delivery_id: int) -> Delivery:
    scope = _scope_of(user)
    if scope is None:
        abort(404)
    delivery = db.session.scalar(_dead_letters(scope).where(Delivery.id == delivery_id))
    if delivery is None:
        abort(404)
    return delivery


def resend(delivery: Delivery, *, actor) -> None:
    deliveries.resend(delivery)
    record("notifications.delivery_resent", actor=actor, subject=delivery, channel=delivery.channel)
    db.session.commit()
