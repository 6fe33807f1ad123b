"""Reading and writing Pabulib ``.pb`` files (format: pabulib.org/format).

A file has three sections, in this order: ``META``, ``PROJECTS`` and ``VOTES``. Each starts with
its title line, then a header line of ``;``-separated column names, then ``;``-separated rows
(CSV conventions: a field containing ``;`` or ``"`` is quoted, quotes are doubled).

- META: header ``key;value``; needs ``budget`` and ``vote_type`` (approval, choose-1, ordinal,
  cumulative or scoring).
- PROJECTS: needs ``project_id`` and ``cost``; ``name`` and any other column are kept.
- VOTES: needs ``voter_id`` and ``vote`` (comma-separated project ids; for ordinal ballots the
  best first); cumulative and scoring votes also need ``points`` (one number per voted project).

Numbers may use a comma as the decimal separator. The value ``None`` in an optional column means
"missing", as in Pabulib. Anything malformed raises :class:`PabulibError` with a one-line message
naming the section and the line, e.g. ``VOTES section, line 123: project 'x' is not in PROJECTS``.

:func:`write_pabulib` writes what :func:`read_pabulib` reads back to an equal :class:`Election`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

from .election import (
    ApprovalBallot,
    Ballot,
    Election,
    ElectionError,
    OrdinalBallot,
    PointsBallot,
    Project,
    VoteType,
    to_fraction,
)

__all__ = ["PabulibError", "format_number", "read_pabulib", "read_pabulib_string", "write_pabulib"]

_SECTIONS = ("meta", "projects", "votes")
# META keys that are derived from the data and rewritten by the writer.
_DERIVED_META = ("num_projects", "num_votes", "budget", "vote_type")


class PabulibError(ValueError):
    """A malformed ``.pb`` file. The message is one line: section, line number and the problem."""

    def __init__(self, message: str, *, section: str | None = None, line: int | None = None):
        where = []
        if section:
            where.append(f"{section.upper()} section")
        if line is not None:
            where.append(f"line {line}")
        text = " ".join(message.split())  # always one line
        super().__init__(f"{', '.join(where)}: {text}" if where else text)
        self.section = section.upper() if section else None
        self.line = line


def _rows(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of every record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PabulibError(f"unreadable line: {error}", line=reader.line_num) from None
        yield last + 1, reader.line_num, row
        last = reader.line_num


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


def _missing(value: str) -> bool:
    return value.strip() == "" or value.strip().lower() == "none"


def read_pabulib(path: str | Path) -> Election:
    """Reads a ``.pb`` file (UTF-8, with or without BOM). Raises :class:`PabulibError`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise PabulibError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PabulibError("the file is not valid UTF-8", line=line) from None
    return read_pabulib_string(text)


