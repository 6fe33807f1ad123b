"""Email and SMS behind the bell, on the embedded set-up (no Redis): which channels each person
chose, quiet hours, the daily digest, sending after the response, retries and dead letters,
the unsubscribe link, the settings form, and every notification's words in every language."""

import re
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from pb.extensions import db
from pb.i18n import LANGUAGES
from pb.notifications import delivery, messages, preferences
from pb.notifications.channels import fits_one_sms, sms_length
from pb.notifications.models import Delivery, Notification
from pb.notifications.services import kinds, notify
from pb.timeutil import utcnow
from tests.conftest import post_form
from tests.factories import PASSWORD, log_in
from tests.lending_helpers import make_item
from tests.notification_helpers import (
    body_of,
    book_in_the_app,
    give_contact,
    keeper_with_email,
    mails,
    no_quiet_hours,
    outbox,
    statuses,
    texts,
)


@pytest.fixture
def keeper(world):
    """peer_a keeps the paddle board, with an email address and a phone, and no quiet hours."""
    give_contact(world.peer_a, phone="+47 912 34 567")
    return keeper_with_email(world)


def test_each_category_goes_by_the_channels_chosen_and_only_where_there_is_an_address(
    world, keeper
):
    notify(keeper, "lending.requested", item="Board", first_day="2026-12-10", last_day="2026-12-11")
    notify(keeper, "proposals.accepted", title="A skatepark")
    notify(world.member_a, "proposals.accepted", title="A skatepark")  # no address at all
    db.session.commit()
    # Bookings go by email and SMS by default; moderation by email only.
    assert statuses() == [("email", "pending"), ("sms", "pending"), ("email", "pending")]
    assert db.session.scalar(
        select(Notification.id).where(Notification.user_id == world.member_a.id)
    )


def test_a_request_sends_after_its_response_and_never_twice(world, keeper, client, app):
    board = make_item(world.group_a, world.staff_a, keeper)
    response = book_in_the_app(client, world, board)
    assert response.status_code == 303
    assert statuses() == [("email", "sent"), ("sms", "sent")]
    [mail] = mails(app)
    assert mail["To"] == "Peer_A <peer@example.org>"
    assert "Someone asks to borrow" in body_of(mail) and "Padlebrett 1" in body_of(mail)
    assert "Padlebrett 1" in body_of(mail, "html")
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/notifications/stop/")
    [(phone, text)] = texts(app)
    assert phone == "+4791234567"
    assert re.search(r"Answer JA (\d{4}) or NEI \1\.$", text), text
    assert fits_one_sms(text)
    # The tick finds nothing left to send.
    assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
    assert len(mails(app)) == 1 and len(texts(app)) == 1


def test_quiet_hours_hold_email_and_sms_but_not_the_bell(world, keeper, app):
    now = utcnow()
    hour = preferences.local_time(now).hour
    no_quiet_hours(keeper, quiet_from=hour, quiet_until=(hour + 2) % 24)
    notify(keeper, "lending.requested", item="Board", first_day="2026-12-10", last_day="2026-12-11")
    db.session.commit()
    rows = db.session.scalars(select(Delivery)).all()
    assert {row.status for row in rows} == {"pending"}
    ends = rows[0].not_before
    assert ends is not None and timedelta(hours=1) <= ends - now <= timedelta(hours=2)
    assert (
        preferences.local_time(ends).hour == (hour + 2) % 24
        and preferences.local_time(ends).minute == 0
    )
    assert delivery.send_or_queue_due(now) == 0 and outbox(app, "mail") == []
    assert delivery.send_or_queue_due(ends) == 2
    assert len(mails(app)) == 1 and len(texts(app)) == 1


def test_quiet_hours_end_at_the_morning_hour_in_oslo_summer_and_winter():
    prefs = preferences.Preferences(user_id=1)  # 21:00-08:00
    assert prefs.quiet_ends(datetime(2026, 12, 6, 22, 30)) == datetime(2026, 12, 7, 7, 0)
    assert prefs.quiet_ends(datetime(2026, 6, 6, 22, 30)) == datetime(2026, 6, 7, 6, 0)
    assert prefs.quiet_ends(datetime(2026, 12, 7, 2, 0)) == datetime(2026, 12, 7, 7, 0)
    assert prefs.quiet_ends(datetime(2026, 12, 7, 12, 0)) is None
    assert (
        preferences.Preferences(user_id=1, quiet_from=0, quiet_until=0).quiet_ends(
            datetime(2026, 12, 7, 2, 0)
        )
        is None
    )


