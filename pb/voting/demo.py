"""The demo's finished round: "Veien til førerkortet" voted in the spring, and its winners are
paid. Joins the seed's transaction."""

import random
from datetime import timedelta

from sqlalchemy import select

from pb.extensions import db
from pb.groups.models import Membership
from pb.money import ORE_PER_KRONE
from pb.payouts.models import PayoutRequest
from pb.payouts.requests import in_callers_transaction
from pb.proposals.models import BudgetRound, Proposal
from pb.timeutil import utcnow
from pb.voting import services
from pb.voting.models import Ballot

# (title, description, kroner): what the cohort proposed in the spring round.
SPRING_PROPOSALS = [
    ("Kjøretimer for alle", "Ti kjøretimer hos trafikkskole for hver av oss som vil.", 231_000),
    ("Trafikalt grunnkurs", "Kurset alle må ta før de kan øvelseskjøre.", 99_000),
    (
        "Mørkekjøring og glattkjøring",
        "Obligatoriske kurs, felles bestilling gir lavere pris.",
        132_000,
    ),
    ("Teorikurs med lærer", "Åtte kvelder med teori, pizza og prøveeksamen.", 40_000),
    ("Leie av øvingsbil i helgene", "En bil med dobbeltpedal vi kan låne med en voksen.", 60_000),
    ("Førstehjelpskurs", "Kurs med Røde Kors for hele kullet.", 15_000),
    ("Oppkjøringsgebyr", "Statens vegvesen sitt gebyr for førerprøven.", 49_500),
    ("Tur til trafikkstasjonen", "Vi ser hvordan prøven foregår, og spiser middag etterpå.", 8_000),
]
SPRING_AMOUNT_KRONER = 450_000


def seed_voting_demo(groups_by_name: dict, users_by_username: dict, lead) -> BudgetRound:
    from pb.payouts import services as payouts

    group = groups_by_name["Veien til førerkortet"]
    staff = [users_by_username["stine.staff"], users_by_username["marius.staff"]]
    now = utcnow()
    spring = BudgetRound(
        group_id=group.id,
        title="Våren: veien til førerkortet",
        amount_ore=SPRING_AMOUNT_KRONER * ORE_PER_KRONE,
        languages=["nb", "ar", "so"],
        ideas_start_at=now - timedelta(days=200),
        review_starts_at=now - timedelta(days=180),
        voting_starts_at=now - timedelta(days=170),
        voting_ends_at=now - timedelta(days=160),
        followup_starts_at=now - timedelta(days=150),
        ballot_format="knapsack",
        counting_rule="mes",
        created_by_id=staff[0].id,
    )
    db.session.add(spring)
    db.session.flush()
    payouts.earmark_round(spring, actor=staff[0])
    members = db.session.scalars(
        select(Membership).where(
            Membership.group_id == group.id, Membership.role.in_(services.VOTING_ROLES)
        )
    ).all()
    proposals = []
    for index, (title, description, kroner) in enumerate(SPRING_PROPOSALS):
        proposal = Proposal(
            round_id=spring.id,
            author_id=members[index % len(members)].user_id,
            title=title,
            description=description,
            category="driving_licence" if index < 7 else "trip",
            language="nb",
            estimated_cost_ore=kroner * ORE_PER_KRONE,
            confirmed_cost_ore=kroner * ORE_PER_KRONE,
            cost_confirmed_by_id=staff[0].id,
            cost_confirmed_at=now - timedelta(days=175),
            status="accepted",
        )
        db.session.add(proposal)
        proposals.append(proposal)
    db.session.flush()
    # The members joined before voting opened; their ballots fit the round, as knapsack demands.
    for membership in members:
        membership.joined_at = min(membership.joined_at, spring.voting_starts_at)
    # bandit B311: made-up demo data, not security
    rng = random.Random(33)  # nosec B311
    popularity = [0.9, 0.7, 0.55, 0.6, 0.35, 0.4, 0.5, 0.3]
    for position, membership in enumerate(members[:31]):
        chosen, total = [], 0
        for proposal, chance in zip(proposals, popularity, strict=True):
            if rng.random() < chance and total + proposal.ballot_cost_ore <= spring.amount_ore:
                chosen.append(proposal.id)
                total += proposal.ballot_cost_ore
        if chosen:
            db.session.add(
                Ballot(
                    round_id=spring.id,
                    voter_id=membership.user_id,
                    choices=sorted(chosen),
                    receipt_code=f"DEMO{position:04d}",
                    submitted_at=spring.voting_starts_at + timedelta(hours=position),
                )
            )
    db.session.flush()
    with in_callers_transaction():
        services.count_round(spring, commit=False)
        services.publish_results(spring, actor=staff[0], commit=False)
        winners = select(PayoutRequest).where(
            PayoutRequest.source_proposal_id.in_([p.id for p in proposals])
        )
        for request in db.session.scalars(winners).all():
            for decider in [staff[1], lead, staff[0]]:
                if request.state == "requested" and not payouts.decision_problem(request, decider):
                    payouts.decide(
                        request,
                        actor=decider,
                        approve=True,
                        reason="Gruppen stemte for dette, og kostnaden er bekreftet.",
                    )
            if request.state == "approved":
                payouts.pay(request, actor=staff[0])
    return spring