def read_pabulib_string(text: str) -> Election:
    """Parses the content of a ``.pb`` file. Raises :class:`PabulibError`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    section: str | None = None
    seen: list[str] = []
    header: list[str] | None = None
    header_line = 0
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[Project] = []
    project_ids: set[str] = set()
    vote_rows: list[tuple[int, dict[str, str]]] = []

    for line, end, row in _rows(text):
        if end != line:
            raise PabulibError(
                f"a quoted field runs from this line to line {end} (unbalanced double quote?)",
                section=section,
                line=line,
            )
        if _is_blank(row):
            continue
        first = row[0].strip().lower()
        if first in _SECTIONS and all(not c.strip() for c in row[1:]):
            expected = _SECTIONS[len(seen)] if len(seen) < 3 else None
            if first in seen:
                raise PabulibError(f"second {first.upper()} section", section=first, line=line)
            if first != expected:
                raise PabulibError(
                    f"{first.upper()} section found where the {expected.upper()} section "
                    "should start"
                    if expected
                    else f"unexpected {first.upper()} section",
                    section=first,
                    line=line,
                )
            seen.append(first)
            section = first
            header = None
            continue
        if section is None:
            raise PabulibError("the file must start with a META section line", line=line)
        if header is None:
            header = [h.strip() for h in row]
            header_line = line
            _check_header(section, header, line)
            continue
        if len(row) != len(header):
            raise PabulibError(
                f"{len(row)} fields, but the header on line {header_line} has {len(header)}",
                section=section,
                line=line,
            )
        if section == "meta":
            key, value = row[0].strip(), row[1].strip()
            if not key:
                raise PabulibError("empty key", section=section, line=line)
            if key in meta:
                raise PabulibError(f"key {key!r} appears twice", section=section, line=line)
            meta[key] = value
            meta_lines[key] = line
        elif section == "projects":
            values = {h: v.strip() for h, v in zip(header, row, strict=True)}
            pid = values["project_id"]
            if not pid:
                raise PabulibError("empty project_id", section=section, line=line)
            if pid in project_ids:
                raise PabulibError(f"project {pid!r} appears twice", section=section, line=line)
            try:
                cost = to_fraction(values["cost"], "cost")
            except ElectionError as error:
                raise PabulibError(
                    f"project {pid!r}: {error}", section=section, line=line
                ) from None
            if cost < 0:
                raise PabulibError(
                    f"project {pid!r} has a negative cost", section=section, line=line
                )
            name = values.get("name", "")
            extra = tuple(
                (h, v) for h, v in values.items() if h not in ("project_id", "cost", "name")
            )
            projects.append(Project(pid, cost, "" if name.lower() == "none" else name, extra))
            project_ids.add(pid)
        else:
            vote_rows.append((line, row))

    for name in _SECTIONS:
        if name not in seen:
            raise PabulibError(f"the {name.upper()} section is missing")
    if "budget" not in meta:
        raise PabulibError("the key 'budget' is missing", section="meta")
    if "vote_type" not in meta:
        raise PabulibError("the key 'vote_type' is missing", section="meta")
    try:
        budget = to_fraction(meta["budget"], "budget")
    except ElectionError as error:
        raise PabulibError(str(error), section="meta", line=meta_lines["budget"]) from None
    if budget < 0:
        raise PabulibError("the budget is negative", section="meta", line=meta_lines["budget"])
    try:
        vote_type = VoteType(meta["vote_type"].strip().lower())
    except ValueError:
        raise PabulibError(
            f"unknown vote_type {meta['vote_type']!r} (approval, choose-1, ordinal, "
            "cumulative or scoring)",
            section="meta",
            line=meta_lines["vote_type"],
        ) from None

    columns = _VoteColumns(header if "votes" in seen and header else ["voter_id", "vote"])
    ballots = [_parse_vote(vote_type, line, row, columns, project_ids) for line, row in vote_rows]
    seen_ids: dict[str, int] = {}
    for (line, _), ballot in zip(vote_rows, ballots, strict=True):
        if ballot.voter_id is not None:
            if ballot.voter_id in seen_ids:
                first = seen_ids[ballot.voter_id]
                raise PabulibError(
                    f"voter_id {ballot.voter_id!r} already used on line {first}",
                    section="votes",
                    line=line,
                )
            seen_ids[ballot.voter_id] = line
    kept_meta = tuple((k, v) for k, v in meta.items() if k not in _DERIVED_META)
    try:
        return Election(tuple(projects), budget, tuple(ballots), vote_type, kept_meta)
    except ElectionError as error:  # pragma: no cover - everything is checked above
        raise PabulibError(str(error)) from None


def _check_header(section: str, header: list[str], line: int) -> None:
    if len(set(header)) != len(header):
        raise PabulibError("a column name appears twice in the header", section=section, line=line)
    if section == "meta":
        if [h.lower() for h in header] != ["key", "value"]:
            raise PabulibError(
                f"the header must be 'key;value', not {';'.join(header)!r}",
                section=section,
                line=line,
            )
        return
    required = ("project_id", "cost") if section == "projects" else ("voter_id", "vote")
    for column in required:
        if column not in header:
            raise PabulibError(f"the header has no {column!r} column", section=section, line=line)


class _VoteColumns:
    """Where the columns of the VOTES section are."""

    def __init__(self, header: list[str]):
        self.voter_id = header.index("voter_id")
        self.vote = header.index("vote")
        self.points = header.index("points") if "points" in header else None
        self.extra = [
            (name, i) for i, name in enumerate(header) if name not in ("voter_id", "vote", "points")
        ]


def _parse_vote(
    vote_type: VoteType, line: int, row: list[str], cols: _VoteColumns, project_ids: set[str]
) -> Ballot:
    def fail(message: str) -> PabulibError:
        return PabulibError(message, section="votes", line=line)

    voter_id = row[cols.voter_id].strip()
    if not voter_id:
        raise fail("empty voter_id")
    raw_vote = row[cols.vote].strip()
    ids = [] if _missing(raw_vote) else [x.strip() for x in raw_vote.split(",")]
    for pid in ids:
        if pid not in project_ids:
            if not pid:
                raise fail(f"empty project id in vote {raw_vote!r}")
            raise fail(f"project {pid!r} is not in PROJECTS")
    if len(set(ids)) != len(ids):
        dup = next(x for x in ids if ids.count(x) > 1)
        raise fail(f"project {dup!r} appears twice in the vote")
    extra = tuple((name, row[i].strip()) for name, i in cols.extra)
    if vote_type is VoteType.APPROVAL or vote_type is VoteType.CHOOSE_1:
        if vote_type is VoteType.CHOOSE_1 and len(ids) > 1:
            raise fail(f"a choose-1 vote lists {len(ids)} projects")
        return ApprovalBallot(frozenset(ids), voter_id, extra)
    if vote_type is VoteType.ORDINAL:
        return OrdinalBallot(tuple(ids), voter_id, extra)
    if cols.points is None:
        raise fail(f"a {vote_type} vote needs a 'points' column")
    raw_points = row[cols.points].strip()
    points = [] if _missing(raw_points) else [x.strip() for x in raw_points.split(",")]
    if len(points) != len(ids):
        raise fail(f"{len(ids)} projects in the vote but {len(points)} values in points")
    scores: list[tuple[str, Fraction]] = []
    for pid, text in zip(ids, points, strict=True):
        try:
            value = to_fraction(text, "points")
        except ElectionError as error:
            raise fail(f"{error} for project {pid!r}") from None
        if vote_type is VoteType.CUMULATIVE and value < 0:
            raise fail(f"negative points for project {pid!r}")
        scores.append((pid, value))
    return PointsBallot(tuple(scores), voter_id, extra)


# ------------------------------------------------------------------------------------ writing
def format_number(value: Fraction | int) -> str:
    """Writes an exact number in decimal notation (``12``, ``2828094.61``).

    Raises ValueError for a fraction without a finite decimal expansion (like 1/3).
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    digits = max(twos, fives)
    scaled = abs(value.numerator) * (10**digits // value.denominator)
    sign = "-" if value < 0 else ""
    text = str(scaled).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}".rstrip("0").rstrip(".")


