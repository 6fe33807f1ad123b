from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import ValidationError

from pb.forms import amount_in_ore, max_length, optional, required


class AllocationForm(FlaskForm):
    amount = StringField(_l("Amount in NOK"), validators=[required(), max_length(20)])
    funder = StringField(_l("Funder"), validators=[required(), max_length(120)])
    purpose = TextAreaField(_l("Purpose"), validators=[required(), max_length(2000)])
    result_goals = TextAreaField(_l("Result goals"), validators=[optional(), max_length(2000)])
    effect_goals = TextAreaField(_l("Effect goals"), validators=[optional(), max_length(2000)])
    starts_on = DateField(_l("From"), validators=[required()], render_kw={"type": "date"})
    ends_on = DateField(_l("To"), validators=[required()], render_kw={"type": "date"})

    def validate_amount(self, field):
        self.amount_ore = amount_in_ore(field)

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be on or after the start date."))
