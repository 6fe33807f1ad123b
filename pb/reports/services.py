"""Reports that tell about change, for a group or a whole programme over a period: money by
payout type and category, who took part, activities, survey results, stories, and the allocation
letters' goals beside what was recorded.

Nothing here names a person. Money cells that describe fewer than SMALL_COUNT individual payouts
are hidden, with the complement, as on the pot page (pb/payouts/reports.py).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from sqlalchemy import case, func, literal, or_, select, union
from sqlalchemy.orm import contains_eager, lazyload

from pb.extensions import db
from pb.groups.models import Group, Membership
from pb.lending.models import Booking, Item
from pb.payouts.models import (
    PAYOUT_KINDS,
    Allocation,
    LedgerEntry,
    LedgerTransaction,
    PayoutRequest,
    Pot,
)
from pb.payouts.reports import PRIVATE_KINDS, SMALL_COUNT, suppressed_cells
from pb.projects import services as projects
from pb.projects.models import Activity, Project
from pb.proposals.forms import midnight_utc
from pb.proposals.models import BudgetRound, Proposal
from pb.voting.models import Ballot

# What a borrowing is for "taking part": the thing went out to them.
BORROWED = ("picked_up", "returned")
NO_CATEGORY = ""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def since(self):
        return midnight_utc(self.start)

    @property
    def until(self):
        """The first moment after the period's last day."""
        return midnight_utc(self.end + timedelta(days=1))


# --- money ---------------------------------------------------------------------------------------


@dataclass
class MoneyCell:
    kind: str
    category: str
    amount_ore: int | None  # None: hidden
    payouts: int | None


@dataclass
class MoneySection:
    """One calendar year's payments. Money is reported by whole calendar years only: two
    reports over overlapping periods could otherwise be subtracted to single out one payment."""

    year: int
    cells: list[MoneyCell]
    by_kind: dict[str, tuple[int | None, int | None]]  # kind -> (amount, payouts), None hidden
    total_ore: int | None

    @property
    def any_hidden(self) -> bool:
        return (
            any(c.amount_ore is None for c in self.cells)
            or any(amount is None for amount, _count in self.by_kind.values())
            or self.total_ore is None
        )


def money_years(period: Period) -> list[int]:
    return list(range(period.start.year, period.end.year + 1))


def money(group_ids: list[int], period: Period) -> list[MoneySection]:
    """What was paid in each calendar year the period touches, per payout type and category:
    one query for all the years, each payout's sum put in the year it was paid."""
    years = money_years(period)
    whole = Period(date(years[0], 1, 1), date(years[-1], 12, 31))
    # The year of a payment, from the UTC midnights the report's periods use, the same way on
    # SQLite and PostgreSQL (extract() would follow PostgreSQL's session time zone).
    later_years = [
        (LedgerTransaction.created_at < Period(date(y, 1, 1), date(y, 12, 31)).until, y)
        for y in years[:-1]
    ]
    year_paid = (case(*later_years, else_=years[-1]) if later_years else literal(years[-1])).label(
        "year_paid"
    )
    pots = select(Pot.id).where(Pot.group_id.in_(group_ids))
    rows = db.session.execute(
        select(
            year_paid,
            PayoutRequest.id,
            PayoutRequest.kind,
            PayoutRequest.category,
            func.sum(LedgerEntry.amount_ore),
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(PayoutRequest, PayoutRequest.id == LedgerTransaction.payout_request_id)
        .where(
            # Each table narrowed to the groups' pots on its own, so that PostgreSQL reads only
            # their rows through the indexes instead of scanning every pot's transactions.
            LedgerEntry.pot_id.in_(pots),
            LedgerTransaction.pot_id.in_(pots),
            PayoutRequest.group_id.in_(group_ids),
            LedgerEntry.account == "paid",
            LedgerTransaction.created_at >= whole.since,
            LedgerTransaction.created_at < whole.until,
        )
        .group_by(year_paid, PayoutRequest.id, PayoutRequest.kind, PayoutRequest.category)
    ).all()
    per_year: dict[int, list[tuple]] = {year: [] for year in years}
    for year, *payout in rows:
        per_year[int(year)].append(payout)
    return [money_section(year, per_year[year]) for year in years]


def money_in_year(group_ids: list[int], year: int) -> MoneySection:
    return money(group_ids, Period(date(year, 1, 1), date(year, 12, 31)))[0]


def money_section(year: int, per_payout: list[tuple]) -> MoneySection:
    """One year's table from each payout's (id, kind, category, amount paid).

    A cell of fewer than SMALL_COUNT individual payouts is hidden, and more cells of its
    column while the hidden ones together describe fewer than SMALL_COUNT payouts (the type's
    total is shown). A type's total that describes fewer than SMALL_COUNT payouts is hidden, and
    the grand total too unless the hidden types together describe SMALL_COUNT payouts or more."""
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, list[int]] = {kind: [0, 0] for kind in PAYOUT_KINDS}
    for _payout_id, kind, category, amount in per_payout:
        amount = int(amount or 0)
        if amount <= 0:
            continue
        cell = (category or NO_CATEGORY, kind)
        sums[cell][0] += amount
        sums[cell][1] += 1
        kinds[kind][0] += amount
        kinds[kind][1] += 1
    hidden = suppressed_cells(
        {cell: count for cell, (_a, count) in sums.items()}, set(PRIVATE_KINDS)
    )
    cells = [
        MoneyCell(
            kind=kind,
            category=category,
            amount_ore=None if (category, kind) in hidden else amount,
            payouts=None if (category, kind) in hidden else count,
        )
        for (category, kind), (amount, count) in sorted(
            sums.items(), key=lambda item: (PAYOUT_KINDS.index(item[0][1]), item[0][0])
        )
    ]
    hidden_kinds = {
        kind
        for kind, (_amount, count) in kinds.items()
        if kind in PRIVATE_KINDS and 0 < count < SMALL_COUNT
    }
    by_kind = {
        kind: (None, None) if kind in hidden_kinds else (amount, count)
        for kind, (amount, count) in kinds.items()
    }
    # The grand total minus the shown types is the hidden types' sum: it may be shown only if
    # that sum describes enough payouts to hide any one of them.
    hidden_payouts = sum(kinds[kind][1] for kind in hidden_kinds)
    total = (
        None
        if 0 < hidden_payouts < SMALL_COUNT
        else sum(amount for amount, _count in kinds.values())
    )
    return MoneySection(year=year, cells=cells, by_kind=by_kind, total_ore=total)


