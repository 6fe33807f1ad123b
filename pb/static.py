"""Static files under content-hashed URLs, kept by the browser for a year, and compression.

`url_for("static", filename=...)` adds `?v=` and the first characters of the file's SHA-256, so a
changed file gets a new URL. A request whose `v` matches the file as it is now is answered with
`Cache-Control: public, max-age=31536000, immutable`: a phone downloads the stylesheet and htmx
once, and a repeat view transfers only the HTML. Anything else (an old or missing `v`) still
gets the file, but the browser must check again next time.

Responses (HTML, CSS, JavaScript, SVG, JSON, CSV) are compressed with Brotli or gzip, whichever
the browser takes, through Flask-Compress.
"""

import hashlib
from pathlib import Path

from flask import Flask, request, url_for
from flask_compress import Compress
from markupsafe import Markup

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "application/javascript",
    "text/javascript",
    "application/json",
    "image/svg+xml",
]

compress = Compress()


class StaticVersions:
    """The hash of each static file, computed once. Every page asks for it many times (each
    icon is a static URL), so in production a known file is not even looked at again; in debug
    mode a changed file gets a new hash."""

    def __init__(self, folder: str, *, watch: bool):
        self.folder = Path(folder)
        self.watch = watch
        self._known: dict[str, tuple[float, str]] = {}

    def version(self, filename: str) -> str | None:
        known = self._known.get(filename)
        if known is not None and not self.watch:
            return known[1]
        path = self.folder / filename
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        if known is None or known[0] != mtime:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            known = self._known[filename] = (mtime, digest)
        return known[1]


class Icons:
    """Each icon's <svg>, a reference into the one icons.svg sprite. A page shows twenty to
    forty icons, and as a template macro each cost a macro call and a url_for(); in production
    the sprite's URL cannot change while the process runs, so each icon is made once."""

    def __init__(self, *, keep: bool):
        self.keep = keep
        self._made: dict[tuple[str, str], Markup] = {}

    def __call__(self, name: str, more_classes: str = "") -> Markup:
        made = self._made.get((name, more_classes))
        if made is None:
            made = Markup(
                '<svg class="{}" aria-hidden="true" focusable="false">'
                '<use href="{}#{}"></use></svg>'
            ).format(f"icon {more_classes}".strip(), url_for("static", filename="icons.svg"), name)
            if self.keep:
                self._made[name, more_classes] = made
        return made


def init_static(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress.init_app(app)
    versions = StaticVersions(app.static_folder, watch=app.debug)
    app.jinja_env.globals["svg_icon"] = Icons(keep=not app.debug)

    @app.url_defaults
    def versioned_static_urls(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = versions.version(values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def cache_static_for_a_year(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            version = versions.version(request.view_args.get("filename", ""))
            if version and request.args.get("v") == version:
                response.headers["Cache-Control"] = IMMUTABLE
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
