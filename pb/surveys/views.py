"""Thin handlers: parse, check permission (pb/surveys/access.py), call a service, render."""

from flask import flash, render_template
from flask_login import current_user, login_required

from pb.groups.access import group_access, require
from pb.i18n import gettext as _
from pb.i18n import ngettext
from pb.surveys import forms, questions, results, services
from pb.surveys.access import may_answer, may_send, wave_in_group
from pb.surveys.services import SurveyError
from pb.timeutil import local_today
from pb.web import see_other


def _surveys_page(access, form=None, status: int = 200):
    waves = services.waves_of(access.group)
    today = local_today()
    open_waves = [w for w in waves if w.is_open(today)]
    answered = services.answered_wave_ids(current_user, [w.id for w in open_waves])
    closed = results.results_of([w for w in waves if not w.is_open(today)])
    if form is None and may_send(access):
        form = forms.WaveForm()
    return render_template(
        "surveys/surveys.html",
        access=access,
        open_waves=open_waves,
        answered=answered,
        answered_counts={w.id: services.answered_count(w) for w in open_waves}
        if may_send(access)
        else {},
        closed=list(reversed(closed)),
        change=closed if sum(1 for r in closed if r.shown) >= 2 else [],
        form=form,
        may_answer=may_answer(access),
        questions=questions,
    ), status


@login_required
def surveys_page(group_id: int):
    return _surveys_page(group_access(group_id))


@login_required
def create_wave(group_id: int):
    access = group_access(group_id)
    require(may_send(access))
    form = forms.WaveForm()
    if not form.validate_on_submit():
        return _surveys_page(access, form, status=422)
    try:
        wave = services.create_wave(
            access.group,
            actor=current_user,
            question_keys=form.questions.data,
            closes_on=form.closes_on.data,
            title=form.title.data or "",
        )
    except SurveyError as error:
        field = form.closes_on if error.code.startswith("closes") else form.questions
        if error.code == "title_too_long":
            field = form.title
        field.errors = [*field.errors, error.message]
        return _surveys_page(access, form, status=422)
    flash(_("The survey is sent. The group's members can answer it now."), "success")
    return see_other(".wave_page", group_id=group_id, wave_id=wave.id)


def _wave_page(access, wave, form=None, status: int = 200):
    is_open = wave.is_open()
    answered = services.has_answered(wave, current_user)
    if is_open and form is None and may_answer(access) and not answered:
        form = forms.answer_form(wave.question_keys)
    return render_template(
        "surveys/wave.html",
        access=access,
        wave=wave,
        is_open=is_open,
        answered=answered,
        may_answer=may_answer(access),
        may_send=may_send(access),
        answered_count=services.answered_count(wave) if is_open and may_send(access) else None,
        result=None if is_open else results.wave_result(wave),
        form=form,
        close_form=forms.CloseForm() if is_open and may_send(access) else None,
        field_name=forms.field_name,
        questions=questions,
    ), status


@login_required
def wave_page(group_id: int, wave_id: int):
    access = group_access(group_id)
    return _wave_page(access, wave_in_group(access, wave_id))


@login_required
def answer(group_id: int, wave_id: int):
    access = group_access(group_id)
    wave = wave_in_group(access, wave_id)
    require(may_answer(access))
    form = forms.answer_form(wave.question_keys)
    if not form.validate_on_submit():
        flash(_("Some questions need an answer. They are marked below."), "error")
        return _wave_page(access, wave, form, status=422)
    try:
        services.answer(wave, user=current_user, answers=form.answers())
    except SurveyError as error:
        if error.code in ("missing_answer", "bad_answer"):
            flash(error.message, "error")
            return _wave_page(access, wave, form, status=422)
        flash(error.message, "error")
        return see_other(".wave_page", group_id=group_id, wave_id=wave_id)
    flash(
        _("Thank you! Your answers are counted, and nobody can see what you answered."), "success"
    )
    return see_other(".surveys_page", group_id=group_id)


@login_required
def close_wave(group_id: int, wave_id: int):
    access = group_access(group_id)
    wave = wave_in_group(access, wave_id)
    require(may_send(access))
    form = forms.CloseForm()
    if not form.validate_on_submit():
        flash(_("Please reload the page and try again."), "error")
        return see_other(".wave_page", group_id=group_id, wave_id=wave_id)
    try:
        services.close_wave(wave, actor=current_user)
    except SurveyError as error:
        flash(error.message, "error")
        return see_other(".wave_page", group_id=group_id, wave_id=wave_id)
    count = services.answered_count(wave)
    flash(
        ngettext(
            "The survey is closed. %(num)d person answered.",
            "The survey is closed. %(num)d people answered.",
            count,
        ),
        "success",
    )
    return see_other(".wave_page", group_id=group_id, wave_id=wave_id)