# --- taking part ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    members: int
    proposed: int
    voted: int
    borrowed: int
    any: int


def participation(group_ids: list[int], period: Period) -> Participation:
    """How many people proposed, voted or borrowed in the period: counts of people, no names."""
    proposers = (
        select(Proposal.author_id.label("user_id"))
        .join(BudgetRound, BudgetRound.id == Proposal.round_id)
        .where(
            BudgetRound.group_id.in_(group_ids),
            Proposal.created_at >= period.since,
            Proposal.created_at < period.until,
        )
    )
    voters = (
        select(Ballot.voter_id.label("user_id"))
        .join(BudgetRound, BudgetRound.id == Ballot.round_id)
        .where(
            BudgetRound.group_id.in_(group_ids),
            Ballot.submitted_at >= period.since,
            Ballot.submitted_at < period.until,
        )
    )
    borrowers = (
        select(Booking.borrower_id.label("user_id"))
        .join(Item, Item.id == Booking.item_id)
        .where(
            Item.group_id.in_(group_ids),
            Booking.borrower_id.is_not(None),
            Booking.status.in_(BORROWED),
            Booking.start_on <= period.end,
            Booking.end_on >= period.start,
        )
    )

    def people(query):
        query = query.subquery()
        return select(func.count(func.distinct(query.c.user_id))).scalar_subquery()

    members = select(Membership.user_id.label("user_id")).where(Membership.group_id.in_(group_ids))
    # The five counts in one statement: each is its own subquery.
    counts = db.session.execute(
        select(
            people(members),
            people(proposers),
            people(voters),
            people(borrowers),
            people(union(proposers, voters, borrowers)),
        )
    ).one()
    return Participation(*(int(value or 0) for value in counts))


# --- activities ----------------------------------------------------------------------------------


@dataclass
class ActivitiesSection:
    projects: list[tuple[Project, projects.ProjectTotals]]
    by_kind: dict[str, projects.ProjectTotals]
    total: projects.ProjectTotals
    months: list[tuple[date, int, int, int]]  # (first of month, adults, youth, children)


def _sum_totals(values) -> projects.ProjectTotals:
    values = list(values)
    return projects.ProjectTotals(
        *(sum(getattr(v, name) for v in values) for name in projects.ProjectTotals.__annotations__)
    )


