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
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, ValidationError

from pb.forms import SaneDate, max_length, optional, required
from pb.lending import labels
from pb.lending.models import (
    MAX_BUFFER_DAYS,
    MAX_LOAN_DAYS,
    MESSAGE_MAX,
    NAME_MAX,
    NOTE_MAX,
    TEXT_MAX,
)
from pb.payouts.forms import KeyedForm
from pb.proposals.forms import prepared_upload

PHOTO_LABEL = _l("Photo (optional): JPEG, PNG or WebP, at most 5 MB")


def _choices(names: dict) -> list[tuple[str, object]]:
    return list(names.items())


def _whole(label, low: int, high: int, default: int):
    return IntegerField(
        label,
        default=default,
        validators=[
            required(),
            NumberRange(
                min=low,
                max=high,
                message=_l("Choose a whole number from %(min)d to %(max)d.", min=low, max=high),
            ),
        ],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
    )


class PhotoForm(FlaskForm):
    photo = FileField(PHOTO_LABEL)
    prepared_photo = None

    def validate_photo(self, field):
        self.prepared_photo = prepared_upload(field)


class ItemForm(PhotoForm):
    name = StringField(_l("Name"), validators=[required(), max_length(NAME_MAX)])
    category = SelectField(_l("Kind of thing"), choices=_choices(labels.CATEGORY_NAMES))
    description = TextAreaField(_l("Description"), validators=[max_length(TEXT_MAX)])
    remove_photo = BooleanField(_l("Remove the photo"))
    custodian = SelectField(_l("Who keeps it at home"), coerce=int, choices=[])
    whole_household = BooleanField(_l("The whole household looks after it"))
    custodian_shares_phone = BooleanField(
        _l("Show my phone number to people with a confirmed booking")
    )
    pickup_instructions = TextAreaField(
        _l("Where and how to pick it up (shown only to people with a confirmed booking)"),
        validators=[max_length(TEXT_MAX)],
    )
    owner = SelectField(_l("Who owns it"), choices=_choices(labels.OWNER_NAMES))
    insurance_note = TextAreaField(_l("Insurance"), validators=[max_length(NOTE_MAX)])
    condition = SelectField(_l("Condition"), choices=_choices(labels.CONDITION_NAMES))
    status = SelectField(
        _l("Status"), choices=_choices(labels.ITEM_STATUS_NAMES), default="available"
    )
    max_loan_days = _whole(_l("Longest loan, in days"), 1, MAX_LOAN_DAYS, 7)
    buffer_days = _whole(_l("Days between loans, to check and clean it"), 0, MAX_BUFFER_DAYS, 0)
    auto_confirm = BooleanField(_l("Confirm bookings on their own, without asking me"))
    payout_id = HiddenField()

    def fields_for_service(self) -> dict:
        fields = {
            "name": self.name.data.strip(),
            "category": self.category.data,
            "description": (self.description.data or "").strip(),
            "pickup_instructions": (self.pickup_instructions.data or "").strip(),
            "owner": self.owner.data,
            "insurance_note": (self.insurance_note.data or "").strip(),
            "condition": self.condition.data,
            "status": self.status.data,
            "max_loan_days": self.max_loan_days.data,
            "buffer_days": self.buffer_days.data,
            "auto_confirm": bool(self.auto_confirm.data),
        }
        # Only the keeper sees this choice: it is their own number.
        if "custodian_shares_phone" in self:
            fields["custodian_shares_phone"] = bool(self.custodian_shares_phone.data)
        return fields


class CustodianForm(FlaskForm):
    custodian = SelectField(_l("Who keeps it at home from now on"), coerce=int, choices=[])
    whole_household = BooleanField(_l("The whole household looks after it"))


class DaysForm(KeyedForm):
    start = DateField(
        _l("First day"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    end = DateField(_l("Last day"), validators=[required(), SaneDate()], render_kw={"type": "date"})

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(
                _l("The last day is before the first day. Choose the days again.")
            )


class SearchForm(FlaskForm):
    """The "what's free on these days" search: a GET form, so it needs no token."""

    class Meta:
        csrf = False

    start = DateField(
        _l("First day"), validators=[optional(), SaneDate()], render_kw={"type": "date"}
    )
    end = DateField(_l("Last day"), validators=[optional(), SaneDate()], render_kw={"type": "date"})
    category = SelectField(
        _l("Kind of thing"),
        choices=[("", _l("All kinds")), *_choices(labels.CATEGORY_NAMES)],
        validators=[optional()],
    )


class AnswerForm(FlaskForm):
    message = TextAreaField(
        _l("Message to the borrower (optional)"), validators=[max_length(MESSAGE_MAX)]
    )


class HandOverForm(PhotoForm):
    condition = RadioField(
        _l("Condition"), choices=_choices(labels.CONDITION_NAMES), default="good"
    )
    note = TextAreaField(_l("Note (optional)"), validators=[max_length(NOTE_MAX)])


class DamageForm(PhotoForm):
    note = TextAreaField(_l("What is damaged?"), validators=[required(), max_length(NOTE_MAX)])
    repair_until = DateField(
        _l("Expected to be repaired by"),
        validators=[required(), SaneDate()],
        render_kw={"type": "date"},
    )


class MessageForm(FlaskForm):
    text = TextAreaField(_l("Message"), validators=[required(), max_length(MESSAGE_MAX)])


class LimitForm(FlaskForm):
    lending_limit = _whole(_l("Upcoming bookings of one item per household"), 1, 10, 2)


class SwapForm(PhotoForm):
    kind = RadioField(
        _l("What do you want?"), choices=_choices(labels.SWAP_KIND_NAMES), default="give"
    )
    title = StringField(_l("What is it?"), validators=[required(), max_length(NAME_MAX)])
    size_or_age = StringField(_l("Size or age (optional)"), validators=[max_length(40)])
    description = TextAreaField(_l("Description (optional)"), validators=[max_length(NOTE_MAX)])
