"""The demo's open round: "Veien til førerkortet" is voting on its autumn round. Joins the seed's
transaction (no commit)."""

import random
from datetime import timedelta

from pb.audit.services import record
from pb.extensions import db
from pb.money import ORE_PER_KRONE
from pb.payouts.earmarks import earmark_round
from pb.proposals.models import (
    BudgetRound,
    Comment,
    Proposal,
    ProposalTranslation,
    ProposalVersion,
    Support,
)
from pb.timeutil import utcnow

# Less than the eight proposals cost together (906,700): the budget bites, so voters must choose.
AMOUNT_KRONER = 600_000
IDEAS_AMOUNT_KRONER = 150_000

# (author, title, description, category, estimated kroner, confirmed kroner)
PROPOSALS = [
    (
        "emma",
        "Kjøretimer for alle som vil",
        "Vi foreslår at alle som vil får 15 kjøretimer hos en godkjent trafikkskole.\n"
        "Mange av oss har ikke råd til timer selv, og førerkort betyr mye for å få jobb.",
        "driving_licence",
        420_000,
        405_000,
    ),
    (
        "noah1",
        "Teorikurs på flere språk",
        "Et teorikurs over seks kvelder, med lærer som kan forklare på arabisk, somali og "
        "tigrinja når det trengs. Vi øver til teoriprøven sammen.",
        "course",
        64_000,
        60_000,
    ),
    (
        "sara2",
        "Leie av bil til oppkjøring",
        "Bil fra trafikkskolen på prøvedagen, så ingen trenger å låne bil av noen.",
        "transport",
        96_000,
        88_000,
    ),
    (
        "oskar3",
        "Førstehjelpskurs med hjertestarter",
        "Røde Kors holder kurs for hele gruppa. Det trengs til førerkortet, og det er nyttig "
        "ellers.",
        "course",
        24_000,
        24_000,
    ),
    (
        "amina4",
        "Helgetur til Oppdal",
        "En helg på hytte med glattkjøringsbane i nærheten. Vi lager mat sammen og blir kjent.",
        "trip",
        145_000,
        138_500,
    ),
    (
        "elias5",
        "Felles middag hver måned",
        "Vi lager og spiser middag sammen én gang i måneden på ungdomshuset. Pengene går til mat "
        "og leie av kjøkken.",
        "shared_meal",
        48_000,
        48_000,
    ),
    (
        "nora6",
        "Refleks og vinterutstyr til øvelseskjøring",
        "Refleksvester, isskrapere og startkabler som vi deler, så øvelseskjøring om vinteren blir "
        "tryggere.",
        "equipment",
        18_500,
        17_200,
    ),
    (
        "filip7",
        "Mørkekjøringskurs samlet",
        "Vi bestiller mørkekjøringen sammen i november. Samlet bestilling gir lavere pris per "
        "person.",
        "driving_licence",
        132_000,
        126_000,
    ),
]

TRANSLATIONS = {
    "Kjøretimer for alle som vil": [
        (
            "ar",
            "دروس قيادة لكل من يريد",
            "نقترح أن يحصل كل من يريد على 15 درس قيادة في مدرسة قيادة معتمدة.\n"
            "كثيرون منا لا يستطيعون دفع ثمن الدروس، ورخصة القيادة مهمة للحصول على عمل.",
        ),
        (
            "so",
            "Casharro darawalnimo qof kasta oo doonaya",
            "Waxaan soo jeedinaynaa in qof kasta oo doonaya uu helo 15 cashar oo darawalnimo "
            "iskuul la ansixiyay.\nQaar badan oo naga mid ah ma awoodaan, laysanka darawalnimaduna "
            "waa muhiim si shaqo loo helo.",
        ),
    ],
    "Felles middag hver måned": [
        (
            "ar",
            "عشاء مشترك كل شهر",
            "نطبخ ونأكل معاً مرة في الشهر في بيت الشباب. المال يغطي الطعام وإيجار المطبخ.",
        ),
    ],
}

# (proposal title, author, text, replies as (author, text))
COMMENTS = [
    (
        "Kjøretimer for alle som vil",
        "ali31",
        "Blir det 15 timer uansett hvor langt man har kommet?",
        [("emma", "Tanken er at alle får like mange, så kan de som trenger mer ta resten selv.")],
    ),
    (
        "Kjøretimer for alle som vil",
        "maja10",
        "Dette er det viktigste for meg. Uten bil kommer jeg meg ikke på jobb.",
        [],
    ),
    (
        "Teorikurs på flere språk",
        "hiba12",
        "Så bra! Teoriboka er vanskelig på norsk.",
        [("noah1", "Ja, det var derfor jeg foreslo det."), ("amir.peer", "Jeg kan hjelpe til.")],
    ),
    (
        "Helgetur til Oppdal",
        "isak13",
        "Kan vi ta med glattkjøring samme helg? Da sparer vi en tur.",
        [("amina4", "God idé, jeg har spurt trafikkskolen.")],
    ),
    (
        "Felles middag hver måned",
        "yasmin22",
        "Jeg vil gjerne lage sambusa en gang!",
        [],
    ),
]


