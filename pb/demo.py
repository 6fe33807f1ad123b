"""The demo programme, with the figures of Trondheim's pilot.

Seeding is one transaction, and idempotent: a second run changes nothing.
"""

import random
from dataclasses import dataclass
from datetime import date

import pyotp
from sqlalchemy import select

from pb.accounts.models import User
from pb.accounts.passwords import hash_password
from pb.audit.services import record
from pb.extensions import db
from pb.groups.models import Child, Group, Household, Invite, Membership, Programme, ProgrammeRole
from pb.money import ORE_PER_KRONE
from pb.payouts.services import add_allocation
from pb.timeutil import utcnow

PROGRAMME_NAME = "Innbyggernes modell (demo)"
# bandit B105: the demo's published password, refused beside real users
DEMO_PASSWORD = "fellespott-demo"  # nosec B105

YOUTH_NAMES = [
    "Emma",
    "Noah",
    "Sara",
    "Oskar",
    "Amina",
    "Elias",
    "Nora",
    "Filip",
    "Ida",
    "Jakob",
    "Maja",
    "Lucas",
    "Hiba",
    "Isak",
    "Ingrid",
    "Mohamed",
    "Thea",
    "William",
    "Leah",
    "Aksel",
    "Selma",
    "Tobias",
    "Yasmin",
    "Henrik",
    "Frida",
    "Mathias",
    "Eline",
    "Adam",
    "Sofie",
    "Kasper",
    "Ebba",
    "Ali",
    "Vilde",
]
PARENT_NAMES = [
    "Kari",
    "Ola",
    "Anne",
    "Per",
    "Ingrid",
    "Lars",
    "Hilde",
    "Tor",
    "Marit",
    "Jon",
    "Silje",
    "Geir",
    "Randi",
    "Knut",
    "Liv",
    "Arne",
    "Tone",
    "Espen",
    "Guri",
    "Rune",
    "Mona",
    "Bjørn",
    "Elin",
    "Stian",
]
REFUGEE_PARENTS = [
    ("Yonas", "ti"),
    ("Hawa", "so"),
    ("Rania", "ar"),
    ("Tesfay", "ti"),
    ("Faduma", "so"),
    ("Omar", "ar"),
    ("Selam", "ti"),
    ("Abdi", "so"),
    ("Layla", "ar"),
    ("Mehari", "ti"),
]
# 52 children between the ten refugee families, as in the pilot.
REFUGEE_CHILDREN = [7, 6, 5, 5, 5, 5, 5, 5, 5, 4]


@dataclass
class DemoLogin:
    username: str
    who: str
    totp_secret: str | None = None


def _user(username: str, name: str, password_hash: str, locale: str | None = None) -> User:
    user = User(
        username=username,
        display_name=name,
        password_hash=password_hash,
        locale=locale,
        is_demo=True,
    )
    db.session.add(user)
    return user


def _staff(username: str, name: str, password_hash: str) -> User:
    user = _user(username, name, password_hash)
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = utcnow()
    return user


def demo_logins() -> list[DemoLogin]:
    wanted = [
        ("leder", "programme lead"),
        ("stine.staff", "staff, Veien til førerkortet"),
        ("marius.staff", "staff, Veien til førerkortet"),
        ("hanne.staff", "staff, Stødig start"),
        ("jonas.staff", "staff, Stødig start"),
        ("fatima.staff", "staff, Flyktningfamilien i sentrum"),
        ("amir.peer", "peer consultant (ung-til-ung), Veien til førerkortet"),
        ("emma", "youth member, Veien til førerkortet"),
        ("kari", "parent and peer consultant, Stødig start"),
        ("ola", "parent, Stødig start"),
        ("hawa", "parent (Somali), Flyktningfamilien i sentrum"),
        ("rania", "parent (Arabic), Flyktningfamilien i sentrum"),
    ]
    users = {u.username: u for u in db.session.scalars(select(User).where(User.is_demo.is_(True)))}
    return [
        DemoLogin(
            username, who, users[username].totp_secret if users[username].has_two_factor else None
        )
        for username, who in wanted
        if username in users
    ]


class DemoRefused(RuntimeError):
    """The database is not a demo database."""


