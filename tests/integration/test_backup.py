"""`flask --app pb backup FILE` and `restore FILE`: the seeded demo (every domain, voice clips
and photos among its files) goes out and back in, into a database of the same kind and, where
PostgreSQL is there, from SQLite to PostgreSQL; every table and file compares equal. A damaged
or foreign file, or a database that is not empty, is refused and nothing is written."""

import io
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import inspect

from pb.backup import table_rows
from pb.extensions import db
from tests.conftest import make_test_app, throwaway_postgres_database


def snapshot(app) -> tuple[dict, dict]:
    """Every table's rows and every uploaded file's bytes."""
    with app.app_context():
        tables = {table.name: list(table_rows(table)) for table in db.metadata.sorted_tables}
        db.session.remove()
        db.engine.dispose()
    uploads = Path(app.config["UPLOAD_FOLDER"])
    files = {
        p.relative_to(uploads).as_posix(): p.read_bytes() for p in uploads.rglob("*") if p.is_file()
    }
    return tables, files


def fresh_app(url: str, uploads: Path):
    return make_test_app(url, UPLOAD_FOLDER=str(uploads))


@pytest.fixture
def seeded(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads-source")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    return app


@pytest.fixture
def postgres_database():
    """An empty PostgreSQL database of its own, for restoring into from SQLite."""
    with throwaway_postgres_database("restore") as url:
        yield url


def test_a_backup_restores_every_row_and_file(seeded, empty_database_url, tmp_path):
    before = snapshot(seeded)
    assert sum(len(rows) for rows in before[0].values()) > 1000 and before[1]
    assert any(name.startswith("clips/") for name in before[1])
    backup_file = tmp_path / "fellespott.tar.gz"
    with seeded.app_context():
        made = seeded.test_cli_runner().invoke(args=["backup", str(backup_file)])
    assert made.exit_code == 0, made.output
    assert "Checksum:" in made.output

    target = fresh_app(empty_database_url, tmp_path / "uploads-restored")
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert restored.exit_code == 0, restored.output
        # Restoring twice is refused: the database is no longer empty.
        twice = target.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert twice.exit_code != 0 and "not empty" in twice.output
        # New rows get new ids after the restored ones.
        ledger = target.test_cli_runner().invoke(args=["check-ledger"])
        assert ledger.exit_code == 0, ledger.output
    assert snapshot(target) == before


def test_sqlite_restores_into_postgresql(app, tmp_path, postgres_database):
    if os.environ.get("TEST_DATABASE", "sqlite") != "sqlite":
        pytest.skip("the SQLite pass restores its SQLite backup into PostgreSQL")
    source = make_test_app(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    source.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads-source")
    with source.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        assert source.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        db.session.remove()
        backup_file = tmp_path / "from-sqlite.tar.gz"
        assert source.test_cli_runner().invoke(args=["backup", str(backup_file)]).exit_code == 0
    before = snapshot(source)
    target = fresh_app(postgres_database, tmp_path / "uploads-pg")
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert restored.exit_code == 0, restored.output
        # PostgreSQL's sequences continue after the restored ids: a new row can be added.
        from pb.groups.models import Programme

        added = Programme(name="Ny")
        db.session.add(added)
        db.session.commit()
        db.session.delete(added)
        db.session.commit()
    assert snapshot(target) == before


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_written(
    seeded, empty_database_url, tmp_path
):
    backup_file = tmp_path / "good.tar.gz"
    with seeded.app_context():
        assert seeded.test_cli_runner().invoke(args=["backup", str(backup_file)]).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(backup_file) as good, tarfile.open(damaged, "w:gz") as bad:
        for member in good.getmembers():
            data = good.extractfile(member).read()
            if member.name == "tables/proposal.jsonl":
                data = data.replace(b"Kj", b"kj", 1)
            member.size = len(data)
            bad.addfile(member, io.BytesIO(data))
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        archive.add(backup_file, arcname="something-else")
    target = fresh_app(empty_database_url, tmp_path / "uploads-restored")
    with target.app_context():
        for file, message in ((damaged, "damaged"), (foreign, "not a Fellespott backup")):
            refused = target.test_cli_runner().invoke(args=["restore", str(file)])
            assert refused.exit_code != 0 and message in refused.output, refused.output
        # Refused before anything was written: not even the tables were made.
        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()
    assert not (tmp_path / "uploads-restored").exists()
