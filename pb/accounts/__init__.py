"""Accounts: join, log in and out, second factor, password reset, language, and my data."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from pb.accounts import views  # noqa: E402

bp.add_url_rule("/login", view_func=views.login, methods=["GET", "POST"])
bp.add_url_rule("/login/code", view_func=views.login_second_factor, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=views.logout, methods=["POST"])
bp.add_url_rule("/join", view_func=views.join_code, methods=["GET", "POST"])
bp.add_url_rule("/join/<code>", view_func=views.join, methods=["GET", "POST"])
bp.add_url_rule("/join/check-username", view_func=views.check_username)
bp.add_url_rule("/reset", view_func=views.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/language", view_func=views.switch_language, methods=["POST"])
bp.add_url_rule("/account", view_func=views.profile, methods=["GET", "POST"])
bp.add_url_rule("/account/sessions/end-all", view_func=views.log_out_everywhere, methods=["POST"])
bp.add_url_rule(
    "/account/sessions/<int:session_id>/end", view_func=views.log_out_device, methods=["POST"]
)
bp.add_url_rule("/account/two-factor", view_func=views.two_factor_setup, methods=["GET", "POST"])
bp.add_url_rule("/account/data", view_func=views.my_data)
bp.add_url_rule("/account/data.json", view_func=views.download_my_data)
bp.add_url_rule("/account/delete", view_func=views.delete_account, methods=["POST"])
