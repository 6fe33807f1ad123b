"""Phone numbers in one form, +4791234567, checked with the phonenumbers package; a number
without a country code is read as Norwegian."""

import phonenumbers

DEFAULT_REGION = "NO"


def normalise_phone(value: str | None) -> str | None:
    """The number as +4791234567, or None if it is not a valid number."""
    if not value or len(value) > 32:
        return None
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def readable_phone(value: str | None) -> str:
    """+47 912 34 567: how a stored number is shown."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
