"""Money is a whole number of øre. Parsing and locale-aware formatting live here and only here.

One rule joins the two: what the app shows for a reader's language, it also accepts back, with
that language's digit grouping and decimal separator, and never reads as another amount. "1,600"
is sixteen hundred kroner in English and Arabic, and one krone sixty in Norwegian.
"""

import copy
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_symbol, get_decimal_symbol, get_group_symbol, parse_pattern

ORE_PER_KRONE = 100
# NOK 10 billion: far beyond any pot, and well inside the 64-bit columns that store øre.
MAX_ORE = 10**12
CURRENCY = "NOK"
DEFAULT_LOCALE = "nb"

# Every space people type or copy between digit groups; they group in every language.
_SPACES = " \u00a0\u202f\u2009"
# Marks that only steer the direction of text, copied along with an amount from a page.
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u2066\u2067\u2068\u2069"), None)
# An Arabic keyboard's own separators: ٫ is the decimal point, ٬ the thousands separator.
ARABIC_DECIMAL, ARABIC_GROUP = "\u066b", "\u066c"


class AmountError(ValueError):
    """The text is not an amount of money. `code` says why, for a translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _separators(locale: str) -> tuple[str, str]:
    """(decimal, group) as the locale writes them; a space-like group is any space."""
    return get_decimal_symbol(locale), get_group_symbol(locale)


def _ascii_digits(text: str) -> str:
    """Arabic-Indic (٠-٩), Persian and other decimal digits as 0-9: the same number."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)


def _without_currency(text: str, locale: str) -> str:
    words = {"kr", "nok", get_currency_symbol(CURRENCY, locale=locale).lower()}
    text = text.strip().lower()
    text = text.removesuffix(",-").strip()
    for word in sorted(words, key=len, reverse=True):
        text = text.removeprefix(word).strip().removesuffix(word).strip()
    return text


def parse_kroner(text: str, locale: str = DEFAULT_LOCALE) -> int:
    """Turn what a person typed into øre, reading it as `locale` writes money; refuse what is
    unclear rather than guess. "1 600,50", "1600" and "kr 250" in Norwegian; "1,600.50" in
    English; "١٬٦٠٠٫٥٠" as well as "1,600.50" in Arabic."""
    decimal, group = _separators(locale)
    cleaned = _without_currency(_ascii_digits((text or "").translate(_DIRECTION_MARKS)), locale)
    cleaned = cleaned.replace(ARABIC_DECIMAL, decimal).replace(ARABIC_GROUP, group)
    if not cleaned:
        raise AmountError("empty")
    if cleaned.startswith("-"):
        raise AmountError("negative")
    grouping = "[" + re.escape(_SPACES + (group if group not in _SPACES else "")) + "]"
    # Where the locale groups with a space, its keyboard may still give a point for the decimal
    # comma ("1600.5"); where the locale groups with the point or comma, that one never is a
    # decimal separator.
    decimals = {decimal} | ({".", ","} - {group} if group in _SPACES else set())
    pattern = (
        rf"^(?P<whole>\d{{1,3}}(?:{grouping}\d{{3}})+|\d+)"
        rf"(?:[{re.escape(''.join(sorted(decimals)))}](?P<fraction>\d+))?$"
    )
    match = re.match(pattern, cleaned)
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


def _spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol made of letters ("NOK") gets a
    no-break space where it touches a digit, so it reads "NOK 1,600", not "NOK1,600"."""
    if not symbol or unicodedata.category(symbol[0])[0] in "SZ":
        return text
    index = text.find(symbol)
    if index < 0:
        return text
    after = index + len(symbol)
    if after < len(text) and text[after].isdigit():
        text = text[:after] + "\u00a0" + text[after:]
    if index > 0 and text[index - 1].isdigit():
        text = text[:index] + "\u00a0" + text[index:]
    return text


@lru_cache(maxsize=32)
def _currency_pattern(locale: str, decimals: int):
    """The language's money pattern with its decimals set, and the currency's symbol: parsed
    once, as a pot page shows hundreds of amounts."""
    babel_locale = Locale.parse(locale)
    # A copy: Babel hands out one shared pattern object per pattern string.
    pattern = copy.copy(parse_pattern(babel_locale.currency_formats["standard"]))
    pattern.frac_prec = (decimals, decimals)
    return babel_locale, pattern, get_currency_symbol(CURRENCY, locale=locale)


@lru_cache(maxsize=8192)
def format_ore(ore: int, locale: str) -> str:
    """Show øre as kroner the way the reader's language writes money; whole kroner without ",00"."""
    babel_locale, pattern, symbol = _currency_pattern(locale, 0 if ore % ORE_PER_KRONE == 0 else 2)
    text = pattern.apply(
        Decimal(ore) / ORE_PER_KRONE, babel_locale, currency=CURRENCY, currency_digits=False
    )
    return _spaced(text, symbol)


def format_kroner_number(ore: int, locale: str) -> str:
    """An amount without the currency, as a person would type it in this language: the form
    shows its examples and its pre-filled values this way, and parse_kroner reads them back."""
    babel_locale = Locale.parse(locale)
    pattern = copy.copy(parse_pattern("#,##0.00"))  # not the shared one Babel caches
    decimals = 0 if ore % ORE_PER_KRONE == 0 else 2
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(Decimal(ore) / ORE_PER_KRONE, babel_locale)
