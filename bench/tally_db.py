"""Benchmark: counting a municipal round from the database. Not a test: it prints a table.

    .venv/bin/python bench/tally_db.py                     # PostgreSQL and SQLite
    .venv/bin/python bench/tally_db.py --db postgresql --voters 20000 --proposals 150

It builds, in a database of its own (PostgreSQL `fellespott_bench_tally`, created and dropped;
SQLite in a temporary file), one group of N members, a round of P accepted proposals in its
results phase, and N approval ballots of 1 to 10 proposals each (popularity and costs drawn with
a fixed seed, budget 30% of the total cost). Then it counts the round with the app's own
`count_round` (rule `mes`), three times on a fresh result row, and prints the best time of each
part: loading the ballots, counting, and storing the result with its trace and audit event.
The issue's target: under 5 s in all on PostgreSQL for 20,000 voters and 150 proposals.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PG_ADMIN = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PG_NAME = "fellespott_bench_tally"


def build(voters: int, proposal_count: int, seed: int = 2026) -> int:
    """The group, members, round, proposals and ballots, in bulk; returns the round's id."""
    from sqlalchemy import insert

    from pb.accounts.models import User
    from pb.accounts.passwords import hash_password
    from pb.extensions import db
    from pb.groups.models import Group, Membership, Programme
    from pb.proposals.models import BudgetRound, Proposal
    from pb.timeutil import utcnow
    from pb.voting.models import Ballot

    rng = random.Random(seed)
    now = utcnow()
    programme = Programme(name="Benk")
    db.session.add(programme)
    db.session.flush()
    group = Group(programme_id=programme.id, name="Benkgruppe", description="")
    db.session.add(group)
    db.session.flush()
    secret = hash_password("fellespott-bench")
    first = (
        db.session.execute(
            insert(User).returning(User.id),
            [
                {"username": f"v{i}", "display_name": f"V{i}", "password_hash": secret}
                for i in range(voters)
            ],
        )
        .scalars()
        .all()
    )
    joined = now - timedelta(days=60)
    db.session.execute(
        insert(Membership),
        [
            {"group_id": group.id, "user_id": uid, "role": "member", "joined_at": joined}
            for uid in first
        ],
    )
    costs = [rng.randint(5, 200) * 1_000_00 for _ in range(proposal_count)]
    budget_round = BudgetRound(
        group_id=group.id,
        title="Benk",
        amount_ore=int(sum(costs) * 0.3),
        languages=["nb"],
        ideas_start_at=now - timedelta(days=40),
        review_starts_at=now - timedelta(days=30),
        voting_starts_at=now - timedelta(days=20),
        voting_ends_at=now - timedelta(days=1),
        followup_starts_at=now + timedelta(days=30),
        ballot_format="approval",
        counting_rule="mes",
        created_by_id=first[0],
    )
    db.session.add(budget_round)
    db.session.flush()
    proposal_ids = (
        db.session.execute(
            insert(Proposal).returning(Proposal.id),
            [
                {
                    "round_id": budget_round.id,
                    "author_id": first[i % len(first)],
                    "title": f"Forslag {i}",
                    "description": "",
                    "category": "equipment",
                    "estimated_cost_ore": cost,
                    "confirmed_cost_ore": cost,
                    "status": "accepted",
                }
                for i, cost in enumerate(costs)
            ],
        )
        .scalars()
        .all()
    )
    popularity = [rng.random() ** 2 for _ in proposal_ids]
    batch = []
    for index, uid in enumerate(first):
        chosen = set(rng.choices(proposal_ids, weights=popularity, k=rng.randint(1, 10)))
        batch.append(
            {
                "round_id": budget_round.id,
                "voter_id": uid,
                "choices": sorted(chosen),
                "receipt_code": f"R{index:08d}",
            }
        )
        if len(batch) == 5_000:
            db.session.execute(insert(Ballot), batch)
            batch = []
    if batch:
        db.session.execute(insert(Ballot), batch)
    db.session.commit()
    return budget_round.id


def measure(round_id: int, runs: int = 3) -> dict[str, float]:
    """Best of `runs` for each part of count_round: load, count, store (with its audit event
    and the commit), through the same functions count_round calls."""
    from sqlalchemy import delete

    from pb.audit.services import record
    from pb.extensions import db
    from pb.proposals.models import BudgetRound
    from pb.voting import services
    from pb.voting.models import RoundResult

    best: dict[str, float] = {}

    def timed(part: str, work):
        started = time.perf_counter()
        value = work()
        seconds = time.perf_counter() - started
        best[part] = min(best.get(part, seconds), seconds)
        return value

    def once() -> None:
        db.session.execute(delete(RoundResult).where(RoundResult.round_id == round_id))
        db.session.commit()
        db.session.expire_all()
        budget_round = db.session.get(BudgetRound, round_id)
        services.ballot_proposals(budget_round)  # the round's proposals, as count_round has them
        choices = timed("load", lambda: services.ballot_choices(budget_round))
        outcome = timed("count", lambda: services.count_choices(budget_round, choices))

        def store():
            result = services.store_count(budget_round, outcome, voters=len(choices))
            record(
                "round.counted",
                group=budget_round.group,
                subject=budget_round,
                rule=result.rule,
                selected=result.selected,
                voters=result.voters,
            )
            db.session.commit()

        timed("store", store)

    for _ in range(runs):
        once()
    return best


def run(url: str, voters: int, proposals: int) -> dict[str, float]:
    from flask_migrate import upgrade

    from pb import create_app
    from pb.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        round_id = build(voters, proposals)
        built = time.perf_counter() - started
        result = measure(round_id)
        result["build"] = built
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--proposals", type=int, default=150)
    args = parser.parse_args()
    rows = []
    if args.db in ("postgresql", "both"):
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
        try:
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"
            rows.append(("PostgreSQL", run(url, args.voters, args.proposals)))
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            admin.dispose()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(
                ("SQLite", run(f"sqlite:///{folder}/tally.sqlite3", args.voters, args.proposals))
            )
    print(
        f"\nCounting a round of {args.voters:,} voters and {args.proposals} proposals (mes), "
        "best of 3, seconds"
    )
    print(f"{'database':<12}{'load':>8}{'count':>8}{'store':>8}{'total':>8}   (building it: s)")
    for name, t in rows:
        total = t["load"] + t["count"] + t["store"]
        print(
            f"{name:<12}{t['load']:>8.2f}{t['count']:>8.2f}{t['store']:>8.2f}{total:>8.2f}"
            f"   ({t['build']:.1f})"
        )
    print("Target: total under 5 s on PostgreSQL.")


if __name__ == "__main__":
    main()
