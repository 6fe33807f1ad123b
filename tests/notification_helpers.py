"""Reading what the file backends wrote, and giving people addresses, for notification tests."""

import email
from email import policy
from pathlib import Path

from pb.extensions import db
from pb.notifications.models import Delivery


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
