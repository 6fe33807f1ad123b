from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, ValidationError

from pb.forms import max_length, optional, required
from pb.ids import whole_number
from pb.timeutil import utcnow


class GroupForm(FlaskForm):
    name = StringField(_l("Name of the group"), validators=[required(), max_length(120)])
    description = TextAreaField(
        _l("What the group is for"), validators=[optional(), max_length(2000)]
    )


class InviteForm(FlaskForm):
    role = SelectField(_l("Joins as"), choices=[])
    household_id = SelectField(_l("Household"), choices=[], coerce=int)
    max_uses = IntegerField(
        _l("How many people can use it (empty: any number)"),
        validators=[optional(), NumberRange(min=1, max=500, message=_l("Choose 1 to 500."))],
    )


class HouseholdForm(FlaskForm):
    label = StringField(
        _l("Household label (no full names needed)"), validators=[required(), max_length(60)]
    )
    birth_years = StringField(
        _l("Children's birth years, separated by spaces"),
        validators=[optional(), max_length(200)],
    )

    def parsed_birth_years(self) -> list[int]:
        return [int(part) for part in (self.birth_years.data or "").replace(",", " ").split()]

    def validate_birth_years(self, field):
        this_year = utcnow().year
        parts = (field.data or "").replace(",", " ").split()
        if len(parts) > 20:
            raise ValidationError(_l("At most 20 children per household."))
        for part in parts:
            year = whole_number(part)
            if year is None or not this_year - 30 <= year <= this_year:
                raise ValidationError(
                    _l(
                        "Write each birth year as four digits, between %(first)d and %(last)d.",
                        first=this_year - 30,
                        last=this_year,
                    )
                )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
