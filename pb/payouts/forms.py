import re
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
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
from wtforms.validators import InputRequired, NumberRange, ValidationError

from pb.forms import SaneDate, amount_in_ore, max_length, optional, required
from pb.i18n import LANGUAGES

# --- payouts ---------------------------------------------------------------------------------

CATEGORY_LABELS = {
    "sports_shop": _l("Sports shop"),
    "groceries": _l("Groceries"),
    "electronics": _l("Electronics"),
    "furniture": _l("Furniture"),
    "toys_gear": _l("Toys and gear"),
    "tickets": _l("Tickets"),
    "travel_home": _l("Travel to the home country"),
    "debt": _l("Debt"),
    "housing_deposit": _l("Housing deposit"),
    "driving_licence": _l("Driving licence"),
}
METHOD_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "gift_card": _l("Gift card"),
    "vendor_invoice": _l("Invoice paid to a vendor"),
}
KIND_LABELS = {
    "collective": _l("Collective"),
    "conditional": _l("Conditional"),
    "unconditional": _l("Unconditional (payment plan)"),
}
STATE_LABELS = {
    "draft": _l("Draft"),
    "requested": _l("Waiting for a decision"),
    "approved": _l("Approved, not yet paid"),
    "paid": _l("Paid"),
    "rejected": _l("Not approved"),
    "cancelled": _l("Cancelled"),
}
# Why a service refused, in words the person can act on.
ERROR_MESSAGES = {
    "amount": _l("The amount must be more than zero."),
    "not_enough_money": _l("There is not enough money available in the pot for this."),
    "reason_required": _l("Write the reason in plain words."),
    "translation_locale": _l("Choose the language of the translation."),
    "own_request": _l("You asked for this payout, so someone else must decide it."),
    "already_decided": _l("You have already given your decision on this payout."),
    "not_open": _l("This payout is no longer waiting for that."),
    "not_approved": _l("Only an approved payout can be paid."),
    "already_paid": _l("This payout is already paid."),
    "plan_pays_itself": _l("A payment plan pays each month by itself."),
    "no_pot": _l("This group has no pot yet."),
    "recipient": _l("Choose who the money is for."),
    "category": _l("Choose a category."),
    "method": _l("Choose how it is paid."),
    "period": _l("The end date must be on or after the start date."),
    "payment_day": _l("Choose a payment day from 1 to 28."),
    "no_children": _l("This household has no children registered."),
    "no_payment_days": _l("No payment day falls between the start and the end."),
    "too_late": _l("The three weeks to complain about this decision have passed."),
    "already_open": _l("A complaint about this payout is already being handled."),
    "not_decided": _l("There is no decision to complain about yet."),
    "involved": _l("You took part in this decision, so someone else must handle the complaint."),
    "not_handler": _l("This complaint is for another staff member."),
    "not_staff": _l("Only staff can do this."),
    "receipt_too_large": _l("The picture is too large. Use one under 5 MB."),
    "receipt_wrong_type": _l("Use a photo in JPEG, PNG or WebP format."),
    "receipt_corrupt": _l("The picture could not be read. Try another one."),
    "key_used": _l("This form was already used for something else. Reload the page and try again."),
}
KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(FlaskForm):
    """Every form that moves money carries a one-time key: sent twice, it acts once."""

    idempotency_key = HiddenField(default=new_key)

    def validate_idempotency_key(self, field):
        if field.data and not KEY.match(field.data):
            raise ValidationError(_l("Please reload the page and try again."))

    @property
    def key(self) -> str | None:
        return self.idempotency_key.data or None


