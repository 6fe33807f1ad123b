import pytest

from pb.money import AmountError, format_ore, parse_kroner


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
    assert format_ore(160000, "en") == "NOK1,600"
    assert "NOK" in format_ore(160000, "ar")
