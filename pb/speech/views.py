"""Thin handlers: which part, which piece; the audio, or a page that plays it without JavaScript."""

from flask import abort, current_app, g, render_template, request, send_file, url_for
from flask_login import current_user

from pb.extensions import limiter
from pb.i18n import locale_code
from pb.ids import whole_number
from pb.speech import engine
from pb.speech.parts import is_speakable, part_text


def page_is_spoken() -> bool:
    """Whether this page offers the server's speech: a page that is read aloud, in a language
    the server speaks."""
    return is_speakable(request.endpoint) and engine.speaks(locale_code())


def this_page() -> str:
    return request.full_path.rstrip("?")


def speech_rate_limit() -> str:
    return current_app.config["SPEECH_RATE_LIMIT"]


def per_person() -> str:
    """Each logged-in person has their own allowance; before log-in, each address."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"address:{request.remote_addr}"


def _asked():
    """The page, the part and the piece asked for, the part's text in pieces, and the language
    to read it in: the part's own (a proposal in the language it was written in) where the
    server speaks it, else the page's."""
    page = request.args.get("page", "")
    part = request.args.get("part", "page")
    piece = whole_number(request.args.get("n", "0"))
    if piece is None or not engine.speaks(g.locale):
        abort(404)
    text, language = part_text(page, part)
    pieces = engine.pieces(text)
    if piece >= len(pieces):
        abort(404)
    return page, part, piece, pieces, language if engine.speaks(language or "") else g.locale


@limiter.limit(speech_rate_limit, key_func=per_person)
def audio():
    """One piece of a part, as MP3. X-Speech-Pieces says how many there are."""
    _page, _part, piece, pieces, language = _asked()
    try:
        path = engine.audio_path(pieces[piece], language)
    except engine.SpeechUnavailable:
        abort(503)
    response = send_file(path, mimetype="audio/mpeg", conditional=True)
    # The words may be this person's own or their group's: no shared cache keeps them.
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Speech-Pieces"] = str(len(pieces))
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@limiter.limit(speech_rate_limit, key_func=per_person)
def listen_page():
    """The plain "Listen" link's page: the audio of one piece, with the previous and next."""
    page, part, piece, pieces, _language = _asked()

    def piece_url(number: int) -> str:
        return url_for(".listen_page", page=page, part=part, n=number)

    return render_template(
        "speech/listen.html",
        audio_url=url_for(".audio", page=page, part=part, n=piece),
        back_url=page,
        piece=piece + 1,
        pieces=len(pieces),
        previous_url=piece_url(piece - 1) if piece else None,
        next_url=piece_url(piece + 1) if piece + 1 < len(pieces) else None,
    )
