"""The msgids are English, so the English catalog is their copy. Run by `make translations`."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "translations/en/LC_MESSAGES/messages.po"


def main() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        message.flags.discard("fuzzy")
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False, width=100)


if __name__ == "__main__":
    main()
