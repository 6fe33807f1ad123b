"""Money is a whole number of øre. Parsing and locale-aware formatting live here and only here."""

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import parse_pattern

ORE_PER_KRONE = 100
# NOK 10 billion: far beyond any pot, and well inside the 64-bit columns that store øre.
MAX_ORE = 10**12
CURRENCY = "NOK"

# Digits, optionally grouped by spaces, and a decimal comma or point. Only spaces group
# thousands: "1,555" is refused as three decimals rather than guessed at.
_AMOUNT = re.compile(r"^(?P<whole>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<fraction>\d+))?$")


class AmountError(ValueError):
    """The text is not an amount of money. `code` says why, for a translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_kroner(text: str) -> int:
    """Turn what a person typed ("1 600,50", "1600", "kr 250") into øre; refuse what is unclear."""
    cleaned = (text or "").strip().lower().removeprefix("kr").removeprefix("nok").strip()
    cleaned = cleaned.removesuffix(",-").removesuffix("kr").strip()
    if not cleaned:
        raise AmountError("empty")
    if cleaned.startswith("-"):
        raise AmountError("negative")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise AmountError("not_a_number")
    fraction = match.group("fraction") or ""
    if len(fraction) > 2:
        raise AmountError("too_many_decimals")
    whole_digits = re.sub(r"\D", "", match.group("whole"))
    ore = int(whole_digits) * ORE_PER_KRONE + int(fraction.ljust(2, "0") or 0)
    if ore == 0:
        raise AmountError("zero")
    if ore > MAX_ORE:
        raise AmountError("too_large")
    return ore


def format_ore(ore: int, locale: str) -> str:
    """Show øre as kroner the way the reader's language writes money; whole kroner without ",00"."""
    babel_locale = Locale.parse(locale)
    pattern = parse_pattern(babel_locale.currency_formats["standard"])
    decimals = 0 if ore % ORE_PER_KRONE == 0 else 2
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(
        Decimal(ore) / ORE_PER_KRONE, babel_locale, currency=CURRENCY, currency_digits=False
    )
