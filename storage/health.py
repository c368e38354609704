"""What /healthz asks of the database: can it be read, and is its schema the current one.

Two looks, because each misses what the other sees: the bot's own connection (``live``) shows
the database it really uses is answering, and a fresh read-only open of the path (``on_disk``)
shows the file there is still a rekobot database. An open connection keeps reading a file that
was deleted or replaced under it; the next start would not. PostgreSQL has no file to
replace under a connection, so there the second look is the first one again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg

from storage.backup import SQLITE_HEADER
from storage.database import Database
from storage.migrations import load_migrations
from storage.sqlite import SqliteDatabase

#: What a database that stopped answering raises, on either engine.
_FAILURES = (sqlite3.Error, asyncpg.PostgresError, OSError, RuntimeError, ValueError)


class Unhealthy(RuntimeError):
    """The database cannot serve the bot; the message says why, in one line."""


def known_version() -> int:
    """The schema version this code migrates to."""
    return len(load_migrations())


async def live_version(db: Database) -> int:
    """Return the schema version through the bot's own connection."""
    try:
        return await db.schema_version()
    except _FAILURES as exc:
        raise Unhealthy(f"the database does not answer: {exc}") from exc


async def stored_version(db: Database) -> int:
    """The schema version of what a fresh start would open: the file afresh, or the server."""
    if isinstance(db, SqliteDatabase):
        return await asyncio.to_thread(on_disk_version, db.path)
    return await live_version(db)


def on_disk_version(path: Path) -> int:
    """Open the file at ``path`` afresh, read-only, and return its schema version."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise Unhealthy(f"the database file cannot be read: {exc.strerror or exc}") from exc
    if header != SQLITE_HEADER:
        raise Unhealthy(f"{path} is not a SQLite database any more")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise Unhealthy(f"the database file cannot be opened: {exc}") from exc
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.Error as exc:
        raise Unhealthy(f"the database file cannot be read: {exc}") from exc
    finally:
        conn.close()
    return version


async def pending_deliveries(db: Database) -> int:
    """Count the deliveries waiting in the outbox (GET /metrics), by ``deliveries_due``."""
    try:
        async with db.read() as tx:
            return int(await tx.scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"))
    except _FAILURES as exc:
        raise Unhealthy(f"the database does not answer: {exc}") from exc
