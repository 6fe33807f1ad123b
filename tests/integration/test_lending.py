"""Lending: items, every state of a booking, fair share, damage, the calendar feed, the label and
the swap shelf, through the services and through the pages with their permissions."""

from datetime import datetime, timedelta

import pytest
from flask import current_app
from icalendar import Calendar
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.lending import feeds, services, swap
from pb.lending.models import Booking, HandOver, Item, SwapPost, WaitlistEntry
from pb.lending.services import LendingError
from pb.notifications.models import Notification
from pb.timeutil import local_today, utcnow
from tests.conftest import plain, post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_payouts_pipeline import family
from tests.lending_helpers import book, days_ahead, make_item


@pytest.fixture(autouse=True)
def english_readers(request):
    """These tests read the pages' English words: everyone in the world reads English."""
    if "world" not in request.fixturenames:
        return
    world = request.getfixturevalue("world")
    for user in (world.lead, world.staff_a, world.peer_a, world.member_a, world.member_b):
        user.locale = "en"
    db.session.commit()


@pytest.fixture
def board(world):
    """A paddle board in group A, kept by the peer consultant."""
    return make_item(world.group_a, world.staff_a, world.peer_a)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def notes_for(user, kind: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.kind == kind)
    )


# ---------------------------------------------------------------------------------------------
# Every state of a booking


def test_request_confirm_pick_up_return(world, board):
    booking = book(board, world.member_a, 2, 3)
    assert booking.status == "requested"
    assert notes_for(world.peer_a, "lending.requested") == 1
    services.decide(booking, actor=world.peer_a, confirm=True, message="Velkommen!")
    assert booking.status == "confirmed" and booking.custodian_message == "Velkommen!"
    assert notes_for(world.member_a, "lending.confirmed") == 1
    today = local_today()
    services.pick_up(booking, actor=world.peer_a, condition="good", note="", today=today)
    # Handed over early: the item is away from today, so today is taken now.
    assert booking.status == "picked_up" and booking.blocks_from == today
    services.take_back(booking, actor=world.peer_a, condition="worn", note="En ripe", today=today)
    assert booking.status == "returned"
    assert board.condition == "worn"
    kinds = [h.kind for h in db.session.scalars(select(HandOver).order_by(HandOver.id))]
    assert kinds == ["pickup", "return"]
    # Returned: the booked days are free again.
    start, end = days_ahead(2, 3)
    assert board in services.free_items(world.group_a, start, end)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"booking.requested", "booking.confirmed", "booking.picked_up", "booking.returned"} <= (
        actions
    )


def test_declined_and_cancelled_bookings_free_their_days(world, board):
    first = book(board, world.member_a, 2, 3)
    services.decide(first, actor=world.peer_a, confirm=False, message="Jeg er bortreist.")
    assert first.status == "declined"
    assert notes_for(world.member_a, "lending.declined") == 1
    second = book(board, world.member_a, 2, 3)
    assert second.status == "requested"
    services.cancel(second, actor=world.member_a)
    assert second.status == "cancelled" and second.cancel_reason == "borrower"
    assert notes_for(world.peer_a, "lending.cancelled") == 1
    third = book(board, world.member_a, 2, 3)
    services.decide(third, actor=world.peer_a, confirm=True)
    services.cancel(third, actor=world.peer_a)
    assert third.cancel_reason == "custodian"


def test_an_item_set_to_confirm_on_its_own(world):
    item = make_item(world.group_a, world.staff_a, world.peer_a, auto_confirm=True)
    booking = book(item, world.member_a, 1)
    assert booking.status == "confirmed"
    assert notes_for(world.peer_a, "lending.requested") == 0


