"""Builds the people and groups tests need, through the real services."""

from dataclasses import dataclass

import pyotp

from pb.accounts.models import User
from pb.accounts.passwords import hash_password
from pb.extensions import db
from pb.groups import services as groups
from pb.groups.models import Group, Programme
from pb.timeutil import utcnow

PASSWORD = "correct horse battery"


def make_user(
    username: str, *, name: str | None = None, locale: str | None = None, totp: bool = False
) -> User:
    user = User(
        username=username,
        display_name=name or username.title(),
        password_hash=hash_password(PASSWORD),
        locale=locale,
    )
    if totp:
        user.totp_secret = pyotp.random_base32()
        user.totp_confirmed_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def add_to_group(user: User, group: Group, role: str = "member", household=None):
    invite = groups.create_invite(group, actor=user, role=role, household=household)
    membership = groups.add_member_by_invite(invite, user)
    db.session.commit()
    return membership


@dataclass
class World:
    programme: Programme
    lead: User
    group_a: Group
    group_b: Group
    staff_a: User
    peer_a: User
    member_a: User
    member_b: User
    staff_b: User


def build_world() -> World:
    lead = make_user("lead", name="Liv Lead", totp=True)
    programme = groups.create_programme("Test programme", lead=lead)
    group_a = groups.create_group(programme, name="Group A", description="", actor=lead)
    group_b = groups.create_group(programme, name="Group B", description="", actor=lead)
    staff_a = make_user("staff_a", totp=True)
    add_to_group(staff_a, group_a, "staff")
    peer_a = make_user("peer_a")
    add_to_group(peer_a, group_a, "peer")
    member_a = make_user("member_a")
    add_to_group(member_a, group_a)
    staff_b = make_user("staff_b", totp=True)
    add_to_group(staff_b, group_b, "staff")
    member_b = make_user("member_b")
    add_to_group(member_b, group_b)
    return World(programme, lead, group_a, group_b, staff_a, peer_a, member_a, member_b, staff_b)


def totp_code(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).now()


def log_in(client, user: User, password: str = PASSWORD):
    from tests.conftest import post_form

    response = post_form(client, "/login", {"username": user.username, "password": password})
    if user.has_two_factor and response.status_code == 303 and "/login/code" in response.location:
        response = post_form(client, "/login/code", {"code": totp_code(user)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response
