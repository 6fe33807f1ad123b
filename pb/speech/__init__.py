"""Read-aloud: the server's speech for a page part, where the phone has no voice for the page's
language (pb/speech/parts.py says which parts, pb/speech/engine.py how they are spoken)."""

from flask import Blueprint

bp = Blueprint("speech", __name__)

from pb.speech import views  # noqa: E402

bp.add_url_rule("/speech", view_func=views.audio)
bp.add_url_rule("/listen", view_func=views.listen_page)
