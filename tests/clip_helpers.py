"""Real sound files for the voice-clip tests, made with ffmpeg: a tone that can be heard, a
silence, a clip too long, and one tagged with a title that re-encoding must drop."""

import subprocess
from pathlib import Path


def sound(path: Path, *, seconds: float = 1.5, silent: bool = False, title: str | None = None,
          container: str = "wav") -> Path:  # fmt: skip
    source = "anullsrc=r=44100:cl=mono" if silent else f"sine=frequency=440:duration={seconds}"
    tags = ["-metadata", f"title={title}"] if title else []
    codec = {"wav": [], "ogg": ["-c:a", "libopus"], "webm": ["-c:a", "libopus"]}[container]
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
         "-i", source, "-t", str(seconds), *codec, *tags, str(path)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return path
