"""The bench dataset: a whole municipality in Fellespott, for load tests and benchmarks (issue 15).

`flask --app pb seed-bench [--scale 1.0]` builds it in one transaction. At scale 1.0:

- 200 groups: 199 neighbourhood groups of about 100 members (two staff, two or three peer
  consultants, households with children in the family groups) and one municipality-wide group,
  "Hele Benk-kommune", that every member belongs to as well;
- 20,000 members, 5,000 proposals, 50,000 comments, 400 rounds in every phase and ballot format,
  200,000 ballots, 500,000 ledger entries, 20,000 payouts, 2,000 items with 50,000 bookings,
  10,000 activities and 100 survey waves; `--scale` multiplies every count.

Why a municipality-wide group: 200,000 ballots from 20,000 members is ten ballots a member, but
400 rounds over 200 groups of 100 give each member only two rounds to vote in. The wide group's
rounds (150 proposals, up to 20,000 voters) hold most of the ballots, as a municipal youth budget
would, and give the tally at scale a real round to count.

Rows are written in bulk (COPY on PostgreSQL, executemany elsewhere), never through the
services, except counting: a counted round is counted by pb.voting.services.count_round, so its
RoundResult is what the app itself stores. The ledger is built as the services build it: every
transaction balances, each round keeps its earmark, each payout holds what its state says, and
the pots' cached balances agree, so `flask --app pb check-ledger` finds nothing.

Every bench person is a demo user (`is_demo`), with the password BENCH_PASSWORD: bench-m{N}
(members), bench-p{N} (peer consultants), bench-s{N} (staff, with two-step log-in) and
bench-lead (the programme lead, with two-step log-in). bench_logins() gives the load driver
people to log in as, with ids of pages each of them may open.
"""

import json
import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

import pyotp
from sqlalchemy import func, insert, select, text
from sqlalchemy.types import JSON

from pb.accounts.models import User
from pb.accounts.passwords import hash_password
from pb.audit.models import AuditEvent
from pb.codes import ALPHABET
from pb.demo import PARENT_NAMES, YOUTH_NAMES
from pb.extensions import db
from pb.groups.models import Child, Group, Household, Membership, Programme, ProgrammeRole
from pb.idempotency import server_key
from pb.lending.models import Booking, DamageReport, HandOver, Item
from pb.money import ORE_PER_KRONE
from pb.notifications.models import Notification
from pb.payouts.models import (
    Allocation,
    LedgerEntry,
    LedgerTransaction,
    PayoutComplaint,
    PayoutDecision,
    PayoutRequest,
    PlanInstallment,
    Pot,
)
from pb.payouts.policy import (
    DEFAULT_TEAM_MIN,
    DEFAULT_TIER2_FROM_ORE,
    DEFAULT_TIER3_ABOVE_ORE,
    plan_due_dates,
)
from pb.projects.models import Activity, Project, ProjectLeader, Story
from pb.proposals.models import (
    BudgetRound,
    Comment,
    ModerationCase,
    Proposal,
    ProposalVersion,
    Report,
    Support,
)
from pb.surveys.models import (
    SurveyAnswerCount,
    SurveyRespondent,
    SurveyWave,
    SurveyWaveQuestion,
)
from pb.surveys.questions import ANSWERS, DEFAULT_QUESTIONS
from pb.timeutil import local_today, utcnow
from pb.voting.models import Ballot, VotingReminder

PROGRAMME_NAME = "Benk-kommune (bench)"
MUNICIPAL_GROUP = "Hele Benk-kommune"
# bandit B105: the bench dataset's published password, refused on real data
BENCH_PASSWORD = "fellespott-bench"  # nosec B105
LEAD_USERNAME = "bench-lead"

# The counts at scale 1.0 (issue 15). `--scale` multiplies each.
FULL_SIZE = {
    "groups": 200,
    "members": 20_000,
    "proposals": 5_000,
    "comments": 50_000,
    "rounds": 400,
    "ballots": 200_000,
    "ledger_entries": 500_000,
    "payouts": 20_000,
    "items": 2_000,
    "bookings": 50_000,
    "activities": 10_000,
    "survey_waves": 100,
}
# What the wide group's rounds are, most wanted first (a small scale keeps the first few): a
# published round for the results page, one open for voting, then history and the other phases.
# "closed": voting is over and nobody has counted it yet, the round the tally at scale counts.
MUNICIPAL_KINDS = (
    "published_recent",
    "voting",
    "published_old",
    "closed",
    "ideas",
    "review",
    "counted",
    "published_old",
    "published_old",
    "published_old",
    "published_old",
    "published_old",
    "published_recent",
)
MUNICIPAL_PROPOSALS = 150  # per round once ideas are in, at scale 1.0
FORMATS = ("approval", "knapsack", "points", "ranking")
RULES_FOR = {
    "approval": ("mes", "mes", "greedy", "phragmen"),
    "knapsack": ("mes", "mes", "greedy"),
    "points": ("mes", "mes", "greedy"),
    "ranking": ("mes", "mes", "phragmen"),
}
BALLOT_KINDS = ("voting", "published_recent", "published_old", "counted", "closed")
COUNTED_KINDS = ("published_recent", "published_old", "counted")

AREAS = [
    "Saupstad",
    "Kolstad",
    "Heimdal",
    "Lade",
    "Ranheim",
    "Byåsen",
    "Tiller",
    "Moholt",
    "Nardo",
    "Lerkendal",
    "Charlottenlund",
    "Strinda",
    "Kattem",
    "Flatåsen",
    "Ila",
    "Møllenberg",
    "Rosenborg",
    "Nidarvoll",
    "Sjetnemarka",
    "Åsvang",
]
FAMILY_THEMES = ["Stødig start", "Familienettverket", "Foreldregruppa", "Barna først"]
YOUTH_THEMES = ["Veien til førerkortet", "Ungdomsrådet", "Ung-til-ung", "Fritid for alle"]
# The demo's first names: one list of the names people in the pilot's groups have.
FIRST_NAMES = sorted(set(YOUTH_NAMES) | set(PARENT_NAMES))
SURNAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Berg",
    "Haugen",
    "Ahmed",
    "Ali",
    "Tesfay",
    "Mohamud",
    "Kovalenko",
    "Nilsen",
    "Moe",
    "Vik",
    "Lund",
    "Aune",
]
LOCALES = [None] * 14 + ["en", "en", "ar", "so", "ti", "uk"]
LOCAL_IDEAS = [
    (
        "driving_licence",
        "Kjøretimer for kullet",
        "Ti kjøretimer hos trafikkskole for alle som vil.",
    ),
    ("driving_licence", "Trafikalt grunnkurs", "Kurset alle må ta før de kan øvelseskjøre."),
    ("equipment", "Padlebrett til sommeren", "Fire brett med årer og vester som vi låner ut."),
    ("equipment", "Sykler med barnesete", "To sykler familiene kan låne i helgene."),
    ("trip", "Hyttetur i høstferien", "Tre dager på hytte med aktiviteter for hele familien."),
    ("trip", "Dagstur til Bymarka", "Buss, grilling og aking for alle som vil være med."),
    ("shared_meal", "Felles middag hver torsdag", "Vi lager mat sammen og blir kjent."),
    ("shared_meal", "Sommerfest i parken", "Mat, musikk og leker for store og små."),
    ("course", "Svømmekurs for barna", "Ti ganger i svømmehallen med instruktør."),
    ("course", "Førstehjelpskurs", "Kurs med Røde Kors for alle som vil."),
    ("home", "Verktøykasse til utlån", "Drill, sag og verktøy familiene kan låne."),
    ("home", "Vinterklær til alle barna", "Dress, votter og lue før vinteren kommer."),
    ("transport", "Busskort i sommerferien", "Så alle kommer seg til stranda og byen."),
    ("other", "Leksehjelp med pizza", "En kveld i uka med lekser, voksne og pizza."),
]
MUNICIPAL_IDEAS = [
    ("equipment", "Ny ballbinge på {area}", "Kunstgress, vant og lys, åpen for alle."),
    ("other", "Lys i lysløypa på {area}", "Så vi kan gå på ski og løpe etter skolen om vinteren."),
    ("equipment", "Benker og grill ved vannet på {area}", "Et sted å møtes om sommeren."),
    ("equipment", "Skatepark på {area}", "Ramper og rails for skate, sparkesykkel og BMX."),
    ("other", "Ungdomsklubb på lørdager ({area})", "Åpen klubb med voksne til stede."),
    ("course", "Gratis gitarkurs på {area}", "Lån av gitar og en lærer en gang i uka."),
    ("transport", "Nattbuss fra sentrum til {area}", "Trygg vei hjem i helgene."),
    ("shared_meal", "Kulturkveld med mat fra hele verden ({area})", "Vi lager mat for hverandre."),
]
COMMENTS = [
    "Dette er en god idé!",
    "Jeg stemmer for denne.",
    "Hvor mye koster det egentlig per person?",
    "Kan vi gjøre det billigere hvis vi bestiller sammen?",
    "Barna mine ville elsket dette.",
    "Jeg kan hjelpe til med å organisere.",
    "Er det plass til alle som vil være med?",
    "Vi gjorde noe lignende i fjor, og det ble veldig bra.",
    "Kanskje vi kan dele kostnaden med en annen gruppe?",
    "Hva skjer hvis det regner?",
    "Jeg er enig, men vi må tenke på de minste også.",
    "Takk for at du foreslo dette!",
    "Kan noen oversette dette til arabisk?",
    "Jeg har en bil og kan kjøre.",
]
REASONS = [
    "Innenfor rammen, og familien trenger det nå.",
    "Gruppen stemte for dette, og kostnaden er bekreftet.",
    "Alle barna skal få være med på en aktivitet.",
    "Tiltaket passer formålet i tildelingsbrevet.",
    "En tung måned for familien.",
]
REJECT_REASONS = [
    "Skolen låner ut dette, så vi støtter det ikke nå.",
    "Beløpet er for høyt for dette formålet.",
    "Dette dekkes av en annen ordning.",
]
CONDITIONAL = [
    ("sports_shop", "gift_card", "Sportsutstyr til sesongen"),
    ("groceries", "gift_card", "Mat i en tung måned"),
    ("electronics", "gift_card", "PC til skolearbeid"),
    ("furniture", "vendor_invoice", "Møbler til ny leilighet"),
    ("toys_gear", "gift_card", "Vinterdress og støvler"),
    ("tickets", "gift_card", "Billetter til svømmehallen"),
    ("travel_home", "bank_transfer", "Reise for å besøke familie"),
    ("debt", "bank_transfer", "Hjelp med en regning"),
    ("housing_deposit", "bank_transfer", "Depositum for bolig"),
    ("driving_licence", "bank_transfer", "Førerkort for eldste sønn"),
]
ITEMS = [
    ("water", "Båten", 3, 1),
    ("water", "Padlebrett", 3, 0),
    ("bikes", "Sykkel med barnesete", 7, 0),
    ("bikes", "Lastesykkel", 3, 0),
    ("camping", "Telt for fire", 7, 1),
    ("camping", "Stormkjøkken", 7, 0),
    ("sports", "Langrennsski til barn", 7, 0),
    ("sports", "Fotballmål", 5, 0),
    ("tools", "Drill og bits", 3, 0),
    ("tools", "Tilhenger", 2, 1),
    ("other", "Symaskin", 7, 0),
]
PICKUP = "Står i boden. Send en melding dagen før, så låser jeg opp."
PROJECTS = {
    "youth": [
        ("Ung-til-ung", "Ungdom hjelper ungdom: meklere løser konflikter før de vokser."),
        ("Gatemeglerne", "Gatemeglere er ute på kveldstid og møter ungdom der de er."),
        ("Fredagsfotball", "Fotball og mat hver fredag, ledet av ungdommene selv."),
    ],
    "family": [
        ("Stødig oppvekst", "Middag sammen hver torsdag: familiene blir kjent."),
        ("Turgruppa", "En tur i måneden for hele familien, ledet av foreldre."),
        ("Leksehjelpen", "Foreldre og frivillige hjelper barna med lekser."),
    ],
}
ACTIVITY_KINDS = {
    "youth": ("mediation", "mediation", "meeting", "course", "sport", "trip"),
    "family": ("meal", "meal", "trip", "course", "meeting", "other"),
}
PLACES = ["Ungdomsklubben", "Skolen", "Sentrum", "Biblioteket", "Bydelshuset", "Parken"]