def test_the_daily_digest_gathers_what_can_wait_and_sends_urgent_things_at_once(world, keeper, app):
    # Quiet hours that end at this hour: the digest is due now, and nothing waits for morning.
    hour = preferences.local_time(utcnow()).hour
    no_quiet_hours(keeper, daily_digest=True, quiet_from=(hour - 1) % 24, quiet_until=hour)
    notify(keeper, "proposals.accepted", title="A skatepark")
    notify(keeper, "voting.published", round="Summer 2026")
    notify(keeper, "lending.requested", item="Board", first_day="2026-12-10", last_day="2026-12-11")
    db.session.commit()
    assert sorted(statuses()) == sorted(
        [
            ("email", "held"),
            ("email", "held"),
            ("sms", "held"),
            ("email", "pending"),
            ("sms", "pending"),
        ]
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert runner.invoke(args=["tick"]).exit_code == 0  # one digest a day, however often
    subjects = sorted(m["Subject"] for m in mails(app))
    assert subjects == [
        "2 new messages in Fellespott",
        "Someone asks to borrow “Board” from Dec 10, 2026 to Dec 11, 2026.",
    ]
    digest = next(m for m in mails(app) if m["Subject"].startswith("2 new"))
    assert "A skatepark" in body_of(digest) and "Summer 2026" in body_of(digest)
    sms = sorted(text for _phone, text in texts(app))
    assert "Fellespott: 1 new message. Open the app to read it." in sms  # voting.published
    assert len(sms) == 2
    # Turning the digest off lets anything still held go out as usual.
    notify(keeper, "proposals.accepted", title="A library")
    db.session.commit()
    no_quiet_hours(keeper, daily_digest=False)
    delivery.release_held(keeper)
    db.session.commit()
    assert ("email", "held") not in statuses()


def test_failed_sends_are_tried_again_then_dead_lettered_and_staff_send_them_again(
    world, keeper, app, client, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox folder should be")
    app.config.update(
        OUTBOX_FOLDER=str(blocked), DELIVERY_MAX_ATTEMPTS=2, DELIVERY_BACKOFF_SECONDS=[0]
    )
    board = make_item(world.group_a, world.staff_a, keeper)
    # The web request succeeds although nothing can be written.
    response = book_in_the_app(client, world, board)
    assert response.status_code == 303
    assert statuses() == [("email", "pending"), ("sms", "pending")]
    rows = db.session.scalars(select(Delivery)).all()
    assert all(row.attempts == 1 and "Error" in row.last_error for row in rows)
    assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
    assert statuses() == [("email", "dead"), ("sms", "dead")]
    # Staff of the group see both, with the reason; a member does not see the page at all.
    assert client.get("/notifications/failed").status_code == 404
    post_form(client, "/logout", {}, token_from="/")
    log_in(client, world.staff_a)
    page = client.get("/notifications/failed", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert page.count("Send again") == 2 and "Peer_A" in page
    # Another group's staff see none of them, and can't send them again.
    app.config["OUTBOX_FOLDER"] = str(tmp_path / "outbox-fixed")
    dead = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    other = app.test_client()
    log_in(other, world.staff_b)
    assert "Send again" not in other.get("/notifications/failed").get_data(as_text=True)
    assert (
        post_form(
            other,
            f"/notifications/failed/{dead[0].id}/resend",
            {},
            token_from="/notifications/failed",
        ).status_code
        == 404
    )
    for row in dead:
        response = post_form(
            client, f"/notifications/failed/{row.id}/resend", {}, token_from="/notifications/failed"
        )
        assert response.status_code == 303
    assert statuses() == [("email", "sent"), ("sms", "sent")]
    assert len(mails(app)) == 1 and len(texts(app)) == 1


def test_the_unsubscribe_link_stops_one_category_by_email(world, keeper, app, client):
    notify(keeper, "proposals.accepted", title="A skatepark")
    db.session.commit()
    delivery.send_queued()
    [mail] = mails(app)
    link = re.search(r"http://127\.0\.0\.1:5000(/notifications/stop/\S+)", body_of(mail)).group(1)
    question = client.get(link, headers={"Accept-Language": "en"})
    assert question.status_code == 200 and "Stop emails about" in question.get_data(as_text=True)
    assert preferences.of(keeper).wants("moderation", "email")  # a GET changes nothing
    assert post_form(client, link, {}).status_code == 200
    db.session.expire_all()
    db.session.info.pop("notification_preferences", None)
    assert not preferences.of(keeper).wants("moderation", "email")
    assert preferences.of(keeper).wants("bookings", "email")
    notify(keeper, "proposals.accepted", title="A library")
    db.session.commit()
    assert statuses() == [("email", "sent")]  # no new email delivery for moderation
    assert client.get("/notifications/stop/forged-token").status_code == 404


def test_the_settings_form_checks_the_addresses_and_saves_nothing_half(world, client):
    member = world.member_a
    log_in(client, member)
    page = "/account/notifications"
    base = {"email": "", "phone": "", "quiet_from": "21", "quiet_until": "8"}
    for bad, message in (
        ({"email": "not-an-email"}, "does not look like an email"),
        ({"phone": "+47 123"}, "not a phone number we can send SMS to"),
        ({"phone": "call me"}, "not a phone number we can send SMS to"),
        ({"bookings_sms": "y"}, "Write a mobile number to get SMS"),
        ({"votes_email": "y"}, "Write an email address to get email"),
    ):
        response = post_form(
            client, page, {**base, **bad, "quiet_from": "1"}, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 200 and message in response.get_data(as_text=True)
        db.session.refresh(member)
        assert member.email is None and member.phone is None
        assert preferences.of(member).quiet_from == 21
    response = post_form(
        client,
        page,
        {
            **base,
            "email": "mia@example.org",
            "phone": "912 34 567",
            "bookings_sms": "y",
            "bookings_email": "y",
            "quiet_from": "22",
            "quiet_until": "7",
            "daily_digest": "y",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    db.session.info.pop("notification_preferences", None)
    assert (member.email, member.phone) == ("mia@example.org", "+4791234567")
    prefs = preferences.of(member)
    assert (prefs.quiet_from, prefs.quiet_until, prefs.daily_digest) == (22, 7, True)
    assert prefs.channels_for("bookings") == ["email", "sms"]
    assert prefs.channels_for("votes") == []
    shown = client.get(page).get_data(as_text=True)
    assert "+47 91 23 45 67" in shown  # as the phonenumbers package writes it


# Values that make every sentence as long as it gets: long names, and dates.
LONG_NAME = "Oppblåsbart padlebrett med åre og vest, stor størrelse, nr. 12"


def _params_for(message: str) -> dict[str, str]:
    names = re.findall(r"%\((\w+)\)s", message)
    values = {}
    for name in names:
        if name == "date" or name.endswith("day"):
            values[name] = "2026-12-24"
        elif name in {"payouts", "complaints"}:
            values[name] = "12"
        else:
            values[name] = LONG_NAME
    return values


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_notification_is_written_in_every_language_and_each_sms_fits_one_message(
    world, keeper, app, locale
):
    keeper.locale = locale
    db.session.commit()
    for kind in kinds():
        with force_locale("en"):
            english = str(kind.message)
        notification = notify(
            keeper,
            kind.name,
            answer=("booking.decide", 1) if kind.sms else None,
            **_params_for(english),
        )
        db.session.flush()
        for row in db.session.scalars(
            select(Delivery).where(Delivery.notification_id == notification.id)
        ):
            row.status = "skipped"  # composed here, not sent
            if row.channel == "email":
                mail = messages.compose_email(row)
                text, html = body_of(mail), body_of(mail, "html")
                assert "%(" not in text and "%(" not in html, (kind.name, locale)
                if LONG_NAME in _params_for(english).values():
                    assert LONG_NAME[:20] in text, (kind.name, locale)
                assert f'lang="{locale}"' in html
            else:
                sms = messages.compose_sms(row, "4821" if kind.sms else None)
                length, limit = sms_length(sms)
                assert length <= limit, (kind.name, locale, length, limit, sms)
                assert "%(" not in sms
                if kind.sms:
                    # A keeper can answer in every language, and the SMS names the item, at
                    # least its first letters, so that JA can't confirm something unseen.
                    assert messages.sms_asks_for_an_answer(row), (kind.name, locale, sms)
                    assert "JA 4821" in sms and "NEI 4821" in sms, (kind.name, locale, sms)
                    assert LONG_NAME[:5] in sms, (kind.name, locale, sms)
        for message in (kind.message, kind.sms):
            if message is None:
                continue
            with force_locale("en"):
                english = str(message)
            with force_locale(locale):
                translated = str(message)
            if locale != "en":
                assert translated != english, f"{kind.name} is not translated into {locale}"
    db.session.rollback()


def test_an_sms_too_long_for_one_message_is_cut_then_falls_back_to_the_short_form(world, keeper):
    keeper.locale = "ar"
    db.session.commit()
    notification = notify(
        keeper,
        "lending.cancelled_damage",
        item=LONG_NAME,
        first_day="2026-12-24",
        last_day="2026-12-31",
    )
    db.session.commit()
    row = db.session.scalar(
        select(Delivery).where(
            Delivery.notification_id == notification.id, Delivery.channel == "sms"
        )
    )
    sms = messages.compose_sms(row)
    length, limit = sms_length(sms)
    assert limit == 70 and length <= 70, sms  # Arabic: UCS-2
    assert LONG_NAME not in sms


def test_a_persons_delivery_data_is_exported_and_erased_with_the_account(world, keeper):
    from pb.accounts import services as accounts
    from pb.notifications.models import ChannelChoice, NotificationSettings

    notify(keeper, "proposals.accepted", title="A skatepark")
    db.session.commit()
    data = accounts.export_user_data(keeper)
    assert data["notification_settings"]["settings"]["quiet_hours"] == "00:00-00:00"
    assert data["notification_settings"]["deliveries"][0]["channel"] == "email"
    accounts.delete_account(keeper, PASSWORD)
    assert db.session.scalars(select(Delivery)).all() == []
    assert db.session.scalars(select(ChannelChoice)).all() == []
    assert db.session.get(NotificationSettings, keeper.id) is None


def test_staff_get_one_weekly_summary_from_monday_morning(world, app):
    from pb.payouts.summary import send_weekly_summaries
    from tests.integration.test_payouts_pipeline import add_staff, conditional, family, fund

    fund(world.group_a, world.lead)
    second = add_staff("staff_a2", world.group_a)
    household = family(world.group_a, world.staff_a, world.member_a)
    conditional(world.group_a, world.staff_a, household, 2_000)  # waits for a second decider
    db.session.commit()
    monday_early = datetime(2026, 12, 7, 6, 0)  # 07:00 in Oslo
    monday_morning = datetime(2026, 12, 7, 8, 0)  # 09:00 in Oslo
    assert send_weekly_summaries(monday_early) == 0
    assert send_weekly_summaries(monday_morning) >= 1
    assert send_weekly_summaries(monday_morning + timedelta(days=2)) == 0  # once a week
    summaries = db.session.scalars(
        select(Notification).where(Notification.kind == "staff.weekly_summary")
    ).all()
    assert second.id in {n.user_id for n in summaries}
    assert all(n.params["payouts"] in {"0", "1"} for n in summaries)
    # The next week, again; a staff member who turned it off gets none.
    no_quiet_hours(second)
    prefs = preferences.of(second)
    preferences.save(
        second,
        choices={
            c: {"email": True, "sms": False}
            for c in ("votes", "moderation", "payouts", "bookings", "projects")
        },
        quiet_from=prefs.quiet_from,
        quiet_until=prefs.quiet_until,
        daily_digest=False,
        weekly_summary=False,
    )
    db.session.commit()
    send_weekly_summaries(monday_morning + timedelta(days=7))
    assert [
        n.user_id
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "staff.weekly_summary")
        )
    ].count(second.id) == 1


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(world, keeper, app):
    notify(keeper, "proposals.accepted", in_group=world.group_a, title="A skatepark")
    db.session.commit()
    hour = preferences.local_time(utcnow()).hour
    no_quiet_hours(keeper, quiet_from=hour, quiet_until=(hour + 3) % 24)
    [row] = db.session.scalars(select(Delivery)).all()
    assert row.not_before is None  # planned before the quiet hours were set
    assert delivery.send_queued() == 0
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("pending", 0)
    assert preferences.local_time(row.not_before).hour == (hour + 3) % 24
    assert outbox(app, "mail") == []


def test_a_failed_message_shows_only_to_the_staff_of_the_group_it_is_about(world, app, client):
    from tests.factories import add_to_group

    member = world.member_b  # in group B, and now in group A as well
    add_to_group(member, world.group_a)
    give_contact(member, email_address="mia@example.org")
    no_quiet_hours(member)
    notify(member, "payout.rejected", in_group=world.group_b, title="Furniture for the flat")
    notify(member, "proposals.accepted", in_group=world.group_a, title="A skatepark")
    db.session.commit()
    for row in db.session.scalars(select(Delivery)):
        row.status, row.last_error = "dead", "refused"
    db.session.commit()
    about_b, about_a = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    log_in(client, world.staff_a)
    page = client.get("/notifications/failed", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "A skatepark" in text and "Furniture" not in text
    resend = f"/notifications/failed/{about_b.id}/resend"
    assert post_form(client, resend, {}, token_from="/notifications/failed").status_code == 404
    other = app.test_client()
    log_in(other, world.staff_b)
    text = other.get("/notifications/failed").get_data(as_text=True)
    assert "Furniture" in text and "A skatepark" not in text
    lead = app.test_client()
    log_in(lead, world.lead)
    text = lead.get("/notifications/failed").get_data(as_text=True)
    assert "Furniture" in text and "A skatepark" in text
    assert about_a.id != about_b.id
