"""Twenty people ask for the same paddle board on overlapping days at the same instant: exactly
one booking holds the days, every other request hears "taken", and no request fails. On
PostgreSQL the exclusion constraint also refuses an overlap written past the service."""

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb.accounts.models import User
from pb.extensions import db
from pb.lending import services
from pb.lending.models import HOLDING, Booking, Item
from pb.lending.services import LendingError
from pb.timeutil import local_today
from tests.conftest import make_test_app
from tests.factories import add_to_group, make_user
from tests.lending_helpers import make_item

ON_POSTGRES = os.environ.get("TEST_DATABASE", "sqlite") == "postgresql"
THREADS = 20


def test_twenty_overlapping_requests_at_once_book_exactly_once(app, world):
    item = make_item(world.group_a, world.staff_a, world.peer_a, auto_confirm=True, buffer_days=1)
    people = [make_user(f"racer{i}") for i in range(THREADS)]
    for person in people:
        add_to_group(person, world.group_a)
    ids = [p.id for p in people]
    item_id = item.id
    today = local_today()
    db.session.remove()
    threads_app = make_test_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2, "max_overflow": 0},
    )
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            with threads_app.app_context():
                person = db.session.get(User, ids[index])
                board = db.session.get(Item, item_id)
                # Every request overlaps every other: days 3..5, 4..6 or 5..7 (buffer included).
                start = today + timedelta(days=3 + index % 3)
                barrier.wait(timeout=30)
                try:
                    booking = services.request_booking(
                        board, borrower=person, start=start, end=start + timedelta(days=2)
                    )
                    result = booking.status
                except LendingError as error:
                    result = error.code
                finally:
                    db.session.remove()
                with lock:
                    outcomes.append(result)
        except BaseException as error:  # any other failure is what this test looks for
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with threads_app.app_context():
        db.engine.dispose()
    assert errors == []
    assert sorted(outcomes) == ["confirmed"] + ["taken"] * (THREADS - 1)
    holding = db.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.status.in_(HOLDING))
    )
    assert holding == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="the exclusion constraint exists on PostgreSQL")
def test_the_exclusion_constraint_refuses_an_overlap_written_past_the_service(world):
    item = make_item(world.group_a, world.staff_a, world.peer_a)
    today = local_today()

    def row(first: int, last: int, status: str) -> Booking:
        return Booking(
            item_id=item.id,
            borrower_id=world.member_a.id,
            party=f"u{world.member_a.id}",
            start_on=today + timedelta(days=first),
            end_on=today + timedelta(days=last),
            blocks_from=today + timedelta(days=first),
            blocks_until=today + timedelta(days=last),
            status=status,
        )

    db.session.add(row(2, 4, "confirmed"))
    db.session.commit()
    # Cancelled, declined and lapsed bookings hold no days.
    db.session.add_all([row(3, 5, "cancelled"), row(3, 5, "declined"), row(3, 5, "lapsed")])
    db.session.commit()
    db.session.add(row(4, 6, "requested"))
    with pytest.raises(IntegrityError, match="ex_lending_booking_no_overlap"):
        db.session.commit()
    db.session.rollback()
    db.session.add(row(5, 6, "requested"))  # touching is not overlapping
    db.session.commit()