def _scaled(name: str, scale: float) -> int:
    return round(FULL_SIZE[name] * scale)


def targets(scale: float = 1.0) -> dict[str, int]:
    """The counts a run at this scale aims at. Each is the full count times the scale, with a
    floor that keeps the dataset's shape: at least one neighbourhood group beside the wide one,
    two rounds per group (one counted, one open for voting), and two proposals per round.
    Ballots may fall short of their target at scales below about 0.05, where the members are
    too few to cast them; seed_bench() says how many it could."""
    groups = max(2, _scaled("groups", scale))
    local = groups - 1
    rounds = max(2 * local + 2, _scaled("rounds", scale))
    return {
        "groups": groups,
        "members": max(10 * local, _scaled("members", scale)),
        "proposals": max(2 * rounds, _scaled("proposals", scale)),
        "comments": _scaled("comments", scale),
        "rounds": rounds,
        "ballots": _scaled("ballots", scale),
        "ledger_entries": 2 * round(FULL_SIZE["ledger_entries"] * scale / 2),
        "payouts": _scaled("payouts", scale),
        "items": max(local, _scaled("items", scale)),
        "bookings": _scaled("bookings", scale),
        "activities": _scaled("activities", scale),
        "survey_waves": max(1, _scaled("survey_waves", scale)),
    }


def bench_counts() -> dict[str, int]:
    """How many of each counted thing the bench programme has (demo rows beside it left out),
    by the names of targets()."""
    from pb.projects.models import Project as ProjectRow

    programme_id = select(Programme.id).where(Programme.name == PROGRAMME_NAME).scalar_subquery()
    groups = select(Group.id).where(Group.programme_id == programme_id)
    rounds = select(BudgetRound.id).where(BudgetRound.group_id.in_(groups))
    proposals = select(Proposal.id).where(Proposal.round_id.in_(rounds))
    pots = select(Pot.id).where(Pot.group_id.in_(groups))
    items = select(Item.id).where(Item.group_id.in_(groups))
    projects = select(ProjectRow.id).where(ProjectRow.group_id.in_(groups))
    wheres = {
        "groups": (Group, Group.id.in_(groups)),
        "members": (User, User.username.like("bench-m%")),
        "proposals": (Proposal, Proposal.id.in_(proposals)),
        "comments": (Comment, Comment.proposal_id.in_(proposals)),
        "rounds": (BudgetRound, BudgetRound.id.in_(rounds)),
        "ballots": (Ballot, Ballot.round_id.in_(rounds)),
        "ledger_entries": (LedgerEntry, LedgerEntry.pot_id.in_(pots)),
        "payouts": (PayoutRequest, PayoutRequest.group_id.in_(groups)),
        "items": (Item, Item.id.in_(items)),
        "bookings": (Booking, Booking.item_id.in_(items)),
        "activities": (Activity, Activity.project_id.in_(projects)),
        "survey_waves": (SurveyWave, SurveyWave.group_id.in_(groups)),
    }
    return {
        name: db.session.scalar(select(func.count()).select_from(model).where(where))
        for name, (model, where) in wheres.items()
    }


class BenchRefused(RuntimeError):
    """The database has real people in it: the bench's published password must not sit beside
    them."""