def test_offer_accepted_and_offer_lapsed(world, board):
    other = make_user("other_a")
    add_to_group(other, world.group_a)
    first = book(board, world.member_a, 4, 5)
    with pytest.raises(LendingError) as taken:
        book(board, other, 5, 6)
    assert taken.value.code == "taken"
    start, end = days_ahead(5, 6)
    services.join_waitlist(board, user=other, start=start, end=end)
    services.cancel(first, actor=world.member_a)
    offer = db.session.scalar(select(Booking).where(Booking.status == "offered"))
    assert offer.borrower_id == other.id
    assert notes_for(other, "lending.offer") == 1
    # Nobody else can take the offered days while the offer holds.
    with pytest.raises(LendingError):
        book(board, world.peer_a, 6, 6)
    services.accept_offer(offer, user=other)
    assert offer.status == "requested"
    assert db.session.get(WaitlistEntry, offer.waitlist_entry_id).status == "booked"

    # A second offer is not answered in 24 hours: it lapses.
    services.cancel(offer, actor=other)
    start, end = days_ahead(10, 11)
    blocker = services.request_booking(board, borrower=world.member_a, start=start, end=end)
    services.join_waitlist(board, user=other, start=start, end=end)
    services.cancel(blocker, actor=world.member_a)
    second_offer = db.session.scalar(select(Booking).where(Booking.status == "offered"))
    assert second_offer is not None
    assert services.lapse_offers(utcnow() + timedelta(hours=25)) == 1
    assert second_offer.status == "lapsed"
    with pytest.raises(LendingError) as late:
        services.accept_offer(second_offer, user=other)
    assert late.value.code == "wrong_status"


def test_fair_share_order_least_borrowed_then_first_to_join(world, board):
    """Three households wait for the same days. The one that borrowed least in twelve months
    is offered first; between equals, the one that joined the list first."""
    often, never_late, never_early = (make_user(n) for n in ("often", "late", "early"))
    for user in (often, never_late, never_early):
        add_to_group(user, world.group_a)
    today = local_today()
    # "often" borrowed the board twice this year.
    for shift in (40, 20):
        past = Booking(
            item_id=board.id,
            borrower_id=often.id,
            party=f"u{often.id}",
            start_on=today - timedelta(days=shift),
            end_on=today - timedelta(days=shift - 1),
            blocks_from=today - timedelta(days=shift),
            blocks_until=today - timedelta(days=shift - 1),
            status="returned",
        )
        db.session.add(past)
    db.session.commit()
    holder = book(board, world.member_a, 3, 4)
    start, end = days_ahead(3, 4)
    for user in (often, never_early, never_late):
        services.join_waitlist(board, user=user, start=start, end=end)
    order = [e.borrower_id for e in services.waitlist_in_order(board, today)]
    assert order == [never_early.id, never_late.id, often.id]
    services.cancel(holder, actor=world.member_a)
    offer = db.session.scalar(select(Booking).where(Booking.status == "offered"))
    assert offer.borrower_id == never_early.id
    services.decline_offer(offer, user=never_early)
    offer = db.session.scalar(select(Booking).where(Booking.status == "offered"))
    assert offer.borrower_id == never_late.id
    services.lapse_offers(utcnow() + timedelta(hours=25))
    offer = db.session.scalar(select(Booking).where(Booking.status == "offered"))
    assert offer.borrower_id == often.id


def test_fair_share_limit_counts_the_household(world, board):
    household = family(world.group_a, world.staff_a, world.member_a)
    partner = make_user("partner_a")
    add_to_group(partner, world.group_a, household=household)
    book(board, world.member_a, 1)
    book(board, partner, 3)
    with pytest.raises(LendingError) as refused:
        book(board, partner, 5)
    assert refused.value.code == "fair_share"
    assert "2" in refused.value.params.values().__repr__()
    world.group_a.lending_limit = 3
    db.session.commit()
    assert book(board, partner, 5).status == "requested"


# ---------------------------------------------------------------------------------------------
# Bad input: a clear refusal, and nothing stored


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [(3, 2, "end_before_start"), (-1, 1, "past"), (1, 9, "too_long"), (400, 401, "too_far")],
)
def test_bad_days_are_refused_and_nothing_is_stored(world, board, first, last, code):
    before = count(Booking)
    with pytest.raises(LendingError) as refused:
        book(board, world.member_a, first, last)
    assert refused.value.code == code
    assert refused.value.message
    assert count(Booking) == before


@pytest.mark.parametrize("status", ["maintenance", "lost", "retired"])
def test_an_item_out_of_use_cannot_be_booked(world, board, status):
    services.update_item(board, actor=world.staff_a, status=status)
    with pytest.raises(LendingError) as refused:
        book(board, world.member_a, 1)
    assert refused.value.code == "unavailable"
    assert count(Booking) == 0


