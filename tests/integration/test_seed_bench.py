"""`flask --app pb seed-bench`: the municipal-scale bench dataset, built here at a small scale.
The counts follow the scale, the books balance, bookings never overlap, a second run changes
nothing, real people keep it out, and the load driver's log-ins open their pages."""

from collections import defaultdict
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from pb.accounts.models import User
from pb.benchdata import (
    BENCH_PASSWORD,
    FULL_SIZE,
    MUNICIPAL_GROUP,
    bench_counts,
    bench_logins,
    targets,
)
from pb.extensions import db
from pb.groups.models import Group, Membership
from pb.lending.models import HOLDING, Booking
from pb.models import AuditEvent, Notification
from pb.payouts.models import PayoutRequest
from pb.payouts.services import ledger_problems
from pb.proposals.models import BudgetRound, Proposal
from pb.timeutil import utcnow
from pb.voting.models import Ballot, RoundResult
from tests.factories import log_in, make_user

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SCALE = 0.005


def seed(app, scale: float = SCALE):
    return app.test_cli_runner().invoke(args=["seed-bench", "--scale", str(scale)])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def every_table_count() -> dict[str, int]:
    return {table.name: count(table) for table in db.metadata.sorted_tables}


def test_the_targets_are_the_issue_counts_times_the_scale():
    assert targets(1.0) == FULL_SIZE
    half = targets(0.5)
    assert half["members"] == 10_000 and half["ledger_entries"] == 250_000
    # A tiny scale keeps the shape: a neighbourhood group beside the wide one, two rounds each.
    tiny = targets(0.001)
    assert tiny["groups"] == 2 and tiny["rounds"] == 4 and tiny["proposals"] >= 8


def test_seed_bench_builds_a_balanced_dataset_at_the_asked_scale_once(app):
    result = seed(app)
    assert result.exit_code == 0, result.output
    wanted = targets(SCALE)
    counts = bench_counts()
    for name, wanted_count in wanted.items():
        if name == "ballots":
            # Too few members at this scale to cast them all: as many as the rolls allow.
            assert 0 < counts[name] <= wanted_count
        else:
            assert counts[name] == wanted_count, name
    # Nothing else is in this database: the totals are the bench's.
    assert count(Proposal) == counts["proposals"] and count(Ballot) == counts["ballots"]
    for name in ("members", "comments", "ledger_entries", "payouts", "bookings", "activities"):
        assert wanted[name] == round(FULL_SIZE[name] * SCALE), name
    # Demo users, so that demo-only tools (`flask --app pb totp`) work for them.
    assert db.session.scalar(select(func.count()).where(User.is_demo.is_(False))) == 0
    assert "Done in" in result.output and "ballots" in result.output

    # The books: every transaction balances, caches and earmarks agree.
    assert ledger_problems() == []
    assert app.test_cli_runner().invoke(args=["check-ledger"]).exit_code == 0

    # No two bookings that hold an item's days overlap (the buffer included).
    spans = defaultdict(list)
    for item_id, first, last in db.session.execute(
        select(Booking.item_id, Booking.blocks_from, Booking.blocks_until).where(
            Booking.status.in_(HOLDING)
        )
    ):
        spans[item_id].append((first, last))
    for days in spans.values():
        days.sort()
        for (_first, last), (after, _last) in pairwise(days):
            assert after > last

    # Rounds in every phase and format; each counted round's result is its ballots' count.
    now = utcnow()
    rounds = db.session.scalars(select(BudgetRound)).all()
    assert {r.phase_at(now) for r in rounds} >= {"voting", "results"}
    results = {r.round_id: r for r in db.session.scalars(select(RoundResult))}
    assert any(r.published_at for r in results.values())
    for round_id, result in results.items():
        assert result.voters == count(select(Ballot).where(Ballot.round_id == round_id).subquery())
        assert result.voters <= result.eligible
    winners = [i for r in results.values() if r.published_at for i in r.selected]
    paid_from = set(db.session.scalars(select(PayoutRequest.source_proposal_id)))
    assert set(winners) <= paid_from
    kinds = set(db.session.scalars(select(PayoutRequest.kind)))
    assert kinds == {"collective", "conditional", "unconditional"}
    wide = db.session.scalar(select(Group).where(Group.name == MUNICIPAL_GROUP))
    assert count(select(Membership).where(Membership.group_id == wide.id).subquery()) > 100
    assert count(AuditEvent) > 0 and count(Notification) > 0

    # A second run finds the dataset and changes nothing.
    before = every_table_count()
    again = seed(app)
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output
    db.session.expire_all()
    assert every_table_count() == before


def test_seed_bench_sits_beside_the_demo(app):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    result = seed(app, 0.002)
    assert result.exit_code == 0, result.output
    counts, wanted = bench_counts(), targets(0.002)
    assert counts["payouts"] == wanted["payouts"] and counts["bookings"] == wanted["bookings"]
    assert counts["ledger_entries"] == wanted["ledger_entries"]
    assert ledger_problems() == []
    # The schedule finds no payment owed: the plans have paid every month that was due.
    ticked = app.test_cli_runner().invoke(args=["tick"])
    assert ticked.exit_code == 0, ticked.output
    assert "0 monthly payment(s) made." in ticked.output
    assert ledger_problems() == []


def test_seed_bench_refuses_a_database_with_real_people(app):
    make_user("real_person")
    result = seed(app)
    assert result.exit_code != 0
    assert "real (non-demo) users" in result.output
    assert count(Proposal) == 0
    assert db.session.scalar(select(User.id).where(User.username.like("bench-%"))) is None


def test_the_load_drivers_log_ins_open_their_pages(app):
    assert seed(app).exit_code == 0
    logins = bench_logins(2)
    assert {login["role"] for login in logins} == {"member", "peer", "staff"}
    assert all(login["totp_secret"] for login in logins if login["role"] == "staff")
    member = next(login for login in logins if login["role"] == "member")
    staff = next(login for login in logins if login["role"] == "staff")
    # Staff don't vote (the ballot is 404 for them); they moderate and decide payouts.
    for login, extra in ((member, ["/ballot"]), (staff, ["/moderation", "/payouts"])):
        client = app.test_client()
        user = db.session.scalar(select(User).where(User.username == login["username"]))
        log_in(client, user, BENCH_PASSWORD)
        group = f"/groups/{login['group_id']}"
        pages = [
            "/",
            group,
            f"{group}/rounds/{login['voting_round_id']}",
            f"{group}/rounds/{login['proposal_round_id']}/proposals/{login['proposal_id']}",
            f"{group}/rounds/{login['counted_round_id']}/results",
            f"{group}/payouts/{login['payout_id']}",
            f"{group}/items/{login['item_id']}",
            f"{group}/items/{login['item_id']}/bookings/{login['booking_id']}",
            *[
                f"{group}/rounds/{login['voting_round_id']}/ballot"
                if path == "/ballot"
                else group + path
                for path in extra
            ],
        ]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (login["username"], path, response.status_code)
