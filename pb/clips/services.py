"""Voice clips: an upload re-encoded on the server, and a clip's life from recording through a
second person's approval to use, replacement or withdrawal."""

import re
import secrets
import subprocess  # nosec B404
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record as audit
from pb.clips.models import VoiceClip
from pb.clips.strings import ESSENTIAL, HELPFUL, IMPORTANCE, IMPORTANT_STRINGS
from pb.extensions import db
from pb.i18n import LANGUAGES
from pb.proposals.photos import upload_folder
from pb.speech.engine import SpeechUnavailable, mp3_encoding, program
from pb.timeutil import utcnow

# A clip says a few words: longer is a mistake (a recording left running), and the cap keeps a
# phone's download small. WAV from a file is the largest honest upload: 20 s of CD-quality
# stereo is 3.5 MB.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SECONDS = 20
MIN_SECONDS = 0.3
# Louder than this at its loudest, or it is taken for silence (a muted or unplugged microphone).
SILENT_BELOW_DB = -45.0
# Voice clips are mostly heard on phones: 48 kbit/s mono MP3 is clear speech, about 6 kB a
# second.
_ENCODE = mp3_encoding(48)


class ClipError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class EncodedClip:
    audio: bytes
    duration_ms: int


def encode(data: bytes) -> EncodedClip:
    """The upload as MP3, its tags dropped; ClipError for what is not a clip of speech."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ClipError("too_large")
    if not data:
        raise ClipError("no_file")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "upload"
        target = Path(folder) / "clip.mp3"
        source.write_bytes(data)
        # One second past the cap is decoded, so "too long" is known without decoding an hour.
        _ffmpeg(["-i", str(source), "-t", str(MAX_SECONDS + 1), *_ENCODE, str(target)])
        if not target.exists() or target.stat().st_size == 0:
            raise ClipError("not_audio")
        seconds = _duration(target)
        if seconds > MAX_SECONDS + 0.05:
            raise ClipError("too_long")
        if seconds < MIN_SECONDS:
            raise ClipError("too_short")
        if _loudest_db(target) < SILENT_BELOW_DB:
            raise ClipError("silent")
        return EncodedClip(audio=target.read_bytes(), duration_ms=round(seconds * 1000))


def _ffmpeg(arguments: list[str]) -> str:
    try:
        # bandit B603: fixed program and options, our own temp files
        done = subprocess.run(  # nosec B603
            [program("ffmpeg"), "-hide_banner", "-nostdin", "-y", *arguments],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError, SpeechUnavailable) as error:
        raise ClipError("not_audio") from error
    if done.returncode != 0:
        raise ClipError("not_audio")
    return done.stderr.decode(errors="replace")


def _duration(path: Path) -> float:
    try:
        # bandit B603: fixed program and options, our own temp file
        out = subprocess.run(  # nosec B603
            [
                program("ffprobe"),
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
                path,
            ],
            capture_output=True,
            timeout=30,
            check=True,
        ).stdout
        return float(out.decode().strip() or 0)
    except (OSError, ValueError, subprocess.SubprocessError, SpeechUnavailable) as error:
        raise ClipError("not_audio") from error


def _loudest_db(path: Path) -> float:
    report = _ffmpeg(["-i", str(path), "-af", "volumedetect", "-f", "null", "-"])
    found = re.search(r"max_volume: (-?[0-9.]+|-inf) dB", report)
    if not found or found.group(1) == "-inf":
        return float("-inf")
    return float(found.group(1))


# --- who may do what ------------------------------------------------------------------------


def can_record(user) -> bool:
    """Peer consultants record; staff and the programme lead too."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(m.role in ("peer", "staff") for m in user.memberships) or any(
        role.role == "lead" for role in user.programme_roles
    )


def can_decide(user, clip: VoiceClip) -> bool:
    """Staff, the lead or another peer: never the person who recorded it."""
    return can_record(user) and clip.recorded_by_id != user.id


def can_hear(user, clip: VoiceClip) -> bool:
    return clip.state == "approved" or can_record(user)


# --- the clip's life ------------------------------------------------------------------------


def clip_folder() -> Path:
    return upload_folder("clips")


def record(user, *, msgid: str, language: str, data: bytes, demo: bool = False) -> VoiceClip:
    """Store a new version of the clip of `msgid` in `language`, waiting for a second person."""
    if msgid not in IMPORTANCE or language not in LANGUAGES:
        raise ClipError("unknown_string")
    encoded = encode(data)
    name = f"{secrets.token_hex(16)}.mp3"
    (clip_folder() / name).write_bytes(encoded.audio)
    version = (
        db.session.scalar(
            select(func.max(VoiceClip.version)).where(
                VoiceClip.msgid == msgid, VoiceClip.language == language
            )
        )
        or 0
    ) + 1
    clip = VoiceClip(
        msgid=msgid,
        language=language,
        version=version,
        file_name=name,
        duration_ms=encoded.duration_ms,
        size_bytes=len(encoded.audio),
        demo=demo,
        recorded_by_id=user.id,
    )
    db.session.add(clip)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same version recorded at the same moment
        db.session.rollback()
        (clip_folder() / name).unlink(missing_ok=True)
        raise ClipError("changed") from error
    audit("clip.recorded", actor=user, subject=clip, language=language, version=version)
    db.session.commit()
    return clip


