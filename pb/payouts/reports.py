"""Transparency: totals for group views, server-rendered SVG charts (as numbers for templates),
the ledger as CSV for the municipality's accounting (format: docs/ledger-csv.md), and the
programme's overview of every pot."""

import csv
import io
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from sqlalchemy import func, select

from pb.extensions import db
from pb.groups.models import Group
from pb.i18n import locale_code
from pb.payouts.ledger import balances, money_ends_on, pot_for_group
from pb.payouts.models import (
    PAYOUT_CATEGORIES,
    PAYOUT_KINDS,
    LedgerEntry,
    LedgerTransaction,
    PayoutRequest,
    Pot,
)
from pb.spreadsheet import kroner, safe_cell

# The share-of-the-pot bar, left to right: what is gone, promised, set aside, and still free.
SHARE_COLOURS = (
    ("paid", "#555"),
    ("reserved", "#b7791f"),
    ("earmarked", "#6b4c9a"),
    ("available", "#0b5d4b"),
)
KIND_COLOURS = {"collective": "#0b5d4b", "conditional": "#b7791f", "unconditional": "#3a6ea5"}
CATEGORY_COLOURS = dict(
    zip(
        PAYOUT_CATEGORIES,
        [
            "#0b5d4b",
            "#b7791f",
            "#3a6ea5",
            "#8e3b46",
            "#5b8c2a",
            "#6b4c9a",
            "#c05621",
            "#2c7a7b",
            "#4a5568",
            "#b83280",
        ],
        strict=True,
    )
)

# A figure that describes fewer payouts than this is not shown: with one or two payouts in a
# month or a category, a small community could tell whose amount it is.
SMALL_COUNT = 3
PRIVATE_KINDS = ("conditional", "unconditional")


def suppressed_cells(counts: dict, private: set) -> set:
    """The cells of a table (row, column) -> number of payouts that must not be shown.

    A private column's cell with 1 or 2 payouts is hidden (primary suppression). A column whose
    total is published elsewhere must then not let the hidden cells be worked out by
    subtraction: while its hidden cells together describe fewer than SMALL_COUNT payouts (one
    hidden cell, or two single payouts whose sum a family could split with its own), the
    smallest other cell of that column is hidden too (secondary suppression). Rows that hide any
    cell hide their total as well (see the templates).
    """
    hidden = {
        cell for cell, count in counts.items() if cell[1] in private and 0 < count < SMALL_COUNT
    }
    for column in private:
        cells = [cell for cell in counts if cell[1] == column and counts[cell] > 0]
        while True:
            hidden_here = [c for c in cells if c in hidden]
            described = sum(counts[c] for c in hidden_here)
            if not hidden_here or (len(hidden_here) > 1 and described >= SMALL_COUNT):
                break
            others = sorted((c for c in cells if c not in hidden), key=lambda c: counts[c])
            if not others:
                break
            hidden.add(others[0])
    return hidden


# --- totals ------------------------------------------------------------------------------------


@dataclass
class PotSummary:
    """Reserved and paid per payout type, and paid per category: totals only, no one named.
    A total of fewer than SMALL_COUNT individual payouts is None: not shown."""

    by_kind: dict[str, dict[str, int | None]]
    by_category: dict[str, int | None]
    open_count: int


def pot_summary(pot: Pot) -> PotSummary:
    """Totals per type and per category. A total counts the payouts that make it up now (an
    approved-then-paid payout no longer makes up "reserved"), and is hidden below SMALL_COUNT."""
    by_kind, by_category = by_ledger(pot, "summary", _ledger_totals)
    return PotSummary(by_kind=by_kind, by_category=by_category, open_count=open_count(pot))


def open_count(pot: Pot) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PayoutRequest)
        .where(PayoutRequest.pot_id == pot.id, PayoutRequest.state == "requested")
    )


