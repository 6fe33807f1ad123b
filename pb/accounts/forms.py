from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import Length, Regexp, ValidationError

from pb.accounts import services
from pb.accounts.models import DISPLAY_NAME_MAX, USERNAME_MAX
from pb.accounts.passwords import PASSWORD_MAX, PASSWORD_MIN, password_problem
from pb.forms import EmailAddress, PhoneNumber, max_length, optional, required
from pb.i18n import LANGUAGES

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(min)d characters.", min=PASSWORD_MIN),
    "too_long": _l("Use at most %(max)d characters.", max=PASSWORD_MAX),
    "too_common": _l("This password is too easy to guess. Try a short sentence you remember."),
    "contains_username": _l("The password must not contain your username."),
}


def language_choices(blank: bool = False):
    choices = [(code, name) for code, name in LANGUAGES.items()]
    return [("", _l("As the browser asks")), *choices] if blank else choices


class NewPasswordMixin:
    def validate_password(self, field):
        username = getattr(self, "username", None)
        problem = password_problem(field.data or "", username.data if username else "")
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])


class InviteCodeForm(FlaskForm):
    code = StringField(_l("Invite code"), validators=[required(), max_length(30)])


class JoinForm(NewPasswordMixin, FlaskForm):
    display_name = StringField(
        _l("Your name as others see it"), validators=[required(), max_length(DISPLAY_NAME_MAX)]
    )
    username = StringField(
        _l("Username (to log in)"),
        validators=[
            required(),
            Length(
                min=3,
                max=USERNAME_MAX,
                message=_l("Use between %(min)d and %(max)d characters.", min=3, max=USERNAME_MAX),
            ),
            Regexp(r"^[\w.-]+$", message=_l("Use letters, digits, dots, dashes or underscores.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[required()])
    email = StringField(
        _l("Email (optional)"), validators=[optional(), max_length(254), EmailAddress()]
    )
    phone = StringField(
        _l("Phone (optional)"), validators=[optional(), max_length(32), PhoneNumber()]
    )

    def validate_username(self, field):
        if services.username_taken(field.data):
            raise ValidationError(_l("This username is taken. Try another one."))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(USERNAME_MAX)])
    password = PasswordField(_l("Password"), validators=[required(), max_length(PASSWORD_MAX)])


class TwoFactorForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"), validators=[required(), max_length(10)]
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(USERNAME_MAX)])
    code = StringField(_l("Reset code you were given"), validators=[required(), max_length(20)])
    password = PasswordField(_l("New password"), validators=[required()])


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Your name as others see it"), validators=[required(), max_length(DISPLAY_NAME_MAX)]
    )
    locale = SelectField(_l("Language"), choices=language_choices(blank=True))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password, to confirm"), validators=[required(), max_length(PASSWORD_MAX)]
    )


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=language_choices())
