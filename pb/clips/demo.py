"""The voice-clip part of the demo: a few clips for Tigrinya and Somali, so that recording,
approval and playback can all be tried. They are not anyone's voice: each is a short tone and
"demo clip" said by espeak-ng in English, marked as a demo clip wherever it plays."""

import subprocess  # nosec B404
import tempfile
from pathlib import Path

from pb.clips import services
from pb.clips.strings import msgid_of
from pb.speech.engine import program
from pb.surveys.questions import ANSWER_NAMES
from pb.voting.forms import FORMAT_EXPLANATIONS

# In use after the demo's staff approved them, and one waiting for a second person.
APPROVED = ("Vote", msgid_of(FORMAT_EXPLANATIONS["approval"]), "Book", msgid_of(ANSWER_NAMES["5"]))
WAITING = ("Send my answers",)


def placeholder_audio(words: str) -> bytes:
    """A tone, then "demo clip" and the English words, as a WAV file."""
    with tempfile.TemporaryDirectory() as folder:
        speech = Path(folder) / "speech.wav"
        # bandit B603: fixed program and options, our own words
        subprocess.run(  # nosec B603
            [program("espeak-ng"), "-v", "en", "--stdin", "-w", str(speech)],
            input=f"Demo clip. {words}".encode(),
            capture_output=True,
            timeout=30,
            check=True,
        )
        # bandit B603: fixed program and options, our own temp file
        return subprocess.run(  # nosec B603
            [
                program("ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "sine=frequency=660:duration=0.4",
                "-i", str(speech),
                "-filter_complex",
                "[0:a]aresample=22050,aformat=channel_layouts=mono[tone];"
                "[1:a]aresample=22050,aformat=channel_layouts=mono[words];"
                "[tone][words]concat=n=2:v=0:a=1",
                "-f", "wav", "pipe:1",
            ],
            capture_output=True,
            timeout=30,
            check=True,
        ).stdout  # fmt: skip


def seed_clips_demo(peer, staff) -> int:
    """Record the demo's clips as `peer`, and approve most of them as `staff`. Without espeak-ng
    and ffmpeg (the Makefile's speech-deps) there are none; returns how many were made."""
    from pb.speech.engine import installed

    if not installed():
        return 0
    made = 0
    for language in ("ti", "so"):
        for msgid in APPROVED + WAITING:
            clip = services.record(
                peer, msgid=msgid, language=language, data=placeholder_audio(msgid), demo=True
            )
            if msgid in APPROVED:
                services.approve(clip, staff)
            made += 1
    return made
