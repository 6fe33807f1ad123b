"""Thin handlers: the period from the query, the reader's right to the report, then the sections."""

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from pb.groups.access import group_access, programme_access, require
from pb.payouts import forms as payout_forms
from pb.payouts.reports import KIND_COLOURS
from pb.projects import labels as project_labels
from pb.projects import services as projects
from pb.projects.access import photo_visible
from pb.reports import csv_sections, services
from pb.reports.forms import PeriodForm
from pb.spreadsheet import csv_response
from pb.surveys import results as surveys
from pb.web import query_budget

# A group's report shows all its published stories to its staff; the programme's report, read
# by people outside the groups, only the ones their authors shared with the programme.
PROGRAMME_VISIBILITIES = ("programme", "public")


def _period():
    form = PeriodForm(request.args)
    form.validate()
    if form.errors:
        form.start.data = form.end.data = None
    start, end = form.period()
    form.start.data, form.end.data = start, end  # the form shows the period the report covers
    return form, services.Period(start, end)


def _sections(group_ids: list[int], period, visibilities) -> dict:
    activities = services.activities(group_ids, period)
    # Photos go as far as their people agreed: a group's staff see those for the group, the
    # programme's readers only those for the programme.
    consents = ("programme", "public") if visibilities else ("group", "programme", "public")
    shown = projects.shared_photos(group_ids, consents, period.start, period.end)
    participation = services.participation(group_ids, period)
    stories = projects.published_stories(group_ids, visibilities, period.start, period.end)
    letters = services.allocations(group_ids, period)
    recorded = {}
    for group_id in {letter.pot.group_id for letter in letters}:
        if group_ids == [group_id]:  # a group's own report: its sections are what it recorded
            recorded[group_id] = services.recorded_from(activities, participation, stories)
        else:
            recorded[group_id] = services.recorded(group_id, period, visibilities)
    return {
        "money": services.money(group_ids, period),
        "participation": participation,
        "activities": activities,
        "heads_chart": services.heads_chart(activities.months),
        "survey_results": surveys.closed_waves(group_ids, period.start, period.end),
        "stories": stories,
        "allocations": letters,
        "recorded": recorded,
        "photos": [photo for photo in shown if photo_visible(photo, current_user)],
    }


def _render(title, scope, groups, visibilities, csv_endpoint, programme, **ids):
    """`groups`: the report's groups, id to name."""
    group_ids = list(groups)
    form, period = _period()
    return render_template(
        "reports/report.html",
        programme_id=programme,
        title=title,
        scope=scope,
        form=form,
        period=period,
        groups=groups,
        payout_kinds=payout_forms.KIND_LABELS,
        payout_categories=payout_forms.CATEGORY_LABELS,
        kind_colours=KIND_COLOURS,
        project_labels=project_labels,
        csv_url=lambda section: url_for(
            csv_endpoint,
            section=section,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            **ids,
        ),
        **_sections(group_ids, period, visibilities),
    )


def _csv(group_ids, visibilities, section: str, name: str):
    _form, period = _period()
    rows = csv_sections.rows(section, group_ids, period, visibilities)
    filename = f"{name}-{section}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return csv_response(rows, filename)


@query_budget(12)
@login_required
def group_report(group_id: int):
    access = group_access(group_id)
    require(access.can_manage)
    return _render(
        access.group.name,
        access,
        {access.group.id: access.group.name},
        None,
        "reports.group_report_csv",
        access.group.programme_id,
        group_id=group_id,
    )


@login_required
def group_report_csv(group_id: int, section: str):
    access = group_access(group_id)
    require(access.can_manage)
    return _csv([access.group.id], None, section, f"report-group-{group_id}")


def _programme(programme_id: int):
    programme, _role = programme_access(programme_id)
    return programme, [group.id for group in programme.groups]


@login_required
def programme_report(programme_id: int):
    programme, _role = programme_access(programme_id)
    return _render(
        programme.name,
        None,
        {group.id: group.name for group in programme.groups},
        PROGRAMME_VISIBILITIES,
        "reports.programme_report_csv",
        programme_id,
        programme_id=programme_id,
    )


@login_required
def programme_report_csv(programme_id: int, section: str):
    _programme_row, group_ids = _programme(programme_id)
    return _csv(group_ids, PROGRAMME_VISIBILITIES, section, f"report-programme-{programme_id}")
