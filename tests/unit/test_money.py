import pytest

from pb.money import AmountError, format_kroner_number, format_ore, parse_kroner


@pytest.mark.parametrize(
    ("text", "ore"),
    [
        ("1600", 160000),
        ("1 600", 160000),
        ("1 600,50", 160050),
        ("1600.5", 160050),
        ("kr 250", 25000),
        ("250 kr", 25000),
        ("2 000 000", 200000000),
        ("0,01", 1),
        ("250,-", 25000),
        # Arabic keyboards type Arabic-Indic digits; they are the same number.
        ("١٠٠", 10000),
    ],
)
def test_parse_kroner(text, ore):
    assert parse_kroner(text) == ore


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("0", "zero"),
        ("0,00", "zero"),
        ("-5", "negative"),
        ("abc", "not_a_number"),
        ("1,555", "too_many_decimals"),
        ("1.600", "too_many_decimals"),
        ("12 34", "not_a_number"),
        ("1e6", "not_a_number"),
        ("99999999999999999999", "too_large"),
        ("10 000 000 001", "too_large"),
        ("NaN", "not_a_number"),
    ],
)
def test_parse_kroner_refuses(text, code):
    with pytest.raises(AmountError) as error:
        parse_kroner(text)
    assert error.value.code == code


def test_format_ore_by_locale():
    assert format_ore(160000, "nb") == "1\xa0600\xa0kr"
    assert format_ore(160050, "nb") == "1\xa0600,50\xa0kr"
    assert "NOK" in format_ore(160000, "ar")


# CLDR's currency spacing: a symbol of letters is kept apart from the digits by a no-break space.
@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("nb", "1\xa0000\xa0000\xa0kr"),
        ("en", "NOK\xa01,000,000"),
        ("so", "NOK\xa01,000,000"),
        ("ti", "NOK\xa01,000,000"),
        ("uk", "1\xa0000\xa0000\xa0NOK"),
        ("ar", "\u200f1,000,000\xa0NOK"),
    ],
)
def test_money_is_spaced_from_its_currency_in_every_locale(locale, shown):
    assert format_ore(1_000_000_00, locale) == shown


@pytest.mark.parametrize("locale", ["nb", "en", "ar", "so", "ti", "uk"])
@pytest.mark.parametrize("ore", [1, 160_000, 160_050, 100_000_000_00, 123_456_78])
def test_what_is_shown_is_read_back_as_the_same_amount(locale, ore):
    assert parse_kroner(format_ore(ore, locale), locale) == ore
    assert parse_kroner(format_kroner_number(ore, locale), locale) == ore


@pytest.mark.parametrize(
    ("text", "locale", "ore"),
    [
        # The ambiguous cases: the same characters, the amount each language means.
        ("1,600", "en", 160_000),
        ("1,600", "ar", 160_000),
        ("1,600", "so", 160_000),
        ("1,60", "nb", 160),
        ("1,60", "uk", 160),
        ("1,600.50", "en", 160_050),
        ("1 600,50", "nb", 160_050),
        ("1 600,50", "uk", 160_050),
        ("1600.5", "nb", 160_050),
        ("1 600.50", "en", 160_050),
        # What an Arabic keyboard gives: Arabic-Indic digits and its own separators.
        ("١٬٦٠٠٫٥٠", "ar", 160_050),
        ("١٦٠٠٫٥", "ar", 160_050),
        ("\u200f1,600.50\xa0NOK", "ar", 160_050),
    ],
)
def test_each_language_reads_its_own_way_of_writing_money(text, locale, ore):
    assert parse_kroner(text, locale) == ore


@pytest.mark.parametrize(
    ("text", "locale", "code"),
    [
        # Never read as another amount: where the comma groups, "1600,50" is no number.
        ("1600,50", "en", "not_a_number"),
        ("1600,50", "ar", "not_a_number"),
        ("1,600", "nb", "too_many_decimals"),
        ("1.600", "nb", "too_many_decimals"),
        ("1.600", "en", "too_many_decimals"),
        ("1,6000", "en", "not_a_number"),
    ],
)
def test_an_unclear_amount_is_refused_not_guessed(text, locale, code):
    with pytest.raises(AmountError) as error:
        parse_kroner(text, locale)
    assert error.value.code == code
