from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

from pb.clips.services import MAX_SECONDS

CLIP_MESSAGES = {
    "too_large": _l("The sound file is too large. A clip may be at most 5 MB."),
    "too_long": _l(
        "The clip is too long. Say only the words, in at most %(seconds)d seconds.",
        seconds=MAX_SECONDS,
    ),
    "too_short": _l("The clip is too short. Record the words again."),
    "silent": _l("We could not hear anything. Check the microphone and record again."),
    "not_audio": _l(
        "This is not a sound file we can play. Record in the browser, or choose an "
        "audio file (MP3, M4A, OGG, WebM or WAV)."
    ),
    "unknown_string": _l("These words can't have a clip."),
    "changed": _l("Someone changed this clip at the same moment. Look at the list again."),
    "not_yours": _l(
        "You may not decide on your own clip. Another peer consultant or staff decides."
    ),
    "no_file": _l("Record the words, or choose a sound file."),
}


class ClipForm(FlaskForm):
    msgid = HiddenField()
    language = HiddenField()
    audio = FileField(_l("Sound file"))


class DecisionForm(FlaskForm):
    """Only the CSRF token: the clip and the decision are in the URL."""
