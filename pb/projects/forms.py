from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import NumberRange, ValidationError

from pb.forms import SaneDate, amount_in_ore, max_length, optional, required
from pb.i18n import LANGUAGES
from pb.projects import labels
from pb.projects.models import (
    GOAL_MAX,
    HEADS_MAX,
    HOURS_MAX,
    NOTE_MAX,
    PLACE_MAX,
    STORY_MAX,
    TITLE_MAX,
)
from pb.proposals.forms import prepared_upload
from pb.timeutil import local_today

PHOTO_LABEL = _l("Photo (optional): JPEG, PNG or WebP, at most 5 MB")
CONSENT_LABEL = _l("Did the people in the photo agree to be shown? To whom?")
CONSENT_MISSING = _l("Choose who may see the photo: the people in it must have agreed.")
OTHER_LANGUAGE = "other"


def _choices(names: dict) -> list[tuple[str, object]]:
    return list(names.items())


def language_choices() -> list[tuple[str, str]]:
    return [*LANGUAGES.items(), (OTHER_LANGUAGE, _l("Another language"))]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: easier to tap on a phone than a multiple select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _head_count(label):
    return IntegerField(
        label,
        default=0,
        validators=[
            optional(),
            NumberRange(
                min=0,
                max=HEADS_MAX,
                message=_l("Write a number from 0 to %(max)d.", max=HEADS_MAX),
            ),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": HEADS_MAX},
    )


class ProjectForm(FlaskForm):
    title = StringField(_l("Name of the project"), validators=[required(), max_length(TITLE_MAX)])
    goal = TextAreaField(
        _l("The goal, in plain words"), validators=[required(), max_length(GOAL_MAX)]
    )
    result_goals = TextAreaField(
        _l("Result goals: what you will do (optional)"), validators=[max_length(GOAL_MAX)]
    )
    effect_goals = TextAreaField(
        _l("Effect goals: what should change for people (optional)"),
        validators=[max_length(GOAL_MAX)],
    )
    status = RadioField(
        _l("Status"), choices=_choices(labels.PROJECT_STATUS_NAMES), default="planned"
    )
    starts_on = DateField(
        _l("Starts"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    ends_on = DateField(
        _l("Ends (optional)"), validators=[optional(), SaneDate()], render_kw={"type": "date"}
    )
    leaders = CheckboxesField(_l("Leaders"), coerce=int, choices=[])
    funding = CheckboxesField(_l("Payouts that fund it (optional)"), coerce=int, choices=[])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end is before the start. Choose the dates again."))

    def validate_leaders(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one leader."))


class PhotoConsentForm(FlaskForm):
    photo = FileField(PHOTO_LABEL)
    photo_consent = RadioField(
        CONSENT_LABEL, choices=_choices(labels.PHOTO_CONSENT_NAMES), validate_choice=False
    )
    prepared_photo = None

    def validate_photo(self, field):
        self.prepared_photo = prepared_upload(field)

    def validate_photo_consent(self, field):
        """Asked with every photo of people: the photo field comes first, so it is read."""
        if field.data and field.data not in labels.PHOTO_CONSENT_NAMES:
            raise ValidationError(CONSENT_MISSING)
        if self.prepared_photo is not None and not field.data:
            raise ValidationError(CONSENT_MISSING)


class ActivityForm(PhotoConsentForm):
    happened_on = DateField(
        _l("Date"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    kind = RadioField(
        _l("What was it?"), choices=_choices(labels.ACTIVITY_KIND_NAMES), validate_choice=False
    )
    place = StringField(_l("Where (in words)"), validators=[max_length(PLACE_MAX)])
    adults = _head_count(_l("Adults"))
    youth = _head_count(_l("Youth"))
    children = _head_count(_l("Children"))
    volunteer_hours = StringField(
        _l("Volunteer hours (optional)"),
        validators=[max_length(10)],
        render_kw={"inputmode": "decimal"},
    )
    cost = StringField(
        _l("Cost in NOK (optional)"),
        validators=[max_length(20)],
        render_kw={"inputmode": "decimal"},
    )
    payout = SelectField(_l("Paid from (optional)"), coerce=int, choices=[], validate_choice=False)
    note = TextAreaField(_l("Short note (optional)"), validators=[max_length(NOTE_MAX)])
    volunteer_minutes = 0
    cost_ore = 0
    project = None  # set by the view, to check the date against the project's start

    def validate_happened_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(
                _l("This date is in the future. Log an activity after it has happened.")
            )
        if field.data and self.project is not None and field.data < self.project.starts_on:
            raise ValidationError(_l("This date is before the project started."))

    def validate_kind(self, field):
        if field.data not in labels.ACTIVITY_KIND_NAMES:
            raise ValidationError(_l("Choose what kind of activity it was."))

    def validate_volunteer_hours(self, field):
        text = (field.data or "").strip().replace(",", ".")
        if not text:
            self.volunteer_minutes = 0
            return
        try:
            hours = Decimal(text)
        except InvalidOperation as error:
            raise ValidationError(_l("Write the hours as a number, like 2 or 1.5.")) from error
        if not hours.is_finite():
            raise ValidationError(_l("Write the hours as a number, like 2 or 1.5."))
        if hours < 0 or hours > HOURS_MAX:
            raise ValidationError(_l("Write a number of hours from 0 to %(max)d.", max=HOURS_MAX))
        self.volunteer_minutes = int(hours * 60)

    def validate_cost(self, field):
        text = (field.data or "").strip()
        # An activity that cost nothing may say so: 0 is the same as leaving it empty.
        self.cost_ore = amount_in_ore(field) if text.strip("0,. ") else 0

    def validate_payout(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the payouts that fund the project."))


class ActivityPhotoForm(PhotoConsentForm):
    def validate_photo(self, field):
        super().validate_photo(field)
        if self.prepared_photo is None:
            raise ValidationError(_l("Choose a photo."))


class StoryForm(PhotoConsentForm):
    title = StringField(_l("Title (optional)"), validators=[max_length(TITLE_MAX)])
    body = TextAreaField(
        _l("Your story: what changed?"), validators=[required(), max_length(STORY_MAX)]
    )
    language = SelectField(_l("Language of the story"), choices=[])
    visibility = RadioField(
        _l("Who may read it?"),
        choices=_choices(labels.STORY_VISIBILITY_NAMES),
        validate_choice=False,
    )
    project = SelectField(_l("Project (optional)"), coerce=int, choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()

    def validate_visibility(self, field):
        if field.data not in labels.STORY_VISIBILITY_NAMES:
            raise ValidationError(_l("Choose who may read your story."))

    def validate_project(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the group's projects."))


class TranslationForm(FlaskForm):
    language = SelectField(_l("Translated into"), choices=list(LANGUAGES.items()))
    title = StringField(_l("Title (optional)"), validators=[max_length(TITLE_MAX)])
    body = TextAreaField(_l("Translation"), validators=[required(), max_length(STORY_MAX)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why can't it be published? The author sees this."),
        validators=[required(), max_length(NOTE_MAX)],
    )


class PeerKindForm(FlaskForm):
    peer_kind = SelectField(
        _l("Kind of peer work"),
        choices=[("", _l("Not set")), *_choices(labels.PEER_KIND_NAMES)],
        validators=[optional()],
    )