def seed_proposals_demo(groups_by_name: dict, users_by_username: dict, lead) -> BudgetRound:
    """The autumn round, in its voting phase: eight proposals on the ballot, with confirmed costs,
    translations, comments and support."""
    # bandit B311: made-up demo data, not security
    rng = random.Random(2027)  # nosec B311
    group = groups_by_name["Veien til førerkortet"]
    staff = users_by_username["stine.staff"]
    peer = users_by_username["amir.peer"]
    now = utcnow()
    budget_round = BudgetRound(
        group_id=group.id,
        title="Høsten: neste steg mot førerkortet",
        amount_ore=AMOUNT_KRONER * ORE_PER_KRONE,
        languages=["nb", "ar", "so"],
        ideas_start_at=now - timedelta(days=30),
        review_starts_at=now - timedelta(days=16),
        voting_starts_at=now - timedelta(days=2),
        voting_ends_at=now + timedelta(days=12),
        followup_starts_at=now + timedelta(days=30),
        ballot_format="knapsack",
        counting_rule="mes",
        proposal_limit=3,
        report_threshold=3,
        created_by_id=staff.id,
        created_at=now - timedelta(days=30),
    )
    db.session.add(budget_round)
    db.session.flush()
    earmark_round(budget_round, actor=staff)
    record("round.created", actor=staff, group=group, subject=budget_round)

    members = _members(group)
    youth = sorted(
        (u for name, u in users_by_username.items() if "." not in name and u in members),
        key=lambda user: user.username,
    )
    by_title = {}
    for day, (author, title, description, category, estimate, confirmed) in enumerate(PROPOSALS):
        created = now - timedelta(days=29 - day)
        proposal = Proposal(
            round_id=budget_round.id,
            author_id=users_by_username[author].id,
            title=title,
            description=description,
            category=category,
            language="nb",
            estimated_cost_ore=estimate * ORE_PER_KRONE,
            confirmed_cost_ore=confirmed * ORE_PER_KRONE,
            cost_confirmed_by_id=staff.id,
            cost_confirmed_at=now - timedelta(days=5),
            status="accepted",
            created_at=created,
            updated_at=created,
        )
        db.session.add(proposal)
        db.session.flush()
        db.session.add(
            ProposalVersion(
                proposal_id=proposal.id,
                number=1,
                title=title,
                description=description,
                category=category,
                estimated_cost_ore=proposal.estimated_cost_ore,
                edited_by_id=proposal.author_id,
                created_at=created,
            )
        )
        record("proposal.cost_confirmed", actor=staff, group=group, subject=proposal)
        record("proposal.accepted", actor=peer, group=group, subject=proposal)
        for language, translated_title, translated_text in TRANSLATIONS.get(title, []):
            db.session.add(
                ProposalTranslation(
                    proposal_id=proposal.id,
                    language=language,
                    title=translated_title,
                    description=translated_text,
                    translated_by_id=peer.id,
                )
            )
        for supporter in rng.sample(youth, rng.randint(4, 14)):
            db.session.add(Support(proposal_id=proposal.id, user_id=supporter.id))
        by_title[title] = proposal

    for index, (title, author, text, replies) in enumerate(COMMENTS):
        at = now - timedelta(days=20 - index * 3)
        comment = Comment(
            proposal_id=by_title[title].id,
            author_id=users_by_username[author].id,
            body=text,
            created_at=at,
        )
        db.session.add(comment)
        db.session.flush()
        for minutes, (reply_author, reply_text) in enumerate(replies, start=1):
            db.session.add(
                Comment(
                    proposal_id=comment.proposal_id,
                    parent_id=comment.id,
                    author_id=users_by_username[reply_author].id,
                    body=reply_text,
                    created_at=at + timedelta(hours=minutes * 5),
                )
            )
    db.session.flush()
    _seed_ideas_round(group, staff, users_by_username, now)
    return budget_round


def _seed_ideas_round(group, staff, users_by_username, now) -> BudgetRound:
    """A round still collecting ideas, so that a new member can propose something at once."""
    ideas = BudgetRound(
        group_id=group.id,
        title="Vinter: ideer til neste steg",
        amount_ore=IDEAS_AMOUNT_KRONER * ORE_PER_KRONE,
        languages=["nb", "ar", "so", "ti"],
        ideas_start_at=now - timedelta(days=3),
        review_starts_at=now + timedelta(days=18),
        voting_starts_at=now + timedelta(days=25),
        voting_ends_at=now + timedelta(days=35),
        followup_starts_at=now + timedelta(days=50),
        ballot_format="approval",
        counting_rule="mes",
        proposal_limit=3,
        report_threshold=3,
        created_by_id=staff.id,
        created_at=now - timedelta(days=3),
    )
    db.session.add(ideas)
    db.session.flush()
    earmark_round(ideas, actor=staff)
    record("round.created", actor=staff, group=group, subject=ideas)
    author = users_by_username["sunniva.peer"]
    proposal = Proposal(
        round_id=ideas.id,
        author_id=author.id,
        title="Glattkjøringskurs i januar",
        description="Et kurs på glattkjøringsbanen før vi tar førerprøven om vinteren.",
        category="driving_licence",
        language="nb",
        estimated_cost_ore=60_000 * ORE_PER_KRONE,
        status="submitted",
        created_at=now - timedelta(days=1),
        updated_at=now - timedelta(days=1),
    )
    db.session.add(proposal)
    db.session.flush()
    db.session.add(
        ProposalVersion(
            proposal_id=proposal.id,
            number=1,
            title=proposal.title,
            description=proposal.description,
            category=proposal.category,
            estimated_cost_ore=proposal.estimated_cost_ore,
            edited_by_id=author.id,
            created_at=proposal.created_at,
        )
    )
    record("proposal.created", actor=author, group=group, subject=proposal)
    return ideas


def _members(group) -> set:
    return {membership.user for membership in group.memberships if membership.role == "member"}
