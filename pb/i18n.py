"""Which language a page is shown in, and the languages Fellespott ships."""

from flask import flash, g, has_request_context, request, session
from flask_babel import get_locale, gettext
from flask_login import current_user

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
    return "rtl" if str(get_locale()) in RIGHT_TO_LEFT else "ltr"
