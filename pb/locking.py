"""Serialising writers that must see each other: the one helper SQLite needs for it."""

from pb.extensions import db


def begin_immediate_on_sqlite() -> None:
    """SQLite has no row locks: take the database's write lock now, before reading what
    the write depends on (a balance, a calendar).

    pysqlite (Python < 3.12 default, "legacy" transaction control) only opens a transaction right
    before INSERT/UPDATE/DELETE, so reads before that ran outside any transaction. If no
    transaction is open yet, BEGIN IMMEDIATE opens one holding the write lock; pysqlite then sees
    `in_transaction` and adds no BEGIN of its own, and the session's commit ends it. If one is
    open, this connection has already written, so it holds the write lock already.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
