"""Backups that restore: a logical dump of every table and every uploaded file, in one tar file
with a format version and a checksum of each part, that restores into an empty database of
either kind (SQLite to PostgreSQL too).

The file holds:
- `manifest.json`: the format version, the schema's Alembic revision, the rows of each table,
  and the SHA-256 of every other member, with one checksum over all of them;
- `tables/<table>.jsonl`: one JSON object per row, in primary-key order; dates and times as
  ISO text, binary as base64;
- `uploads/...`: the files under UPLOAD_FOLDER (photos, receipts, voice clips). The speech
  cache is not in it: it is made again on demand.

Restoring checks every checksum before it writes anything, goes only into an empty database
(migrated to the same revision first, when it has no tables), writes all rows in one
transaction, and then moves PostgreSQL's id sequences past the restored ids.
"""

import base64
import hashlib
import io
import json
import tarfile
import tempfile
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import JSON, Date, DateTime, Integer, LargeBinary, func, inspect, select, text

from pb.extensions import db
from pb.timeutil import utcnow

FORMAT_VERSION = 1
CHUNK = 1000


class BackupError(Exception):
    pass


def _tables():
    return db.metadata.sorted_tables


def _to_json(column, value):
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _from_json(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, JSON):
        return value
    return value


def schema_revision() -> str | None:
    if "alembic_version" not in inspect(db.engine).get_table_names():
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def table_rows(table):
    """Every row of `table` as JSON-ready dicts, in primary-key order, read a chunk at a time."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = db.session.execute(select(table).order_by(*order).execution_options(yield_per=CHUNK))
    for row in result.mappings():
        yield {column.name: _to_json(column, row[column.name]) for column in table.columns}


def backup(path: Path) -> dict:
    """Write the backup to `path`; returns its manifest."""
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    hashes: dict[str, str] = {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder, tarfile.open(path, "w:gz") as archive:
        for table in _tables():
            part = Path(folder) / f"{table.name}.jsonl"
            digest = hashlib.sha256()
            count = 0
            with part.open("wb") as out:
                for row in table_rows(table):
                    line = (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode()
                    out.write(line)
                    digest.update(line)
                    count += 1
            name = f"tables/{table.name}.jsonl"
            archive.add(part, arcname=name)
            hashes[name] = digest.hexdigest()
            counts[table.name] = count
        if uploads.exists():
            for file in sorted(p for p in uploads.rglob("*") if p.is_file()):
                name = f"uploads/{file.relative_to(uploads).as_posix()}"
                archive.add(file, arcname=name)
                hashes[name] = hashlib.sha256(file.read_bytes()).hexdigest()
        manifest = {
            "format": FORMAT_VERSION,
            "app": "fellespott",
            "created_at": utcnow().isoformat(),
            "revision": schema_revision(),
            "rows": counts,
            "sha256": hashes,
            "checksum": _checksum(hashes),
        }
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return manifest


def _checksum(hashes: dict[str, str]) -> str:
    return hashlib.sha256(
        "".join(f"{name}:{value}\n" for name, value in sorted(hashes.items())).encode()
    ).hexdigest()


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    except (KeyError, AttributeError, ValueError) as error:
        raise BackupError("This is not a Fellespott backup: it has no manifest.") from error
    if manifest.get("app") != "fellespott" or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not {FORMAT_VERSION}.")
    if _checksum(manifest["sha256"]) != manifest["checksum"]:
        raise BackupError("The manifest's checksum does not match its parts.")
    return manifest


def verify(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every part is there and has its checksum; nothing else is in the file."""
    members = {m.name for m in archive.getmembers() if m.isfile()} - {"manifest.json"}
    if members != set(manifest["sha256"]):
        raise BackupError("The backup's parts differ from its manifest.")
    for name, expected in manifest["sha256"].items():
        digest = hashlib.sha256(archive.extractfile(name).read()).hexdigest()
        if digest != expected:
            raise BackupError(f"{name} is damaged: its checksum does not match.")


def restore(path: Path) -> dict:
    """Restore the backup at `path` into this empty database and upload folder."""
    from flask_migrate import upgrade

    with tarfile.open(path, "r:gz") as archive:
        manifest = read_manifest(archive)
        verify(archive, manifest)
        if schema_revision() is None:
            upgrade(revision=manifest["revision"])
        if schema_revision() != manifest["revision"]:
            raise BackupError(
                f"The database is at revision {schema_revision()}, the backup at "
                f"{manifest['revision']}: migrate one of them first."
            )
        for table in _tables():
            if db.session.scalar(select(func.count()).select_from(table)):
                raise BackupError(f"The database is not empty ({table.name} has rows).")
        uploads = Path(current_app.config["UPLOAD_FOLDER"])
        targets = {
            name: uploads / name.removeprefix("uploads/")
            for name in manifest["sha256"]
            if name.startswith("uploads/")
        }
        for name, target in targets.items():
            if not target.resolve().is_relative_to(uploads.resolve()):
                raise BackupError(f"{name} would be written outside the upload folder.")
            if target.exists():
                raise BackupError(f"{target} exists already: restore into an empty folder.")
        try:
            for table in _tables():
                _insert(table, archive.extractfile(f"tables/{table.name}.jsonl"))
            _move_sequences_past_restored_ids()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        for name, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(name).read())
    return manifest


def _insert(table, lines) -> None:
    columns = {column.name: column for column in table.columns}
    batch = []
    for line in lines:
        row = json.loads(line)
        batch.append({name: _from_json(columns[name], value) for name, value in row.items()})
        if len(batch) == CHUNK:
            db.session.execute(table.insert(), batch)
            batch = []
    if batch:
        db.session.execute(table.insert(), batch)


def _move_sequences_past_restored_ids() -> None:
    if db.engine.dialect.name != "postgresql":
        return  # SQLite takes the next id from the largest one there
    for table in _tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = db.session.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": f'"{table.name}"', "column": column.name},
            ).scalar()
            if sequence:
                largest = select(func.max(column)).scalar_subquery()
                db.session.execute(
                    select(func.setval(sequence, func.coalesce(largest, 0) + 1, False))
                )
