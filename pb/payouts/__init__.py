"""Pots, allocations and the ledger; payout requests build on these."""

from flask import Blueprint

bp = Blueprint("payouts", __name__)

from pb.payouts import views  # noqa: E402

bp.add_url_rule("/groups/<int:group_id>/pot", view_func=views.pot_page, methods=["GET", "POST"])
