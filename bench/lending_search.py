"""Benchmark of the lending library's "what's free on these days" search at municipal scale. Not
a test: it prints a table.

    .venv/bin/python bench/lending_search.py              # SQLite, and PostgreSQL if reachable
    .venv/bin/python bench/lending_search.py --sqlite-only

It builds 200 groups with 2,000 items (10 each) and 50,000 bookings (25 per item, over two years)
with bulk inserts into a freshly migrated database, then times pb.lending.services.free_items for
random groups and days: the query the search page runs. In the same run it times the bare list of a
group's items (one indexed SELECT) as the floor, so the figures can be compared on a noisy machine.
The goal: under 50 ms per search on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from pb import create_app  # noqa: E402
from pb.extensions import db  # noqa: E402

GROUPS = 200
ITEMS_PER_GROUP = 10
BOOKINGS_PER_ITEM = 25
SEARCHES = 300
PG_ADMIN = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def build(url: str) -> float:
    """Migrate and fill the database; returns the seconds it took."""
    from flask_migrate import upgrade

    from pb.accounts.models import User
    from pb.groups.models import Group, Programme
    from pb.lending.models import CATEGORIES, Booking, Item
    from pb.timeutil import local_today

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(2026)
    today = local_today()
    with app.app_context():
        upgrade(revision="heads")
        db.session.execute(insert(Programme), [{"name": "Bench"}])
        programme_id = db.session.scalar(select(Programme.id))
        db.session.execute(
            insert(User),
            [
                {"username": f"bench{i}", "display_name": f"Bench {i}", "password_hash": "!"}
                for i in range(GROUPS * 5)
            ],
        )
        user_ids = list(db.session.scalars(select(User.id)))
        db.session.execute(
            insert(Group),
            [{"programme_id": programme_id, "name": f"Group {g}"} for g in range(GROUPS)],
        )
        group_ids = list(db.session.scalars(select(Group.id).order_by(Group.id)))
        db.session.execute(
            insert(Item),
            [
                {
                    "group_id": group_id,
                    "code": uuid.uuid4().hex[:8].upper(),
                    "name": f"Item {group_id}-{n}",
                    "category": rng.choice(CATEGORIES),
                    "custodian_id": rng.choice(user_ids),
                    "max_loan_days": 7,
                    "buffer_days": rng.choice((0, 0, 1, 2)),
                }
                for group_id in group_ids
                for n in range(ITEMS_PER_GROUP)
            ],
        )
        items = db.session.execute(select(Item.id, Item.buffer_days)).all()
        rows = []
        for item_id, buffer_days in items:
            # Back to back from a year ago to a year ahead, with gaps: no overlaps, as in life.
            day = today - timedelta(days=365)
            for _ in range(BOOKINGS_PER_ITEM):
                day += timedelta(days=rng.randint(1, 20))
                end = day + timedelta(days=rng.randint(0, 6))
                status = "returned" if end < today else rng.choice(("confirmed", "requested"))
                if rng.random() < 0.1:
                    status = "cancelled"
                user_id = rng.choice(user_ids)
                rows.append(
                    {
                        "item_id": item_id,
                        "borrower_id": user_id,
                        "party": f"u{user_id}",
                        "start_on": day,
                        "end_on": end,
                        "blocks_from": day,
                        "blocks_until": end + timedelta(days=buffer_days),
                        "status": status,
                    }
                )
                day = end + timedelta(days=buffer_days)
        for chunk in range(0, len(rows), 5000):
            db.session.execute(insert(Booking), rows[chunk : chunk + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started


def measure(url: str) -> dict[str, list[float]]:
    from pb.groups.models import Group
    from pb.lending import services
    from pb.lending.models import CATEGORIES, Booking, Item
    from pb.timeutil import local_today

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(7)
    timings: dict[str, list[float]] = {
        "floor: the group's items": [],
        "free_items": [],
        "free_items, one kind": [],
    }
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Booking)) >= 50_000
        groups = list(db.session.scalars(select(Group)))
        today = local_today()
        for round_number in range(SEARCHES + 20):
            group = rng.choice(groups)
            start = today + timedelta(days=rng.randint(0, 60))
            end = start + timedelta(days=rng.randint(0, 3))
            category = rng.choice(CATEGORIES)
            db.session.expire_all()
            for name, work in (
                (
                    "floor: the group's items",
                    lambda g=group: list(
                        db.session.scalars(select(Item).where(Item.group_id == g.id))
                    ),
                ),
                ("free_items", lambda g=group, s=start, e=end: services.free_items(g, s, e)),
                (
                    "free_items, one kind",
                    lambda g=group, s=start, e=end, c=category: services.free_items(g, s, e, c),
                ),
            ):
                began = time.perf_counter()
                work()
                elapsed = (time.perf_counter() - began) * 1000
                if round_number >= 20:  # the first searches warm the connection and caches
                    timings[name].append(elapsed)
            db.session.rollback()
        db.engine.dispose()
    return timings


def report(database: str, built_s: float, timings: dict[str, list[float]]) -> None:
    floor = statistics.median(timings["floor: the group's items"])
    print(f"\n{database}: 2,000 items, 50,000 bookings (built in {built_s:.1f} s)")
    print(f"{SEARCHES} searches, each for a random group, days and kind")
    print(f"{'what':<28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50 / floor':>13}")
    for name, values in timings.items():
        values = sorted(values)
        p50 = statistics.median(values)
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{name:<28}{p50:>9.2f}{p95:>9.2f}{values[-1]:>9.2f}{p50 / floor:>12.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-only", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        built = build(url)
        report("SQLite", built, measure(url))
    if options.sqlite_only:
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means the same thing here
        print(f"\nPostgreSQL skipped: not reachable at {PG_ADMIN} ({error.__class__.__name__}).")
        return
    name = f"fellespott_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        built = build(url)
        report("PostgreSQL", built, measure(url))
        print("Goal: free_items p95 under 50 ms on PostgreSQL.")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