def test_overlap_including_the_buffer_is_taken(world):
    item = make_item(world.group_a, world.staff_a, world.peer_a, buffer_days=1)
    book(item, world.member_a, 2, 3)  # away days 2..3, checked on day 4
    with pytest.raises(LendingError) as refused:
        book(item, world.peer_a, 4, 5)
    assert refused.value.code == "taken"
    assert book(item, world.peer_a, 5, 6).status == "requested"
    # And before: days 0..1 need day 2 for the check, which is taken.
    with pytest.raises(LendingError):
        book(item, world.staff_a, 0, 1)


def test_the_same_request_twice_books_once(world, board):
    first = book(board, world.member_a, 1, 2, idempotency_key="form-key-1234")
    again = book(board, world.member_a, 1, 2, idempotency_key="form-key-1234")
    assert again.id == first.id and count(Booking) == 1


def test_only_the_custodian_hands_over_and_takes_back(world, board):
    booking = book(board, world.member_a, 0)
    for outsider in (world.member_a, world.staff_a):
        with pytest.raises(LendingError) as refused:
            services.decide(booking, actor=outsider, confirm=True)
        assert refused.value.code == "not_custodian"
    services.decide(booking, actor=world.peer_a, confirm=True)
    with pytest.raises(LendingError):
        services.pick_up(booking, actor=world.staff_a, condition="good")
    assert booking.status == "confirmed" and count(HandOver) == 0


def test_handing_over_by_someone_else_gets_a_message_over_http(world, board, client, login):
    booking = book(board, world.member_a, 0)
    services.decide(booking, actor=world.peer_a, confirm=True)
    login(world.staff_a)
    path = f"/groups/{world.group_a.id}/items/{board.id}/bookings/{booking.id}/pickup"
    page = post_form(
        client,
        path,
        {"condition": "good"},
        token_from=f"/groups/{world.group_a.id}/items/{board.id}",
        follow_redirects=True,
    )
    assert "Only the person who looks after this item" in plain(page.get_data(as_text=True))
    assert count(HandOver) == 0


def test_another_groups_items_and_bookings_are_not_found(world, board, client, login):
    booking = book(board, world.member_a, 1)
    login(world.member_b)
    base = f"/groups/{world.group_a.id}/items/{board.id}"
    for path in (
        f"/groups/{world.group_a.id}/items",
        base,
        base + "/label",
        base + "/photo/thumb",
        f"{base}/bookings/{booking.id}",
        f"/i/{board.code}",
    ):
        assert client.get(path).status_code == 404, path
    # Group B's own address for group A's item is not found either.
    assert client.get(f"/groups/{world.group_b.id}/items/{board.id}").status_code == 404


def test_a_bad_calendar_token_is_not_found(client, world):
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    token = feeds.new_feed(world.member_a)
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    feeds.new_feed(world.member_a)  # a new address revokes the old one
    assert client.get(f"/calendar/{token}.ics").status_code == 404


# ---------------------------------------------------------------------------------------------
# Through the pages


def test_booking_over_http_shows_the_taken_message_and_the_waitlist(world, board, client, login):
    book(board, world.peer_a, 2, 3)
    login(world.member_a)
    start, end = days_ahead(3, 4)
    path = f"/groups/{world.group_a.id}/items/{board.id}"
    response = post_form(
        client,
        path + "/book",
        {"start": start.isoformat(), "end": end.isoformat()},
        token_from=path,
    )
    assert response.status_code == 409
    page = plain(response.get_data(as_text=True))
    assert "Someone has already booked some of these days" in page
    assert "Join the waiting list" in page
    response = post_form(
        client,
        path + "/waitlist",
        {"start": start.isoformat(), "end": end.isoformat()},
        token_from=path,
    )
    assert response.status_code == 303
    assert count(WaitlistEntry) == 1
    # End before start over HTTP: a message beside the field, nothing stored.
    response = post_form(
        client,
        path + "/book",
        {"start": end.isoformat(), "end": start.isoformat()},
        token_from=path,
    )
    assert response.status_code == 422
    assert "The last day is before the first day" in plain(response.get_data(as_text=True))
    assert count(Booking) == 1


def test_pick_up_instructions_only_for_a_confirmed_booking(world, board, client, login):
    secret = "kode 4321"
    path = f"/groups/{world.group_a.id}/items/{board.id}"
    login(world.member_a)
    assert secret not in client.get(path).get_data(as_text=True)
    booking = book(board, world.member_a, 1)
    assert secret not in client.get(path).get_data(as_text=True)
    services.decide(booking, actor=world.peer_a, confirm=True)
    assert secret in client.get(path).get_data(as_text=True)
    assert secret in client.get(f"{path}/bookings/{booking.id}").get_data(as_text=True)
    other = make_user("neighbour", locale="en")
    add_to_group(other, world.group_a)
    other_client = current_app.test_client()
    log_in(other_client, other)
    assert secret not in other_client.get(path).get_data(as_text=True)
    # Another member can't open someone else's booking at all.
    assert other_client.get(f"{path}/bookings/{booking.id}").status_code == 404