class AllocationForm(KeyedForm):
    amount = StringField(_l("Amount in NOK"), validators=[required(), max_length(20)])
    funder = StringField(_l("Funder"), validators=[required(), max_length(120)])
    purpose = TextAreaField(_l("Purpose"), validators=[required(), max_length(2000)])
    result_goals = TextAreaField(_l("Result goals"), validators=[optional(), max_length(2000)])
    effect_goals = TextAreaField(_l("Effect goals"), validators=[optional(), max_length(2000)])
    starts_on = DateField(
        _l("From"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    ends_on = DateField(_l("To"), validators=[required(), SaneDate()], render_kw={"type": "date"})

    def validate_amount(self, field):
        self.amount_ore = amount_in_ore(field)

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


class ConditionalForm(KeyedForm):
    recipient = SelectField(_l("Who is it for?"), validators=[required()])
    title = StringField(
        _l("What it is for, in a few words"), validators=[required(), max_length(200)]
    )
    purpose = TextAreaField(
        _l("The purpose, as agreed in the conversation"), validators=[optional(), max_length(2000)]
    )
    amount = StringField(_l("Amount in NOK"), validators=[required(), max_length(20)])
    category = SelectField(
        _l("Category"), choices=list(CATEGORY_LABELS.items()), validators=[required()]
    )
    payment_method = SelectField(
        _l("How it is paid"), choices=list(METHOD_LABELS.items()), validators=[required()]
    )

    def validate_amount(self, field):
        self.amount_ore = amount_in_ore(field)


class ReceiptForm(FlaskForm):
    receipt = FileField(
        _l("A photo of the receipt (optional, never required)"),
        validators=[FileRequired(message=_l("Choose a photo."))],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )


class PlanForm(KeyedForm):
    household = SelectField(_l("Household"), coerce=int, validators=[required()])
    per_child = StringField(
        _l("Amount per child per month, in NOK"),
        default="1 600",
        validators=[required(), max_length(20)],
    )
    starts_on = DateField(
        _l("First month"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    ends_on = DateField(
        _l("Last month"), validators=[required(), SaneDate()], render_kw={"type": "date"}
    )
    payment_day = IntegerField(
        _l("Payment day of the month (1-28)"),
        default=20,
        validators=[
            required(),
            NumberRange(min=1, max=28, message=_l("Choose a payment day from 1 to 28.")),
        ],
    )

    def validate_per_child(self, field):
        self.per_child_ore = amount_in_ore(field)

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


class DecisionForm(KeyedForm):
    verdict = RadioField(
        _l("Your decision"),
        choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
        validators=[InputRequired(message=_l("Choose approve or reject."))],
    )
    reason = TextAreaField(
        _l("Reason (begrunnelse), in plain words"), validators=[required(), max_length(2000)]
    )
    reason_translation = TextAreaField(
        _l("The reason in the recipient's language (optional)"),
        validators=[optional(), max_length(2000)],
    )
    translation_locale = SelectField(
        _l("Language of the translation"), validators=[optional()], default=""
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.translation_locale.choices = [("", _l("No translation"))] + [
            (code, name) for code, name in LANGUAGES.items()
        ]

    def validate_translation_locale(self, field):
        if self.reason_translation.data and self.reason_translation.data.strip() and not field.data:
            raise ValidationError(_l("Choose the language of the translation."))


class ReasonForm(KeyedForm):
    """Cancel: the reason is required."""

    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(2000)])


class PayForm(KeyedForm):
    pass


class ComplaintForm(KeyedForm):
    text = TextAreaField(
        _l("What do you disagree with, and why?"), validators=[required(), max_length(4000)]
    )


class ComplaintDecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            ("upheld", _l("The complaint is upheld")),
            ("dismissed", _l("The complaint is not upheld")),
        ],
        validators=[InputRequired(message=_l("Choose an outcome."))],
    )
    reason = TextAreaField(_l("Reason, in plain words"), validators=[required(), max_length(2000)])


class PolicyForm(FlaskForm):
    tier2_from = StringField(
        _l("Two people must agree from (NOK)"), validators=[required(), max_length(20)]
    )
    tier3_above = StringField(
        _l("A team decision above (NOK)"), validators=[required(), max_length(20)]
    )
    team_min_approvers = IntegerField(
        _l("Staff needed for a team decision"),
        validators=[
            required(),
            NumberRange(min=2, max=20, message=_l("Choose a number from 2 to 20.")),
        ],
    )
    self_approval = BooleanField(_l("In the lowest tier, staff may decide their own request"))

    def validate_tier2_from(self, field):
        self.tier2_from_ore = amount_in_ore(field)

    def validate_tier3_above(self, field):
        self.tier3_above_ore = amount_in_ore(field)
        if getattr(self, "tier2_from_ore", None) and self.tier3_above_ore < self.tier2_from_ore:
            raise ValidationError(_l("This must be at least the amount where two must agree."))
