"""Notifications: the bell, and email and SMS behind it. Every notification goes through
services.notify(); delivery.py gets it out; answers.py acts on SMS answers."""

from flask import Blueprint

from pb.extensions import csrf

bp = Blueprint("notifications", __name__)

from pb.notifications import views  # noqa: E402

bp.add_url_rule("/notifications", view_func=views.inbox)
bp.add_url_rule(
    "/account/notifications", "settings", view_func=views.settings_page, methods=["GET", "POST"]
)
bp.add_url_rule("/notifications/stop/<token>", view_func=views.unsubscribe, methods=["GET", "POST"])
bp.add_url_rule("/notifications/failed", view_func=views.failed_deliveries)
bp.add_url_rule(
    "/notifications/failed/<int:delivery_id>/resend",
    view_func=views.resend_delivery,
    methods=["POST"],
)
bp.add_url_rule("/sms/inbound", view_func=csrf.exempt(views.sms_inbound), methods=["POST"])
