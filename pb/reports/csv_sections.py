"""Each report section as CSV rows, with the same suppression as the page: a hidden figure is
written as the word "hidden", never as its number."""

from pb.projects import services as projects
from pb.reports import services
from pb.spreadsheet import kroner, safe_cell
from pb.surveys import results as surveys
from pb.timeutil import local_day

HIDDEN = "hidden"


def _shown(value, as_money=False) -> str:
    if value is None:
        return HIDDEN
    return kroner(value) if as_money else str(value)


def _money(group_ids, period, _visibilities):
    yield ["year", "payout_type", "category", "payouts", "amount_nok"]
    for section in services.money(group_ids, period):
        year = str(section.year)
        for cell in section.cells:
            yield [
                year,
                cell.kind,
                cell.category,
                _shown(cell.payouts),
                _shown(cell.amount_ore, as_money=True),
            ]
        for kind, (amount, count) in section.by_kind.items():
            yield [year, kind, "all", _shown(count), _shown(amount, as_money=True)]
        yield [year, "all", "all", "", _shown(section.total_ore, as_money=True)]


def _participation(group_ids, period, _visibilities):
    numbers = services.participation(group_ids, period)
    yield ["measure", "people"]
    for measure in ("members", "proposed", "voted", "borrowed", "any"):
        yield [measure, str(getattr(numbers, measure))]


def _totals_row(totals) -> list[str]:
    return [
        str(totals.activities),
        str(totals.adults),
        str(totals.youth),
        str(totals.children),
        str(totals.heads),
        f"{totals.volunteer_minutes / 60:.1f}",
        kroner(totals.cost_ore),
    ]


def _activities(group_ids, period, _visibilities):
    section = services.activities(group_ids, period)
    names = services.group_names(group_ids)
    yield [
        "group",
        "project",
        "status",
        "activities",
        "adults",
        "youth",
        "children",
        "people",
        "volunteer_hours",
        "cost_nok",
    ]
    for project, totals in section.projects:
        yield [
            safe_cell(names[project.group_id]),
            safe_cell(project.title),
            project.status,
            *_totals_row(totals),
        ]
    for kind, totals in section.by_kind.items():
        yield ["all", f"kind:{kind}", "", *_totals_row(totals)]
    yield ["all", "all", "", *_totals_row(section.total)]


def _surveys(group_ids, period, _visibilities):
    yield from surveys.csv_rows(surveys.closed_waves(group_ids, period.start, period.end))


def _stories(group_ids, period, visibilities):
    names = services.group_names(group_ids)
    yield ["group", "published_on", "language", "who_may_read", "title", "text"]
    for story in projects.published_stories(group_ids, visibilities, period.start, period.end):
        yield [
            safe_cell(names[story.group_id]),
            local_day(story.published_at).isoformat(),
            story.language,
            story.visibility,
            safe_cell(story.title),
            safe_cell(story.body),
        ]


def _goals(group_ids, period, visibilities):
    names = services.group_names(group_ids)
    yield [
        "group",
        "funder",
        "starts_on",
        "ends_on",
        "amount_nok",
        "purpose",
        "result_goals",
        "effect_goals",
        "activities",
        "people",
        "volunteer_hours",
        "took_part",
        "stories",
    ]
    for letter in services.allocations(group_ids, period):
        done = services.recorded(letter.pot.group_id, period, visibilities)
        yield [
            safe_cell(names[letter.pot.group_id]),
            safe_cell(letter.funder),
            letter.starts_on.isoformat(),
            letter.ends_on.isoformat(),
            kroner(letter.amount_ore),
            safe_cell(letter.purpose),
            safe_cell(letter.result_goals),
            safe_cell(letter.effect_goals),
            str(done.activities),
            str(done.heads),
            f"{done.volunteer_minutes / 60:.1f}",
            str(done.took_part),
            str(done.stories),
        ]


SECTIONS = {
    "money": _money,
    "participation": _participation,
    "activities": _activities,
    "surveys": _surveys,
    "stories": _stories,
    "goals": _goals,
}


def rows(section: str, group_ids, period, visibilities) -> list[list[str]]:
    return list(SECTIONS[section](group_ids, period, visibilities))
