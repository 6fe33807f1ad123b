import json

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from pb.accounts import forms, services, sessions
from pb.accounts.models import User
from pb.extensions import db, limiter
from pb.groups import services as groups
from pb.groups.services import GroupError
from pb.i18n import gettext as _
from pb.i18n import is_supported
from pb.ids import whole_number
from pb.web import redirect_next, see_other

PENDING_USER = "pending_user"
SECOND_FACTOR_OK = "second_factor_ok"


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _empty_session() -> None:
    """Forget everything the session held (the user, the CSRF token), but the language."""
    locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)
    if locale:
        session["locale"] = locale


def lookup_rate_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _finish_login(user: User, *, second_factor: bool):
    """A fresh session for a fresh log-in: nothing from before it (a CSRF token an attacker
    planted, an earlier person's state) survives, except the chosen language."""
    if current_user.is_authenticated:
        services.log_out(current_user)
    _empty_session()
    services.log_in(user, second_factor=second_factor, user_agent=request.user_agent.string)
    login_user(user)
    session.permanent = True
    session[SECOND_FACTOR_OK] = second_factor


@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("groups.home"))
    form = forms.LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong username or password."))
        elif user.has_two_factor:
            session[PENDING_USER] = user.pending_id()
            return redirect(url_for(".login_second_factor", next=request.values.get("next")), 303)
        else:
            _finish_login(user, second_factor=False)
            return redirect_next()
    return render_template("accounts/login.html", form=form)


def _pending_user() -> User | None:
    pending = session.get(PENDING_USER) or ""
    user_id, _sep, token = pending.partition(".")
    user_id = whole_number(user_id)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user


@limiter.limit(login_rate_limit, methods=["POST"])
def login_second_factor():
    user = _pending_user()
    if user is None:
        return redirect(url_for(".login"))
    form = forms.TwoFactorForm()
    if form.validate_on_submit():
        if services.verify_two_factor(user, form.code.data):
            _finish_login(user, second_factor=True)
            return redirect_next()
        form.code.errors.append(
            _("That code is not right. Check the time on your phone and try again.")
        )
    return render_template("accounts/login_code.html", form=form)


@login_required
def logout():
    services.log_out(current_user)
    logout_user()
    _empty_session()
    flash(_("You are logged out."), "success")
    return see_other("groups.home")


def _invite_error():
    return _("This invite is wrong or has expired. Ask the person who invited you for a new one.")


@limiter.limit(login_rate_limit, methods=["POST"])
def join_code():
    form = forms.InviteCodeForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        invite = groups.find_usable_invite(form.code.data)
        if invite is not None:
            return see_other(".join", code=invite.code)
        form.code.errors.append(_invite_error())
    return render_template("accounts/join_code.html", form=form)


@limiter.limit(login_rate_limit, methods=["POST"])
@limiter.limit(lookup_rate_limit, methods=["GET"])
def join(code: str):
    invite = groups.find_usable_invite(code)
    if invite is None:
        form = forms.InviteCodeForm(code=code)
        form.code.errors = [_invite_error()]
        return render_template("accounts/join_code.html", form=form), 404
    if current_user.is_authenticated:
        return _join_as_current_user(invite)
    form = forms.JoinForm()
    if form.validate_on_submit():
        try:
            user = services.register_with_invite(
                invite,
                username=form.username.data,
                display_name=form.display_name.data,
                password=form.password.data,
                email=form.email.data,
                phone=form.phone.data,
                locale=str(g.get("locale") or "") or None,
            )
        except (services.AccountError, GroupError) as error:
            db.session.rollback()
            if error.code != "username_taken":
                flash(_invite_error(), "error")
                return see_other(".join_code")
            form.username.errors.append(_("This username is taken. Try another one."))
        else:
            _finish_login(user, second_factor=False)
            flash(_("Welcome to %(group)s!", group=invite.group.name), "success")
            return see_other("groups.group_page", group_id=invite.group_id)
    return render_template("accounts/join.html", form=form, invite=invite)


