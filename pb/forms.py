"""Form helpers shared by every domain: translated validators that WTForms lacks."""

import re
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from pb.i18n import isolate_text, locale_code
from pb.money import AmountError, format_kroner_number, parse_kroner
from pb.phones import normalise_phone


def errors_text(field) -> str:
    """A field's error messages as one sentence for a flash. The messages are lazy strings, which
    str.join alone refused (a 500 on an empty message form)."""
    return " ".join(str(error) for error in field.errors)


def required():
    return DataRequired(message=_l("Please fill in this field."))


def max_length(limit: int):
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def optional():
    return Optional()


# Dates a person can mean in this app. Outside it, a typo (year 0001, 9999) would reach the
# date arithmetic and fail there; here it gets a message beside the field instead.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def in_date_window(day: date | None) -> bool:
    return day is not None and EARLIEST_DATE <= day <= LATEST_DATE


class SaneDate:
    """A date between 2000 and 2100."""

    def __call__(self, form, field):
        if field.data is not None and not in_date_window(field.data):
            raise ValidationError(
                _l(
                    "Choose a date between %(first)s and %(last)s.",
                    first=format_date(EARLIEST_DATE, "medium"),
                    last=format_date(LATEST_DATE, "medium"),
                )
            )


class PhoneNumber:
    """A number the phonenumbers package calls valid; one without a country code is read as
    Norwegian. The form stores it as +4791234567 (see `phone_or_none`)."""

    def __call__(self, form, field):
        if field.data and field.data.strip() and normalise_phone(field.data.strip()) is None:
            # The example is isolated left-to-right, or an Arabic sentence turns it around.
            raise ValidationError(
                _l(
                    "This is not a phone number we can send SMS to. Write it like %(example)s.",
                    example="\u2066+47 912 34 567\u2069",
                )
            )


def phone_or_none(value: str | None) -> str | None:
    """A phone field's value as stored: +4791234567, or None when left empty."""
    return normalise_phone(value.strip()) if value and value.strip() else None


class EmailAddress:
    """Only a sanity check: an optional address is never used to log in."""

    pattern = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    def __call__(self, form, field):
        if field.data and not self.pattern.match(field.data.strip()):
            raise ValidationError(_l("This does not look like an email address."))


AMOUNT_MESSAGES = {
    "empty": _l("Please write an amount."),
    "negative": _l("The amount can't be negative."),
    "zero": _l("The amount must be more than zero."),
    "not_a_number": _l("Write the amount in numbers, like %(whole)s or %(decimal)s."),
    "too_many_decimals": _l("Use at most two decimals (øre)."),
    "too_large": _l("The amount is too large."),
}


def amount_examples(locale: str | None = None) -> dict[str, str]:
    """Two example amounts written as this language shows money (and so as the form reads it),
    each isolated, so that a right-to-left sentence can't swap its digit groups."""
    locale = locale or locale_code()
    return {
        "whole": isolate_text(format_kroner_number(160_000, locale)),
        "decimal": isolate_text(format_kroner_number(160_050, locale)),
    }


def amount_message(code: str):
    message = AMOUNT_MESSAGES[code]
    return str(message) % amount_examples() if code == "not_a_number" else message


def amount_in_ore(field) -> int:
    """Parse a text field as kroner in the reader's language, raising a translated
    ValidationError; returns øre."""
    try:
        return parse_kroner(field.data or "", locale_code())
    except AmountError as error:
        raise ValidationError(amount_message(error.code)) from error
