"""/healthz on the real database (and the real Redis), and JSON log lines with the request id."""

import io
import json
import logging

import pytest

from tests.conftest import make_test_app


def test_health_is_ok_with_the_database_and_says_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_checks_redis_where_it_is_configured(app, client, redis_url):
    app.config["REDIS_URL"] = redis_url
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    failing = client.get("/healthz")
    assert failing.status_code == 503
    assert failing.get_json() == {"status": "failing", "database": "ok", "redis": "failing"}


def test_health_fails_when_the_database_does_not_answer(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3")
    with app.app_context():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "database": "failing"}


@pytest.fixture
def json_logs(database_url):
    app = make_test_app(database_url, LOG_FORMAT="json", LOG_REQUESTS=True)
    stream = io.StringIO()
    (handler,) = app.logger.handlers
    handler.setStream(stream)
    with app.app_context():
        yield app, stream


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_log_line_is_json_with_the_request_id(json_logs, redis_url):
    app, stream = json_logs
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-1234-abcd"})
    assert given.headers["X-Request-ID"] == "proxy-1234-abcd"
    made = client.get("/login", headers={"X-Request-ID": "<script>"})
    made_id = made.headers["X-Request-ID"]
    assert made_id != "<script>" and len(made_id) == 32
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    client.get("/healthz", headers={"X-Request-ID": "proxy-5678-efgh"})

    logged = lines(stream)
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in logged)
    requests = [line for line in logged if line["message"] == "request"]
    assert [(r["request_id"], r["path"], r["status"]) for r in requests] == [
        ("proxy-1234-abcd", "/healthz", 200),
        (made_id, "/login", 200),
        ("proxy-5678-efgh", "/healthz", 503),
    ]
    warning = next(line for line in logged if line["level"] == "warning")
    assert warning["request_id"] == "proxy-5678-efgh"
    assert "health check failed" in warning["message"]
    # Outside a request a line still parses, with no id.
    app.logger.log(logging.WARNING, "a scheduled job")
    assert lines(stream)[-1]["request_id"] is None


def test_a_page_read_aloud_keeps_the_request_id_of_the_request_that_asked(client, app, tmp_path):
    app.config["SPEECH_CACHE_FOLDER"] = str(tmp_path / "speech")
    response = client.get(
        "/listen?page=/login&part=page",
        headers={"X-Request-ID": "proxy-listen-0001", "Accept-Language": "nb"},
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "proxy-listen-0001"
