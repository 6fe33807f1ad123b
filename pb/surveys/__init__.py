"""Pulse surveys: short, anonymous surveys sent to a group, their results once closed, and the
change from one wave to the next."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)

from pb.surveys import personal_data, views  # noqa: E402, F401

SURVEYS = "/groups/<int:group_id>/surveys"
WAVE = SURVEYS + "/<int:wave_id>"
POST = ["POST"]

bp.add_url_rule(SURVEYS, view_func=views.surveys_page)
bp.add_url_rule(SURVEYS + "/new", view_func=views.create_wave, methods=POST)
bp.add_url_rule(WAVE, view_func=views.wave_page)
bp.add_url_rule(WAVE + "/answer", view_func=views.answer, methods=POST)
bp.add_url_rule(WAVE + "/close", view_func=views.close_wave, methods=POST)


@bp.record_once
def _template_helpers(state) -> None:
    """For templates/surveys/_macros.html, which the reports use too."""
    from flask_babel import format_percent

    from pb.surveys import questions, results

    state.app.jinja_env.globals.update(
        survey_change=results.change_over_time,
        survey_percent=format_percent,
        survey_answers=questions.ANSWERS,
        survey_answer_names=questions.ANSWER_NAMES,
    )
