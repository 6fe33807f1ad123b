"""Which language a page is shown in, the languages Fellespott ships, and translation that keeps
each value in its own direction.

A value put into a translated sentence (a name, a title, an amount) is isolated from the text
around it, so that a Latin name ending in "." stays "Anna K." inside an Arabic sentence instead of
turning into ".Anna K". Python code uses this module's gettext() and ngettext(), which isolate
with Unicode's FSI…PDI; templates get versions that isolate with <bdi> (install_isolating_gettext).
SMS texts are the one exception, because those characters are not in GSM-7.
"""

import re

from flask import flash, g, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

# Each language in its own name, as the switcher shows it.
LANGUAGES = {
    "nb": "Norsk bokmål",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "uk": "Українська",
}
DEFAULT_LOCALE = "nb"
RIGHT_TO_LEFT = {"ar"}


def is_supported(code: str | None) -> bool:
    return code in LANGUAGES


def select_locale() -> str:
    """User setting, then ?lang=, then the switcher's choice, then Accept-Language, then nb.
    Outside a request (a command, a job), nb."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and is_supported(current_user.locale):
        return current_user.locale
    requested = request.args.get("lang")
    if requested is not None:
        if is_supported(requested):
            return requested
        g.unsupported_lang = True
    if is_supported(session.get("locale")):
        return session["locale"]
    return request.accept_languages.best_match(LANGUAGES.keys()) or DEFAULT_LOCALE


def _babel_state():
    """Flask-Babel's namespace for this context, where it keeps the chosen locale, read from
    the application context itself: through the `g` proxy, as Flask-Babel reads it, each
    translated string cost about 10 microseconds, and a page translates about a hundred."""
    app_context = _cv_app.get(None)
    return None if app_context is None else app_context.g.__dict__.get("_flask_babel")


def _kept(name: str, compute):
    """compute(), kept in Flask-Babel's namespace while the locale is the same object:
    force_locale() and refresh() put another (or none) in its place, so they miss."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    kept = getattr(state, name, None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    value = compute()
    state = _babel_state()  # the first call in a context creates it, and chooses the locale
    locale = getattr(state, "babel_locale", None)
    if locale is not None:
        setattr(state, name, (locale, value))
    return value


def translations():
    """Flask-Babel's get_translations(), looked up once per request and locale."""
    return _kept("pb_translations", get_translations)


def locale_code() -> str:
    """str(get_locale()), the page's language code, worked out once per request and locale."""
    return _kept("pb_locale_code", lambda: str(get_locale()))


def _babel_gettext(string: str) -> str:
    return translations().ugettext(string)


def warn_about_unsupported_lang() -> None:
    """Tell the reader, in the language they get instead, that ?lang= named no shipped language."""
    requested = request.args.get("lang")
    if requested is not None and not is_supported(requested):
        get_locale()
        flash(
            gettext(
                "The language “%(code)s” is not available. Choose one of the languages below.",
                code=requested[:20],
            ),
            "warning",
        )


def text_direction() -> str:
    return "rtl" if locale_code() in RIGHT_TO_LEFT else "ltr"


FSI, PDI = "\u2068", "\u2069"


def isolate_text(value):
    """A value for a plain-text sentence, between FSI and PDI; numbers stay numbers."""
    if isinstance(value, str) and not (value.startswith(FSI) and value.endswith(PDI)):
        return f"{FSI}{value}{PDI}"
    return value


def isolate_html(value):
    """A value for an HTML sentence, in <bdi> (escaped); numbers stay numbers."""
    if isinstance(value, Markup) and value.startswith("<bdi"):
        return value
    if isinstance(value, str):
        return Markup("<bdi>%s</bdi>") % value
    return value


def _babel_ngettext(singular: str, plural: str, num: int) -> str:
    """The plural form for `num`, not yet formatted (flask_babel's ngettext formats at once)."""
    return translations().ungettext(singular, plural, num)


def fill(text: str, variables: dict) -> str:
    """A translated sentence with its values put in, each isolated; no values, no formatting
    (as gettext does: a lone "%" stays)."""
    if not variables:
        return text
    return text % {key: isolate_text(value) for key, value in variables.items()}


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext, with every value isolated from the sentence's direction."""
    return fill(_babel_gettext(string), variables)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return fill(_babel_ngettext(singular, plural, num), variables)


_DIRECTION_OVERRIDES = re.compile("[\u202a-\u202e]")


def without_direction_overrides(text):
    """`text` (or Markup) without the embedding and override characters LRE, RLE, PDF, LRO and
    RLO: for plain-text places where a name can't be isolated, such as a page's title."""
    return type(text)(_DIRECTION_OVERRIDES.sub("", text))


def gettext_in(msgid: str, language: str) -> str:
    """`msgid` in `language`, whatever the page's language (a clip's words as they are said)."""
    from flask_babel import force_locale

    with force_locale(language):
        return _babel_gettext(msgid)


def install_isolating_gettext(jinja_env) -> None:
    """Templates' _() and ngettext() put each value in <bdi>. They replace the ones Flask-Babel
    installs, and work the same otherwise: the sentence is Markup, the values are escaped."""

    @pass_context
    def template_gettext(context, string: str, **variables):
        translated = _babel_gettext(string)
        if context.eval_ctx.autoescape:
            # bandit B704: a msgid from our code and its reviewed translation; values escaped
            translated = Markup(translated)  # nosec B704
            return translated % {k: isolate_html(v) for k, v in variables.items()}
        return translated % {k: isolate_text(v) for k, v in variables.items()}

    @pass_context
    def template_ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        translated = _babel_ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            # bandit B704: a msgid from our code and its reviewed translation; values escaped
            translated = Markup(translated)  # nosec B704
            return translated % {k: isolate_html(v) for k, v in variables.items()}
        return translated % {k: isolate_text(v) for k, v in variables.items()}

    jinja_env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        gettext_in=gettext_in,
    )
    jinja_env.filters["without_direction_overrides"] = without_direction_overrides


def markup_with_isolated(template: str, params: dict) -> Markup:
    """A stored message (a notification) as HTML: the text escaped, each value in <bdi>."""
    return escape(template) % {key: isolate_html(value) for key, value in params.items()}
