"""Every catalog renders the glossary's key terms as translations/GLOSSARY.md says: wherever an
English message uses a term, its translation holds one of the term's stems for that language."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pb.glossary.terms import glossary, mismatches
from pb.i18n import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
TRANSLATED = sorted(set(LANGUAGES) - {"en"})


def messages(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # Each plural form must hold the term, checked against the English plural.
        for index, string in enumerate(strings):
            yield ids[min(index, len(ids) - 1)], string


def test_the_glossary_has_thirty_terms_in_every_language():
    terms = glossary()
    assert len(terms) == 30
    for term in terms:
        assert term.meaning and term.english_forms
        assert set(term.renderings) == set(TRANSLATED), term.term
        for language, rendering in term.renderings.items():
            assert rendering.text and "TODO" not in rendering.text, (term.term, language)
            assert rendering.stems and all(rendering.stems), (term.term, language)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_catalog_keeps_to_the_glossary(locale):
    wrong = {}
    every = list(messages(locale))
    for term in glossary():
        found = mismatches(term, locale, every)
        if found:
            wrong[term.term] = found[:3]
    assert not wrong, f"{locale}: terms rendered off the glossary: {wrong}"
