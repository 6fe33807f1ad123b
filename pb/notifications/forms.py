from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from pb.forms import EmailAddress, PhoneNumber, max_length, optional
from pb.notifications.models import CATEGORIES

HOURS = [(str(hour), f"{hour:02d}:00") for hour in range(24)]


class SettingsForm(FlaskForm):
    """Where to reach the person, and by which channel for each category. Each category has
    an `<category>_email` and an `<category>_sms` box (added below)."""

    email = StringField(_l("Email"), validators=[optional(), max_length(254), EmailAddress()])
    phone = StringField(_l("Mobile number"), validators=[optional(), max_length(32), PhoneNumber()])
    quiet_from = SelectField(_l("Quiet from"), choices=HOURS)
    quiet_until = SelectField(_l("Quiet until"), choices=HOURS)
    daily_digest = BooleanField(_l("Gather email and SMS into one message a day"))
    weekly_summary = BooleanField(_l("A weekly summary of payouts and complaints waiting for me"))

    def channel_field(self, category: str, channel: str):
        return self[f"{category}_{channel}"]

    def choices(self) -> dict[str, dict[str, bool]]:
        return {
            category: {
                channel: bool(self.channel_field(category, channel).data)
                for channel in ("email", "sms")
            }
            for category in CATEGORIES
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        choices = self.choices()
        if any(c["email"] for c in choices.values()) and not (self.email.data or "").strip():
            self.email.errors.append(_l("Write an email address to get email, or untick email."))
            valid = False
        if any(c["sms"] for c in choices.values()) and not (self.phone.data or "").strip():
            self.phone.errors.append(_l("Write a mobile number to get SMS, or untick SMS."))
            valid = False
        return valid


for _category in CATEGORIES:
    setattr(SettingsForm, f"{_category}_email", BooleanField(_l("Email")))
    setattr(SettingsForm, f"{_category}_sms", BooleanField(_l("SMS")))


class UnsubscribeForm(FlaskForm):
    pass