def seed_demo() -> bool:
    """Build the demo programme if it is not there yet. Returns True if anything was added."""
    if db.session.scalar(select(Programme.id).where(Programme.name == PROGRAMME_NAME)):
        return False
    if db.session.scalar(select(User.id).where(User.is_demo.is_(False)).limit(1)) is not None:
        # Demo accounts share a published password: never add them beside real people.
        raise DemoRefused("This database has real (non-demo) users; the demo is not loaded here.")
    # bandit B311: made-up demo data, not security
    rng = random.Random(2020)  # nosec B311
    # One hash for every demo account: they share the demo password, and this keeps seeding fast.
    password_hash = hash_password(DEMO_PASSWORD)

    lead = _staff("leder", "Liv Leder", password_hash)
    programme = Programme(name=PROGRAMME_NAME)
    db.session.add(programme)
    db.session.flush()
    db.session.add(ProgrammeRole(programme=programme, user=lead, role="lead"))

    def group(name: str, description: str) -> Group:
        new_group = Group(programme=programme, name=name, description=description)
        db.session.add(new_group)
        return new_group

    def join(user: User, in_group: Group, role: str = "member", household=None) -> None:
        db.session.add(Membership(group=in_group, user=user, role=role, household=household))

    def staff_for(in_group: Group, people: list[tuple[str, str]]) -> None:
        for username, name in people:
            user = _staff(username, name, password_hash)
            db.session.add(ProgrammeRole(programme=programme, user=user, role="staff"))
            join(user, in_group, "staff")

    driving = group(
        "Veien til førerkortet",
        "33 ungdommer fra 16 til 20 år bestemmer sammen hvordan potten brukes – i piloten ble det "
        "kjøretimer for hele kullet.",
    )
    staff_for(driving, [("stine.staff", "Stine Berg"), ("marius.staff", "Marius Lund")])
    join(_user("amir.peer", "Amir", password_hash), driving, "peer")
    join(_user("sunniva.peer", "Sunniva", password_hash), driving, "peer")
    for index, name in enumerate(YOUTH_NAMES):
        join(
            _user(name.lower() if index == 0 else f"{name.lower()}{index}", name, password_hash),
            driving,
        )

    steady = group(
        "Stødig start",
        "Familier med barn som deler utstyr og bestemmer over felles innkjøp – som båten og "
        "padlebrettene i piloten.",
    )
    staff_for(steady, [("hanne.staff", "Hanne Moe"), ("jonas.staff", "Jonas Vik")])
    parent_names = iter(PARENT_NAMES)
    this_year = utcnow().year
    for family in range(20):
        household = Household(group=steady, label=f"Familie {family + 1}")
        db.session.add(household)
        for _child in range(rng.randint(1, 4)):
            household.children.append(Child(birth_year=rng.randint(this_year - 17, this_year - 1)))
        first = next(parent_names)
        username = first.lower() if family < 2 else f"{first.lower()}{family}"
        join(
            _user(username, first, password_hash),
            steady,
            "peer" if family == 0 else "member",
            household,
        )
        if family % 5 == 1:
            second = next(parent_names)
            join(
                _user(f"{second.lower()}{family}", second, password_hash),
                steady,
                "member",
                household,
            )

    refugees = group(
        "Flyktningfamilien i sentrum",
        "Ti familier som kom som flyktninger. Hver familie får fast støtte per barn hver måned.",
    )
    staff_for(refugees, [("fatima.staff", "Fatima Nilsen"), ("eirik.staff", "Eirik Aune")])
    for family, ((name, locale), children) in enumerate(
        zip(REFUGEE_PARENTS, REFUGEE_CHILDREN, strict=True)
    ):
        household = Household(group=refugees, label=f"Familie {family + 1}")
        db.session.add(household)
        for _child in range(children):
            household.children.append(Child(birth_year=rng.randint(this_year - 17, this_year - 1)))
        join(_user(name.lower(), name, password_hash, locale), refugees, "member", household)

    # Staff and peer consultants get email at example.org (a domain that never receives mail), so
    # the demo's emails land in instance/outbox/mail. Phone numbers are left out on purpose: a
    # demo pointed at a real SMS provider must not text a stranger.
    db.session.flush()
    for membership in db.session.scalars(
        select(Membership).where(Membership.role.in_(("staff", "peer")))
    ):
        membership.user.email = f"{membership.user.username}@example.org"
    lead.email = "leder@example.org"
    year_start = date(this_year, 1, 1)
    for pot_group, kroner, purpose in [
        (driving, 2_000_000, "Førerkort og kjøretimer for ungdommene, slik de bestemmer."),
        (steady, 600_000, "Felles innkjøp og betinget støtte til familiene."),
        (refugees, 1_000_000, "Fast støtte på 1 600 kr per barn per måned i ett år."),
    ]:
        add_allocation(
            pot_group,
            actor=lead,
            amount_ore=kroner * ORE_PER_KRONE,
            funder="Trondheim kommune (demo)",
            purpose=purpose,
            result_goals="Pengene når fram til ungdom og familier uten søknad.",
            effect_goals="Mer tillit, mestring og deltakelse.",
            starts_on=year_start,
            ends_on=date(this_year + 1, 12, 31),
        )
    from pb.payouts.demo import seed_payouts_demo

    seed_payouts_demo(programme, {g.name: g for g in (driving, steady, refugees)}, lead)
    from pb.voting.demo import seed_voting_demo

    demo_users = {u.username: u for u in db.session.scalars(select(User).where(User.is_demo))}
    seed_voting_demo({driving.name: driving}, demo_users, lead)
    from pb.proposals.demo import seed_proposals_demo

    seed_proposals_demo(
        {driving.name: driving},
        {u.username: u for u in db.session.scalars(select(User).where(User.is_demo))},
        lead,
    )
    from pb.lending.demo import seed_lending_demo

    seed_lending_demo(steady, lead)
    from pb.surveys.demo import seed_survey_demo

    seed_survey_demo(
        steady,
        next(m.user for m in steady.memberships if m.role == "staff"),
        [m.user for m in steady.memberships if m.role in ("member", "peer")],
    )
    from pb.projects.demo import seed_projects_demo

    seed_projects_demo(driving, steady, refugees, lead)
    record("demo.seeded", actor=lead, subject=programme)
    db.session.commit()
    from pb.clips.demo import seed_clips_demo

    seed_clips_demo(
        next(m.user for m in driving.memberships if m.role == "peer"),
        next(m.user for m in driving.memberships if m.role == "staff"),
    )
    demo_invites()
    return True


def demo_invites() -> list[tuple[str, str]]:
    """(group name, invite code): one member invite that works now for each demo group, made
    again by the group's first staff member when the last one has expired."""
    from pb.groups.services import create_invite

    invites = []
    programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME_NAME))
    if programme is None:
        return invites
    now = utcnow()
    for demo_group in programme.groups:
        usable = [
            i
            for i in db.session.scalars(
                select(Invite).where(
                    Invite.group_id == demo_group.id,
                    Invite.role == "member",
                    Invite.household_id.is_(None),
                )
            )
            if i.is_usable(now)
        ]
        if not usable:
            staff = next(m.user for m in demo_group.memberships if m.role == "staff")
            usable = [create_invite(demo_group, actor=staff)]
        invites.append((demo_group.name, usable[0].code))
    return invites
