"""Fellespott, the common pot: the app factory."""

from flask import Flask, g, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from pb.config import ROOT, load_config
from pb.extensions import babel, csrf, db, htmx, limiter, login, migrate
from pb.i18n import (
    LANGUAGES,
    install_isolating_gettext,
    isolate_html,
    locale_code,
    select_locale,
    text_direction,
    warn_about_unsupported_lang,
)
from pb.i18n import gettext as _
from pb.ids import BoundedIntegerConverter
from pb.operations import init_operations
from pb.proposals.photos import MAX_BYTES as PHOTO_MAX_BYTES
from pb.static import init_static

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
# The voice-clip recording page (pb/clips) alone may use the microphone, and play back what was
# just recorded from a blob: URL. Every other page keeps the policies above (a test checks).
RECORDING_PAGE_POLICY = CONTENT_SECURITY_POLICY + "; media-src 'self' blob:"
RECORDING_PAGE_PERMISSIONS = "camera=(), microphone=(self), geolocation=()"

# Endpoints a staff member may reach before their second factor is set up or checked.
OPEN_BEFORE_SECOND_FACTOR = {
    "accounts.two_factor_setup",
    "accounts.login_second_factor",
    "accounts.logout",
    "accounts.switch_language",
    "static",
}


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(overrides))
    if app.config["TRUST_PROXY_HEADERS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    app.url_map.converters["int"] = BoundedIntegerConverter
    _init_extensions(app)
    init_static(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    init_operations(app)
    _register_error_pages(app)
    _register_template_helpers(app)

    from pb import cli

    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from pb import models  # noqa: F401 - every table must be known before Alembic looks

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    install_isolating_gettext(app.jinja_env)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    login.login_view = "accounts.login"
    login.login_message = None
    # Each log-in is a server-side session (pb/accounts/sessions.py): log-out, a password reset
    # or "log out everywhere" ends it, and a copied cookie is then worth nothing. Flask-Login's
    # own "session protection" adds nothing to that: for a logged-in (permanent) session it only
    # marks the session "not fresh", which nothing here uses, and for an anonymous one it
    # rewrote the cookie on the next request, so a slow background request (the username check
    # on the join form) could overwrite the cookie of a log-in that had just happened.
    login.session_protection = None

    @login.unauthorized_handler
    def log_in_first():
        target = url_for("accounts.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            # An htmx swap (a poll, an inline form) must not put the log-in page inside the page.
            return "", 401, {"HX-Redirect": target}
        return redirect(target)

    @login.user_loader
    def load_user(cookie_id: str):
        from pb.accounts.sessions import user_for_cookie

        return user_for_cookie(cookie_id)


def _register_blueprints(app: Flask) -> None:
    from pb.accounts import bp as accounts_bp
    from pb.clips import bp as clips_bp
    from pb.glossary import bp as glossary_bp
    from pb.groups import bp as groups_bp
    from pb.lending import bp as lending_bp
    from pb.notifications import bp as notifications_bp
    from pb.payouts import bp as payouts_bp
    from pb.projects import bp as projects_bp
    from pb.proposals import bp as proposals_bp
    from pb.reports import bp as reports_bp
    from pb.speech import bp as speech_bp
    from pb.surveys import bp as surveys_bp
    from pb.voting import bp as voting_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(clips_bp)
    app.register_blueprint(glossary_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(lending_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(payouts_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(proposals_bp)
    app.register_blueprint(speech_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(voting_bp)

    from pb.notifications import delivery

    delivery.init_app(app)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def remember_locale_and_require_second_factor():
        g.locale = locale_code()
        warn_about_unsupported_lang()
        if not current_user.is_authenticated or not current_user.must_use_two_factor:
            return None
        if request.endpoint in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not current_user.has_two_factor:
            return redirect(url_for("accounts.two_factor_setup"))
        if not session.get("second_factor_ok"):
            # Became staff while logged in: ask for the code before anything else.
            session["pending_user"] = current_user.pending_id()
            return redirect(url_for("accounts.login_second_factor"))
        return None

    @app.after_request
    def security_headers(response):
        recording = g.get("recording_page", False)
        response.headers["Content-Security-Policy"] = (
            RECORDING_PAGE_POLICY if recording else CONTENT_SECURITY_POLICY
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = (
            RECORDING_PAGE_PERMISSIONS if recording else PERMISSIONS_POLICY
        )
        if request.headers.get("HX-Request"):
            response.headers["Vary"] = "HX-Request"
        return response


def _register_error_pages(app: Flask) -> None:
    def error_page(status: int, title: str, message: str):
        from pb.web import same_site_referrer

        page = render_template(
            "errors/error.html", title=title, message=message, back_url=same_site_referrer()
        )
        return page, status

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(
            404, _("Not found"), _("This page does not exist, or it is not yours to see.")
        )

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return error_page(405, _("Not allowed"), _("This page can't be used like that."))

    @app.errorhandler(429)
    def too_many_requests(_error):
        return error_page(
            429,
            _("Too many tries"),
            _("Too many tries in a short time. Wait a minute and try again."),
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return error_page(
            400,
            _("Please try again"),
            _(
                "The form was open too long or came from somewhere else. "
                "Go back, reload and send it again."
            ),
        )

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return error_page(
            500, _("Something went wrong"), _("Nothing was saved. Please try again later.")
        )


def _register_template_helpers(app: Flask) -> None:
    from pb.audit.labels import action_name
    from pb.codes import pretty_code
    from pb.money import format_ore

    def user_label(user) -> str:
        return user.display_name if user is not None and user.display_name else _("Deleted member")

    role_names = {
        "member": lambda: _("Member"),
        "peer": lambda: _("Peer consultant"),
        "staff": lambda: _("Staff"),
        "lead": lambda: _("Programme lead"),
    }

    @app.context_processor
    def notification_bell():
        if not current_user.is_authenticated:
            return {}
        from pb.notifications.services import unread_count

        count = current_user.unread_notifications
        return {"unread_notifications": unread_count(current_user) if count is None else count}

    from pb.clips.views import clip_button
    from pb.speech.views import page_is_spoken, this_page
    from pb.surveys.questions import ANSWER_NAMES, QUESTIONS
    from pb.voting.views import voting_status

    app.jinja_env.globals.update(
        # A person's words set inside a translated sentence, in their own direction.
        bidi=isolate_html,
        action_name=action_name,
        photo_max_bytes=PHOTO_MAX_BYTES,
        voting_status=voting_status,
        languages=LANGUAGES,
        text_direction=text_direction,
        user_label=user_label,
        role_name=lambda role: role_names[role](),
        pretty_code=pretty_code,
        page_is_spoken=page_is_spoken,
        clip=clip_button,
        survey_words={"questions": QUESTIONS, "answers": ANSWER_NAMES},
        this_page=this_page,
    )
    app.jinja_env.filters.update(
        money=lambda ore: format_ore(ore, locale_code()),
        date=lambda value: format_date(value, "medium") if value else "",
        datetime=lambda value: format_datetime(value, "short") if value else "",
        number=lambda value: format_decimal(value),
        # Hours to one decimal, as people count volunteer time: "1,5".
        hours=lambda value: format_decimal(round(value, 1), "#,##0.#"),
    )
