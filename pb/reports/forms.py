from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import ValidationError

from pb.forms import SaneDate, optional
from pb.timeutil import local_today


class PeriodForm(FlaskForm):
    """The report's period: a GET form, so it needs no token. Empty means the last 12 months,
    so a report read in January still shows a year, and a survey repeated yearly shows change."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[optional(), SaneDate()], render_kw={"type": "date"})
    end = DateField(_l("To"), validators=[optional(), SaneDate()], render_kw={"type": "date"})

    def validate_start(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("The start is in the future. Choose a day up to today."))

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end is before the start. Choose the dates again."))

    def period(self) -> tuple[date, date]:
        today = local_today()
        start = self.start.data or today - timedelta(days=365)
        end = self.end.data or today
        return start, end
