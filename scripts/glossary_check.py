"""Check one catalog against the glossary, for translators at work:

    .venv/bin/python scripts/glossary_check.py ar
    .venv/bin/python scripts/glossary_check.py ar --proposed my-column.json

With --proposed, the language's renderings come from a JSON file {term: {"rendering": ...,
"stems": [...]}} instead of translations/GLOSSARY.md: a way to try a column before writing it into
the glossary. Prints every message that uses a term but none of its stems.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from babel.messages.pofile import read_po

from pb.glossary.terms import Rendering, Term, glossary, mismatches

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("language")
    parser.add_argument("--proposed")
    args = parser.parse_args()
    terms = list(glossary())
    if args.proposed:
        proposed = json.loads(Path(args.proposed).read_text(encoding="utf-8"))
        terms = [
            Term(
                t.term,
                t.english_forms,
                t.meaning,
                {
                    **t.renderings,
                    args.language: Rendering(
                        proposed[t.term]["rendering"], tuple(proposed[t.term]["stems"])
                    ),
                },
            )
            for t in terms
        ]
    path = ROOT / "translations" / args.language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            pairs.append((ids[min(index, len(ids) - 1)], string))
    count = 0
    for term in terms:
        for msgid, msgstr in mismatches(term, args.language, pairs):
            count += 1
            print(f"[{term.term}] {msgid!r}\n    -> {msgstr!r}")
    print(f"{count} message(s) off the glossary", file=sys.stderr)
    return 1 if count else 0


if __name__ == "__main__":
    raise SystemExit(main())