def _join_as_current_user(invite):
    if request.method == "POST":
        try:
            services.join_with_invite(current_user, invite)
        except GroupError as error:
            db.session.rollback()
            if error.code == "already_member":
                flash(_("You are already a member of this group."), "info")
                return see_other("groups.group_page", group_id=invite.group_id)
            flash(_invite_error(), "error")
            return see_other(".join_code")
        flash(_("Welcome to %(group)s!", group=invite.group.name), "success")
        return see_other("groups.group_page", group_id=invite.group_id)
    return render_template("accounts/join_existing.html", invite=invite)


@limiter.limit(lookup_rate_limit)
def check_username():
    """Tell someone filling in the join form, as they type, whether a username is free."""
    username = request.args.get("username", "")
    taken = len(username) >= 3 and services.username_taken(username)
    return render_template("accounts/_username_check.html", taken=taken, username=username)


@limiter.limit(login_rate_limit, methods=["POST"])
def reset_password():
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(form.username.data, form.code.data, form.password.data)
        except services.AccountError:
            db.session.rollback()
            form.code.errors.append(
                _("This code is wrong, used or more than a day old. Ask for a new one.")
            )
        else:
            flash(_("Your password is changed. Log in with the new one."), "success")
            return see_other(".login")
    return render_template("accounts/reset.html", form=form)


def switch_language():
    form = forms.LanguageForm()
    if form.validate_on_submit() and is_supported(form.locale.data):
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
    return redirect_next()


@login_required
def profile():
    form = forms.ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            display_name=form.display_name.data,
            locale=form.locale.data,
        )
        if form.locale.data:
            session["locale"] = form.locale.data
        flash(_("Saved."), "success")
        return see_other(".profile")
    return render_template(
        "accounts/profile.html",
        form=form,
        sessions=sessions.active_sessions(current_user),
        is_current=sessions.is_current,
    )


@login_required
def log_out_everywhere():
    services.log_out_everywhere(current_user)
    logout_user()
    _empty_session()
    flash(_("You are logged out on every device."), "success")
    return see_other(".login")


@login_required
def log_out_device(session_id: int):
    if not services.log_out_device(current_user, session_id):
        abort(404)
    flash(_("That device is logged out."), "success")
    return see_other(".profile")


@login_required
def two_factor_setup():
    if current_user.has_two_factor:
        flash(_("Two-step log-in is already on for your account."), "info")
        return redirect(url_for("groups.home"))
    if not current_user.totp_secret:
        services.start_two_factor(current_user)
    form = forms.TwoFactorForm()
    if form.validate_on_submit():
        if services.confirm_two_factor(current_user, form.code.data):
            session[SECOND_FACTOR_OK] = True
            flash(_("Two-step log-in is on. You will need a code each time you log in."), "success")
            return see_other("groups.home")
        form.code.errors.append(
            _("That code is not right. Check the time on your phone and try again.")
        )
    uri = services.provisioning_uri(current_user)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1b1b", light="#ffffff")
    secret = current_user.totp_secret
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(
        "accounts/two_factor_setup.html", form=form, qr_svg=qr_svg, secret=grouped
    )


@login_required
def my_data():
    return render_template(
        "accounts/my_data.html",
        data=services.export_user_data(current_user),
        delete_form=forms.DeleteAccountForm(),
    )


@login_required
def download_my_data():
    body = json.dumps(services.export_user_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=fellespott-my-data.json"},
    )


@login_required
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except services.AccountError:
            db.session.rollback()
            form.password.errors.append(_("Wrong password. Your account is not deleted."))
        else:
            logout_user()
            session.clear()
            flash(
                _("Your account is deleted. Money records keep only an anonymous number."),
                "success",
            )
            return see_other("groups.home")
    return render_template(
        "accounts/my_data.html",
        data=services.export_user_data(current_user),
        delete_form=form,
    ), 400