def _ledger_totals(pot: Pot) -> tuple[dict, dict]:
    per_payout = db.session.execute(
        select(
            PayoutRequest.id,
            PayoutRequest.kind,
            PayoutRequest.category,
            LedgerEntry.account,
            func.sum(LedgerEntry.amount_ore),
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(PayoutRequest, PayoutRequest.id == LedgerTransaction.payout_request_id)
        .where(
            LedgerEntry.pot_id == pot.id,
            LedgerTransaction.pot_id == pot.id,
            PayoutRequest.pot_id == pot.id,
            LedgerEntry.account.in_(("reserved", "paid")),
        )
        .group_by(PayoutRequest.id, PayoutRequest.kind, PayoutRequest.category, LedgerEntry.account)
    ).all()
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # key -> [total, payouts]
    for _payout_id, kind, category, account, amount in per_payout:
        amount = int(amount or 0)
        if not amount:
            continue
        for key in [(kind, account)] + (
            [("category", category)] if account == "paid" and category else []
        ):
            sums[key][0] += amount
            sums[key][1] += 1
    by_kind = {kind: {"reserved": 0, "paid": 0} for kind in PAYOUT_KINDS}
    for (kind, account), (total, count) in sums.items():
        if kind == "category":
            continue
        small = kind in PRIVATE_KINDS and count < SMALL_COUNT
        by_kind[kind][account] = None if small else total
    by_category = {
        category: total if count >= SMALL_COUNT else None
        for (kind, category), (total, count) in sums.items()
        if kind == "category"
    }
    return by_kind, by_category


# --- figures kept while the ledger stands still -------------------------------------------------

# A municipal pot has thousands of ledger entries, and its totals and charts took 100-150 ms
# to add up on PostgreSQL, on every view of the pot page. They change only when the ledger
# does, so each process keeps the last ones it worked out, under the pot's ledger version.
# The ledger is append-only: its set of transactions only grows, so the number of them (with
# the newest id and time, which also tell two test databases apart) changes with every
# transaction that commits, in whatever order they commit. Kind and category of a payout are
# fixed before any of its money moves. Each app server keeps its own copy, so a second server
# is never served stale figures either: it checks the version on every request.
_FIGURES_KEPT = 256
_figures: OrderedDict = OrderedDict()
_figures_lock = threading.Lock()


def ledger_version(pot: Pot) -> tuple:
    return tuple(
        db.session.execute(
            select(
                func.count(LedgerTransaction.id),
                func.max(LedgerTransaction.id),
                func.max(LedgerTransaction.created_at),
            ).where(LedgerTransaction.pot_id == pot.id)
        ).one()
    )


def by_ledger(pot: Pot, name: str, compute):
    """`compute(pot)`, worked out again only when the pot's ledger has changed. What it returns
    is shared between requests: callers must not change it."""
    engine = db.session.get_bind()
    key = (str(engine.url), name, pot.id, locale_code(), _version_in_transaction(pot))
    with _figures_lock:
        if key in _figures:
            _figures.move_to_end(key)
            return _figures[key]
    value = compute(pot)
    with _figures_lock:
        _figures[key] = value
        while len(_figures) > _FIGURES_KEPT:
            _figures.popitem(last=False)
    return value


def _version_in_transaction(pot: Pot) -> tuple:
    from pb.transaction_cache import remember

    return remember(("ledger_version", pot.id), lambda: ledger_version(pot))


def collective_payouts(group) -> list[PayoutRequest]:
    return list(
        db.session.scalars(
            select(PayoutRequest)
            .where(
                PayoutRequest.group_id == group.id,
                PayoutRequest.kind == "collective",
                PayoutRequest.state != "draft",
            )
            .order_by(PayoutRequest.id.desc())
        )
    )


# --- charts ------------------------------------------------------------------------------------


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""


@dataclass
class Chart:
    """A chart as shapes, for the template to draw; `table` holds the same numbers as text."""

    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (series key, colour)
    months: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    table: list[tuple[str, dict[str, int], int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.table


def _paid_rows(pot: Pot) -> list[tuple]:
    return db.session.execute(
        select(
            PayoutRequest.id,
            LedgerTransaction.created_at,
            PayoutRequest.kind,
            PayoutRequest.category,
            LedgerEntry.amount_ore,
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(PayoutRequest, PayoutRequest.id == LedgerTransaction.payout_request_id)
        .where(
            LedgerEntry.pot_id == pot.id,
            LedgerTransaction.pot_id == pot.id,
            PayoutRequest.pot_id == pot.id,
            LedgerEntry.account == "paid",
        )
        .order_by(LedgerTransaction.created_at)
    ).all()


def _stacked(
    per_month: dict[date, dict[str, int]],
    series: list[str],
    colours: dict,
    payouts: dict[date, dict[str, set]],
    private: set,
) -> Chart:
    """A bar per month, stacked by series. Cells of fewer than SMALL_COUNT private payouts are
    neither drawn nor in the table (None), and a month that hides one hides its total too."""
    width, height, top, bottom, left = 320, 180, 10, 30, 4
    months = sorted(per_month)
    chart = Chart(width=width, height=height, series=series)
    chart.legend = [(s, colours[s]) for s in series]
    if not months:
        return chart
    hidden = suppressed_cells(
        {(m, key): len(payouts[m].get(key, ())) for m in months for key in series}, private
    )
    per_month = {
        m: {key: None if (m, key) in hidden else amount for key, amount in values.items()}
        for m, values in per_month.items()
    }
    peak = max(sum(a for a in v.values() if a) for v in per_month.values()) or 1
    slot = (width - left) / len(months)
    bar = max(4.0, min(36.0, slot * 0.7))
    plot = height - top - bottom
    for index, month in enumerate(months):
        label = format_date(month, "MMM yy")
        # Under the bars only the month, and the year where it changes, so labels don't overlap.
        short = format_date(month, "MMM") if index and month.month != 1 else label
        x = left + index * slot + (slot - bar) / 2
        y = height - bottom
        for key in series:
            amount = per_month[month].get(key, 0)
            if not amount or amount <= 0:
                continue
            h = plot * amount / peak
            y -= h
            chart.rects.append(
                Rect(round(x, 1), round(y, 1), round(bar, 1), round(h, 1), colours[key], key)
            )
        chart.labels.append((round(x + bar / 2, 1), height - bottom + 16, short))
        values = per_month[month]
        total = None if None in values.values() else sum(values.values())
        chart.table.append((label, dict(values), total))
    return chart


def cached_balances(pot: Pot):
    """The pot's balances for pages that show them; the checks on money read `balances`."""
    return by_ledger(pot, "balances", balances)


def charts(pot: Pot) -> dict:
    """The pot's charts as shapes; the pot page keeps them rendered (payouts.views)."""
    by_kind: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_category: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kind_payouts: dict[date, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    category_payouts: dict[date, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for payout_id, created_at, kind, category, amount in _paid_rows(pot):
        month = date(created_at.year, created_at.month, 1)
        by_kind[month][kind] += amount
        kind_payouts[month][kind].add(payout_id)
        if category:
            by_category[month][category] += amount
            category_payouts[month][category].add(payout_id)
    used_categories = [c for c in PAYOUT_CATEGORIES if any(c in v for v in by_category.values())]
    totals = cached_balances(pot)
    share = Chart(width=320, height=28)
    if totals.allocated:
        x = 0.0
        for account, colour in SHARE_COLOURS:
            amount = getattr(totals, account)
            w = 320 * amount / totals.allocated
            if w > 0:
                share.rects.append(Rect(round(x, 1), 0, round(w, 1), 28, colour, account))
            x += w
    return {
        "by_kind": _stacked(
            by_kind, list(PAYOUT_KINDS), KIND_COLOURS, kind_payouts, set(PRIVATE_KINDS)
        ),
        # Categories belong to conditional payouts, so every one of them is private.
        "by_category": _stacked(
            by_category,
            used_categories,
            CATEGORY_COLOURS,
            category_payouts,
            set(used_categories),
        ),
        "share": share,
        "share_left_percent": round(100 * totals.share_left),
        "share_legend": [(a, c) for a, c in SHARE_COLOURS if getattr(totals, a)],
    }


# --- the ledger as CSV ---------------------------------------------------------------------------

CSV_COLUMNS = [
    "entry_id",
    "transaction_id",
    "booked_at",
    "pot_id",
    "group_id",
    "group_name",
    "account",
    "amount_ore",
    "amount_nok",
    "transaction_kind",
    "payout_id",
    "payout_type",
    "category",
    "payment_method",
    "household_id",
    "memo",
    "round_id",
]


def ledger_rows(pots: list[Pot]):
    pot_ids = [p.id for p in pots]
    return db.session.execute(
        select(LedgerEntry, LedgerTransaction, PayoutRequest, Group)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Pot, Pot.id == LedgerEntry.pot_id)
        .join(Group, Group.id == Pot.group_id)
        .outerjoin(PayoutRequest, PayoutRequest.id == LedgerTransaction.payout_request_id)
        .where(LedgerEntry.pot_id.in_(pot_ids))
        .order_by(LedgerEntry.id)
    ).all()


def ledger_csv(pots: list[Pot]) -> str:
    """One row per ledger entry, in the documented stable columns (docs/ledger-csv.md)."""
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry, transaction, payout, group in ledger_rows(pots):
        writer.writerow(
            [
                entry.id,
                transaction.id,
                transaction.created_at.replace(microsecond=0).isoformat() + "Z",
                entry.pot_id,
                group.id,
                safe_cell(group.name),
                entry.account,
                entry.amount_ore,
                kroner(entry.amount_ore),
                transaction.kind,
                payout.id if payout else "",
                payout.kind if payout else "",
                (payout.category or "") if payout else "",
                (payout.payment_method or "") if payout else "",
                (payout.household_id or "") if payout else "",
                safe_cell(transaction.memo),
                transaction.budget_round_id or "",
            ]
        )
    return out.getvalue()


# --- the programme's overview -------------------------------------------------------------------


@dataclass
class PotRow:
    group: Group
    balances: object
    ends_on: date | None
    open_count: int


def programme_rows(programme, group_ids: set[int] | None = None) -> list[PotRow]:
    """One row per group's pot; only the groups in `group_ids`, when given."""
    rows = []
    for group in programme.groups:
        if group_ids is not None and group.id not in group_ids:
            continue
        pot = pot_for_group(group)
        if pot is None:
            rows.append(PotRow(group, None, None, 0))
            continue
        rows.append(PotRow(group, balances(pot), money_ends_on(pot), open_count(pot)))
    return rows
