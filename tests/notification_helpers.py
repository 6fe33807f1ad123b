"""Reading what the file backends wrote, and giving people addresses, for notification tests."""

import email
from email import policy
from pathlib import Path

from pb.extensions import db
from pb.notifications import preferences
from pb.notifications.models import CATEGORIES, Delivery


def give_contact(user, *, email_address: str | None = None, phone: str | None = None):
    user.email = email_address
    user.phone = phone
    db.session.commit()
    return user


def outbox(app, kind: str) -> list[Path]:
    folder = Path(app.config["OUTBOX_FOLDER"]) / kind
    return (
        sorted(p for p in folder.glob("*") if not p.name.startswith(".")) if folder.exists() else []
    )


def mails(app) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in outbox(app, "mail")
    ]


def texts(app) -> list[tuple[str, str]]:
    """(phone, text) of every SMS the file backend wrote."""
    found = []
    for path in outbox(app, "sms"):
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        found.append((head.removeprefix("To: ").strip(), body.rstrip("\n")))
    return found


def body_of(message, subtype: str = "plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def statuses() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(d.channel, d.status) for d in db.session.query(Delivery).order_by(Delivery.id).all()]


def no_quiet_hours(user, **extra):
    """Quiet hours from 00 to 00: none, so a test's messages go out whatever the hour. The
    person's channels stay as they are; `extra` sets quiet_from, quiet_until or daily_digest."""
    prefs = preferences.of(user)
    preferences.save(
        user,
        choices={
            c: {"email": prefs.wants(c, "email"), "sms": prefs.wants(c, "sms")} for c in CATEGORIES
        },
        quiet_from=extra.get("quiet_from", 0),
        quiet_until=extra.get("quiet_until", 0),
        daily_digest=extra.get("daily_digest", False),
        weekly_summary=True,
    )
    db.session.commit()


def keeper_with_email(world):
    """peer_a, who keeps the test items: an email address, English, no quiet hours."""
    world.peer_a.email = "peer@example.org"
    world.peer_a.locale = "en"
    db.session.commit()
    no_quiet_hours(world.peer_a)
    return world.peer_a


def book_in_the_app(client, world, item):
    """member_a asks to borrow `item` in three days, through the item page's form."""
    from tests.conftest import post_form
    from tests.factories import log_in
    from tests.lending_helpers import days_ahead

    first, last = days_ahead(3, 4)
    log_in(client, world.member_a)
    path = f"/groups/{world.group_a.id}/items/{item.id}"
    return post_form(client, f"{path}/book", {"start": first, "end": last}, token_from=path)


def tick(app) -> str:
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output
