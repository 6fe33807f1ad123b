from flask import render_template
from flask_login import current_user, login_required

from pb.notifications import services


@login_required
def inbox():
    notifications = services.open_inbox(current_user)
    return render_template(
        "notifications/inbox.html", notifications=notifications, text_of=services.text_of
    )
