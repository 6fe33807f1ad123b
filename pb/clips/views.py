"""Thin handlers: record, review and hear voice clips; the coverage of each language."""

from flask import abort, flash, g, render_template, request, send_from_directory
from flask_login import current_user, login_required
from markupsafe import Markup

from pb.clips import services
from pb.clips.forms import CLIP_MESSAGES, ClipForm, DecisionForm
from pb.clips.models import VoiceClip
from pb.clips.strings import msgid_of
from pb.extensions import db
from pb.i18n import LANGUAGES
from pb.i18n import gettext as _
from pb.web import see_other

# Where recording starts: the languages no speech engine on the server speaks.
RECORDED_FIRST = ("ti", "so")


def _require_recorder() -> None:
    if not services.can_record(current_user):
        abort(404)


def _language() -> str:
    asked = request.values.get("language")
    if asked in LANGUAGES:
        return asked
    return g.locale if g.locale in RECORDED_FIRST else RECORDED_FIRST[0]


@login_required
def record_page():
    """The strings still missing a clip in a language, most important first, each with a form
    that records in the browser or takes a file."""
    _require_recorder()
    # This page alone may use the microphone and play back what was just recorded (blob:).
    g.recording_page = True
    language = _language()
    form = ClipForm()
    status = 200
    failed_msgid = None
    if form.is_submitted():
        failed_msgid = form.msgid.data
        upload = request.files.get("audio")
        if form.validate() and upload is not None and upload.filename:
            try:
                clip = services.record(
                    current_user,
                    msgid=form.msgid.data or "",
                    language=form.language.data or "",
                    data=upload.read(services.MAX_UPLOAD_BYTES + 1),
                )
            except services.ClipError as error:
                form.audio.errors = [CLIP_MESSAGES[error.code]]
            else:
                flash(_("Thank you. The clip waits for someone else to listen to it."), "success")
                return see_other(".record_page", language=clip.language, _anchor=f"s{clip.id}")
        elif not form.errors:
            form.audio.errors = [CLIP_MESSAGES["no_file"]]
        status = 400
    return (
        render_template(
            "clips/record.html",
            form=form,
            language=language,
            strings=services.strings_for(language),
            failed_msgid=failed_msgid,
            max_seconds=services.MAX_SECONDS,
        ),
        status,
    )


@login_required
def review_page():
    _require_recorder()
    return render_template(
        "clips/review.html",
        waiting=services.waiting(),
        in_use=services.in_use(),
        form=DecisionForm(),
    )


@login_required
def decide(clip_id: int, decision: str):
    _require_recorder()
    clip = db.session.get(VoiceClip, clip_id)
    if clip is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    action = {"approve": services.approve, "reject": services.reject}.get(
        decision, services.withdraw
    )
    try:
        action(clip, current_user)
    except services.ClipError as error:
        flash(CLIP_MESSAGES[error.code], "error")
    else:
        flash(
            {
                "approve": _("The clip is approved, and plays wherever its words appear."),
                "reject": _("The clip is rejected."),
                "withdraw": _("The clip is withdrawn, and no longer plays."),
            }[decision],
            "success",
        )
    return see_other(".review_page")


@login_required
def coverage_page():
    return render_template("clips/coverage.html", rows=services.coverage())


def clip_audio(clip_id: int):
    """An approved clip is interface sound, for anyone; one waiting for a decision only for the
    people who record and decide."""
    clip = db.session.get(VoiceClip, clip_id)
    if clip is None or not services.can_hear(current_user, clip):
        abort(404)
    response = send_from_directory(services.clip_folder(), clip.file_name, mimetype="audio/mpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def clip_button(words) -> Markup:
    """The small speaker beside `words` (a msgid, or its lazy translation), when a clip of them
    is in use in the page's language; nothing otherwise. A plain link plays the sound without
    JavaScript; app.js plays it in the page."""
    clip = services.clips_in_use(g.locale).get(msgid_of(words))
    if clip is None:
        return Markup("")
    # bandit B704: our own template's output, escaped by Jinja
    return Markup(render_template("clips/_button.html", clip=clip))  # nosec B704