def test_items_are_added_by_staff_or_peers_and_edited_by_the_custodian(world, client, login):
    path = f"/groups/{world.group_a.id}/items/new"
    login(world.member_a)
    assert client.get(path).status_code == 404
    client = current_app.test_client()
    log_in(client, world.peer_a)
    response = post_form(
        client,
        path,
        {
            "name": "Telt",
            "category": "camping",
            "custodian": str(world.member_a.id),
            "max_loan_days": "5",
            "buffer_days": "1",
            "owner": "parents",
            "condition": "good",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    item = db.session.scalar(select(Item).where(Item.name == "Telt"))
    assert item.custodian_id == world.member_a.id and item.owner == "parents"
    assert item.status == "available"
    edit = f"/groups/{world.group_a.id}/items/{item.id}/edit"
    other = make_user("not_keeper", locale="en")
    add_to_group(other, world.group_a)
    other_client = current_app.test_client()
    log_in(other_client, other)
    assert other_client.get(edit).status_code == 404
    keeper = current_app.test_client()
    log_in(keeper, world.member_a)
    changed = post_form(
        keeper,
        edit,
        {
            "name": "Telt for fire",
            "category": "camping",
            "max_loan_days": "40",
            "buffer_days": "2",
            "owner": "parents",
            "condition": "worn",
            "status": "available",
            "pickup_instructions": "I boden.",
        },
    )
    assert changed.status_code == 303, changed.get_data(as_text=True)[:3000]
    assert (item.name, item.max_loan_days, item.custodian_id) == (
        "Telt for fire",
        40,
        world.member_a.id,
    )
    too_long = post_form(
        keeper,
        edit,
        {
            "name": "Telt",
            "category": "camping",
            "max_loan_days": "99",
            "buffer_days": "0",
            "owner": "group",
            "condition": "good",
            "status": "available",
        },
    )
    assert "Choose a whole number from 1 to 60" in too_long.get_data(as_text=True)
    assert item.max_loan_days == 40


def test_the_custodian_hands_custodianship_to_another_member_and_it_is_logged(world, board):
    services.change_custodian(
        board, actor=world.peer_a, custodian_id=world.member_a.id, whole_household=False
    )
    assert board.custodian_id == world.member_a.id
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "item.custodian_changed")
    )
    assert event.details == {"before": world.peer_a.id, "after": world.member_a.id}
    assert notes_for(world.member_a, "lending.custodian") == 1
    with pytest.raises(LendingError):
        services.change_custodian(
            board, actor=world.peer_a, custodian_id=world.member_b.id, whole_household=False
        )


