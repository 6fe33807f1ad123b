"""In-app notifications: the bell. Every notification goes through services.notify()."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from pb.notifications import views  # noqa: E402

bp.add_url_rule("/notifications", view_func=views.inbox)