def election_to_pabulib_string(election: Election) -> str:
    """The ``.pb`` text of an election (see :func:`write_pabulib`)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    meta = dict(election.meta)
    w.writerow(["META"])
    w.writerow(["key", "value"])
    derived = {
        "num_projects": str(len(election.projects)),
        "num_votes": str(len(election.ballots)),
        "budget": format_number(election.budget),
        "vote_type": election.vote_type.value,
    }
    keys = list(meta)
    for key, value in [*derived.items(), *((k, meta[k]) for k in keys)]:
        w.writerow([key, value])

    w.writerow(["PROJECTS"])
    extra_cols: list[str] = []
    for p in election.projects:
        for col, _ in p.extra:
            if col not in extra_cols:
                extra_cols.append(col)
    w.writerow(["project_id", "cost", "name", *extra_cols])
    for p in election.projects:
        extra = dict(p.extra)
        w.writerow(
            [p.id, format_number(p.cost), p.name, *(extra.get(c, "None") for c in extra_cols)]
        )

    w.writerow(["VOTES"])
    has_points = election.vote_type.has_points
    vextra: list[str] = []
    for b in election.ballots:
        for col, _ in b.extra:
            if col not in vextra:
                vextra.append(col)
    w.writerow(["voter_id", "vote", *(["points"] if has_points else []), *vextra])
    for index, b in enumerate(election.ballots):
        voter_id = b.voter_id if b.voter_id is not None else str(index + 1)
        if isinstance(b, PointsBallot):
            vote = ",".join(p for p, _ in b.scores)
            points = [",".join(format_number(v) for _, v in b.scores)]
        elif isinstance(b, OrdinalBallot):
            vote, points = ",".join(b.ranking), []
        else:
            vote, points = ",".join(sorted(b.projects)), []
        extra = dict(b.extra)
        w.writerow([voter_id, vote, *points, *(extra.get(c, "None") for c in vextra)])
    return out.getvalue()


def write_pabulib(election: Election, path: str | Path) -> None:
    """Writes an election as a ``.pb`` file (UTF-8) that :func:`read_pabulib` reads back equal.

    Ballots without a voter id get their position (1, 2, ...) as id. Approval ballots are
    written with their projects sorted by id. Missing optional values are written ``None``.
    """
    Path(path).write_text(election_to_pabulib_string(election), encoding="utf-8")
