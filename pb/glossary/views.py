from flask import abort, current_app, flash, g, render_template, request
from flask_login import current_user, login_required

from pb.extensions import db, limiter
from pb.glossary import forms, services
from pb.glossary.terms import glossary
from pb.i18n import LANGUAGES
from pb.i18n import gettext as _
from pb.web import see_other

# Catalogs no native reader has checked yet: the page says so.
AWAITING_A_NATIVE_READER = {"so", "ti"}


def word_report_limit() -> str:
    return current_app.config["WORD_REPORT_RATE_LIMIT"]


@limiter.limit(word_report_limit, methods=["POST"], key_func=lambda: str(current_user.get_id()))
def about():
    """How Fellespott is translated: each language's state, the key terms in the reader's
    language, and (for members) a form to report a wrong word."""
    form = forms.WordReportForm()
    if request.method == "GET":
        form.language.data = g.locale
    status = 200
    if request.method == "POST":
        if not current_user.is_authenticated:
            abort(404)
        if form.validate_on_submit():
            services.report_word(
                current_user,
                language=form.language.data,
                word=form.word.data,
                better=form.better.data,
            )
            flash(_("Thank you. The programme lead will look at the word."), "success")
            return see_other(".about")
        db.session.rollback()
        status = 400
    return render_template(
        "glossary/about.html",
        form=form,
        terms=glossary(),
        languages=LANGUAGES,
        awaiting=AWAITING_A_NATIVE_READER,
        locale=g.locale,
    ), status


@login_required
def reports():
    if not services.is_a_programme_lead(current_user):
        abort(404)
    return render_template(
        "glossary/reports.html", reports=services.latest_reports(), languages=LANGUAGES
    )
