"""The glossary (translations/GLOSSARY.md), read as data: each key term, what it means, and how
each language renders it, with the stems that the catalog test and the translators check against.

The file is the one source: people read it as a table, the app shows the reader's column on the
"About the translations" page, and tests/unit/test_glossary.py holds every catalog to it.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parents[2] / "translations" / "GLOSSARY.md"
_CELL = re.compile(r"^(?P<rendering>.*?)\s*\(stems?: (?P<stems>[^)]*)\)\s*$")
# Placeholders are names, not words: "%(round)s" is not the term "round".
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@dataclass(frozen=True)
class Rendering:
    text: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    term: str
    english_forms: tuple[str, ...]
    meaning: str
    renderings: dict[str, Rendering]

    def pattern(self) -> re.Pattern:
        """Finds the term in an English message, as a whole word in any of its forms."""
        forms = "|".join(re.escape(f) for f in sorted(self.english_forms, key=len, reverse=True))
        return re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", re.IGNORECASE)


def _rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@cache
def glossary(path: Path = GLOSSARY) -> tuple[Term, ...]:
    rows = _rows(path.read_text(encoding="utf-8"))
    header, body = rows[0], rows[1:]
    languages = header[4:]
    terms = []
    for row in body:
        renderings = {}
        for language, cell in zip(languages, row[4:], strict=True):
            match = _CELL.match(cell)
            if match is None:
                raise ValueError(f"GLOSSARY.md: {row[1]} / {language}: write 'word (stems: a / b)'")
            stems = tuple(s.strip() for s in match.group("stems").split("/") if s.strip())
            renderings[language] = Rendering(match.group("rendering"), stems)
        terms.append(
            Term(
                term=row[1],
                english_forms=tuple(f.strip() for f in row[2].split(",") if f.strip()),
                meaning=row[3],
                renderings=renderings,
            )
        )
    return tuple(terms)


def mismatches(term: Term, language: str, messages) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs where the English message uses the term and the translation
    contains none of the language's stems for it. `messages` yields (msgid, msgstr)."""
    rendering = term.renderings[language]
    stems = [s.casefold() for s in rendering.stems]
    pattern = term.pattern()
    # A longer term that holds this one ("staff member" holds "member", "two-step log-in" holds
    # "log-in") is that other term, not this one.
    longer = [
        other.pattern()
        for other in glossary()
        if other.term != term.term and any(pattern.search(form) for form in other.english_forms)
    ]
    found = []
    for msgid, msgstr in messages:
        english = _PLACEHOLDER.sub(" ", msgid)
        for other in longer:
            english = other.sub(" ", english)
        if msgstr and pattern.search(english) and not any(s in msgstr.casefold() for s in stems):
            found.append((msgid, msgstr))
    return found
