"""Voice clips: peers record the words that matter most, for the languages no free speech engine
speaks (Tigrinya, Somali), and a small speaker plays them wherever the words appear."""

from flask import Blueprint

bp = Blueprint("clips", __name__)

from pb.clips import personal_data, views  # noqa: E402, F401

bp.add_url_rule("/clips", view_func=views.record_page, methods=["GET", "POST"])
bp.add_url_rule("/clips/review", view_func=views.review_page)
bp.add_url_rule("/clips/coverage", view_func=views.coverage_page)
bp.add_url_rule("/clips/<int:clip_id>.mp3", view_func=views.clip_audio)
bp.add_url_rule(
    "/clips/<int:clip_id>/<any(approve, reject, withdraw):decision>",
    view_func=views.decide,
    methods=["POST"],
)
