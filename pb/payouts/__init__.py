"""Pots, allocations, the ledger, and payouts: requests, approvals, plans and complaints."""

from flask import Blueprint

bp = Blueprint("payouts", __name__)

from pb.payouts import personal_data, summary, views, waiting  # noqa: E402, F401

G = "/groups/<int:group_id>"
P = f"{G}/payouts/<int:request_id>"

bp.add_url_rule(f"{G}/pot", view_func=views.pot_page, methods=["GET", "POST"])
bp.add_url_rule(f"{G}/pot/ledger.csv", view_func=views.ledger_csv)
bp.add_url_rule(f"{G}/pot/report", view_func=views.allocation_report)
bp.add_url_rule(f"{G}/payouts", view_func=views.payout_list)
bp.add_url_rule(f"{G}/payouts/new", view_func=views.new_conditional, methods=["GET", "POST"])
bp.add_url_rule(f"{G}/plans/new", view_func=views.new_plan, methods=["GET", "POST"])
bp.add_url_rule(P, view_func=views.payout_page)
bp.add_url_rule(f"{P}/decide", view_func=views.decide, methods=["POST"])
bp.add_url_rule(f"{P}/pay", view_func=views.pay, methods=["POST"])
bp.add_url_rule(f"{P}/cancel", view_func=views.cancel, methods=["POST"])
bp.add_url_rule(f"{P}/submit", view_func=views.submit_draft, methods=["POST"])
bp.add_url_rule(f"{P}/complaints", view_func=views.complain, methods=["POST"])
bp.add_url_rule(
    f"{G}/complaints/<int:complaint_id>/decide",
    view_func=views.decide_complaint,
    methods=["POST"],
)
bp.add_url_rule(
    "/programmes/<int:programme_id>/pots",
    view_func=views.programme_pots,
    methods=["GET", "POST"],
)
bp.add_url_rule("/programmes/<int:programme_id>/ledger.csv", view_func=views.programme_ledger_csv)
bp.add_url_rule(f"{P}/receipt", view_func=views.upload_receipt, methods=["POST"])
bp.add_url_rule(f"{P}/receipt.jpg", view_func=views.receipt_image)
