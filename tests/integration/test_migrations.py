"""Every migration upgrades from an empty database to head, downgrades back to empty, and
upgrades again, on the suite's database (SQLite or PostgreSQL)."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from pb.extensions import db
from tests.conftest import make_test_app


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
