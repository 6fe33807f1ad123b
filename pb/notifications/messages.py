"""The words of an email or an SMS, written in the recipient's language when it is sent.

An SMS uses plain words, no link, and fits one message: 160 GSM-7 characters, or 70 when the
language needs UCS-2 (Arabic, Tigrinya, Ukrainian). When the full sentence is too long, its
names are shortened, and when that is not enough, the category's short form is sent instead.
"""

from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from pb.extensions import db
from pb.i18n import DEFAULT_LOCALE, RIGHT_TO_LEFT, fill, ngettext, without_direction_overrides
from pb.notifications.channels import fits_one_sms, plain_sms_text
from pb.notifications.models import Delivery, Notification
from pb.notifications.services import kind_of, shown_params

CATEGORY_NAMES = {
    "votes": _l("Proposals and votes"),
    "moderation": _l("Moderation"),
    "payouts": _l("Money and payouts"),
    "bookings": _l("Borrowing equipment"),
    "projects": _l("Projects and surveys"),
}
# What an SMS says when the whole sentence does not fit.
SMS_SHORT_FORMS = {
    "votes": _l("Fellespott: news about a vote. Open the app to read it."),
    "moderation": _l("Fellespott: news about a proposal. Open the app to read it."),
    "payouts": _l("Fellespott: news about money. Open the app to read it."),
    "bookings": _l("Fellespott: news about a booking. Open the app to read it."),
    "projects": _l("Fellespott: news about a project. Open the app to read it."),
}
SMS_PREFIX = _l("Fellespott: %(message)s")
SMS_ANSWER = _l("Answer %(yes)s or %(no)s.")
# The longest a name or title may be in an SMS before it is cut, tried in turn; a kind's own
# short SMS form is tried with shorter names still.
SMS_NAME_CUTS = (24, 12)
SMS_FORM_NAME_CUTS = (None, 12, 8)
# Stands in for the code while choosing the words: every code has four digits.
_CODE_PLACEHOLDER = "0000"


def locale_of(user) -> str:
    return user.locale or DEFAULT_LOCALE


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications-unsubscribe")


def unsubscribe_token(user_id: int, category: str, channel: str = "email") -> str:
    return _unsubscribe_serializer().dumps([user_id, category, channel])


def read_unsubscribe_token(token: str) -> tuple[int, str, str] | None:
    from itsdangerous import BadSignature

    try:
        user_id, category, channel = _unsubscribe_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if category not in CATEGORY_NAMES or channel not in ("email", "sms"):
        return None
    return int(user_id), category, channel


def parts_of(delivery: Delivery) -> list[Notification]:
    """The notifications a delivery carries: its own, or those a digest gathered."""
    if delivery.notification_id is not None:
        return [delivery.notification]
    return list(
        db.session.scalars(
            select(Notification)
            .join(Delivery, Delivery.notification_id == Notification.id)
            .where(Delivery.digest_id == delivery.id)
            .order_by(Notification.id)
        )
    )


def _sentence(
    notification: Notification, *, isolate: bool, template: str | None = None, cut=None
) -> str:
    """The notification as plain text in the current language: its kind's sentence (or
    `template`), its values shortened to `cut` characters if asked, and isolated from the
    sentence's direction if asked (an SMS only when right-to-left: the marks are not GSM-7)."""
    if template is None:
        kind = kind_of(notification.kind)
        template = str(kind.message) if kind else notification.kind
    params = shown_params(notification)
    if cut:
        params = {key: _cut(value, cut) for key, value in params.items()}
    return fill(template, params) if isolate else (template % params if params else template)


def _absolute(path: str | None) -> str:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}{path or '/'}"


# ---------------------------------------------------------------------------------------------
# Email


