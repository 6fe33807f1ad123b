from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from pb.forms import max_length, required
from pb.i18n import LANGUAGES


class WordReportForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    word = StringField(_l("The word that is wrong"), validators=[required(), max_length(100)])
    better = StringField(_l("A better word"), validators=[required(), max_length(100)])
