"""Every shipped catalog is complete: no untranslated and no fuzzy entries."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pb.i18n import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def test_every_language_has_a_catalog():
    shipped = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert shipped == set(LANGUAGES)


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_catalog_is_complete(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    missing_from_catalog = {m.id for m in template if m.id} - {m.id for m in catalog if m.id}
    assert not missing_from_catalog, f"run make translations: {sorted(missing_from_catalog)[:5]}"
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{locale}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_placeholders_survive_translation(locale):
    import re

    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for string in strings:
            # A plural form may drop %(num)d ("one child" style), nothing else.
            assert set(placeholder.findall(string)) - wanted == set(), (locale, message.id)
            assert wanted - set(placeholder.findall(string)) <= {"num"}, (locale, message.id)
