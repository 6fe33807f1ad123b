"""Every migration upgrades from an empty database to head, downgrades back to empty, and
upgrades again, on the suite's database (SQLite or PostgreSQL)."""

import os
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from pb.extensions import db
from tests.conftest import _postgres_admin_url, make_test_app


@pytest.fixture
def empty_database_url(tmp_path):
    if os.environ.get("TEST_DATABASE", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"fellespott_migrations_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield _postgres_admin_url().rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_go_up_down_and_up_again(empty_database_url):
    app = make_test_app(empty_database_url)
    with app.app_context():
        assert tables() == set()
        upgrade(revision="heads")
        at_head = tables()
        assert at_head == set(db.metadata.tables)
        downgrade(revision="base")
        assert tables() == set()
        upgrade(revision="heads")
        assert tables() == at_head
        db.engine.dispose()
