"""Programmes, groups, memberships, households and invites.

Each public function is one transaction, unless its docstring says it joins the caller's.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from pb.audit.services import record
from pb.codes import new_code, normalise_code
from pb.extensions import db
from pb.groups.models import Child, Group, Household, Invite, Membership, Programme, ProgrammeRole
from pb.timeutil import utcnow

# 12 characters of a 32-letter alphabet: 60 bits, still three groups of four to type.
INVITE_CODE_LENGTH = 12


class GroupError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def create_programme(name: str, *, lead) -> Programme:
    programme = Programme(name=name)
    db.session.add(programme)
    db.session.flush()
    db.session.add(ProgrammeRole(programme_id=programme.id, user_id=lead.id, role="lead"))
    record("programme.created", actor=lead, subject=programme, name=name)
    db.session.commit()
    return programme


def create_group(programme: Programme, *, name: str, description: str, actor) -> Group:
    group = Group(programme_id=programme.id, name=name.strip(), description=description.strip())
    db.session.add(group)
    db.session.flush()
    record("group.created", actor=actor, group=group, subject=group, name=group.name)
    db.session.commit()
    return group


def create_invite(
    group: Group,
    *,
    actor,
    role: str = "member",
    household: Household | None = None,
    max_uses: int | None = None,
    days_valid: int | None = None,
) -> Invite:
    days = days_valid or current_app.config["INVITE_DAYS_VALID"]
    invite = Invite(
        group_id=group.id,
        code=new_code(INVITE_CODE_LENGTH),
        role=role,
        household_id=household.id if household else None,
        created_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=days),
        max_uses=max_uses,
    )
    db.session.add(invite)
    db.session.flush()
    record("invite.created", actor=actor, group=group, subject=invite, role=role)
    db.session.commit()
    return invite


def revoke_invite(invite: Invite, *, actor) -> None:
    invite.revoked_at = utcnow()
    record("invite.revoked", actor=actor, group=invite.group, subject=invite)
    db.session.commit()


def active_invites(group: Group) -> list[Invite]:
    return list(
        db.session.scalars(
            select(Invite)
            .where(Invite.group_id == group.id, Invite.revoked_at.is_(None))
            .where(Invite.expires_at > utcnow())
            .order_by(Invite.created_at.desc())
        )
    )


def find_usable_invite(code: str) -> Invite | None:
    invite = db.session.scalar(select(Invite).where(Invite.code == normalise_code(code)))
    if invite is None or not invite.is_usable(utcnow()):
        return None
    return invite


def membership_of(user, group: Group) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )


def add_member_by_invite(invite: Invite, user) -> Membership:
    """Part of the caller's transaction. The use count is raised in SQL so two joins can't both
    take an invite's last place."""
    if membership_of(user, invite.group) is not None:
        raise GroupError("already_member")
    taken = db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.revoked_at.is_(None), Invite.expires_at > utcnow())
        .where((Invite.max_uses.is_(None)) | (Invite.use_count < Invite.max_uses))
        .values(use_count=Invite.use_count + 1)
    ).rowcount
    if taken != 1:
        raise GroupError("invite_used_up")
    membership = Membership(
        group_id=invite.group_id,
        user_id=user.id,
        role=invite.role,
        household_id=invite.household_id,
    )
    db.session.add(membership)
    if invite.role == "staff":
        programme_id = invite.group.programme_id
        has_role = db.session.scalar(
            select(ProgrammeRole.id).where(
                ProgrammeRole.programme_id == programme_id, ProgrammeRole.user_id == user.id
            )
        )
        if has_role is None:
            db.session.add(ProgrammeRole(programme_id=programme_id, user_id=user.id, role="staff"))
    db.session.flush()
    record("group.joined", actor=user, group=invite.group, subject=membership, role=invite.role)
    return membership


def change_role(membership: Membership, new_role: str, *, actor) -> None:
    old_role = membership.role
    if old_role == new_role:
        return
    membership.role = new_role
    record(
        "membership.role_changed",
        actor=actor,
        group=membership.group,
        subject=membership,
        old_role=old_role,
        new_role=new_role,
    )
    db.session.commit()


def save_household(
    group: Group,
    *,
    actor,
    label: str,
    birth_years: list[int],
    member_ids: list[int],
    household: Household | None = None,
) -> Household:
    """Create or update a household: its label, its children's birth years and its members."""
    created = household is None
    if created:
        household = Household(group_id=group.id, label=label.strip())
        db.session.add(household)
        db.session.flush()
    household.label = label.strip()
    household.children.clear()
    db.session.flush()
    for year in sorted(birth_years):
        household.children.append(Child(birth_year=year))
    for membership in group.memberships:
        if membership.id in member_ids:
            membership.household_id = household.id
        elif membership.household_id == household.id:
            membership.household_id = None
    record(
        "household.created" if created else "household.updated",
        actor=actor,
        group=group,
        subject=household,
        children=len(birth_years),
        members=len(member_ids),
    )
    db.session.commit()
    return household
