"""Proposal photos: decoded and re-encoded with Pillow, so nothing but pixels is kept.

EXIF data is dropped (GPS would reveal a family's home), the real format is checked rather than
the file name, and a file that is not a whole, honest image is refused.
"""

import io
import secrets
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
# What a phone shows in the page (about 360-400 px wide, twice that on a sharp screen): the
# full size is loaded only when someone taps the photo.
MEDIUM_SIDE = 800
THUMBNAIL_SIDE = 400
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# What a phone photo needs (a 24 MP camera; most take 12): anything larger is refused before
# it is decoded. Together with decoding JPEGs at a reduced scale and one re-encode at a time,
# this keeps an upload's memory in the tens of megabytes (see bench/uploads.py).
MAX_PIXELS = 24_000_000

# Re-encoding is the one memory-hungry step: let each worker process do one at a time.
_ONE_AT_A_TIME = threading.BoundedSemaphore(1)


class PhotoError(ValueError):
    """The upload is not an acceptable photo; `code` says why, for a translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PreparedPhoto:
    full: bytes
    thumbnail: bytes
    medium: bytes = b""


def _encode(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    # Without exif= or icc_profile= the JPEG gets no EXIF, and without what the upload carried
    # in `info` no comment either: Pillow writes a source's comment segment into the copy,
    # which let a polyglot's HTML (or any text a camera put there) through.
    copy.info = {}
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def prepare_photo(stream) -> PreparedPhoto:
    """Read at most 5 MB from an upload and return clean JPEGs, or raise PhotoError."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError("too_large")
    if not data:
        raise PhotoError("corrupt")
    with _ONE_AT_A_TIME, warnings.catch_warnings():
        # Pillow only warns between the limit and twice the limit: here that is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return _reencode(data)


def _reencode(data: bytes) -> PreparedPhoto:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise PhotoError("wrong_type")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("too_large")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale, never at its full size.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            if image.mode in ("P", "1"):
                # Palette pixels can't be averaged: give them colours before shrinking.
                image = image.convert("RGBA")
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "P"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            else:
                upright = upright.convert("RGB")
            return PreparedPhoto(
                _encode(upright, MAX_SIDE),
                _encode(upright, THUMBNAIL_SIDE),
                _encode(upright, MEDIUM_SIDE),
            )
    except PhotoError:
        raise
    except UnidentifiedImageError as error:
        raise PhotoError("wrong_type") from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoError("too_large") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise PhotoError("corrupt") from error


def upload_folder(kind: str = "proposals") -> Path:
    """Each domain's photos in a folder of their own ("proposals", "lending")."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def medium_name(photo_name: str) -> str:
    """The 800 px copy is stored beside the full photo, named after it."""
    return photo_name.removesuffix(".jpg") + "-800.jpg"


def store_photo(photo: PreparedPhoto, kind: str = "proposals") -> tuple[str, str]:
    """Write the sizes under random names; returns (photo name, thumbnail name). The 800 px
    copy's name follows from the photo's (medium_name)."""
    stem = secrets.token_hex(16)
    names = (f"{stem}.jpg", f"{stem}-thumb.jpg")
    folder = upload_folder(kind)
    (folder / names[0]).write_bytes(photo.full)
    (folder / names[1]).write_bytes(photo.thumbnail)
    if photo.medium:
        (folder / medium_name(names[0])).write_bytes(photo.medium)
    return names


def remove_photo(*names: str | None, kind: str = "proposals") -> None:
    folder = upload_folder(kind)
    for name in names:
        if name:
            (folder / name).unlink(missing_ok=True)
            if not name.endswith("-thumb.jpg"):
                (folder / medium_name(name)).unlink(missing_ok=True)


def send_photo(owner, size: str, kind: str = "proposals"):
    """The response for one size ("full", "medium" or "thumb") of the photo of `owner` (anything
    with photo_name and thumbnail_name), private to the people who may see its page."""
    from flask import abort, send_from_directory

    name = owner.photo_name if size in ("full", "medium") else owner.thumbnail_name
    if not name:
        abort(404)
    folder = upload_folder(kind)
    if size == "medium" and (folder / medium_name(name)).exists():
        name = medium_name(name)  # photos from before the 800 px copy get the full one
    response = send_from_directory(folder, name, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