def _share(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` split in proportion to `weights`, each at least `minimum`, summing exactly to
    `total` (or to len * minimum when that is more)."""
    count = len(weights)
    if count == 0:
        return []
    rest = total - minimum * count
    if rest <= 0:
        return [minimum] * count
    weight_sum = sum(weights) or count
    raw = [rest * (w if weight_sum else 1) / weight_sum for w in weights]
    shares = [int(r) for r in raw]
    left = rest - sum(shares)
    for index in sorted(range(count), key=lambda i: raw[i] - shares[i], reverse=True)[:left]:
        shares[index] += 1
    return [minimum + s for s in shares]


def _share_capped(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """Like _share, but no share above its cap; what the caps refuse goes to the others."""
    shares = [0] * len(weights)
    open_ = [i for i in range(len(weights)) if caps[i] > 0]
    left = total
    while left > 0 and open_:
        part = _share(left, [weights[i] for i in open_])
        for index, extra in zip(open_, part, strict=True):
            shares[index] += extra
        left = 0
        for index in open_:
            if shares[index] > caps[index]:
                left += shares[index] - caps[index]
                shares[index] = caps[index]
        open_ = [i for i in open_ if shares[i] < caps[i]]
    return shares


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, clock(hour))


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    return _month_start(index + 1) - timedelta(days=1)


def _tier(amount_ore: int) -> int:
    if amount_ore < DEFAULT_TIER2_FROM_ORE:
        return 1
    return 2 if amount_ore <= DEFAULT_TIER3_ABOVE_ORE else 3


# ---------------------------------------------------------------------------------------------
# Writing rows in bulk


class _Writer:
    """Bulk inserts: COPY on PostgreSQL, executemany in batches elsewhere. Ids that other rows
    point to are taken from the table's own sequence first (on SQLite: after the largest id)."""

    BATCH = 10_000

    def __init__(self) -> None:
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.rows: Counter[str] = Counter()
        self._next_id: dict[str, int] = {}

    def ids(self, model, count: int) -> range:
        if count <= 0:
            return range(0)
        table = model.__table__
        if self.postgres:
            last = db.session.scalar(
                text(
                    "SELECT setval(pg_get_serial_sequence(:t, 'id'),"
                    " nextval(pg_get_serial_sequence(:t, 'id')) + :n - 1)"
                ),
                {"t": f'"{table.name}"', "n": count},
            )
            return range(last - count + 1, last + 1)
        first = self._next_id.get(table.name)
        if first is None:
            first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        self._next_id[table.name] = first + count
        return range(first, first + count)

    def insert(self, model, rows: list[dict]) -> None:
        """Rows of one table; every dict has the same keys."""
        if not rows:
            return
        table = model.__table__
        self.rows[table.name] += len(rows)
        if self.postgres:
            self._copy(table, rows)
            return
        for start in range(0, len(rows), self.BATCH):
            db.session.execute(insert(table), rows[start : start + self.BATCH])

    def _copy(self, table, rows: list[dict]) -> None:
        names = list(rows[0])
        # COPY does not fill Python-side defaults: the missing columns get them here, once.
        fixed: dict = {}
        for column in table.columns:
            if column.name in rows[0] or column.default is None:
                continue
            if column.default.is_scalar:
                fixed[column.name] = column.default.arg
            elif column.default.is_callable:
                fixed[column.name] = column.default.arg(None)
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        tail = tuple(json.dumps(v) if k in json_columns else v for k, v in fixed.items())
        as_json = [i for i, name in enumerate(names) if name in json_columns]
        columns = ", ".join(f'"{name}"' for name in [*names, *fixed])
        db.session.flush()
        raw = db.session.connection().connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy,
        ):
            for row in rows:
                values = [row[name] for name in names]
                for index in as_json:
                    values[index] = json.dumps(values[index])
                copy.write_row((*values, *tail))


# ---------------------------------------------------------------------------------------------
# The world in memory, before it is written


@dataclass
class _Household:
    id: int
    group_id: int
    label: str
    members: list[int]
    children: int


@dataclass
class _Group:
    id: int
    name: str
    kind: str  # family, youth or municipal
    staff: list[int] = field(default_factory=list)
    peers: list[int] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    households: list[_Household] = field(default_factory=list)
    household_of: dict[int, int] = field(default_factory=dict)
    rounds: list = field(default_factory=list)
    pot_id: int = 0

    @property
    def voters(self) -> list[int]:
        return self.members + self.peers


@dataclass
class _Proposal:
    id: int
    round: "_Round"
    author: int
    title: str
    cost: int
    status: str
    created_at: datetime


@dataclass
class _Round:
    id: int
    group: _Group
    kind: str
    ballot_format: str
    rule: str
    amount: int
    title: str
    ideas_start_at: datetime
    review_starts_at: datetime
    voting_starts_at: datetime
    voting_ends_at: datetime
    followup_starts_at: datetime
    creator: int
    approval_max: int | None = None
    proposals: list[_Proposal] = field(default_factory=list)
    ballots: int = 0
    winners: list[_Proposal] = field(default_factory=list)
    published_at: datetime | None = None
    publisher: int = 0

    @property
    def on_ballot(self) -> list[_Proposal]:
        return [p for p in self.proposals if p.status == "accepted"]


@dataclass
class _Payout:
    group: _Group
    kind: str
    state: str
    title: str
    amount: int
    created_at: datetime
    requested_by: int | None
    id: int = 0
    row: dict = field(default_factory=dict)
    decided_at: datetime | None = None
    paid_at: datetime | None = None
    decisions: list = field(default_factory=list)  # (actor, verdict, reason, when)
    installments: list = field(default_factory=list)  # (due_on, amount, its movement)


class _Timer:
    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self.parts: list[tuple[str, float]] = []

    def part(self, name: str, started: float) -> None:
        took = time.perf_counter() - started
        self.parts.append((name, took))
        self.echo(f"  {name:<34} {took:7.1f} s")


# ---------------------------------------------------------------------------------------------
# Building


class _Builder:
    def __init__(self, scale: float, echo: Callable[[str], None]) -> None:
        self.scale = scale
        self.target = targets(scale)
        # bandit B311: made-up bench data, not security
        self.rng = random.Random(15)  # nosec B311
        self.now = utcnow().replace(microsecond=0)
        self.today = local_today()
        self.start = self.now - timedelta(days=4 * 365)
        self.years = list(range(self.start.year, self.today.year + 1))
        self.write = _Writer()
        self.timer = _Timer(echo)
        self.echo = echo
        self.audit_rows: list[dict] = []
        self.notes: list[str] = []
        self.groups: list[_Group] = []
        self.rounds: list[_Round] = []
        self.proposals: list[_Proposal] = []
        self.payouts: list[_Payout] = []
        self.names: dict[int, str] = {}

    # -- helpers --------------------------------------------------------------------------------

    def audit(self, action: str, when: datetime, actor, group_id, subject, subject_id, **details):
        reason = details.pop("reason", None)
        self.audit_rows.append(
            {
                "created_at": min(when, self.now),
                "actor_id": actor,
                "group_id": group_id,
                "action": action,
                "subject_type": subject,
                "subject_id": subject_id,
                "reason": reason,
                "details": details,
            }
        )

    def code(self, length: int) -> str:
        return "".join(self.rng.choices(ALPHABET, k=length))

    def between(self, first: datetime, last: datetime) -> datetime:
        if last <= first:
            return first
        return first + timedelta(seconds=self.rng.randint(0, int((last - first).total_seconds())))

    def run(self) -> dict[str, int]:
        for name, step in (
            ("people, groups and households", self.people),
            ("rounds and proposals", self.proposals_part),
            ("comments, support and reports", self.comments),
            ("ballots", self.ballots),
            ("counting (count_round)", self.count),
            ("payouts and the ledger", self.money),
            ("lending: items and bookings", self.lending),
            ("projects and activities", self.projects),
            ("survey waves", self.surveys),
            ("notifications", self.notifications),
            ("audit log", self.audit_log),
        ):
            started = time.perf_counter()
            step()
            self.timer.part(name, started)
        return dict(self.write.rows)

    # -- people ---------------------------------------------------------------------------------

    def people(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        password_hash = hash_password(BENCH_PASSWORD)
        local_count = t["groups"] - 1
        member_counts = _share(
            t["members"], [rng.uniform(0.8, 1.2) for _ in range(local_count)], minimum=5
        )
        peer_counts = [2 + (i % 2) for i in range(local_count)] + [3]
        staff_total = 2 * t["groups"]
        users: list[dict] = []
        user_ids = iter(write.ids(User, 1 + sum(member_counts) + sum(peer_counts) + staff_total))
        numbers = Counter()

        def person(prefix: str, joined: datetime, *, two_factor: bool = False) -> int:
            numbers[prefix] += 1
            user_id = next(user_ids)
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            self.names[user_id] = f"{first} {last}"
            users.append(
                {
                    "id": user_id,
                    "username": LEAD_USERNAME if prefix == "lead" else f"{prefix}{numbers[prefix]}",
                    "display_name": f"{first} {last}",
                    "password_hash": password_hash,
                    "locale": None if two_factor else rng.choice(LOCALES),
                    "session_token": secrets.token_hex(16),
                    "totp_secret": pyotp.random_base32() if two_factor else None,
                    "totp_confirmed_at": joined if two_factor else None,
                    "is_demo": True,
                    "created_at": joined,
                }
            )
            return user_id

        self.lead = person("lead", self.start, two_factor=True)
        programme_id = write.ids(Programme, 1)[0]
        self.programme_id = programme_id
        group_ids = iter(write.ids(Group, t["groups"]))
        memberships: list[dict] = []
        roles = [{"programme_id": programme_id, "user_id": self.lead, "role": "lead"}]
        households: list[dict] = []
        children: list[dict] = []
        groups: list[dict] = []
        household_ids: list[int] = []

        def join(group: _Group, user_id: int, role: str, joined, household=None, kind=None):
            memberships.append(
                {
                    "group_id": group.id,
                    "user_id": user_id,
                    "household_id": household,
                    "role": role,
                    "peer_kind": kind,
                    "joined_at": joined,
                }
            )

        pending_households: list[tuple[_Group, list[int], int]] = []
        for index in range(local_count + 1):
            municipal = index == local_count
            kind = "municipal" if municipal else ("youth" if index % 3 == 2 else "family")
            if municipal:
                name = MUNICIPAL_GROUP
                description = "Ungdommens budsjett for hele kommunen: alle medlemmer stemmer."
            else:
                area = AREAS[index % len(AREAS)]
                themes = YOUTH_THEMES if kind == "youth" else FAMILY_THEMES
                theme = themes[(index // len(AREAS)) % len(themes)]
                rank = index // (len(AREAS) * len(themes))
                name = f"{theme} {area}" + (f" {rank + 1}" if rank else "")
                description = (
                    "Ungdom som bestemmer sammen hvordan potten brukes."
                    if kind == "youth"
                    else "Familier som deler utstyr og bestemmer over felles innkjøp."
                )
            group = _Group(next(group_ids), name, kind)
            self.groups.append(group)
            created = self.start + timedelta(days=rng.randint(0, 30))
            groups.append(
                {
                    "id": group.id,
                    "programme_id": programme_id,
                    "name": name,
                    "description": description,
                    "lending_limit": 2,
                    "created_at": created,
                }
            )
            joined = created + timedelta(days=1)
            for _ in range(2):
                staff = person("bench-s", joined, two_factor=True)
                group.staff.append(staff)
                roles.append({"programme_id": programme_id, "user_id": staff, "role": "staff"})
                join(group, staff, "staff", joined)
            peer_kinds = {
                "youth": "youth_mediator",
                "family": "volunteer",
                "municipal": "street_mediator",
            }
            for number in range(peer_counts[index]):
                peer = person("bench-p", joined)
                group.peers.append(peer)
                join(group, peer, "peer", joined, kind="paid" if number == 0 else peer_kinds[kind])
            if municipal:
                break
            members = [
                person("bench-m", self.between(joined, joined + timedelta(days=60)))
                for _ in range(member_counts[index])
            ]
            group.members = members
            # Households: every family group's member lives in one (one or two adults);
            # in a youth group a few young parents do.
            cursor = 0
            while cursor < len(members):
                if kind == "family":
                    size = 2 if rng.random() < 0.3 else 1
                    kids = rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]
                elif rng.random() < 0.15:
                    size, kids = 1, 1
                else:
                    cursor += 1
                    continue
                pending_households.append((group, members[cursor : cursor + size], kids))
                cursor += size
        municipal = self.groups[-1]
        self.municipal = municipal
        household_ids = list(write.ids(Household, len(pending_households)))
        labels = Counter()
        for household_id, (group, people_in, kids) in zip(
            household_ids, pending_households, strict=True
        ):
            labels[group.id] += 1
            household = _Household(
                household_id, group.id, f"Familie {labels[group.id]}", people_in, kids
            )
            group.households.append(household)
            for user_id in people_in:
                group.household_of[user_id] = household_id
            households.append(
                {
                    "id": household_id,
                    "group_id": group.id,
                    "label": household.label,
                    "created_at": self.start + timedelta(days=40),
                }
            )
            for _ in range(kids):
                children.append(
                    {
                        "household_id": household_id,
                        "birth_year": self.today.year - rng.randint(0, 17),
                    }
                )
        joined_of = {u["id"]: u["created_at"] for u in users}
        for group in self.groups[:-1]:
            for user_id in group.members:
                join(
                    group,
                    user_id,
                    "member",
                    joined_of[user_id],
                    household=group.household_of.get(user_id),
                )
        # Everyone in a neighbourhood group votes in the wide group too.
        for group in self.groups[:-1]:
            for user_id in group.members + group.peers:
                join(municipal, user_id, "member", joined_of[user_id])
                municipal.members.append(user_id)
        self.joined_of = joined_of
        self.local_groups = self.groups[:-1]
        write.insert(User, users)
        write.insert(
            Programme, [{"id": programme_id, "name": PROGRAMME_NAME, "created_at": self.start}]
        )
        write.insert(ProgrammeRole, roles)
        write.insert(Group, groups)
        write.insert(Household, households)
        write.insert(Child, children)
        write.insert(Membership, memberships)
        self.audit("programme.created", self.start, self.lead, None, "programme", programme_id)
        for row in groups:
            self.audit("group.created", row["created_at"], self.lead, row["id"], "group", row["id"])

    # -- rounds and proposals -------------------------------------------------------------------

    def _round_kinds(self) -> list[tuple[_Group, str]]:
        t = self.target
        local = self.local_groups
        municipal_count = min(
            len(MUNICIPAL_KINDS),
            max(2, t["rounds"] - 2 * len(local), round(len(MUNICIPAL_KINDS) * t["rounds"] / 400)),
        )
        per_group = _share(t["rounds"] - municipal_count, [1] * len(local), minimum=1)
        extra_kinds = ["ideas", "review", "published_old", "counted", "published_old"]
        kinds = []
        for index, (group, count) in enumerate(zip(local, per_group, strict=True)):
            if count == 1:
                chosen = ["published_recent" if index % 2 else "voting"]
            else:
                published = "published_recent" if index % 3 == 0 else "published_old"
                chosen = [published, "voting"]
                chosen += [extra_kinds[i % len(extra_kinds)] for i in range(count - 2)]
            kinds += [(group, kind) for kind in chosen]
        kinds += [(self.municipal, kind) for kind in MUNICIPAL_KINDS[:municipal_count]]
        return kinds

    def _dates(self, kind: str, order: int) -> dict[str, datetime]:
        rng, now = self.rng, self.now
        day = timedelta(days=1)
        if kind == "ideas":
            ideas = now - rng.randint(3, 20) * day
            review = now + rng.randint(5, 15) * day
            voting = review + 10 * day
            ends = voting + 14 * day
        elif kind == "review":
            ideas = now - rng.randint(25, 40) * day
            review = now - rng.randint(2, 10) * day
            voting = now + rng.randint(3, 10) * day
            ends = voting + 14 * day
        elif kind == "voting":
            voting = now - rng.randint(2, 10) * day
            ends = now + rng.randint(2, 14) * day
            review = voting - 14 * day
            ideas = review - 21 * day
        elif kind in ("closed", "counted", "published_recent"):
            ends = now - rng.randint(2, 20) * day
            voting = ends - 14 * day
            review = voting - 14 * day
            ideas = review - 21 * day
        else:  # published_old: half a year apart in the wide group, anywhere in three years here
            ago = 60 + 180 * order if order >= 0 else rng.randint(60, 1000)
            ends = now - ago * day
            voting = ends - 14 * day
            review = voting - 14 * day
            ideas = review - 21 * day
        followup = ends + 30 * day
        if kind in ("published_recent", "counted", "closed") and followup <= now:
            followup = now + rng.randint(5, 20) * day
        return {
            "ideas_start_at": ideas,
            "review_starts_at": review,
            "voting_starts_at": voting,
            "voting_ends_at": ends,
            "followup_starts_at": followup,
        }

    def proposals_part(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        kinds = self._round_kinds()
        round_ids = write.ids(BudgetRound, len(kinds))
        rows = []
        old_in_municipal = 0
        of_kind: Counter[str] = Counter()
        for round_id, (group, kind) in zip(round_ids, kinds, strict=True):
            # Every format in every phase: the formats are dealt out per kind of round.
            ballot_format = FORMATS[of_kind[kind] % len(FORMATS)]
            of_kind[kind] += 1
            rule = rng.choice(RULES_FOR[ballot_format])
            if group.kind == "municipal":
                amount = rng.randint(40, 80) * 100_000 * ORE_PER_KRONE
                order = old_in_municipal if kind == "published_old" else -1
                old_in_municipal += kind == "published_old"
            else:
                amount = rng.randint(15, 40) * 10_000 * ORE_PER_KRONE
                order = -1
            dates = self._dates(kind, order)
            season = "Våren" if dates["voting_starts_at"].month <= 6 else "Høsten"
            title = (
                f"{season} {dates['voting_starts_at'].year}: ungdommens budsjett"
                if group.kind == "municipal"
                else f"{season} {dates['voting_starts_at'].year}: {group.name}"
            )
            budget_round = _Round(
                round_id,
                group,
                kind,
                ballot_format,
                rule,
                amount,
                title[:120],
                creator=group.staff[0],
                **dates,
            )
            budget_round.approval_max = (
                rng.choice((None, 3, 5)) if ballot_format == "approval" else None
            )
            group.rounds.append(budget_round)
            self.rounds.append(budget_round)
            rows.append(
                {
                    "id": round_id,
                    "group_id": group.id,
                    "title": budget_round.title,
                    "amount_ore": amount,
                    "languages": ["nb", "en", "ar", "so"] if group.kind == "municipal" else ["nb"],
                    **dates,
                    "manual_phase": None,
                    "voting_opened_at": None,
                    "ballot_format": ballot_format,
                    "counting_rule": rule,
                    "approval_min": 1 if ballot_format == "approval" else None,
                    "approval_max": budget_round.approval_max,
                    "points_total": 10 if ballot_format == "points" else None,
                    "points_max_per_proposal": (
                        rng.choice((None, 5)) if ballot_format == "points" else None
                    ),
                    "ranking_top_k": rng.choice((3, 5)) if ballot_format == "ranking" else None,
                    "proposal_limit": 3,
                    "report_threshold": 3,
                    "complete_unvoted": False,
                    "created_by_id": budget_round.creator,
                    "created_at": dates["ideas_start_at"],
                }
            )
            self.audit(
                "round.created",
                dates["ideas_start_at"],
                budget_round.creator,
                group.id,
                "budget_round",
                round_id,
                amount_ore=amount,
                ballot_format=ballot_format,
                counting_rule=rule,
            )
        write.insert(BudgetRound, rows)
        # How many proposals each round has: the wide group's many, a handful elsewhere.
        weights = []
        for budget_round in self.rounds:
            if budget_round.group.kind == "municipal":
                weights.append({"ideas": 40, "review": 120}.get(budget_round.kind, 150))
            else:
                weights.append(rng.randint(5, 12))
        counts = _share(t["proposals"], weights, minimum=2)
        proposal_ids = iter(write.ids(Proposal, sum(counts)))
        proposal_rows, versions = [], []
        for budget_round, count in zip(self.rounds, counts, strict=True):
            self._round_proposals(budget_round, count, proposal_ids, proposal_rows, versions)
        write.insert(Proposal, proposal_rows)
        write.insert(ProposalVersion, versions)

    def _status(self, kind: str, accepted_so_far: int, left: int) -> str:
        roll = self.rng.random()
        if kind == "ideas":
            return "submitted" if roll < 0.92 else "changes_requested"
        if kind == "review":
            if roll < 0.45:
                return "submitted"
            if roll < 0.6:
                return "changes_requested"
            return "accepted" if roll < 0.95 else "rejected"
        if accepted_so_far < 2 and left <= 2 - accepted_so_far:
            return "accepted"  # every ballot has at least two proposals on it
        if roll < 0.82:
            return "accepted"
        if roll < 0.9:
            return "rejected"
        if roll < 0.95 and accepted_so_far:
            return "merged"
        return "changes_requested"

    def _round_proposals(self, budget_round, count, ids, rows, versions) -> None:
        rng = self.rng
        group = budget_round.group
        municipal = group.kind == "municipal"
        authors = group.voters
        staff = group.staff
        moderators = group.peers + group.staff
        accepted: list[_Proposal] = []
        for position in range(count):
            proposal_id = next(ids)
            if municipal:
                category, title, description = MUNICIPAL_IDEAS[position % len(MUNICIPAL_IDEAS)]
                area = AREAS[(position // len(MUNICIPAL_IDEAS)) % len(AREAS)]
                title = title.format(area=area)
                if position >= len(MUNICIPAL_IDEAS) * len(AREAS):
                    title += f" ({position + 1})"
                cost = rng.randint(2, 120) * 10_000 * ORE_PER_KRONE
            else:
                category, title, description = LOCAL_IDEAS[(position + group.id) % len(LOCAL_IDEAS)]
                cost = rng.randint(5, 120) * 1_000 * ORE_PER_KRONE
            cost = min(cost, budget_round.amount)
            status = self._status(budget_round.kind, len(accepted), count - position)
            created = self.between(budget_round.ideas_start_at, budget_round.review_starts_at)
            created = min(created, self.now - timedelta(hours=1))
            author = authors[rng.randrange(len(authors))]
            confirmed = status == "accepted" or (
                budget_round.kind == "review" and status == "submitted" and rng.random() < 0.3
            )
            confirmed_cost = (
                min(
                    budget_round.amount,
                    max(ORE_PER_KRONE, int(round(cost * rng.uniform(0.9, 1.1), -4))),
                )
                if confirmed
                else None
            )
            decided = self.between(created, min(self.now, budget_round.voting_starts_at))
            proposal = _Proposal(
                proposal_id, budget_round, author, title, confirmed_cost or cost, status, created
            )
            merged_into = None
            reject_reason = message = None
            if status == "merged":
                merged_into = rng.choice(accepted).id
                reject_reason, message = "duplicate", "Samme forslag som et annet: slått sammen."
            elif status == "rejected":
                reject_reason = rng.choice(("not_for_group", "not_possible", "against_rules"))
                message = "Dette kan ikke gruppens penger brukes til."
            elif status == "changes_requested":
                message = "Kan du skrive litt mer om hva det koster, og hvem som får bruke det?"
            hidden = status in ("submitted", "rejected") and rng.random() < 0.01
            rows.append(
                {
                    "id": proposal_id,
                    "round_id": budget_round.id,
                    "author_id": author,
                    "title": title,
                    "description": description,
                    "category": category,
                    "language": "nb",
                    "estimated_cost_ore": cost,
                    "confirmed_cost_ore": confirmed_cost,
                    "cost_confirmed_by_id": staff[0] if confirmed else None,
                    "cost_confirmed_at": decided if confirmed else None,
                    "status": status,
                    "merged_into_id": merged_into,
                    "created_at": created,
                    "updated_at": decided if status != "submitted" else created,
                    "moderator_message": message,
                    "reject_reason": reject_reason,
                    "hidden_at": decided if hidden else None,
                    "hidden_reason": "Meldt av flere medlemmer." if hidden else None,
                    "visibility_by_staff": False,
                }
            )
            versions.append(
                {
                    "proposal_id": proposal_id,
                    "number": 1,
                    "title": title,
                    "description": description,
                    "category": category,
                    "estimated_cost_ore": cost,
                    "edited_by_id": author,
                    "created_at": created,
                }
            )
            self.audit(
                "proposal.created",
                created,
                author,
                group.id,
                "proposal",
                proposal_id,
                estimated_cost_ore=cost,
            )
            if confirmed:
                self.audit(
                    "proposal.cost_confirmed",
                    decided,
                    staff[0],
                    group.id,
                    "proposal",
                    proposal_id,
                    estimated_cost_ore=cost,
                    confirmed_cost_ore=confirmed_cost,
                )
            moderator = moderators[rng.randrange(len(moderators))]
            if status == "accepted":
                accepted.append(proposal)
                self.audit(
                    "proposal.accepted",
                    decided,
                    moderator,
                    group.id,
                    "proposal",
                    proposal_id,
                    ballot_cost_ore=proposal.cost,
                )
            elif status in ("rejected", "merged", "changes_requested"):
                self.audit(
                    f"proposal.{status}",
                    decided,
                    moderator,
                    group.id,
                    "proposal",
                    proposal_id,
                    reason=message if moderator in staff else None,
                )
            budget_round.proposals.append(proposal)
            self.proposals.append(proposal)

    # -- comments -------------------------------------------------------------------------------

    def comments(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        weights = [
            (3 if p.status == "accepted" else 1) * (2 if p.round.group.kind == "municipal" else 1)
            for p in self.proposals
        ]
        counts = _share(t["comments"], weights)
        ids = iter(write.ids(Comment, sum(counts)))
        rows, reports, supports, cases = [], [], [], []
        self.comments_by_proposal: dict[int, list[tuple[int, int, datetime]]] = {}
        for proposal, count in zip(self.proposals, counts, strict=True):
            group = proposal.round.group
            people = group.voters
            talkers = people + group.peers * 3
            end = min(self.now, proposal.round.followup_starts_at)
            moments = sorted(self.between(proposal.created_at, end) for _ in range(count))
            top: list[int] = []
            made = []
            for when in moments:
                comment_id = next(ids)
                author = talkers[rng.randrange(len(talkers))]
                parent = rng.choice(top) if top and rng.random() < 0.3 else None
                roll = rng.random()
                deleted = roll < 0.01
                hidden = 0.01 <= roll < 0.015
                rows.append(
                    {
                        "id": comment_id,
                        "proposal_id": proposal.id,
                        "parent_id": parent,
                        "author_id": author,
                        "body": "" if deleted else rng.choice(COMMENTS),
                        "created_at": when,
                        "edited_at": None,
                        "deleted_at": when + timedelta(minutes=5) if deleted else None,
                        "hidden_at": when + timedelta(hours=3) if hidden else None,
                        "hidden_reason": "Meldt av flere medlemmer." if hidden else None,
                        "visibility_by_staff": False,
                    }
                )
                if parent is None:
                    top.append(comment_id)
                made.append((comment_id, author, when))
                self.audit(
                    "comment.created",
                    when,
                    author,
                    group.id,
                    "proposal_comment",
                    comment_id,
                    proposal_id=proposal.id,
                )
                if hidden or (not deleted and rng.random() < 0.004):
                    # Reported: hidden after three reports, or one report still waiting.
                    reporters = rng.sample(people, min(len(people), 3 if hidden else 1))
                    recent = when > self.now - timedelta(days=30)
                    for reporter in reporters:
                        reports.append(
                            {
                                "group_id": group.id,
                                "proposal_id": proposal.id,
                                "subject_type": "comment",
                                "subject_id": comment_id,
                                "reporter_id": reporter,
                                "reason": rng.choice(("offensive", "personal_info", "spam")),
                                "note": "",
                                "created_at": when + timedelta(hours=1),
                                "resolved_at": None if recent else when + timedelta(days=2),
                                "resolved_by_id": None if recent else group.staff[0],
                            }
                        )
            self.comments_by_proposal[proposal.id] = made
            if proposal.status in ("accepted", "submitted"):
                many = 40 if group.kind == "municipal" else 8
                for user_id in rng.sample(people, min(len(people), rng.randint(0, many))):
                    supports.append(
                        {
                            "proposal_id": proposal.id,
                            "user_id": user_id,
                            "created_at": self.between(proposal.created_at, self.now),
                        }
                    )
            if proposal.status == "rejected" and rng.random() < 0.05:
                open_ = proposal.round.kind in ("ideas", "review")
                cases.append(
                    {
                        "group_id": group.id,
                        "kind": "appeal",
                        "proposal_id": proposal.id,
                        "comment_id": None,
                        "opened_by_id": proposal.author,
                        "message": "Forslaget passer for gruppen. Kan dere se på det igjen?",
                        "created_at": proposal.created_at + timedelta(days=2),
                        "outcome": None if open_ else "rejection_stands",
                        "decision_note": None if open_ else "Avslaget står.",
                        "decided_by_id": None if open_ else group.staff[0],
                        "decided_at": None if open_ else proposal.created_at + timedelta(days=4),
                    }
                )
        write.insert(Comment, rows)
        write.insert(Report, reports)
        write.insert(Support, supports)
        write.insert(ModerationCase, cases)

    # -- ballots --------------------------------------------------------------------------------

    def ballots(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        voting = [r for r in self.rounds if r.kind in BALLOT_KINDS]
        local = [r for r in voting if r.group.kind != "municipal"]
        wide = [r for r in voting if r.group.kind == "municipal"]
        for budget_round in local:
            share = (
                rng.uniform(0.25, 0.55) if budget_round.kind == "voting" else rng.uniform(0.6, 0.85)
            )
            budget_round.ballots = round(len(budget_round.group.voters) * share)
        wanted = max(0, t["ballots"] - sum(r.ballots for r in local))
        weights = [0.5 if r.kind == "voting" else 1.0 for r in wide]
        caps = [len(r.group.voters) for r in wide]
        for budget_round, count in zip(wide, _share_capped(wanted, weights, caps), strict=True):
            budget_round.ballots = count
        short = t["ballots"] - sum(r.ballots for r in voting)
        if short > 0:
            # Too few members at this scale: fill the neighbourhood rounds up to their rolls.
            caps = [len(r.group.voters) - r.ballots for r in local]
            extra = _share_capped(short, [1.0] * len(local), caps)
            for budget_round, more in zip(local, extra, strict=True):
                budget_round.ballots += more
        elif short < 0:
            # Small rounds overshot the target: take the excess back from the largest ones.
            for budget_round in sorted(voting, key=lambda r: -r.ballots):
                cut = min(-short, budget_round.ballots - 1)
                budget_round.ballots -= cut
                short += cut
                if short >= 0:
                    break
        made = sum(r.ballots for r in voting)
        if made < t["ballots"]:
            self.notes.append(
                f"ballots: {made:,} of {t['ballots']:,}; the members at this scale can't cast more"
            )
        rows = []
        for budget_round in voting:
            self._round_ballots(budget_round, rows)
            if len(rows) >= 50_000:
                write.insert(Ballot, rows)
                rows = []
        write.insert(Ballot, rows)

    def _round_ballots(self, budget_round: _Round, rows: list[dict]) -> None:
        rng = self.rng
        on_ballot = budget_round.on_ballot
        ids = [p.id for p in on_ballot]
        costs = {p.id: p.cost for p in on_ballot}
        popularity = [rng.random() ** 2 + 0.05 for _ in on_ballot]
        cumulative, total = [], 0.0
        for weight in popularity:
            total += weight
            cumulative.append(total)
        opened = budget_round.voting_starts_at
        closes = min(budget_round.voting_ends_at, self.now)
        voters = rng.sample(budget_round.group.voters, budget_round.ballots)
        fmt = budget_round.ballot_format
        helpers = budget_round.group.peers
        for voter in voters:
            wanted = min(len(ids), rng.choice((1, 2, 2, 3, 3, 4, 5, 6)))
            if budget_round.approval_max:
                wanted = min(wanted, budget_round.approval_max)
            picked = list(dict.fromkeys(rng.choices(ids, cum_weights=cumulative, k=wanted * 2)))
            picked = picked[:wanted]
            if fmt == "approval":
                choices = sorted(picked)
            elif fmt == "knapsack":
                chosen, spent = [], 0
                for proposal_id in picked:
                    if spent + costs[proposal_id] <= budget_round.amount:
                        chosen.append(proposal_id)
                        spent += costs[proposal_id]
                choices = sorted(chosen)
            elif fmt == "points":
                left, choices = 10, {}
                for proposal_id in picked[:5]:
                    given = rng.randint(1, min(5, left))
                    choices[str(proposal_id)] = given
                    left -= given
                    if left == 0:
                        break
            else:
                choices = picked[:3]
            assisted = helpers[0] if rng.random() < 0.02 else None
            rows.append(
                {
                    "round_id": budget_round.id,
                    "voter_id": voter,
                    "choices": choices,
                    "receipt_code": self.code(8),
                    "assisted_by_id": assisted,
                    "submitted_at": self.between(opened, closes),
                    "changes": 1 if rng.random() < 0.1 else 0,
                }
            )
            self.audit(
                "ballot.assisted" if assisted else "ballot.cast",
                rows[-1]["submitted_at"],
                assisted or voter,
                budget_round.group.id,
                "budget_round",
                budget_round.id,
                **({"voter_id": voter} if assisted else {}),
            )

    # -- counting -------------------------------------------------------------------------------

    def count(self) -> None:
        """Each counted round through the app's own count, so the stored result is the app's."""
        from pb.voting.services import count_round

        for budget_round in self.rounds:
            if budget_round.kind not in COUNTED_KINDS:
                continue
            row = db.session.get(BudgetRound, budget_round.id)
            result = count_round(row, commit=False)
            result.counted_at = budget_round.voting_ends_at + timedelta(hours=2)
            result.counted_by_id = budget_round.group.staff[0]
            by_id = {p.id: p for p in budget_round.proposals}
            budget_round.winners = [by_id[i] for i in result.selected]
            if budget_round.kind.startswith("published"):
                budget_round.published_at = budget_round.voting_ends_at + timedelta(days=2)
                budget_round.publisher = budget_round.group.staff[0]
                result.published_at = budget_round.published_at
                result.published_by_id = budget_round.publisher
        db.session.flush()
        for budget_round in self.rounds:
            if budget_round.published_at is not None:
                self.audit(
                    "round.published",
                    budget_round.published_at,
                    budget_round.publisher,
                    budget_round.group.id,
                    "budget_round",
                    budget_round.id,
                    selected=[p.id for p in budget_round.winners],
                )

    # -- payouts and the ledger -----------------------------------------------------------------

    def money(self) -> None:
        t = self.target
        self.ledger: list[dict] = []  # transactions, before their ids
        for budget_round in self.rounds:
            self._movement(
                budget_round.group,
                "earmark",
                {"available": -budget_round.amount, "earmarked": budget_round.amount},
                budget_round.ideas_start_at,
                budget_round.creator,
                budget_round.title,
                budget_round=budget_round,
            )
            if budget_round.published_at is not None:
                winners = sum(p.cost for p in budget_round.winners)
                rest = budget_round.amount - winners
                if rest > 0:
                    self._movement(
                        budget_round.group,
                        "earmark_release",
                        {"earmarked": -rest, "available": rest},
                        budget_round.published_at,
                        budget_round.publisher,
                        budget_round.title,
                        budget_round=budget_round,
                    )
                for proposal in budget_round.winners:
                    self._collective(budget_round, proposal)
        collective = len(self.payouts)
        others = max(0, t["payouts"] - collective)
        families = [h for g in self.local_groups if g.kind == "family" for h in g.households]
        letters = len(self.years) * len(self.groups)
        # Payment plans pay once a month, so they carry most of the ledger: about 20 payments
        # each. Conditional payouts carry the rest of the payouts, with one or two movements.
        fixed = len(self.ledger) + letters
        wanted_tx = t["ledger_entries"] // 2
        plans = round((wanted_tx - fixed - others * 1.28) / (20 + 0.98 - 1.28))
        plans = max(0, min(others, plans, 4 * len(families)))
        if not families:
            plans = 0
        for _ in range(others - plans):
            self._conditional()
        plan_list = self._plans(plans, families)
        # Each plan that was approved reserves once, and a cancelled one gives the rest back.
        reserves = sum(p.state in ("paid", "approved", "cancelled") for p in plan_list)
        releases = sum(p.state == "cancelled" for p in plan_list)
        installments = wanted_tx - len(self.ledger) - letters - reserves - releases
        self._installments(plan_list, installments)
        self._allocations()
        self._write_money()

    def _movement(self, group, kind, moves, when, actor, memo, *, budget_round=None, payout=None):
        entry = {
            "group": group,
            "kind": kind,
            "moves": moves,
            "created_at": when,
            "actor": actor,
            "memo": memo[:200],
            "round": budget_round,
            "payout": payout,
            "key": None,
        }
        self.ledger.append(entry)
        return entry

    def _decide(self, payout: _Payout, approve: bool, when: datetime, reason: str) -> None:
        """The decisions the tier asks for, as pb/payouts/policy.py counts them."""
        group = payout.group
        requester = payout.requested_by
        other = next(s for s in group.staff if s != requester)
        tier = _tier(payout.amount)
        if tier == 1:
            deciders = [requester if self.rng.random() < 0.5 else other]
        elif tier == 2 or not approve:
            deciders = [other]
        else:  # a team: the requester agrees by asking, the other staff and the lead approve
            deciders = [other, self.lead][: DEFAULT_TEAM_MIN - 1]
        for offset, actor in enumerate(deciders):
            moment = when - timedelta(hours=len(deciders) - 1 - offset)
            payout.decisions.append((actor, "approve" if approve else "reject", reason, moment))

    def _new_payout(self, group, kind, state, title, amount, created, requested_by, **row):
        payout = _Payout(group, kind, state, title[:200], amount, created, requested_by)
        payout.row = row
        self.payouts.append(payout)
        return payout

    def _collective(self, budget_round: _Round, proposal: _Proposal) -> None:
        rng = self.rng
        roll = rng.random()
        if budget_round.kind == "published_old":
            state = "paid" if roll < 0.9 else ("approved" if roll < 0.95 else "rejected")
        else:
            state = "requested" if roll < 0.4 else ("approved" if roll < 0.7 else "paid")
        created = budget_round.published_at
        payout = self._new_payout(
            budget_round.group,
            "collective",
            state,
            proposal.title,
            proposal.cost,
            created,
            budget_round.publisher,
            source_proposal_id=proposal.id,
        )
        if state == "requested":
            return
        decided = min(self.now - timedelta(hours=2), created + timedelta(days=rng.randint(1, 10)))
        payout.decided_at = decided
        approve = state != "rejected"
        self._decide(payout, approve, decided, REASONS[1] if approve else REJECT_REASONS[1])
        if not approve:
            self._movement(
                payout.group,
                "earmark_release",
                {"earmarked": -payout.amount, "available": payout.amount},
                decided,
                payout.decisions[-1][0],
                payout.title,
                budget_round=budget_round,
                payout=payout,
            )
            return
        self._movement(
            payout.group,
            "reserve",
            {"earmarked": -payout.amount, "reserved": payout.amount},
            decided,
            payout.decisions[-1][0],
            payout.title,
            budget_round=budget_round,
            payout=payout,
        )
        if state == "paid":
            paid = min(self.now - timedelta(hours=1), decided + timedelta(days=rng.randint(1, 20)))
            payout.paid_at = paid
            self._movement(
                payout.group,
                "payment",
                {"reserved": -payout.amount, "paid": payout.amount},
                paid,
                payout.requested_by,
                payout.title,
                payout=payout,
            )

    def _conditional(self) -> None:
        rng = self.rng
        group = self.local_groups[rng.randrange(len(self.local_groups))]
        created = self.between(self.start + timedelta(days=60), self.now - timedelta(hours=3))
        recent = created > self.now - timedelta(days=30)
        roll = rng.random()
        if recent:
            states = (("requested", 0.4), ("draft", 0.55), ("approved", 0.8), ("paid", 1.0))
        else:
            states = (("paid", 0.78), ("rejected", 0.9), ("cancelled", 0.97), ("approved", 1.0))
        state = next(s for s, edge in states if roll < edge)
        category, method, title = CONDITIONAL[rng.randrange(len(CONDITIONAL))]
        tier_roll = rng.random()
        if tier_roll < 0.75:
            kroner = rng.randint(5, 99) * 100
        elif tier_roll < 0.95:
            kroner = rng.randint(10, 50) * 1_000
        else:
            kroner = rng.randint(51, 80) * 1_000
        household = recipient = None
        if group.kind == "family" and group.households:
            household = group.households[rng.randrange(len(group.households))]
        else:
            recipient = group.members[rng.randrange(len(group.members))]
        requester = group.staff[rng.randrange(2)]
        draft = state == "draft"
        payout = self._new_payout(
            group,
            "conditional",
            state,
            title,
            kroner * ORE_PER_KRONE,
            created,
            None if draft else requester,
            purpose="Avtalt i samtale med familien.",
            category=category,
            payment_method=method,
            household_id=household.id if household else None,
            recipient_id=recipient,
            drafted_by_id=group.peers[0] if draft else None,
        )
        payout.row["recipient_people"] = household.members if household else [recipient]
        if state in ("draft", "requested"):
            return
        cancelled_before = state == "cancelled" and rng.random() < 0.5
        decided = min(self.now - timedelta(hours=2), created + timedelta(days=rng.randint(0, 7)))
        if not cancelled_before:
            payout.decided_at = decided
            approve = state != "rejected"
            reason = rng.choice(REASONS) if approve else rng.choice(REJECT_REASONS)
            self._decide(payout, approve, decided, reason)
        if state in ("approved", "paid") or (state == "cancelled" and not cancelled_before):
            self._movement(
                group,
                "reserve",
                {"available": -payout.amount, "reserved": payout.amount},
                decided,
                payout.decisions[-1][0],
                payout.title,
                payout=payout,
            )
        if state == "paid":
            paid = min(self.now - timedelta(hours=1), decided + timedelta(days=rng.randint(0, 14)))
            payout.paid_at = paid
            self._movement(
                group,
                "payment",
                {"reserved": -payout.amount, "paid": payout.amount},
                paid,
                requester,
                payout.title,
                payout=payout,
            )
        elif state == "cancelled" and not cancelled_before:
            self._movement(
                group,
                "release",
                {"reserved": -payout.amount, "available": payout.amount},
                decided + timedelta(days=3),
                requester,
                payout.title,
                payout=payout,
            )
        if state == "rejected" and rng.random() < 0.15:
            payout.row["complaint"] = rng.random() < 0.5

    def _plans(self, count: int, families: list[_Household]) -> list[_Payout]:
        """Payment plans, one after another in each household: the last one running (or asked
        for, or just finished), the earlier ones paid, a few cancelled or refused."""
        rng = self.rng
        if count == 0:
            return []
        per_household = _share(count, [1] * len(families))
        groups = {g.id: g for g in self.local_groups}
        made = []
        for household, plans in zip(families, per_household, strict=True):
            if not plans:
                continue
            group = groups[household.group_id]
            per_child = rng.choice((1_200, 1_600, 1_600, 2_000)) * ORE_PER_KRONE
            day = rng.choice((1, 10, 15, 20, 25))
            roll = rng.random()
            last = "approved" if roll < 0.8 else ("paid" if roll < 0.9 else "requested")
            states = [
                rng.choices(("paid", "cancelled", "rejected"), (90, 7, 3))[0]
                for _ in range(plans - 1)
            ] + [last]
            for state in states:
                requester = group.staff[rng.randrange(2)]
                payout = self._new_payout(
                    group,
                    "unconditional",
                    state,
                    household.label,
                    1,  # set with the months, below
                    self.now,
                    requester,
                    household_id=household.id,
                    per_child_ore=per_child,
                    children_count=household.children,
                    monthly_ore=per_child * household.children,
                    payment_day=day,
                )
                payout.row["recipient_people"] = household.members
                payout.row["household"] = household
                made.append(payout)
        return made

    def _installments(self, plans: list[_Payout], total: int) -> None:
        """Give the plans `total` monthly payments between them, then lay each household's plans
        out in time, back to back, the last one ending around today."""
        rng = self.rng
        paying = [p for p in plans if p.state in ("paid", "approved", "cancelled")]
        wishes = []
        for plan in paying:
            if plan.state == "paid":
                wishes.append(rng.choice((6, 12, 12, 24)))
            elif plan.state == "approved":
                wishes.append(rng.randint(1, 30))
            else:
                wishes.append(rng.randint(1, 10))
        low = [1 if p.state == "paid" else 0 for p in paying]
        high = 60
        counts = _share(max(total, sum(low)), wishes) if paying else []
        counts = [min(high, max(lo, c)) for lo, c in zip(low, counts, strict=True)]
        # The clamps moved the sum: put it right, one payment at a time.
        difference = total - sum(counts)
        index = 0
        while difference and paying and index < 100 * len(paying):
            i = index % len(paying)
            if difference > 0 and counts[i] < high:
                counts[i] += 1
                difference -= 1
            elif difference < 0 and counts[i] > low[i]:
                counts[i] -= 1
                difference += 1
            index += 1
        if difference:
            self.notes.append(f"ledger: {abs(difference)} monthly payments could not be placed")
        paid_months = dict(zip(map(id, paying), counts, strict=True))
        by_household: dict[int, list[_Payout]] = defaultdict(list)
        for plan in plans:
            by_household[plan.row["household_id"]].append(plan)
        for household_plans in by_household.values():
            self._lay_out(household_plans, paid_months)

    def _lay_out(self, plans: list[_Payout], paid_months: dict[int, int]) -> None:
        rng = self.rng
        day = plans[0].row["payment_day"]
        today = self.today
        latest_due = _month_index(today) - (0 if today.day >= day else 1)
        next_start = None
        for plan in reversed(plans):
            months = paid_months.get(id(plan), 0)
            if next_start is None:  # the household's last plan
                if plan.state == "requested":
                    first, last = latest_due + 1, latest_due + 12
                elif plan.state == "paid":
                    first, last = latest_due - months + 1, latest_due
                else:
                    first, last = latest_due - months + 1, latest_due + rng.randint(1, 12)
            else:
                length = months if plan.state == "paid" else months + rng.randint(1, 12)
                length = max(length, 1)
                last = next_start - 1 - rng.randint(0, 2)
                first = last - length + 1
            next_start = first
            starts_on, ends_on = _month_start(first), _month_end(last)
            due = plan_due_dates(starts_on, ends_on, day)
            monthly = plan.row["monthly_ore"]
            plan.amount = monthly * len(due)
            plan.row["plan_starts_on"], plan.row["plan_ends_on"] = starts_on, ends_on
            plan.created_at = _at(starts_on - timedelta(days=14), 9)
            if plan.created_at > self.now:
                plan.created_at = self.now - timedelta(days=1)
            group = plan.group
            if plan.state == "requested":
                continue
            decided = min(plan.created_at + timedelta(days=2), self.now - timedelta(hours=1))
            plan.decided_at = decided
            if plan.state == "rejected":
                self._decide(plan, False, decided, REJECT_REASONS[2])
                continue
            self._decide(plan, True, decided, "Fast støtte per barn hver måned, uten søknad.")
            self._movement(
                group,
                "reserve",
                {"available": -plan.amount, "reserved": plan.amount},
                decided,
                plan.decisions[-1][0],
                plan.title,
                payout=plan,
            )
            for due_on in due[:months]:
                movement = self._movement(
                    group,
                    "installment",
                    {"reserved": -monthly, "paid": monthly},
                    min(_at(due_on, 8), self.now),
                    plan.requested_by,
                    f"{plan.title} {due_on.isoformat()}",
                    payout=plan,
                )
                movement["key"] = ("installment", due_on)
                plan.installments.append((due_on, monthly, movement))
            if plan.state == "paid":
                plan.paid_at = _at(due[months - 1], 8) if months else decided
            elif plan.state == "cancelled":
                rest = plan.amount - months * monthly
                when = _at(due[months - 1], 12) if months else decided + timedelta(days=1)
                if rest:
                    self._movement(
                        group,
                        "release",
                        {"reserved": -rest, "available": rest},
                        when + timedelta(days=3),
                        plan.requested_by,
                        plan.title,
                        payout=plan,
                    )

    def _allocations(self) -> None:
        """Allocation letters: enough for everything the pot has paid or holds, and some left."""
        rng = self.rng
        needed: Counter[int] = Counter()
        for movement in self.ledger:
            needed[movement["group"].id] -= movement["moves"].get("available", 0)
        self.allocation_rows = []
        first_year = self.start.year
        for group in self.groups:
            need = max(0, needed[group.id])
            spare = int(round(need * rng.uniform(0.05, 0.25), -7)) + 100_000 * ORE_PER_KRONE
            letters = self.years
            amounts = _share(
                (need + spare) // ORE_PER_KRONE, [3] + [1] * (len(letters) - 1), minimum=1
            )
            for year, kroner in zip(letters, amounts, strict=True):
                starts_on = date(year, 1, 1) if year > first_year else self.start.date()
                amount = kroner * ORE_PER_KRONE
                movement = self._movement(
                    group,
                    "allocation",
                    {"funding": -amount, "available": amount},
                    _at(starts_on, 9),
                    self.lead,
                    "Benk-kommune",
                )
                self.allocation_rows.append(
                    (
                        movement,
                        {
                            "amount_ore": amount,
                            "funder": "Benk-kommune",
                            "purpose": "Penger gruppen bestemmer over selv, uten søknad.",
                            "result_goals": "Pengene når fram til ungdom og familier.",
                            "effect_goals": "Mer tillit, mestring og deltakelse.",
                            "starts_on": starts_on,
                            "ends_on": date(year, 12, 31)
                            if year < self.today.year
                            else date(year + 1, 12, 31),
                            "created_by_id": self.lead,
                            "created_at": _at(starts_on, 9),
                        },
                    )
                )

    def _write_money(self) -> None:
        write = self.write
        # Pots, with the cached balance the ledger gives.
        available: Counter[int] = Counter()
        for movement in self.ledger:
            available[movement["group"].id] += movement["moves"].get("available", 0)
        pot_ids = write.ids(Pot, len(self.groups))
        pots = []
        for group, pot_id in zip(self.groups, pot_ids, strict=True):
            group.pot_id = pot_id
            pots.append(
                {
                    "id": pot_id,
                    "group_id": group.id,
                    "available_ore": available[group.id],
                    "created_at": self.start,
                }
            )
        write.insert(Pot, pots)
        # Payouts, oldest first.
        self.payouts.sort(key=lambda p: p.created_at)
        payout_rows, decisions, complaints = [], [], []
        for payout, payout_id in zip(
            self.payouts, write.ids(PayoutRequest, len(self.payouts)), strict=True
        ):
            payout.id = payout_id
            extra = dict(payout.row)
            people = extra.pop("recipient_people", [])
            complaint = extra.pop("complaint", None)
            extra.pop("household", None)
            private = payout.kind != "collective"
            row = {
                "id": payout_id,
                "group_id": payout.group.id,
                "pot_id": payout.group.pot_id,
                "kind": payout.kind,
                "state": payout.state,
                "title": payout.title,
                "purpose": "",
                "amount_ore": payout.amount,
                "category": None,
                "payment_method": None,
                "household_id": None,
                "recipient_id": None,
                "source_proposal_id": None,
                "tier": _tier(payout.amount),
                "decision_round": 1,
                "requested_by_id": payout.requested_by,
                "drafted_by_id": None,
                "created_at": payout.created_at,
                "decided_at": payout.decided_at,
                "paid_at": payout.paid_at,
                "per_child_ore": None,
                "children_count": None,
                "monthly_ore": None,
                "plan_starts_on": None,
                "plan_ends_on": None,
                "payment_day": None,
            }
            row.update(extra)
            payout_rows.append(row)
            action = "payout.drafted" if payout.state == "draft" else "payout.requested"
            self.audit(
                action,
                payout.created_at,
                payout.requested_by or row["drafted_by_id"],
                payout.group.id,
                "payout_request",
                payout_id,
                kind=payout.kind,
                amount_ore=payout.amount,
            )
            for actor, verdict, reason, when in payout.decisions:
                decisions.append(
                    {
                        "request_id": payout_id,
                        "round": 1,
                        "actor_id": actor,
                        "verdict": verdict,
                        "reason": reason,
                        "created_at": when,
                    }
                )
                said = {"private_reason": reason} if private else {"reason": reason}
                self.audit(
                    "payout.vote",
                    when,
                    actor,
                    payout.group.id,
                    "payout_request",
                    payout_id,
                    **said,
                    verdict=verdict,
                    tier=row["tier"],
                )
            if payout.decisions:
                actor, verdict, reason, when = payout.decisions[-1]
                said = {"private_reason": reason} if private else {"reason": reason}
                self.audit(
                    "payout.approved" if verdict == "approve" else "payout.rejected",
                    when,
                    actor,
                    payout.group.id,
                    "payout_request",
                    payout_id,
                    **said,
                    amount_ore=payout.amount,
                )
            if payout.paid_at is not None:
                self.audit(
                    "payout.paid",
                    payout.paid_at,
                    payout.requested_by,
                    payout.group.id,
                    "payout_request",
                    payout_id,
                    amount_ore=payout.amount,
                )
            if complaint is not None and people:
                when = payout.decided_at + timedelta(days=3)
                complaints.append(
                    {
                        "request_id": payout_id,
                        "filed_by_id": people[0],
                        "text": "Vi trenger dette, og vi forstår ikke avslaget.",
                        "handler_id": self.lead,
                        "state": "dismissed" if complaint else "open",
                        "outcome_reason": "Avslaget står." if complaint else None,
                        "decided_by_id": self.lead if complaint else None,
                        "decided_at": when + timedelta(days=5) if complaint else None,
                        "created_at": when,
                    }
                )
        write.insert(PayoutRequest, payout_rows)
        write.insert(PayoutDecision, decisions)
        write.insert(PayoutComplaint, complaints)
        # The ledger, in the order it happened.
        self.ledger.sort(key=lambda m: m["created_at"])
        tx_ids = write.ids(LedgerTransaction, len(self.ledger))
        transactions, entries = [], []
        for movement, tx_id in zip(self.ledger, tx_ids, strict=True):
            movement["id"] = tx_id
            payout, budget_round = movement["payout"], movement["round"]
            key = None
            if movement["key"] is not None:
                key = server_key(f"installment:plan-{payout.id}:{movement['key'][1].isoformat()}")
            transactions.append(
                {
                    "id": tx_id,
                    "pot_id": movement["group"].pot_id,
                    "kind": movement["kind"],
                    "memo": movement["memo"],
                    "idempotency_key": key,
                    "payout_request_id": payout.id if payout else None,
                    "budget_round_id": budget_round.id if budget_round else None,
                    "created_by_id": movement["actor"],
                    "created_at": movement["created_at"],
                }
            )
            for account, amount in movement["moves"].items():
                if amount:
                    entries.append(
                        {
                            "transaction_id": tx_id,
                            "pot_id": movement["group"].pot_id,
                            "account": account,
                            "amount_ore": amount,
                        }
                    )
            if movement["kind"] == "installment":
                self.audit(
                    "payout.installment_paid",
                    movement["created_at"],
                    movement["actor"],
                    movement["group"].id,
                    "payout_request",
                    payout.id,
                    due_on=movement["key"][1].isoformat(),
                    amount_ore=movement["moves"]["paid"],
                )
        write.insert(LedgerTransaction, transactions)
        for start in range(0, len(entries), 100_000):
            write.insert(LedgerEntry, entries[start : start + 100_000])
        allocations = []
        allocation_ids = write.ids(Allocation, len(self.allocation_rows))
        for allocation_id, (movement, row) in zip(
            allocation_ids, self.allocation_rows, strict=True
        ):
            allocation = {
                "id": allocation_id,
                "pot_id": movement["group"].pot_id,
                "transaction_id": movement["id"],
            }
            allocations.append({**allocation, **row})
            self.audit(
                "pot.allocated",
                row["created_at"],
                self.lead,
                movement["group"].id,
                "allocation",
                allocation_id,
                amount_ore=row["amount_ore"],
                funder=row["funder"],
            )
        write.insert(Allocation, allocations)
        write.insert(
            PlanInstallment,
            [
                {
                    "request_id": plan.id,
                    "due_on": due_on,
                    "amount_ore": amount,
                    "transaction_id": movement["id"],
                    "created_at": movement["created_at"],
                }
                for plan in self.payouts
                for due_on, amount, movement in plan.installments
            ],
        )

    # -- lending --------------------------------------------------------------------------------

    def lending(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        local = self.local_groups
        per_group = _share(t["items"], [len(g.members) for g in local], minimum=1)
        places = [(g, n) for g, n in zip(local, per_group, strict=True) for _ in range(n)]
        item_ids = write.ids(Item, len(places))
        codes = set(db.session.scalars(select(Item.code)))
        items, specs = [], []
        numbers = Counter()
        for item_id, (group, _n) in zip(item_ids, places, strict=True):
            category, name, max_days, buffer = ITEMS[rng.randrange(len(ITEMS))]
            numbers[(group.id, name)] += 1
            keepers = [h for h in group.households if h.members] or None
            household = keepers[rng.randrange(len(keepers))] if keepers else None
            custodian = (
                household.members[0]
                if household
                else group.members[rng.randrange(len(group.members))]
            )
            code = self.code(6)
            while code in codes:
                code = self.code(6)
            codes.add(code)
            broken = rng.random() < 0.03
            items.append(
                {
                    "id": item_id,
                    "group_id": group.id,
                    "code": code,
                    "name": f"{name} {numbers[(group.id, name)]}",
                    "description": "Lånes ut til familiene i gruppen.",
                    "category": category,
                    "custodian_id": custodian,
                    "custodian_household_id": (
                        household.id if household and rng.random() < 0.3 else None
                    ),
                    "custodian_shares_phone": False,
                    "pickup_instructions": PICKUP,
                    "owner": "parents" if category == "water" else "group",
                    "insurance_note": "",
                    "condition": "needs_repair" if broken else "good",
                    "status": "maintenance" if broken else "available",
                    "maintenance_until": self.today + timedelta(days=10) if broken else None,
                    "max_loan_days": max_days,
                    "buffer_days": buffer,
                    "auto_confirm": rng.random() < 0.2,
                    "created_by_id": group.staff[0],
                    "created_at": self.start + timedelta(days=rng.randint(30, 200)),
                }
            )
            specs.append((item_id, group, custodian, max_days, buffer, broken))
            self.audit(
                "item.created",
                items[-1]["created_at"],
                group.staff[0],
                group.id,
                "lending_item",
                item_id,
            )
        write.insert(Item, items)
        counts = _share(t["bookings"], [rng.uniform(0.5, 1.5) for _ in specs])
        booking_ids = iter(write.ids(Booking, sum(counts)))
        bookings, handovers, damage = [], [], []
        for (item_id, group, custodian, max_days, buffer, broken), count in zip(
            specs, counts, strict=True
        ):
            self._item_bookings(
                item_id,
                group,
                custodian,
                max_days,
                buffer,
                broken,
                count,
                booking_ids,
                bookings,
                handovers,
            )
            if broken:
                damage.append(
                    {
                        "item_id": item_id,
                        "reporter_id": custodian,
                        "note": "Noe er ødelagt. Sendt til reparasjon.",
                        "repair_until": self.today + timedelta(days=10),
                        "cancelled_count": 0,
                        "created_at": self.now - timedelta(days=1),
                    }
                )
        write.insert(Booking, bookings)
        write.insert(HandOver, handovers)
        write.insert(DamageReport, damage)

    def _item_bookings(
        self, item_id, group, custodian, max_days, buffer, broken, count, ids, bookings, handovers
    ) -> None:
        rng = self.rng
        if not count:
            return
        # Lay the bookings out one after another (days and buffer never overlap), then slide
        # them so that the last two or three lie ahead of today.
        spans, cursor = [], 0
        for _ in range(count):
            start = cursor + rng.randint(1, 12)
            end = start + rng.randint(1, max_days) - 1
            spans.append((start, end))
            cursor = end + buffer
        ahead = min(count, rng.randint(1, 3))
        first_ahead = spans[count - ahead][0]
        shift = rng.randint(1, 10) - first_ahead
        if rng.random() < 0.1 and count > ahead:
            # Out now: the booking before the future ones is picked up and not back yet.
            start, end = spans[count - ahead - 1]
            shift = -start - rng.randint(0, end - start)
        parties = []
        for user_id in group.members:
            household = group.household_of.get(user_id)
            parties.append((user_id, household, f"h{household}" if household else f"u{user_id}"))
        upcoming: Counter[str] = Counter()
        for start, end in spans:
            start_on = self.today + timedelta(days=start + shift)
            end_on = self.today + timedelta(days=end + shift)
            pick = rng.randrange(len(parties))
            if parties[pick][0] == custodian:
                pick = (pick + 1) % len(parties)
            borrower, household, party = parties[pick]
            if end_on < self.today:
                status = rng.choices(("returned", "cancelled", "declined"), (86, 8, 6))[0]
            elif start_on <= self.today:
                status = "picked_up"
            elif broken:
                status = "cancelled"
            else:
                status = "confirmed" if rng.random() < 0.6 else "requested"
            if status in ("picked_up", "confirmed", "requested"):
                if upcoming[party] >= 2:
                    status = "cancelled"
                upcoming[party] += 1
            created = min(
                self.now - timedelta(hours=1),
                _at(start_on - timedelta(days=rng.randint(1, 20)), rng.randint(8, 21)),
            )
            decided = None if status == "requested" else min(self.now, created + timedelta(hours=6))
            booking_id = next(ids)
            bookings.append(
                {
                    "id": booking_id,
                    "item_id": item_id,
                    "borrower_id": borrower,
                    "household_id": household,
                    "party": party,
                    "start_on": start_on,
                    "end_on": end_on,
                    "blocks_from": start_on,
                    "blocks_until": end_on
                    if status == "returned"
                    else end_on + timedelta(days=buffer),
                    "status": status,
                    "custodian_message": "Velkommen, ring på når du kommer." if decided else "",
                    "cancel_reason": "damage" if broken and status == "cancelled" else None,
                    "created_at": created,
                    "decided_at": decided,
                    "pickup_reminded": status in ("returned", "picked_up"),
                    "return_reminded": status == "returned",
                }
            )
            self.audit(
                "booking.requested", created, borrower, group.id, "lending_booking", booking_id
            )
            if status in ("confirmed", "picked_up", "returned", "declined"):
                verdict = "booking.declined" if status == "declined" else "booking.confirmed"
                self.audit(verdict, decided, custodian, group.id, "lending_booking", booking_id)
            if status == "cancelled":
                self.audit(
                    "booking.cancelled",
                    created + timedelta(hours=2),
                    borrower,
                    group.id,
                    "lending_booking",
                    booking_id,
                )
            if status in ("picked_up", "returned"):
                picked = min(_at(start_on, 17), self.now)
                handovers.append(
                    {
                        "booking_id": booking_id,
                        "kind": "pickup",
                        "condition": "good",
                        "note": "",
                        "recorded_by_id": custodian,
                        "recorded_at": picked,
                    }
                )
                self.audit(
                    "booking.picked_up", picked, custodian, group.id, "lending_booking", booking_id
                )
            if status == "returned":
                back = _at(end_on, 18)
                worn = rng.random() < 0.1
                handovers.append(
                    {
                        "booking_id": booking_id,
                        "kind": "return",
                        "condition": "worn" if worn else "good",
                        "note": "En liten ripe." if worn else "",
                        "recorded_by_id": custodian,
                        "recorded_at": back,
                    }
                )
                self.audit(
                    "booking.returned", back, custodian, group.id, "lending_booking", booking_id
                )

    # -- projects -------------------------------------------------------------------------------

    def projects(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        specs = []
        for group in self.local_groups:
            for title, goal in PROJECTS[group.kind]:
                specs.append((group, title, goal))
        project_ids = write.ids(Project, len(specs))
        projects, leaders, stories = [], [], []
        running = []
        for project_id, (group, title, goal) in zip(project_ids, specs, strict=True):
            status = rng.choices(("running", "finished", "planned"), (60, 30, 10))[0]
            starts_on = self.today - timedelta(days=rng.randint(200, 1000))
            ends_on = None
            if status == "finished":
                ends_on = self.today - timedelta(days=rng.randint(10, 150))
            elif status == "planned":
                starts_on = self.today + timedelta(days=rng.randint(10, 60))
            projects.append(
                {
                    "id": project_id,
                    "group_id": group.id,
                    "title": title,
                    "goal": goal,
                    "result_goals": "20 samlinger i løpet av året.",
                    "effect_goals": "Færre konflikter og flere som hører til.",
                    "status": status,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "created_by_id": group.staff[0],
                    "created_at": _at(min(starts_on, self.today) - timedelta(days=10)),
                }
            )
            leads = group.peers[:2] if rng.random() < 0.7 else group.peers[:1] + group.staff[:1]
            leaders += [{"project_id": project_id, "user_id": u} for u in leads]
            self.audit(
                "project.created",
                projects[-1]["created_at"],
                group.staff[0],
                group.id,
                "project",
                project_id,
            )
            if status != "planned":
                running.append((project_id, group, starts_on, ends_on or self.today, leads))
            if rng.random() < 0.15:
                stories.append(
                    {
                        "group_id": group.id,
                        "project_id": project_id,
                        "author_id": group.members[0],
                        "title": "Vi bestemte selv",
                        "body": "Det var første gang noen spurte oss hva pengene skulle brukes "
                        "til. Nå hjelper vi hverandre.",
                        "language": "nb",
                        "visibility": rng.choice(("group", "programme", "public")),
                        "status": "published",
                        "decline_reason": "",
                        "decided_by_id": group.staff[0],
                        "created_at": _at(self.today - timedelta(days=rng.randint(5, 300))),
                        "published_at": _at(self.today - timedelta(days=rng.randint(1, 4))),
                    }
                )
        write.insert(Project, projects)
        write.insert(ProjectLeader, leaders)
        write.insert(Story, stories)
        counts = _share(t["activities"], [1.0] * len(running))
        activities = []
        for (project_id, group, first, last, leads), count in zip(running, counts, strict=True):
            kinds = ACTIVITY_KINDS[group.kind]
            span = max(0, (last - first).days)
            for _ in range(count):
                kind = kinds[rng.randrange(len(kinds))]
                day = first + timedelta(days=rng.randint(0, span))
                logger = leads[rng.randrange(len(leads))]
                youth_heads = rng.randint(2, 4) if kind == "mediation" else rng.randint(3, 25)
                activities.append(
                    {
                        "project_id": project_id,
                        "happened_on": day,
                        "kind": kind,
                        "place": PLACES[rng.randrange(len(PLACES))],
                        "adults": rng.randint(0, 8),
                        "youth": youth_heads if group.kind == "youth" else rng.randint(0, 6),
                        "children": 0 if group.kind == "youth" else rng.randint(2, 20),
                        "volunteer_minutes": rng.choice((0, 60, 90, 120, 180)),
                        "cost_ore": rng.choice((0, 0, 35_000, 60_000, 120_000)),
                        "payout_id": None,
                        "note": "",
                        "logged_by_id": logger,
                        "created_at": min(_at(day, 20), self.now),
                    }
                )
                self.audit(
                    "activity.logged",
                    _at(day, 20),
                    logger,
                    group.id,
                    "project",
                    project_id,
                    kind=kind,
                )
        write.insert(Activity, activities)

    # -- surveys --------------------------------------------------------------------------------

    def surveys(self) -> None:
        rng, write, t = self.rng, self.write, self.target
        local = self.local_groups
        wave_ids = write.ids(SurveyWave, t["survey_waves"])
        waves, questions, counts, respondents = [], [], [], []
        keys = list(DEFAULT_QUESTIONS)
        for number, wave_id in enumerate(wave_ids):
            group = local[number % len(local)]
            is_open = rng.random() < 0.15
            if is_open:
                opens_on = self.today - timedelta(days=rng.randint(1, 10))
                closes_on = self.today + timedelta(days=rng.randint(3, 20))
                share = rng.uniform(0.15, 0.4)
            else:
                closes_on = self.today - timedelta(days=rng.randint(10, 700))
                opens_on = closes_on - timedelta(days=14)
                share = rng.uniform(0.4, 0.8)
            waves.append(
                {
                    "id": wave_id,
                    "group_id": group.id,
                    "title": f"Pulsen {opens_on.year}",
                    "opens_on": opens_on,
                    "closes_on": closes_on,
                    "closed_at": None,
                    "created_by_id": group.staff[0],
                    "created_at": _at(opens_on, 9),
                }
            )
            self.audit(
                "survey.opened",
                _at(opens_on, 9),
                group.staff[0],
                group.id,
                "survey_wave",
                wave_id,
                questions=len(keys),
                closes_on=closes_on.isoformat(),
            )
            people = group.voters
            answered = rng.sample(people, round(len(people) * share))
            respondents += [{"wave_id": wave_id, "user_id": u} for u in answered]
            leaning = rng.uniform(0.0, 1.0)
            for position, key in enumerate(keys):
                questions.append({"wave_id": wave_id, "position": position, "question_key": key})
                tally = Counter(
                    rng.choices(
                        ANSWERS, (1, 2, 4, 4 + 3 * leaning, 2 + 4 * leaning, 1), k=len(answered)
                    )
                )
                counts += [
                    {"wave_id": wave_id, "question_key": key, "answer": a, "count": tally[a]}
                    for a in ANSWERS
                ]
        write.insert(SurveyWave, waves)
        write.insert(SurveyWaveQuestion, questions)
        write.insert(SurveyAnswerCount, counts)
        write.insert(SurveyRespondent, respondents)

    # -- notifications --------------------------------------------------------------------------

    def notifications(self) -> None:
        """The bell: voting opened and results out for the rounds, and comments on one's
        proposals; what is older than two weeks has been read."""
        rng = self.rng
        rows, reminders = [], []
        read_before = self.now - timedelta(days=14)

        def note(user_id, group_id, kind, when, link, **params):
            rows.append(
                {
                    "user_id": user_id,
                    "group_id": group_id,
                    "kind": kind,
                    "params": params,
                    "link": link,
                    "created_at": when,
                    "read_at": when + timedelta(hours=5) if when < read_before else None,
                }
            )

        for budget_round in self.rounds:
            group = budget_round.group
            link = f"/groups/{group.id}/rounds/{budget_round.id}"
            if budget_round.kind == "voting":
                # Sent by the schedule: its record, so `flask --app pb tick` does not send again.
                reminders += [
                    {
                        "round_id": budget_round.id,
                        "user_id": user_id,
                        "kind": "opened",
                        "sent_at": budget_round.voting_starts_at,
                    }
                    for user_id in group.voters
                ]
                for user_id in group.voters:
                    note(
                        user_id,
                        group.id,
                        "voting.opened",
                        budget_round.voting_starts_at,
                        link,
                        round=budget_round.title,
                    )
            if budget_round.kind == "published_recent":
                for user_id in group.voters:
                    note(
                        user_id,
                        group.id,
                        "voting.published",
                        budget_round.published_at,
                        link + "/results",
                        round=budget_round.title,
                    )
        for proposal in self.proposals:
            group = proposal.round.group
            link = f"/groups/{group.id}/rounds/{proposal.round.id}/proposals/{proposal.id}"
            for comment_id, author, when in self.comments_by_proposal.get(proposal.id, []):
                if author != proposal.author and rng.random() < 0.8:
                    note(
                        proposal.author,
                        group.id,
                        "proposals.comment",
                        when,
                        f"{link}#comment-{comment_id}",
                        name=self.names[author],
                        title=proposal.title,
                    )
        self.write.insert(Notification, rows)
        self.write.insert(VotingReminder, reminders)

    # -- the audit log --------------------------------------------------------------------------

    def audit_log(self) -> None:
        self.audit(
            "bench.seeded",
            self.now,
            self.lead,
            None,
            "programme",
            self.programme_id,
            scale=self.scale,
        )
        self.audit_rows.sort(key=lambda row: row["created_at"])
        for start in range(0, len(self.audit_rows), 100_000):
            self.write.insert(AuditEvent, self.audit_rows[start : start + 100_000])


# ---------------------------------------------------------------------------------------------
# The command's entry points


def already_seeded() -> bool:
    return (
        db.session.scalar(select(Programme.id).where(Programme.name == PROGRAMME_NAME)) is not None
    )


def seed_bench(scale: float = 1.0, *, echo: Callable[[str], None] = print) -> dict | None:
    """Build the bench dataset in one transaction. None if it is there already (nothing is
    changed); else a report: rows per table, the targets, counts per target, notes, seconds."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    if already_seeded():
        return None
    if db.session.scalar(select(User.id).where(User.is_demo.is_(False)).limit(1)) is not None:
        raise BenchRefused(
            "This database has real (non-demo) users; the bench dataset is not loaded here."
        )
    builder = _Builder(scale, echo)
    began = time.perf_counter()
    try:
        rows = builder.run()
        started = time.perf_counter()
        db.session.commit()
        builder.timer.part("commit", started)
    except Exception:
        db.session.rollback()
        raise
    if builder.write.postgres:
        started = time.perf_counter()
        # Fresh statistics, so the planner knows the tables' sizes before the first request.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        builder.timer.part("analyze", started)
    counts = bench_counts()
    return {
        "rows": rows,
        "targets": builder.target,
        "counts": counts,
        "notes": builder.notes,
        "seconds": time.perf_counter() - began,
        "parts": builder.timer.parts,
    }


def bench_logins(limit_per_role: int) -> list[dict]:
    """People to log in as, for the load driver: up to `limit_per_role` members, peer
    consultants and staff, each from another neighbourhood group, with ids of pages they may
    open in their group. A handful of queries, whatever the dataset's size."""
    from pb.voting.models import RoundResult

    programme_id = db.session.scalar(select(Programme.id).where(Programme.name == PROGRAMME_NAME))
    if programme_id is None:
        return []
    group_ids = list(
        db.session.scalars(
            select(Group.id)
            .where(Group.programme_id == programme_id, Group.name != MUNICIPAL_GROUP)
            .order_by(Group.id)
        )
    )
    now = utcnow()
    rounds = db.session.scalars(
        select(BudgetRound).where(BudgetRound.group_id.in_(group_ids)).order_by(BudgetRound.id)
    ).all()
    voting = {}
    for budget_round in rounds:
        if budget_round.phase_at(now) == "voting":
            voting.setdefault(budget_round.group_id, budget_round)
    counted = dict(
        db.session.execute(
            select(BudgetRound.group_id, func.max(RoundResult.round_id))
            .join(RoundResult, RoundResult.round_id == BudgetRound.id)
            .where(BudgetRound.group_id.in_(group_ids), RoundResult.published_at.is_not(None))
            .group_by(BudgetRound.group_id)
        ).all()
    )
    usable = [g for g in group_ids if g in voting and g in counted]
    wanted = usable[: 3 * limit_per_role]
    if not wanted:
        return []
    # The counted round's most discussed proposal on the ballot, per group.
    discussed = db.session.execute(
        select(Proposal.id, Proposal.round_id, func.count(Comment.id))
        .join(Comment, Comment.proposal_id == Proposal.id)
        .where(
            Proposal.round_id.in_([counted[g] for g in wanted]),
            Proposal.status == "accepted",
            Proposal.hidden_at.is_(None),
        )
        .group_by(Proposal.id, Proposal.round_id)
        .order_by(func.count(Comment.id).desc(), Proposal.id)
    ).all()
    proposal_of: dict[int, int] = {}
    for proposal_id, round_id, _count in discussed:
        proposal_of.setdefault(round_id, proposal_id)
    payouts = db.session.execute(
        select(PayoutRequest.id, PayoutRequest.group_id, PayoutRequest.kind, PayoutRequest.state)
        .where(PayoutRequest.group_id.in_(wanted), PayoutRequest.kind == "collective")
        .order_by(PayoutRequest.id.desc())
    ).all()
    payout_of: dict[int, int] = {}
    for payout_id, group_id, _kind, _state in payouts:
        payout_of.setdefault(group_id, payout_id)
    bookings = db.session.execute(
        select(Booking.id, Booking.item_id, Booking.party, Item.group_id)
        .join(Item, Item.id == Booking.item_id)
        .where(Item.group_id.in_(wanted))
        .order_by(Booking.id.desc())
    ).all()
    bookings_of: dict[int, list] = defaultdict(list)
    booked_by: dict[str, list] = defaultdict(list)
    for booking_id, item_id, party, group_id in bookings:
        bookings_of[group_id].append((booking_id, item_id, party))
        booked_by[party].append((booking_id, item_id, party))
    people = db.session.execute(
        select(
            Membership.group_id,
            Membership.role,
            Membership.household_id,
            User.id,
            User.username,
            User.totp_secret,
            User.totp_confirmed_at,
        )
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id.in_(wanted), User.username.like("bench-%"))
        .order_by(Membership.id)
    ).all()
    by_group: dict[int, list] = defaultdict(list)
    for group_id, role, household_id, *user in people:
        by_group[group_id].append((role, household_id, user))

    def login(group_id: int, role: str, person, booking) -> dict:
        voting_round = voting[group_id]
        _user_id, username, totp_secret, totp_confirmed_at = person
        return {
            "username": username,
            "role": role,
            "group_id": group_id,
            "totp_secret": totp_secret if totp_confirmed_at else None,
            "voting_round_id": voting_round.id,
            "ballot_format": voting_round.ballot_format,
            "voting_open": True,
            "counted_round_id": counted[group_id],
            "proposal_id": proposal_of[counted[group_id]],
            "proposal_round_id": counted[group_id],
            "payout_id": payout_of[group_id],
            "item_id": booking[1],
            "booking_id": booking[0],
        }

    def candidates(group_id: int, role: str):
        """The group's people in this role who have a booking to look at: a member their own
        household's (or their own), staff and peer consultants any in the group."""
        for _role, household_id, user in (p for p in by_group[group_id] if p[0] == role):
            party = f"h{household_id}" if household_id else f"u{user[0]}"
            mine = booked_by.get(party, [])
            if mine or (role != "member" and bookings_of[group_id]):
                yield user, (mine or bookings_of[group_id])[0]

    complete = [g for g in wanted if g in payout_of and counted[g] in proposal_of]
    logins = []
    for position, role in enumerate(("member", "peer", "staff")):
        # Each role starts at other groups, so with enough groups nobody shares one; with few,
        # the groups are taken in turn, a next person each time.
        start = (position * limit_per_role) % max(1, len(complete))
        order = complete[start:] + complete[:start]
        queues = [(g, candidates(g, role)) for g in order]
        taken = 0
        while queues and taken < limit_per_role:
            for group_id, queue in list(queues):
                found = next(queue, None)
                if found is None:
                    queues.remove((group_id, queue))
                    continue
                logins.append(login(group_id, role, *found))
                taken += 1
                if taken == limit_per_role:
                    break
    return logins
