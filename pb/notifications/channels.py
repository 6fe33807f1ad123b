"""The ways out: email over SMTP, or into a local mailbox folder; SMS through a provider, or into
the same folder. A real SMS provider is one class with `send(phone, text)`, named in SMS_BACKEND
as "package.module:ClassName"; it is made with the app's config.

The file backends are the development default, so nothing is ever silently dropped: a developer
opens instance/outbox/mail (one .eml file per message, which any mail program opens) and
instance/outbox/sms (one .txt per message).
"""

import importlib
import os
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import current_app

from pb.timeutil import utcnow


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def _outbox(kind: str) -> Path:
    folder = Path(current_app.config["OUTBOX_FOLDER"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_new(folder: Path, suffix: str, data: bytes) -> Path:
    """Write a whole file under a temporary name, then rename it: a reader of the folder never
    sees half a message."""
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}{suffix}"
    temporary = folder / f".{name}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, folder / name)
    return folder / name


class FileMailBackend:
    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage) -> None:
        _write_new(_outbox("mail"), ".eml", bytes(message))


class SmtpMailBackend:
    """SMTP with the settings from the environment; a refusal or a time-out raises, and the
    delivery is tried again later (pb/notifications/delivery.py)."""

    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage) -> None:
        config = self.config
        host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        timeout = float(config["SMTP_TIMEOUT"])
        if config["SMTP_SSL"]:
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)


class FileSmsBackend:
    def __init__(self, config):
        self.config = config

    def send(self, phone: str, text: str) -> None:
        _write_new(_outbox("sms"), ".txt", f"To: {phone}\n\n{text}\n".encode())


def mail_backend():
    config = current_app.config
    name = config["MAIL_BACKEND"] or ("smtp" if config["SMTP_HOST"] else "file")
    return {"smtp": SmtpMailBackend, "file": FileMailBackend}[name](config)


def sms_backend() -> SmsProvider:
    name = current_app.config["SMS_BACKEND"] or "file"
    if name == "file":
        return FileSmsBackend(current_app.config)
    module_name, _, class_name = name.partition(":")
    return getattr(importlib.import_module(module_name), class_name)(current_app.config)


# GSM 03.38: the basic set costs one of 160 characters, the extension set two. Anything else
# (Arabic, Ge'ez, Cyrillic, emoji, typographic quotes) sends the whole SMS as UCS-2, 70 long.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")
SINGLE_SMS_GSM, SINGLE_SMS_UCS2 = 160, 70

# Typography our sentences use that has a plain GSM equivalent: swapped before measuring, so a
# Norwegian SMS with “quotes” stays a 160-character GSM SMS.
_PLAIN = str.maketrans(
    {"“": '"', "”": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "}
)


def plain_sms_text(text: str) -> str:
    return text.translate(_PLAIN).replace("…", "...")


def is_gsm(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)


def sms_length(text: str) -> tuple[int, int]:
    """(length, limit of one SMS) as the network counts: septets for GSM-7, UTF-16 units else."""
    if is_gsm(text):
        return sum(2 if ch in GSM_EXTENDED else 1 for ch in text), SINGLE_SMS_GSM
    return len(text.encode("utf-16-le")) // 2, SINGLE_SMS_UCS2


def fits_one_sms(text: str) -> bool:
    length, limit = sms_length(text)
    return length <= limit
