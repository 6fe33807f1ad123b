from flask import abort, current_app, flash, render_template, request
from flask_login import current_user, login_required

from pb.extensions import db
from pb.i18n import gettext as _
from pb.notifications import answers, forms, services, settings
from pb.notifications.messages import CATEGORY_NAMES, read_unsubscribe_token
from pb.web import see_other


@login_required
def inbox():
    notifications = services.open_inbox(current_user)
    return render_template(
        "notifications/inbox.html", notifications=notifications, text_of=services.text_of
    )


@login_required
def settings_page():
    form = forms.SettingsForm()
    if request.method == "GET":
        settings.fill_form(form, current_user)
    if form.validate_on_submit():
        settings.save_form(form, current_user)
        flash(_("Saved."), "success")
        return see_other(".settings")
    return render_template(
        "notifications/settings.html",
        form=form,
        categories=CATEGORY_NAMES,
        # Summaries go to staff memberships; the dead letters also show to programme leads.
        gets_summary=any(m.role == "staff" for m in current_user.memberships),
        sees_failed=current_user.must_use_two_factor,
        sms_stopped_at=settings.sms_stopped_at(current_user),
    )


def unsubscribe(token: str):
    """The link at the foot of an email: one category's email off, with no log-in. A GET only
    shows the question (mail scanners follow links); the button posts with its CSRF token."""
    found = read_unsubscribe_token(token)
    user = settings.user_for_unsubscribe(found)
    if user is None:
        abort(404)
    _user_id, category, channel = found
    form = forms.UnsubscribeForm()
    done = False
    if form.validate_on_submit():
        settings.unsubscribe(user, category, channel)
        done = True
    return render_template(
        "notifications/unsubscribe.html",
        form=form,
        category=CATEGORY_NAMES[category],
        done=done,
    )


@login_required
def failed_deliveries():
    rows = settings.dead_letters_for(current_user)
    if rows is None:
        abort(404)
    return render_template(
        "notifications/failed.html", rows=rows, text_of=services.text_of, categories=CATEGORY_NAMES
    )


@login_required
def resend_delivery(delivery_id: int):
    delivery = settings.dead_letter(current_user, delivery_id)
    settings.resend(delivery, actor=current_user)
    flash(_("It will be sent again."), "success")
    return see_other(".failed_deliveries")


def sms_inbound():
    """The SMS provider's webhook: the one route without a CSRF token, because the provider
    posts it; the HMAC signature over its timestamp and body does that job instead."""
    secret = current_app.config["SMS_WEBHOOK_SECRET"]
    if not secret:
        abort(404)
    signature = request.headers.get("X-Fellespott-Signature", "")
    timestamp = request.headers.get("X-Fellespott-Timestamp", "")
    if not answers.signature_ok(secret, timestamp, request.get_data(), signature):
        return "bad signature\n", 403, {"Content-Type": "text/plain"}
    if not answers.first_time(signature):
        return "already handled\n", 409, {"Content-Type": "text/plain"}
    try:
        reply = answers.handle_inbound(request.form.get("from"), request.form.get("text"))
    except Exception:
        answers.forget(signature)
        raise
    db.session.remove()
    answers.send_reply(reply)
    return "", 204