def compose_email(delivery: Delivery) -> EmailMessage:
    user = delivery.user
    parts = parts_of(delivery)
    with (
        current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"]),
        force_locale(locale_of(user)),
    ):
        items = [
            {
                "text": _sentence(n, isolate=True),
                "url": _absolute(n.link),
                "category": kind_of(n.kind).category if kind_of(n.kind) else "votes",
            }
            for n in parts
        ]
        categories = sorted({item["category"] for item in items})
        unsubscribe = [
            {
                "name": str(CATEGORY_NAMES[category]),
                "url": url_for(
                    "notifications.unsubscribe",
                    token=unsubscribe_token(user.id, category),
                    _external=True,
                ),
            }
            for category in categories
        ]
        if delivery.notification_id is None:
            subject = ngettext(
                "%(num)d new message in Fellespott",
                "%(num)d new messages in Fellespott",
                len(items),
            )
        else:
            subject = _subject_from(_sentence(parts[0], isolate=False))
        context = {
            "subject": subject,
            "name": user.display_name,
            "items": items,
            "unsubscribe": unsubscribe,
            "settings_url": url_for("notifications.settings", _external=True),
            "direction": "rtl" if locale_of(user) in RIGHT_TO_LEFT else "ltr",
            "locale": locale_of(user),
        }
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    # A name is one line in a header, whatever was typed into it.
    message["To"] = formataddr(
        (" ".join(without_direction_overrides(user.display_name).split()), user.email)
    )
    # The same id on every try, so a mail system that sees a message twice can tell.
    # (make_msgid adds the time and a random number: a new id on every try.) The creation time
    # beside the row's id keeps two databases' ids apart.
    stamp = f"{delivery.created_at:%Y%m%d%H%M%S}"
    message["Message-ID"] = f"<delivery-{delivery.id}.{stamp}@fellespott>"
    message["List-Unsubscribe"] = f"<{unsubscribe[0]['url']}>" if unsubscribe else ""
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _subject_from(text: str, limit: int = 78) -> str:
    # A header is plain text, where a name can't be isolated: a right-to-left override in it
    # would turn the rest of the subject around, so overrides are dropped.
    text = " ".join(without_direction_overrides(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# SMS


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 3].rstrip() + "..."


def sms_asks_for_an_answer(delivery: Delivery) -> bool:
    """Whether the SMS will carry an answer code: only if its words still say what JA would
    do once the code is added. Otherwise it goes without one, and the person answers in the
    app; a bare "JA 4821" under words that don't name the thing must never act."""
    return _CODE_PLACEHOLDER in compose_sms(delivery, _CODE_PLACEHOLDER)


def compose_sms(delivery: Delivery, code: str | None = None) -> str:
    """The SMS for a delivery, always one message long. With `code`, it ends "Answer JA 4821
    or NEI 4821.", if the sentence, or the kind's own short SMS form, fits beside it."""
    user = delivery.user
    with force_locale(locale_of(user)):
        rtl = locale_of(user) in RIGHT_TO_LEFT
        parts = parts_of(delivery)
        if delivery.notification_id is None:
            text = ngettext(
                "Fellespott: %(num)d new message. Open the app to read it.",
                "Fellespott: %(num)d new messages. Open the app to read it.",
                len(parts),
            )
            return plain_sms_text(text)
        notification = parts[0]
        kind = kind_of(notification.kind)

        def said(template: str | None, cut: int | None) -> str:
            sentence = _sentence(notification, isolate=rtl, template=template, cut=cut)
            return str(SMS_PREFIX) % {"message": sentence}

        whole = [said(None, cut) for cut in (None, *SMS_NAME_CUTS)]
        candidates = []
        if code:
            values = {"yes": f"JA {code}", "no": f"NEI {code}"}
            answer = " " + (fill(str(SMS_ANSWER), values) if rtl else str(SMS_ANSWER) % values)
            candidates += [text + answer for text in whole]
            if kind and kind.sms:
                candidates += [said(str(kind.sms), cut) + answer for cut in SMS_FORM_NAME_CUTS]
        candidates += whole
        candidates.append(str(SMS_SHORT_FORMS[kind.category if kind else "votes"]))
        for text in candidates:
            if fits_one_sms(plain_sms_text(text)):
                return plain_sms_text(text)
        return plain_sms_text(candidates[-1])  # the catalogs' test keeps this from happening
