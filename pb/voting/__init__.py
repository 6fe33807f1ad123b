"""Voting: ballots in four formats, assisted voting, counting, results and Pabulib export."""

from flask import Blueprint

bp = Blueprint("voting", __name__, url_prefix="/groups/<int:group_id>/rounds/<int:round_id>")

from pb.voting import views  # noqa: E402

bp.add_url_rule("/ballot", view_func=views.ballot, methods=["GET", "POST"])
bp.add_url_rule("/ballot/total", view_func=views.knapsack_total, methods=["POST"])
bp.add_url_rule("/assist", view_func=views.assisted_ballot, methods=["GET", "POST"])
bp.add_url_rule("/count", view_func=views.count, methods=["GET", "POST"])
bp.add_url_rule("/count/progress", view_func=views.count_progress)
bp.add_url_rule("/publish", view_func=views.publish, methods=["POST"])
bp.add_url_rule("/results", view_func=views.results)
