"""Whole numbers from forms and URLs: ASCII digits only, and no larger than the database stores.

"²".isdigit() is True but int("²") fails, and an id of 10**20 overflows the database: both were
500s before this.
"""

import re

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole_number(text) -> int | None:
    """The number in `text`, or None if it is not a plain whole number we can store."""
    text = str(text if text is not None else "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class BoundedIntegerConverter(IntegerConverter):
    """The `<int:...>` URL converter, limited to ids the database can hold: below 1 (ids start
    at 1; a 0 reached code that assumed "no id" meant "not asked") or beyond is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
