"""The projects part of the demo: "Ung-til-ung" in "Veien til førerkortet", led by two
youth-to-youth mediators with 20 activities; the "Stødig oppvekst" dinners in "Stødig start",
co-led by a parent and a staff member; and stories of change in Norwegian, Arabic and Tigrinya.
It joins the caller's transaction (seed_demo() commits once), so it writes rows, not through the
services that commit."""

import random
from datetime import datetime, time, timedelta

from pb.extensions import db
from pb.projects.models import Activity, Project, ProjectLeader, Story, StoryTranslation
from pb.timeutil import local_today

MEDIATION_PLACES = ["Ungdomsklubben", "Skolen", "Sentrum", "Biblioteket", "Kjøreskolen"]
UNG_KINDS = ["mediation", "mediation", "meeting", "course", "sport", "trip"]
UNG_NOTES = {
    "mediation": "En konflikt ble løst før den vokste.",
    "meeting": "Planla neste måned sammen.",
    "course": "Kurs i konfliktløsning.",
    "sport": "Fotball etterpå.",
    "trip": "Hundekjøring i Bymarka.",
}

STORIES = [
    # (group key, language, visibility, title, body, Norwegian translation or None)
    (
        "steady",
        "nb",
        "public",
        "Middagene ga oss et nettverk",
        "Før kjente jeg ingen andre foreldre her. Etter middagene hver torsdag har jeg folk å "
        "spørre når noe er vanskelig, og barna har fått venner.",
        None,
    ),
    (
        "driving",
        "nb",
        "programme",
        "Vi bestemte selv",
        "Det var første gang noen spurte oss hva pengene skulle brukes til. Nå har halve kullet "
        "førerkort, og vi hjelper hverandre med å øve.",
        None,
    ),
    (
        "refugees",
        "ar",
        "public",
        "لم نعد وحدنا",
        "عندما وصلنا لم نكن نعرف أحداً. الآن نلتقي بالعائلات الأخرى كل أسبوع، وأطفالي يلعبون "
        "مع أصدقائهم الجدد.",
        (
            "Vi er ikke alene lenger",
            "Da vi kom, kjente vi ingen. Nå møter vi de andre familiene hver uke, og barna mine "
            "leker med nye venner.",
        ),
    ),
    (
        "refugees",
        "ti",
        "public",
        "ሓገዝ ብዘይ ሕቶ",
        "ወርሓዊ ደገፍ ንቖልዑ ብዘይ ነዊሕ ቅጥዒ ምርካብና ሰላም ሂቡና። ሕጂ ንቖልዑና ናይ ስፖርት ክዳውንቲ ክንዕድግ ንኽእል።",
        (
            "Støtte uten søknad",
            "Den månedlige støtten til barna uten lange skjemaer ga oss ro. Nå kan vi kjøpe "
            "sportsklær til barna.",
        ),
    ),
]


def _at(day) -> datetime:
    return datetime.combine(day, time(12, 0))


def seed_projects_demo(driving, steady, refugees, lead) -> None:
    # bandit B311: made-up demo data, not security
    rng = random.Random(2023)  # nosec B311
    today = local_today()

    peers = [m for m in driving.memberships if m.role == "peer"]
    for membership in peers:
        membership.peer_kind = "youth_mediator"
    driving_staff = next(m.user for m in driving.memberships if m.role == "staff")
    ung = Project(
        group=driving,
        title="Ung-til-ung",
        goal="Ungdom hjelper ungdom: meklere fra kullet løser konflikter før de vokser.",
        result_goals="20 meklinger og samlinger i løpet av året. Fire nye meklere lært opp.",
        effect_goals="Færre konflikter i kullet, og ungdom som stoler på hverandre.",
        status="running",
        starts_on=today - timedelta(days=160),
        created_by_id=driving_staff.id,
    )
    ung.leaders = [ProjectLeader(user_id=m.user_id) for m in peers[:2]]
    db.session.add(ung)
    for index in range(20):
        kind = UNG_KINDS[index % len(UNG_KINDS)]
        youth = rng.randint(2, 4) if kind == "mediation" else rng.randint(6, 18)
        ung.activities.append(
            Activity(
                happened_on=today - timedelta(days=7 * index + rng.randint(0, 3)),
                kind=kind,
                place=rng.choice(MEDIATION_PLACES),
                adults=rng.randint(0, 2),
                youth=youth,
                children=0,
                volunteer_minutes=rng.choice([60, 90, 120, 180]),
                cost_ore=rng.choice([0, 0, 35_000, 60_000]) if kind != "mediation" else 0,
                note=UNG_NOTES[kind],
                logged_by_id=peers[index % 2].user_id,
            )
        )

    parent = next(m for m in steady.memberships if m.role == "peer")
    parent.peer_kind = "volunteer"
    steady_staff = next(m.user for m in steady.memberships if m.role == "staff")
    dinners = Project(
        group=steady,
        title="Stødig oppvekst",
        goal="Middag sammen hver torsdag: familiene blir kjent og hjelper hverandre.",
        result_goals="40 middager i året, med minst 10 familier hver gang.",
        effect_goals="Foreldrene har flere å spørre om hjelp, og barna flere venner.",
        status="running",
        starts_on=today - timedelta(days=120),
        created_by_id=steady_staff.id,
    )
    dinners.leaders = [
        ProjectLeader(user_id=parent.user_id),
        ProjectLeader(user_id=steady_staff.id),
    ]
    db.session.add(dinners)
    for index in range(16):
        dinners.activities.append(
            Activity(
                happened_on=today - timedelta(days=7 * index + 2),
                kind="meal" if index % 5 else "trip",
                place="Bydelshuset" if index % 5 else "Padletur på Jonsvatnet",
                adults=rng.randint(10, 18),
                youth=rng.randint(3, 8),
                children=rng.randint(12, 25),
                volunteer_minutes=rng.choice([180, 240, 300]),
                cost_ore=rng.randint(1_200, 2_400) * 100,
                note="Felles middag." if index % 5 else "Tur med båten og padlebrettene.",
                logged_by_id=parent.user_id,
            )
        )

    groups = {"driving": driving, "steady": steady, "refugees": refugees}
    for index, (key, language, visibility, title, body, translation) in enumerate(STORIES):
        group = groups[key]
        authors = [m for m in group.memberships if m.role == "member"]
        author = next(
            (m for m in authors if m.user.locale == language), authors[index % len(authors)]
        )
        moderator = next(m.user for m in group.memberships if m.role in ("staff", "peer"))
        published = _at(today - timedelta(days=10 + 9 * index))
        story = Story(
            group=group,
            author_id=author.user_id,
            title=title,
            body=body,
            language=language,
            visibility=visibility,
            status="published",
            decided_by_id=moderator.id,
            created_at=published - timedelta(days=1),
            published_at=published,
            project=dinners if key == "steady" else ung if key == "driving" else None,
        )
        if translation is not None:
            story.translations.append(
                StoryTranslation(
                    language="nb",
                    title=translation[0],
                    body=translation[1],
                    translated_by_id=moderator.id,
                )
            )
        db.session.add(story)