def activities(group_ids: list[int], period: Period) -> ActivitiesSection:
    logged_in_period = select(Activity.project_id).where(
        Activity.happened_on >= period.start, Activity.happened_on <= period.end
    )
    # The projects running in the period, and any other that logged something in it, so the
    # project rows always add up to the totals below them.
    group_projects = list(
        db.session.scalars(
            select(Project)
            .where(Project.group_id.in_(group_ids))
            .where(
                or_(
                    (Project.starts_on <= period.end)
                    & (or_(Project.ends_on.is_(None), Project.ends_on >= period.start)),
                    Project.id.in_(logged_in_period),
                )
            )
            .order_by(Project.group_id, Project.title)
            # The report shows neither leaders nor funding: not loaded unless asked for.
            .options(lazyload(Project.leaders), lazyload(Project.funding))
        )
    )
    rows = db.session.execute(
        select(
            Activity.project_id,
            Activity.kind,
            Activity.happened_on,
            Activity.adults,
            Activity.youth,
            Activity.children,
            Activity.volunteer_minutes,
            Activity.cost_ore,
        )
        .join(Project, Project.id == Activity.project_id)
        .where(
            Project.group_id.in_(group_ids),
            Activity.happened_on >= period.start,
            Activity.happened_on <= period.end,
        )
    ).all()
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    months: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    # Each project's sums from the same rows: every project that logged something in the
    # period is among the group's projects above.
    per_project: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for project_id, kind, day, adults, youth, children, minutes, cost in rows:
        values = (1, adults, youth, children, minutes, cost)
        for sums in (kinds[kind], per_project[project_id]):
            for index, value in enumerate(values):
                sums[index] += value
        m = months[date(day.year, day.month, 1)]
        m[0] += adults
        m[1] += youth
        m[2] += children
    by_kind = {kind: projects.ProjectTotals(*values) for kind, values in sorted(kinds.items())}
    return ActivitiesSection(
        projects=[(p, projects.ProjectTotals(*per_project[p.id])) for p in group_projects],
        by_kind=by_kind,
        total=_sum_totals(by_kind.values()),
        months=[(month, *values) for month, values in sorted(months.items())],
    )


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    series: str


@dataclass
class MonthChart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)


HEAD_COLOURS = (("adults", "#0b5d4b"), ("youth", "#b7791f"), ("children", "#3a6ea5"))


def heads_chart(months: list[tuple[date, int, int, int]]) -> MonthChart:
    """People at activities, month by month, stacked adults / youth / children."""
    width, height, bottom = 320, 180, 30
    chart = MonthChart(width=width, height=height)
    if not months:
        return chart
    peak = max(a + y + c for _m, a, y, c in months) or 1
    slot = width / len(months)
    bar = max(4.0, min(36.0, slot * 0.7))
    plot = height - bottom - 10
    for index, (month, *counts) in enumerate(months):
        x = index * slot + (slot - bar) / 2
        y = height - bottom
        for (series, colour), count in zip(HEAD_COLOURS, counts, strict=True):
            if not count:
                continue
            h = plot * count / peak
            y -= h
            chart.bars.append(
                Bar(round(x, 1), round(y, 1), round(bar, 1), round(h, 1), colour, series)
            )
        label = (
            format_date(month, "MMM")
            if index and month.month != 1
            else format_date(month, "MMM yy")
        )
        chart.labels.append((round(x + bar / 2, 1), height - bottom + 16, label))
    return chart


# --- goals ---------------------------------------------------------------------------------------


def allocations(group_ids: list[int], period: Period) -> list[Allocation]:
    """The allocation letters whose period meets the report's."""
    return list(
        db.session.scalars(
            select(Allocation)
            .join(Pot, Pot.id == Allocation.pot_id)
            .options(contains_eager(Allocation.pot))
            .where(
                Pot.group_id.in_(group_ids),
                Allocation.starts_on <= period.end,
                Allocation.ends_on >= period.start,
            )
            .order_by(Allocation.starts_on)
        )
    )


@dataclass(frozen=True)
class Recorded:
    """What one group recorded in the period, to put beside its allocation letter's goals."""

    activities: int
    heads: int
    volunteer_minutes: int
    took_part: int
    stories: int


def recorded(group_id: int, period: Period, visibilities=None) -> Recorded:
    from pb.projects.services import published_stories

    return recorded_from(
        activities([group_id], period),
        participation([group_id], period),
        published_stories([group_id], visibilities, period.start, period.end),
    )


def recorded_from(activities_section, participation_section, stories) -> Recorded:
    """What a group recorded, from its report's own sections: a group's report has them
    already, and working them out again doubled its statements."""
    done = activities_section.total
    return Recorded(
        activities=done.activities,
        heads=done.heads,
        volunteer_minutes=done.volunteer_minutes,
        took_part=participation_section.any,
        stories=len(stories),
    )


def group_names(group_ids: list[int]) -> dict[int, str]:
    return dict(
        db.session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids))).all()
    )
