from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
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
from pb.proposals import labels
from pb.proposals.models import COMMENT_MAX, DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from pb.proposals.photos import PhotoError, prepare_photo

OSLO = ZoneInfo("Europe/Oslo")

PHOTO_MESSAGES = {
    "too_large": _l("The photo is too large. Choose one under 5 MB."),
    "wrong_type": _l("Choose a photo in JPEG, PNG or WebP format."),
    "corrupt": _l("This file could not be read as a photo. Choose another."),
}


def prepared_upload(field):
    """A photo field's upload, re-encoded (pb/proposals/photos.py), or None if no file was
    chosen; a file that is not an acceptable photo is the field's error."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return prepare_photo(upload.stream)
    except PhotoError as error:
        raise ValidationError(PHOTO_MESSAGES[error.code]) from error


def midnight_utc(day: date) -> datetime:
    """The start of a day in Oslo, as the naive UTC time the database stores."""
    local = datetime.combine(day, time(0, 0), tzinfo=OSLO)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _choices(names: dict) -> list[tuple[str, object]]:
    return list(names.items())


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _count(label, low: int, high: int, default=None, *, required_field: bool = True):
    return IntegerField(
        label,
        default=default,
        validators=[
            required() if required_field else optional(),
            NumberRange(
                min=low,
                max=high,
                message=_l("Choose a whole number from %(min)d to %(max)d.", min=low, max=high),
            ),
        ],
    )


class RoundForm(FlaskForm):
    title = StringField(_l("Title of the round"), validators=[required(), max_length(TITLE_MAX)])
    amount = StringField(_l("Amount in play (NOK)"), validators=[required(), max_length(20)])
    languages = CheckboxList(_l("Languages of the ballot"), choices=list(LANGUAGES.items()))
    review_starts_on = DateField(
        _l("Review starts"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    voting_starts_on = DateField(
        _l("Voting starts"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    voting_ends_on = DateField(
        _l("Voting ends"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    followup_starts_on = DateField(
        _l("Follow-up starts"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    ballot_format = SelectField(
        _l("Ballot"), choices=_choices(labels.BALLOT_FORMAT_NAMES), default="approval"
    )
    counting_rule = SelectField(
        _l("Counting rule"), choices=_choices(labels.COUNTING_RULE_NAMES), default="mes"
    )
    approval_max = _count(
        _l("Approval: most proposals a voter may tick (empty: any)"), 1, 100, required_field=False
    )
    points_total = _count(_l("Points: points per voter"), 1, 1000, required_field=False)
    points_max_per_proposal = _count(
        _l("Points: most points on one proposal"), 1, 1000, required_field=False
    )
    ranking_top_k = _count(_l("Ranking: how many to rank"), 1, 50, required_field=False)
    proposal_limit = _count(_l("Proposals per member"), 1, 20, default=3)
    report_threshold = _count(_l("Reports before something is hidden"), 1, 50, default=3)
    complete_unvoted = BooleanField(
        _l("Money left at the end may buy proposals that nobody voted for"), default=False
    )

    # Set by the view: the pot's available money, when the group has a pot.
    available_ore: int | None = None

    def validate_amount(self, field):
        self.amount_ore = amount_in_ore(field)
        if self.available_ore is not None and self.amount_ore > self.available_ore:
            raise ValidationError(_l("The pot does not have that much money available."))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))

    def validate_voting_starts_on(self, field):
        if self.review_starts_on.data and field.data and field.data < self.review_starts_on.data:
            raise ValidationError(_l("Voting can't start before the review."))

    def validate_voting_ends_on(self, field):
        if self.voting_starts_on.data and field.data and field.data <= self.voting_starts_on.data:
            raise ValidationError(_l("Voting must end at least a day after it starts."))

    def validate_followup_starts_on(self, field):
        if self.voting_ends_on.data and field.data and field.data < self.voting_ends_on.data:
            raise ValidationError(_l("Follow-up can't start before voting ends."))

    def settings(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "amount_ore": self.amount_ore,
            "languages": list(self.languages.data),
            "review_starts_at": midnight_utc(self.review_starts_on.data),
            "voting_starts_at": midnight_utc(self.voting_starts_on.data),
            "voting_ends_at": midnight_utc(self.voting_ends_on.data),
            "followup_starts_at": midnight_utc(self.followup_starts_on.data),
            "ballot_format": self.ballot_format.data,
            "counting_rule": self.counting_rule.data,
            "approval_max": self.approval_max.data,
            "points_total": self.points_total.data,
            "points_max_per_proposal": self.points_max_per_proposal.data,
            "ranking_top_k": self.ranking_top_k.data,
            "proposal_limit": self.proposal_limit.data,
            "report_threshold": self.report_threshold.data,
            "complete_unvoted": bool(self.complete_unvoted.data),
        }


class CostField(StringField):
    """An amount in NOK; the form's validate_<name> turns it into øre."""


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(), max_length(TITLE_MAX)])
    description = TextAreaField(
        _l("What is it, and why? Write it simply."),
        validators=[required(), max_length(DESCRIPTION_MAX)],
    )
    estimated_cost = CostField(_l("Estimated cost (NOK)"), validators=[max_length(20)])
    category = SelectField(_l("Category"), choices=_choices(labels.CATEGORY_NAMES))
    language = SelectField(_l("Written in"), choices=list(LANGUAGES.items()))
    photo = FileField(_l("Photo (optional): JPEG, PNG or WebP, at most 5 MB"))
    remove_photo = BooleanField(_l("Remove the photo"))

    # Set by the view: the round's amount, which no proposal may cost more than.
    round_amount_ore: int = 0
    prepared_photo = None

    def validate_estimated_cost(self, field):
        self.cost_ore = amount_in_ore(field)
        if self.round_amount_ore and self.cost_ore > self.round_amount_ore:
            raise ValidationError(_l("The cost is more than the whole round's amount."))

    def validate_photo(self, field):
        self.prepared_photo = prepared_upload(field)


class TranslationForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[])
    title = StringField(_l("Title"), validators=[required(), max_length(TITLE_MAX)])
    description = TextAreaField(
        _l("Description"), validators=[required(), max_length(DESCRIPTION_MAX)]
    )


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[required(), max_length(COMMENT_MAX)])
    parent_id = HiddenField()


class CommentEditForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[required(), max_length(COMMENT_MAX)])


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting it?"),
        choices=_choices(labels.REPORT_REASON_NAMES),
        validators=[required()],
    )
    note = TextAreaField(_l("Anything to add (optional)"), validators=[max_length(NOTE_MAX)])


class RequestChangesForm(FlaskForm):
    message = TextAreaField(
        _l("What should the author change?"), validators=[required(), max_length(NOTE_MAX)]
    )


class CostReviewForm(FlaskForm):
    confirmed_cost = CostField(_l("Confirmed cost (NOK)"), validators=[max_length(20)])

    round_amount_ore: int = 0

    def validate_confirmed_cost(self, field):
        self.cost_ore = amount_in_ore(field)
        if self.round_amount_ore and self.cost_ore > self.round_amount_ore:
            raise ValidationError(_l("The cost is more than the whole round's amount."))


class RejectForm(FlaskForm):
    # Field names are unique across the moderation panel, so every id and label pair is too.
    reason_code = SelectField(
        _l("Reason"), choices=_choices(labels.REJECT_REASON_NAMES), validators=[required()]
    )
    note = TextAreaField(
        _l("A few words to the author (optional)"), validators=[max_length(NOTE_MAX)]
    )


class MergeForm(FlaskForm):
    into = SelectField(_l("The proposal it duplicates"), choices=[], coerce=int)
    merge_note = TextAreaField(
        _l("A few words to the author (optional)"), validators=[max_length(NOTE_MAX)]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(NOTE_MAX)])


class EscalateForm(FlaskForm):
    staff_message = TextAreaField(
        _l("What should staff look at?"), validators=[required(), max_length(NOTE_MAX)]
    )
    comment_id = HiddenField()


class AppealForm(FlaskForm):
    message = TextAreaField(
        _l("Why do you disagree? (optional)"), validators=[max_length(NOTE_MAX)]
    )


class DecideForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[], validators=[required()])
    note = TextAreaField(_l("Reason"), validators=[required(), max_length(NOTE_MAX)])


class PhaseForm(FlaskForm):
    to = HiddenField(validators=[required()])


class ConfirmForm(FlaskForm):
    """A button and its CSRF token, nothing else."""
