"""Text to compressed audio on the server: espeak-ng speaks, ffmpeg makes an MP3 of it.

espeak-ng and ffmpeg are Debian packages that the project's own set-up installs (the Makefile's
`system-deps`). MP3 because every phone's browser plays it, old iPhones included; at 32 kbit/s
mono a minute of speech is about 240 kB. The audio of a text is kept on disk under a hash of its
language and words, so the same page read again costs a file read, and every app process on the
machine shares it.
"""

import functools
import hashlib
import os
import re
import shutil
import subprocess  # nosec B404
import tempfile
from pathlib import Path

from flask import current_app

# The languages espeak-ng speaks well enough to be understood, by Fellespott's language code.
VOICES = {"nb": "nb", "en": "en", "ar": "ar", "uk": "uk"}

# One piece of audio reads at most this many characters (about 40 seconds); a longer text is
# read in pieces, each with a "next", so that the first sound comes quickly and a cheap phone
# never downloads minutes of audio it may not play.
PIECE_CHARACTERS = 600

# A sentence ends at . ! ? … (and Arabic ؟ ، ؛) or at a line break: pieces break there.
_SENTENCE_END = re.compile(r"(?<=[.!?…؟؛:])\s+|\n+")


def mp3_encoding(kbits: int) -> list[str]:
    """ffmpeg's options for speech as MP3 that every phone plays: mono, 22 kHz, tags dropped."""
    return ["-vn", "-map_metadata", "-1", "-ac", "1", "-ar", "22050", "-c:a", "libmp3lame",
            "-b:a", f"{kbits}k"]  # fmt: skip


class SpeechUnavailable(Exception):
    """espeak-ng or ffmpeg is not installed, or failed."""


def speaks(language: str) -> bool:
    return language in VOICES and installed()


def program(name: str) -> str:
    """The full path of a program the set-up installs (never one found later on a changed PATH
    of the request)."""
    path = _programs().get(name)
    if path is None:
        raise SpeechUnavailable(name)
    return path


@functools.cache
def _programs() -> dict[str, str]:
    found = {name: shutil.which(name) for name in ("espeak-ng", "ffmpeg", "ffprobe")}
    return {name: path for name, path in found.items() if path}


def installed() -> bool:
    return {"espeak-ng", "ffmpeg", "ffprobe"} <= set(_programs())


def pieces(text: str, limit: int = PIECE_CHARACTERS) -> list[str]:
    """The text in pieces of at most `limit` characters, broken between sentences where it can
    be, else between words."""
    pieces_: list[str] = []
    current = ""
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        if not sentence:
            continue
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces_.append(current)
                current = ""
            pieces_.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        joined = f"{current} {sentence}".strip() if current else sentence
        if len(joined) > limit:
            pieces_.append(current)
            current = sentence
        else:
            current = joined
    if current:
        pieces_.append(current)
    return pieces_


def audio_path(text: str, language: str) -> Path:
    """The MP3 of `text` read in `language`, made once and then kept."""
    digest = hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()
    folder = Path(current_app.config["SPEECH_CACHE_FOLDER"])
    path = folder / digest[:2] / f"{digest}.mp3"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    audio = synthesise(text, language)
    # Written whole under another name first: a reader in another process never sees half.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(audio)
    os.replace(temporary, path)
    return path


def synthesise(text: str, language: str) -> bytes:
    if not speaks(language):
        raise SpeechUnavailable(language)
    # The text goes in on stdin, never as an argument, and espeak-ng reads it as plain text
    # (no SSML), so what a member wrote can't become an option or markup.
    try:
        # bandit B603: a fixed program and fixed options; people's words go in on stdin
        wave = subprocess.run(  # nosec B603
            [program("espeak-ng"), "-v", VOICES[language], "-s", "150", "--stdin", "--stdout"],
            input=text.encode(),
            capture_output=True,
            timeout=30,
            check=True,
        ).stdout
        encode = [program("ffmpeg"), "-hide_banner", "-loglevel", "error", "-f", "wav"]
        # bandit B603: a fixed program and fixed options; people's words go in on stdin
        return subprocess.run(  # nosec B603
            [*encode, "-i", "pipe:0", *mp3_encoding(32), "-f", "mp3", "pipe:1"],
            input=wave,
            capture_output=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise SpeechUnavailable(str(error)) from error