def approve(clip: VoiceClip, actor) -> None:
    if not can_decide(actor, clip):
        raise ClipError("not_yours")
    if clip.state != "waiting":
        raise ClipError("changed")
    for earlier in db.session.scalars(
        select(VoiceClip).where(
            VoiceClip.msgid == clip.msgid,
            VoiceClip.language == clip.language,
            VoiceClip.state == "approved",
        )
    ):
        earlier.state = "replaced"
    db.session.flush()
    _decide(clip, actor, "approved")


def reject(clip: VoiceClip, actor) -> None:
    if not can_decide(actor, clip):
        raise ClipError("not_yours")
    if clip.state != "waiting":
        raise ClipError("changed")
    _decide(clip, actor, "rejected")


def withdraw(clip: VoiceClip, actor) -> None:
    """Take an approved clip out of use (the recorder may withdraw their own too)."""
    if not can_record(actor):
        raise ClipError("not_yours")
    if clip.state != "approved":
        raise ClipError("changed")
    _decide(clip, actor, "withdrawn")


def _decide(clip: VoiceClip, actor, state: str) -> None:
    clip.state = state
    clip.decided_by_id = actor.id
    clip.decided_at = utcnow()
    audit(f"clip.{state}", actor=actor, subject=clip, language=clip.language, version=clip.version)
    try:
        db.session.commit()
    except IntegrityError as error:  # another version of the string approved at the same moment
        db.session.rollback()
        raise ClipError("changed") from error
    forget_clips_in_use()


# --- what is there --------------------------------------------------------------------------


# The clips in use, per language, kept by each process for a short while: the speaker buttons
# are on the busiest pages (the ballot, the item calendar), which should not pay a query for
# them. A decision made in this process is seen at once; one made in another app server within
# KEEP_SECONDS.
KEEP_SECONDS = 30
_in_use: dict[tuple[str, str], tuple[float, dict]] = {}
_in_use_lock = threading.Lock()


@dataclass(frozen=True)
class ClipInUse:
    id: int
    msgid: str
    language: str
    demo: bool


def clips_in_use(language: str) -> dict[str, ClipInUse]:
    """The approved clip of each string in `language`."""
    key = (str(db.session.get_bind().url), language)
    now = time.monotonic()
    with _in_use_lock:
        kept = _in_use.get(key)
    if kept is not None and now - kept[0] < KEEP_SECONDS:
        return kept[1]
    found = {
        msgid: ClipInUse(clip_id, msgid, language, demo)
        for clip_id, msgid, demo in db.session.execute(
            select(VoiceClip.id, VoiceClip.msgid, VoiceClip.demo).where(
                VoiceClip.language == language, VoiceClip.state == "approved"
            )
        )
    }
    with _in_use_lock:
        _in_use[key] = (now, found)
    return found


def forget_clips_in_use() -> None:
    with _in_use_lock:
        _in_use.clear()


@dataclass
class StringState:
    msgid: str
    importance: int
    in_use: VoiceClip | None
    waiting: list[VoiceClip]


def strings_for(language: str) -> list[StringState]:
    """Every important string in `language`: its clip in use and its clips waiting, the missing
    essential ones first."""
    clips = db.session.scalars(
        select(VoiceClip)
        .where(VoiceClip.language == language, VoiceClip.state.in_(("approved", "waiting")))
        .order_by(VoiceClip.version)
    ).all()
    states = []
    for string in IMPORTANT_STRINGS:
        mine = [c for c in clips if c.msgid == string.msgid]
        states.append(
            StringState(
                msgid=string.msgid,
                importance=string.importance,
                in_use=next((c for c in mine if c.state == "approved"), None),
                waiting=[c for c in mine if c.state == "waiting"],
            )
        )
    states.sort(key=lambda s: (s.in_use is not None, s.importance))
    return states


@dataclass
class Coverage:
    language: str
    essential: tuple[int, int]  # (with a clip, of)
    helpful: tuple[int, int]

    @property
    def share(self) -> float:
        have = self.essential[0] + self.helpful[0]
        return have / (self.essential[1] + self.helpful[1])


def coverage() -> list[Coverage]:
    """For each language, the share of important strings that have a clip in use."""
    in_use = set(
        db.session.execute(
            select(VoiceClip.language, VoiceClip.msgid).where(VoiceClip.state == "approved")
        ).all()
    )
    rows = []
    for language in LANGUAGES:
        counts = {ESSENTIAL: [0, 0], HELPFUL: [0, 0]}
        for string in IMPORTANT_STRINGS:
            counts[string.importance][1] += 1
            counts[string.importance][0] += (language, string.msgid) in in_use
        rows.append(Coverage(language, tuple(counts[ESSENTIAL]), tuple(counts[HELPFUL])))
    return rows


def waiting() -> list[VoiceClip]:
    return list(
        db.session.scalars(
            select(VoiceClip).where(VoiceClip.state == "waiting").order_by(VoiceClip.created_at)
        )
    )


def in_use() -> list[VoiceClip]:
    query = select(VoiceClip).where(VoiceClip.state == "approved")
    return list(db.session.scalars(query.order_by(VoiceClip.language, VoiceClip.msgid)))
