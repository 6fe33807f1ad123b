"""What operations needs from the app: `/healthz` for the load balancer and the monitoring, and
logs as one JSON object per line, each with the request's id.

The request id is the proxy's X-Request-ID when it sends a sensible one (so a line here can be
found beside the proxy's), else a new one; the response carries it back, so a person who reports
an error page can quote it.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app, g, has_request_context, jsonify, request
from sqlalchemy import text

from pb.extensions import db

bp = Blueprint("operations", __name__)

_SENSIBLE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


@bp.route("/healthz")
def healthz():
    """200 when the database answers, and Redis too where it is configured; 503 otherwise.
    Says nothing about the data, so it needs no log-in."""
    checks = {"database": _check(lambda: db.session.execute(text("SELECT 1")).scalar_one())}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _check(_redis_ping)
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "failing", **checks}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # any failure is "failing", and is logged
        current_app.logger.warning("health check failed: %s", type(error).__name__)
        db.session.rollback()
        return "failing"
    return "ok"


def _redis_ping() -> None:
    from pb.notifications.jobs import connection

    client = connection()
    try:
        client.ping()
    finally:
        client.close()


# --- logs ---------------------------------------------------------------------------------------


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the request's
    method, path, status and duration where the line is the request's own."""

    FIELDS = ("method", "path", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({f: getattr(record, f) for f in self.FIELDS if hasattr(record, f)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def init_operations(app: Flask, stream=None) -> None:
    """The health route, request ids, and JSON logs unless LOG_FORMAT is "plain" (debug and the
    tests keep Flask's own)."""
    app.register_blueprint(bp)

    @app.before_request
    def give_the_request_an_id():
        if "request_id" in g:
            return  # a page rendered inside this request (pb/speech/parts.py) is part of it
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if _SENSIBLE_ID.fullmatch(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def tell_the_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
            if app.config["LOG_REQUESTS"]:
                app.logger.info(
                    "request",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round((time.perf_counter() - g.request_started) * 1000, 1),
                    },
                )
        return response

    if app.config["LOG_FORMAT"] != "json":
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False
