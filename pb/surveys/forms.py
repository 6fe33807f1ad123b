"""The surveys' forms: sending a wave, answering it, closing it."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectMultipleField, StringField, widgets
from wtforms.validators import InputRequired, ValidationError

from pb.forms import SaneDate, max_length, required
from pb.surveys.models import TITLE_MAX
from pb.surveys.questions import ANSWER_NAMES, ANSWERS, DEFAULT_QUESTIONS, QUESTIONS, THEMES
from pb.timeutil import local_today

DEFAULT_OPEN_DAYS = 14


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _offered() -> list[tuple[str, object]]:
    return [(key, QUESTIONS[key]) for keys in THEMES.values() for key in keys]


class WaveForm(FlaskForm):
    title = StringField(_l("Name of the survey (optional)"), validators=[max_length(TITLE_MAX)])
    questions = CheckboxList(
        _l("Questions"), choices=_offered(), default=list(DEFAULT_QUESTIONS), validate_choice=False
    )
    closes_on = DateField(
        _l("Last day to answer"),
        validators=[required(), SaneDate()],
        default=lambda: local_today() + timedelta(days=DEFAULT_OPEN_DAYS),
        render_kw={"type": "date"},
    )

    def validate_questions(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one question."))


class CloseForm(FlaskForm):
    """Only the CSRF token: closing asks nothing more."""


def field_name(key: str) -> str:
    return f"q_{key}"


class OneOfTheAnswers:
    """An answer on the scale or "don't know"; anything else (a 0, a 6, a word) is refused
    with a message beside the question, not "Not a valid choice"."""

    def __call__(self, form, field):
        if field.data not in ANSWERS:
            raise ValidationError(_l("Choose one of the answers shown."))


class AnswerFormBase(FlaskForm):
    keys: list[str] = []

    def answers(self) -> dict[str, str]:
        return {key: self[field_name(key)].data for key in self.keys}


def answer_form(question_keys: list[str]) -> AnswerFormBase:
    """A form with one field per question, in the wave's order; every question needs an answer
    ("don't know" is one)."""

    class AnswerForm(AnswerFormBase):
        keys = list(question_keys)

    for key in question_keys:
        setattr(
            AnswerForm,
            field_name(key),
            RadioField(
                QUESTIONS.get(key, key),
                choices=list(ANSWER_NAMES.items()),
                validate_choice=False,
                validators=[
                    InputRequired(
                        message=_l(
                            "Choose an answer to this question. “Don't know” is an answer too."
                        )
                    ),
                    OneOfTheAnswers(),
                ],
            ),
        )
    return AnswerForm()