def test_the_calendar_page_and_its_htmx_months(world, board, client, login):
    booking = book(board, world.member_a, 1)
    login(world.member_a)
    path = f"/groups/{world.group_a.id}/items/{board.id}"
    page = client.get(path).get_data(as_text=True)
    assert f'data-day="{booking.start_on.isoformat()}" data-state="mine"' in page
    today = local_today()
    following = (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    part = client.get(f"{path}/calendar?month={following}", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.get_data(as_text=True)
    assert 'id="item-calendar"' in part.get_data(as_text=True)
    # Without htmx the link is a plain page load of the whole item page.
    plain_link = client.get(f"{path}/calendar?month={following}")
    assert plain_link.status_code == 302 and f"month={following}" in plain_link.location


def test_whats_free_search(world, board, client, login):
    bike = make_item(world.group_a, world.staff_a, world.peer_a, name="Sykkel", category="bikes")
    book(board, world.member_a, 5, 6)
    start, end = days_ahead(5, 5)
    assert services.free_items(world.group_a, start, end) == [bike]
    assert services.free_items(world.group_a, start, end, "water") == []
    login(world.member_a)
    page = client.get(
        f"/groups/{world.group_a.id}/items?start={start.isoformat()}&end={end.isoformat()}"
    ).get_data(as_text=True)
    results = page.split('id="free-results"')[1].split("</div>")[0]
    assert "Sykkel" in results and "Padlebrett" not in results


# ---------------------------------------------------------------------------------------------
# Damage, late returns and reminders


def test_damage_cancels_bookings_in_the_repair_time_and_tells_everyone(world, board):
    household = family(world.group_a, world.staff_a, world.member_a)
    assert household
    other = make_user("other")
    add_to_group(other, world.group_a)
    inside = book(board, world.member_a, 3, 4)
    outside = book(board, other, 30, 31)
    _start, end = days_ahead(0, 14)
    report = services.report_damage(
        board, actor=world.peer_a, note="Hull i brettet", repair_until=end
    )
    assert report.cancelled_count == 1
    assert inside.status == "cancelled" and inside.cancel_reason == "damage"
    assert outside.status == "requested"
    assert board.status == "maintenance" and board.condition == "needs_repair"
    note = db.session.scalar(
        select(Notification).where(Notification.kind == "lending.cancelled_damage")
    )
    assert note.user_id == world.member_a.id
    assert "/items?" in note.link and "category=water" in note.link
    assert f"start={inside.start_on.isoformat()}" in note.link
    # Another member who is only a member hears nothing; the peer reported it.
    assert notes_for(other, "lending.damage") == 0
    with pytest.raises(LendingError):
        book(board, other, 20)
    # Repaired: back in use, and bookable again.
    services.update_item(board, actor=world.peer_a, status="available")
    assert board.maintenance_until is None
    assert book(board, world.member_a, 20).status == "requested"


def test_a_holder_may_report_damage_and_staff_peers_are_told(world, board):
    peer_two = make_user("peer_two")
    add_to_group(peer_two, world.group_a, "peer")
    booking = book(board, world.member_a, 0)
    services.decide(booking, actor=world.peer_a, confirm=True)
    services.pick_up(booking, actor=world.peer_a, condition="good")
    from pb.groups.access import GroupAccess

    access = GroupAccess(world.group_a, world.member_a.memberships[0], False)
    assert services.may_report_damage(access, board, world.member_a)
    services.report_damage(
        board, actor=world.member_a, note="Finnen knakk", repair_until=local_today()
    )
    assert notes_for(peer_two, "lending.damage") == 1
    assert notes_for(world.peer_a, "lending.damage") == 1


def test_reminders_and_late_returns_are_sent_once(world, board):
    tomorrow_booking = book(board, world.member_a, 1)
    services.decide(tomorrow_booking, actor=world.peer_a, confirm=True)
    today = local_today()
    first = services.send_reminders(today)
    assert first["pick-up reminders"] == 1
    assert services.send_reminders(today)["pick-up reminders"] == 0
    services.pick_up(tomorrow_booking, actor=world.peer_a, condition="good", today=today)
    # The return day is tomorrow + 0: the day before it, a reminder.
    assert services.send_reminders(today)["return reminders"] == 1
    later = today + timedelta(days=3)
    assert services.send_reminders(later)["late returns"] == 1
    assert services.send_reminders(later)["late returns"] == 0
    assert notes_for(world.member_a, "lending.late") == 1
    assert notes_for(world.peer_a, "lending.late") == 1
    assert services.late_bookings(board, later) == [tomorrow_booking]


def test_run_schedules_runs_the_lending_jobs(app, world, board):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["run-schedules"])
    assert result.exit_code == 0, result.output
    assert "lapsed offers" in result.output and "expired swap posts" in result.output


# ---------------------------------------------------------------------------------------------
# Messages, the QR label, the calendar feed


def test_messages_between_borrower_and_custodian_only(world, board, client, login):
    booking = book(board, world.member_a, 1)
    services.send_message(booking, author=world.member_a, text="Kan jeg hente kl 17?")
    services.send_message(booking, author=world.peer_a, text="Ja, det går fint.")
    assert notes_for(world.peer_a, "lending.message") == 1
    assert notes_for(world.member_a, "lending.message") == 1
    with pytest.raises(LendingError):
        services.send_message(booking, author=world.staff_a, text="Hei")
    with pytest.raises(LendingError):
        services.send_message(booking, author=world.member_a, text="   ")
    world.peer_a.phone = "+47 912 34 567"
    db.session.commit()
    login(world.member_a)
    path = f"/groups/{world.group_a.id}/items/{board.id}/bookings/{booking.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Kan jeg hente kl 17?" in page and "912 34 567" not in page
    services.decide(booking, actor=world.peer_a, confirm=True)
    board.custodian_shares_phone = True
    db.session.commit()
    assert "912 34 567" in client.get(path).get_data(as_text=True)


def test_the_label_and_what_a_scan_opens(world, board, client, login):
    login(world.peer_a)
    label = client.get(f"/groups/{world.group_a.id}/items/{board.id}/label")
    text = label.get_data(as_text=True).split('class="item-label"')[1]
    assert board.code in text and "Peer_A" not in text and "kode 4321" not in text
    svg = client.get(f"/groups/{world.group_a.id}/items/{board.id}/label.svg")
    assert svg.mimetype == "image/svg+xml"
    booking = book(board, world.member_a, 0)
    services.decide(booking, actor=world.peer_a, confirm=True)
    scanned = client.get(f"/i/{board.code}", follow_redirects=True).get_data(as_text=True)
    assert 'data-action="hand_over"' in scanned
    services.pick_up(booking, actor=world.peer_a, condition="good")
    assert services.scan_action(board, world.member_a)[0] == "report_damage"
    assert services.scan_action(board, world.staff_a)[0] == "book"
    later = local_today() + timedelta(days=1)
    assert services.scan_action(board, world.peer_a, later)[0] == "take_back"


def test_the_calendar_feed_parses_back_with_icalendar(world, board, client):
    mine = book(board, world.member_a, 2, 4)
    looked_after = book(board, world.staff_a, 9)
    token = feeds.new_feed(world.member_a)
    response = client.get(f"/calendar/{token}.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["uid"]) for e in events] == [f"booking-{mine.id}@fellespott"]
    assert events[0].decoded("dtstart") == mine.start_on
    assert events[0].decoded("dtend") == mine.end_on + timedelta(days=1)
    custodian_feed = Calendar.from_ical(
        client.get(f"/calendar/{feeds.new_feed(world.peer_a)}.ics").data
    )
    uids = {str(e["uid"]) for e in custodian_feed.walk("VEVENT")}
    assert uids == {f"booking-{mine.id}@fellespott", f"booking-{looked_after.id}@fellespott"}
    feeds.revoke_feed(world.member_a)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


# ---------------------------------------------------------------------------------------------
# The swap shelf


def test_swap_shelf_reserve_hand_over_and_expiry(world):
    post = swap.post_thing(
        world.group_a,
        author=world.member_a,
        kind="give",
        title="Vinterdress",
        description="Lite brukt",
        size_or_age="122",
    )
    assert swap.shelf(world.group_a) == [post]
    with pytest.raises(LendingError):
        swap.reserve(post, user=world.member_a)  # not one's own
    swap.reserve(post, user=world.peer_a)
    assert post.status == "reserved" and notes_for(world.member_a, "swap.reserved") == 1
    with pytest.raises(LendingError):
        swap.reserve(post, user=world.staff_a)
    with pytest.raises(LendingError):
        swap.hand_over(post, user=world.peer_a)  # only the giver
    swap.hand_over(post, user=world.member_a)
    assert post.status == "handed_over" and swap.shelf(world.group_a) == []
    old = swap.post_thing(
        world.group_a,
        author=world.member_a,
        kind="swap",
        title="Lego",
        description="",
        size_or_age="",
    )
    assert swap.expire_posts(utcnow() + timedelta(days=29)) == 0
    assert swap.expire_posts(utcnow() + timedelta(days=31)) == 1
    assert db.session.get(SwapPost, old.id).status == "expired"


def test_swap_pages(world, client, login):
    login(world.member_a)
    base = f"/groups/{world.group_a.id}/swap"
    response = post_form(
        client, base + "/new", {"kind": "give", "title": "Barnesete", "size_or_age": "0-4 år"}
    )
    assert response.status_code == 303
    assert "Barnesete" in client.get(base).get_data(as_text=True)
    empty = post_form(
        client, base + "/new", {"kind": "give", "title": ""}, token_from=base + "/new"
    )
    assert "Please fill in this field" in empty.get_data(as_text=True)
    assert count(SwapPost) == 1


# ---------------------------------------------------------------------------------------------
# A person's data


def test_export_and_erasure_of_lending_data(world, board):
    from pb import privacy

    booking = book(board, world.member_a, 1)
    services.send_message(booking, author=world.member_a, text="Hemmelig beskjed")
    exported = dict((name, fn(world.member_a)) for name, fn in privacy.exporters())["lending"]
    assert exported["messages"][0]["text"] == "Hemmelig beskjed"
    assert exported["bookings"][0]["item"] == "Padlebrett 1"
    erasure = privacy.Erasure(world.member_a)
    for _name, eraser in privacy.erasers():
        eraser(erasure)
    db.session.commit()
    assert "Hemmelig beskjed" in erasure.texts
    assert booking.status == "cancelled" and booking.borrower_id is None
    from pb.lending.models import BookingMessage

    assert count(BookingMessage) == 0


def test_a_paid_equipment_payout_offers_add_as_shared_item(world, client, login):
    from pb.payouts.models import PayoutRequest
    from pb.proposals.models import Proposal
    from tests.integration.voting_helpers import a_winning_proposal

    proposal = db.session.get(Proposal, a_winning_proposal(world))
    proposal.category = "equipment"
    from pb.payouts.ledger import pot_for_group

    payout = PayoutRequest(
        group_id=world.group_a.id,
        pot_id=pot_for_group(world.group_a, create=True).id,
        kind="collective",
        state="paid",
        title="Padlebrett til gruppa",
        purpose="Fire brett",
        amount_ore=1_000_000,
        source_proposal_id=proposal.id,
        paid_at=datetime(2026, 6, 1),
    )
    db.session.add(payout)
    db.session.commit()
    login(world.staff_a)
    page = client.get(f"/groups/{world.group_a.id}/payouts/{payout.id}").get_data(as_text=True)
    assert f"/items/new?payout={payout.id}" in page
    form = client.get(f"/groups/{world.group_a.id}/items/new?payout={payout.id}").get_data(
        as_text=True
    )
    assert 'value="Padlebrett til gruppa"' in form


def test_only_the_people_in_a_booking_may_cancel_it_or_take_an_offer(world, board, client, login):
    stranger = make_user("stranger", locale="en")
    add_to_group(stranger, world.group_a)
    booking = book(board, world.member_a, 2)
    for action in (
        lambda: services.cancel(booking, actor=stranger),
        lambda: services.accept_offer(booking, user=stranger),
        lambda: services.decline_offer(booking, user=stranger),
        lambda: services.send_message(booking, author=stranger, text="Hei"),
    ):
        with pytest.raises(LendingError) as refused:
            action()
        assert refused.value.code == "not_yours"
    assert booking.status == "requested"
    # Over HTTP the stranger doesn't find the booking at all, and nothing changes.
    log_in(client, stranger)
    path = f"/groups/{world.group_a.id}/items/{board.id}/bookings/{booking.id}"
    item_path = f"/groups/{world.group_a.id}/items/{board.id}"
    for step in ("/cancel", "/confirm", "/accept", "/messages"):
        response = post_form(client, path + step, {"text": "x"}, token_from=item_path)
        assert response.status_code == 404, step
    assert booking.status == "requested" and count(Booking) == 1


def test_the_group_page_shows_requests_waiting_for_the_keeper(world, board, client, login):
    book(board, world.member_a, 2)
    login(world.peer_a)
    page = plain(client.get(f"/groups/{world.group_a.id}").get_data(as_text=True))
    assert "1 booking request waits for your answer" in page


def test_handing_over_early_with_buffer_days_and_when_someone_else_has_it(world):
    item = make_item(world.group_a, world.staff_a, world.peer_a, buffer_days=2)
    earlier = book(item, world.staff_a, 0, 1)  # away days 0..1, checked on days 2..3
    later = book(item, world.member_a, 4, 5)
    for booking in (earlier, later):
        services.decide(booking, actor=world.peer_a, confirm=True)
    # The later family can't have it before the earlier one is done (and checked).
    with pytest.raises(LendingError) as refused:
        services.pick_up(later, actor=world.peer_a, condition="good")
    assert refused.value.code == "pickup_early_taken"
    assert later.status == "confirmed" and later.blocks_from == later.start_on
    # Once the earlier booking is cancelled, the same early hand-over works (its own buffer
    # days are no obstacle).
    services.cancel(earlier, actor=world.staff_a)
    services.pick_up(later, actor=world.peer_a, condition="good")
    assert later.status == "picked_up" and later.blocks_from == local_today()


def test_a_retired_item_cancels_its_coming_bookings(world, board):
    booking = book(board, world.member_a, 3)
    services.update_item(board, actor=world.staff_a, status="retired")
    assert booking.status == "cancelled"
    assert notes_for(world.member_a, "lending.cancelled") == 1


def test_moderators_see_a_booking_but_not_its_messages(world, board, client, login):
    booking = book(board, world.member_a, 2)
    services.send_message(booking, author=world.member_a, text="Privat beskjed til Peer")
    login(world.staff_a)
    page = client.get(
        f"/groups/{world.group_a.id}/items/{board.id}/bookings/{booking.id}"
    ).get_data(as_text=True)
    assert "Privat beskjed" not in page


def test_dates_in_lending_notifications_are_written_the_readers_way(app, world, board):
    from flask_babel import force_locale

    from pb.notifications.services import text_of

    booking = book(board, world.member_a, 2)
    services.decide(booking, actor=world.peer_a, confirm=True)
    note = db.session.scalar(select(Notification).where(Notification.kind == "lending.confirmed"))
    assert note.params["first_day"] == booking.start_on.isoformat()
    with app.test_request_context(), force_locale("en"):
        shown = plain(str(text_of(note)))
    assert booking.start_on.isoformat() not in shown
    assert str(booking.start_on.year) in shown and "Padlebrett 1" in shown


def test_an_item_cannot_go_out_while_the_one_before_is_still_out(world, board):
    first = book(board, world.staff_a, 0)
    second = book(board, world.member_a, 1)
    for booking in (first, second):
        services.decide(booking, actor=world.peer_a, confirm=True)
    services.pick_up(first, actor=world.peer_a, condition="good")
    later = local_today() + timedelta(days=1)
    with pytest.raises(LendingError) as refused:
        services.pick_up(second, actor=world.peer_a, condition="good", today=later)
    assert refused.value.code == "wrong_status"
    assert second.status == "confirmed" and count(HandOver) == 1


def test_retiring_an_item_in_repair_cancels_its_later_bookings_and_offers(world, board):
    other = make_user("waiter")
    add_to_group(other, world.group_a)
    holder = book(board, world.member_a, 30)
    start, end = days_ahead(30)
    services.join_waitlist(board, user=other, start=start, end=end)
    services.cancel(holder, actor=world.member_a)
    offer = db.session.scalar(select(Booking).where(Booking.status == "offered"))
    later = book(board, world.member_a, 40)
    services.report_damage(
        board, actor=world.peer_a, note="Hull", repair_until=start - timedelta(1)
    )
    assert later.status == "requested" and offer.status == "offered"
    services.update_item(board, actor=world.staff_a, status="retired")
    assert later.status == "cancelled" and offer.status == "cancelled"
    entry = db.session.get(WaitlistEntry, offer.waitlist_entry_id)
    assert entry.status == "lapsed"


def test_a_lead_outside_the_group_gets_404_not_an_error(world, board, client, login):
    other = make_user("waiter2")
    add_to_group(other, world.group_a)
    start, end = days_ahead(3)
    entry = services.join_waitlist(board, user=other, start=start, end=end)
    with pytest.raises(LendingError):
        services.leave_waitlist(entry, user=world.lead)
    post = swap.post_thing(
        world.group_a,
        author=world.member_a,
        kind="give",
        title="Sko",
        description="",
        size_or_age="",
    )
    login(world.lead)
    base = f"/groups/{world.group_a.id}"
    response = post_form(client, f"{base}/swap/{post.id}/reserve", {}, token_from=f"{base}/swap")
    assert response.status_code == 404 and post.status == "open"


def test_deleting_an_account_reopens_only_what_it_still_had_reserved(world):
    from pb import privacy

    kept = swap.post_thing(
        world.group_a, author=world.member_a, kind="give", title="A", description="", size_or_age=""
    )
    given = swap.post_thing(
        world.group_a, author=world.member_a, kind="give", title="B", description="", size_or_age=""
    )
    swap.reserve(kept, user=world.peer_a)
    swap.reserve(given, user=world.peer_a)
    swap.hand_over(given, user=world.member_a)
    erasure = privacy.Erasure(world.peer_a)
    for _name, eraser in privacy.erasers():
        eraser(erasure)
    db.session.commit()
    assert (kept.status, kept.reserved_by_id) == ("open", None)
    assert (given.status, given.reserved_by_id) == ("handed_over", None)
