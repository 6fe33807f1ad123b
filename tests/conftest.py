"""Fixtures: a real database for every test (SQLite or PostgreSQL), a fresh app, and a small world.

TEST_DATABASE=sqlite (default) or postgresql chooses the database. The schema is built once per
run with the real Alembic migrations; each test then starts from empty tables: SQLite by copying
the migrated file, PostgreSQL by TRUNCATE (which the audit log's append-only triggers allow,
since they guard rows, not the table).
"""

import contextlib
import contextvars
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from pb import create_app
from pb.clips.services import forget_clips_in_use
from pb.extensions import db

TEST_CONFIG = {
    "TESTING": True,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "LOGIN_RATE_LIMIT": "1000 per minute",
    "LOOKUP_RATE_LIMIT": "1000 per minute",
    "SERVER_NAME": None,
    # Email and SMS from the file backends land here, never in the project's instance folder;
    # the `app` fixture gives each test its own.
    "OUTBOX_FOLDER": str(Path(tempfile.gettempdir()) / f"fellespott-test-outbox-{os.getpid()}"),
}


def _postgres_admin_url() -> str:
    return os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Yields a function that gives each test a fresh, migrated database URL."""
    kind = os.environ.get("TEST_DATABASE", "sqlite")
    if kind == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _migrate(f"sqlite:///{template}")

        def fresh(tmp_path: Path) -> str:
            target = tmp_path / "test.sqlite3"
            shutil.copyfile(template, target)
            return f"sqlite:///{target}"

        yield fresh
        return

    if kind != "postgresql":
        raise pytest.UsageError(f"TEST_DATABASE must be sqlite or postgresql, not {kind!r}")
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means the same thing here
        message = f"PostgreSQL is not reachable at {admin_url}: {error.__class__.__name__}: {error}"
        if in_ci():
            pytest.exit(f"CI requires PostgreSQL. {message}", returncode=1)
        pytest.skip(f"{message}. Start PostgreSQL to run this part of the suite.")
    name = f"fellespott_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    _migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
    truncate = text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")

    def fresh(_tmp_path: Path) -> str:
        with engine.begin() as connection:
            connection.execute(truncate)
        return url

    yield fresh
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis (TEST_REDIS_URL). Outside CI a missing Redis skips, saying why; under
    CI it fails the test, as a missing PostgreSQL does."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        reason = str(error).rstrip(".")
        message = f"Redis is not reachable at {url}: {error.__class__.__name__}: {reason}"
        if in_ci():
            pytest.fail(f"CI requires Redis. {message}", pytrace=False)
        pytest.skip(f"{message}. Start Redis (or set TEST_REDIS_URL) to run these tests.")
    return url


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own, with no tables: for tests of the migrations themselves."""
    if os.environ.get("TEST_DATABASE", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    with throwaway_postgres_database("migrate") as url:
        yield url


@contextlib.contextmanager
def throwaway_postgres_database(purpose: str):
    """An empty PostgreSQL database, dropped afterwards; fails under CI when PostgreSQL can't be
    reached, and skips with the reason outside it."""
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means the same thing here
        if in_ci():
            pytest.fail(f"CI requires PostgreSQL: {error}")
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    name = f"fellespott_{purpose}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _postgres_admin_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(database, tmp_path) -> str:
    return database(tmp_path)


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The test itself holds an app context for its database work; without this, Flask would reuse
    it for every request, and `g` (with Flask-Login's cached user) would leak between clients.
    """

    def open(self, *args, **kwargs):
        # Buffered, so the response is closed as a real server closes it: what the app does
        # "after the response" (sending email and SMS) happens before the test looks.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_test_app(database_url: str, **overrides):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, OUTBOX_FOLDER=str(tmp_path / "outbox"))
    # Each process keeps the voice clips in use for a while; a test's database is new.
    forget_clips_in_use()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, path: str = "/login") -> str:
    """The token a real form would carry, read from a rendered page."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST like a browser: with the CSRF token of the page the form is on."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def world(app):
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def login(client):
    from tests.factories import log_in

    def do_login(user, password="correct horse battery"):
        return log_in(client, user, password)

    return do_login


ISOLATION = re.compile("<bdi>|</bdi>|[\u2066\u2067\u2068\u2069]")


def plain(text: str) -> str:
    """A page's text without the marks that keep each value in its own direction (<bdi>, and
    Unicode's isolates), for tests that look for a sentence with a value in it."""
    return ISOLATION.sub("", text)
