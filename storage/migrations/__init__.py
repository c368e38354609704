"""Numbered, forward-only SQL migrations, counted by ``PRAGMA user_version``.

Each ``NNNN_name.sql`` file runs once, in its own transaction, in number order. A file that
has shipped is never edited: a change is a new file (tests/test_migrations.py pins the sha256
of every shipped file).

Migrations run with foreign keys off. SQLite changes a column by rebuilding the table (create
the new one, copy the rows, drop the old, rename the new), and with foreign keys on, dropping
the old table deletes, through ON DELETE CASCADE, every row that references it. Instead the
result is checked as a whole with ``PRAGMA foreign_key_check`` before COMMIT, and a migration
that would leave a reference to a missing row is rolled back.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

import aiosqlite

from storage.faults import DatabaseProblem

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class DatabaseTooNew(DatabaseProblem):
    """The file was written by a newer rekobot than this one."""


class MigrationFailed(DatabaseProblem):
    """A migration could not be applied; it was rolled back and the file is as it was."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    number: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        """The file's name without ``.sql``, as operators see it: ``0001_initial``."""
        return f"{self.number:04d}_{self.name}"


def load_migrations(source: Traversable | None = None) -> list[Migration]:
    """Read the numbered SQL files of a folder (by default the shipped ones), in order.

    Refuses a gap in the numbers: a missing file would silently skip a schema change.
    """
    folder = source if source is not None else resources.files(__package__)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.number)
    for expected, migration in enumerate(found, start=1):
        if migration.number != expected:
            raise RuntimeError(f"migration {expected:04d} is missing")
    return found


async def schema_version(conn: aiosqlite.Connection) -> int:
    """Return how many migrations this file has had."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(
    conn: aiosqlite.Connection, migrations: Sequence[Migration] | None = None
) -> list[Migration]:
    """Apply every migration the file has not had yet; return those applied.

    ``migrations`` defaults to the shipped ones; tests pass their own.
    """
    if migrations is None:
        migrations = load_migrations()
    current = await schema_version(conn)
    if current > len(migrations):
        raise DatabaseTooNew(
            f"The database {await _file_of(conn)} is at schema version {current}, but this "
            f"rekobot only knows {len(migrations)}. It was written by a newer rekobot: upgrade "
            "rekobot, or point REKOBOT_DATABASE at another file."
        )
    pending = list(migrations[current:])
    if not pending:
        return []
    rows = await conn.execute_fetchall("PRAGMA foreign_keys")
    enforced = next(iter(rows))[0]
    # Only outside a transaction does this pragma take effect; hence before BEGIN, not in it.
    await conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for migration in pending:
            await _apply(conn, migration)
    finally:
        await conn.execute(f"PRAGMA foreign_keys = {int(enforced)}")
    return pending


async def _apply(conn: aiosqlite.Connection, migration: Migration) -> None:
    """Run one file and record it in one transaction; roll back whatever goes wrong."""
    log.info("Applying migration %s", migration.label)
    # BEGIN is part of the script: executescript would COMMIT a transaction opened before it.
    script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;\nPRAGMA user_version = {migration.number};\n"
    try:
        try:
            await conn.executescript(script)
        except sqlite3.Error as exc:
            raise MigrationFailed(
                f"Migration {migration.label} failed on the database {await _file_of(conn)} "
                f"(SQLite says: {exc}). It was rolled back: the file is unchanged, at schema "
                f"version {migration.number - 1}. Keep running the previous rekobot and report "
                "this, with the message, to its developers."
            ) from exc
        if not conn.in_transaction:
            raise MigrationFailed(
                f"Migration {migration.label} ends its own transaction (a COMMIT or ROLLBACK "
                "in the file); each migration runs in the one transaction rekobot opens for it."
            )
        dangling = list(await conn.execute_fetchall("PRAGMA foreign_key_check"))
        if dangling:
            first = dangling[0]
            raise MigrationFailed(
                f"Migration {migration.label} was rolled back: it would leave "
                f"{len(dangling)} row(s) referring to rows that do not exist (the first: "
                f"{first[0]} row {first[1]} refers to a missing row of {first[2]}). The database "
                f"{await _file_of(conn)} is unchanged, at schema version "
                f"{migration.number - 1}. Keep running the previous rekobot and report this to "
                "its developers."
            )
        await conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise


async def _file_of(conn: aiosqlite.Connection) -> str:
    """The path of the connection's main database file, to name it in a message."""
    for row in await conn.execute_fetchall("PRAGMA database_list"):
        if row[1] == "main":
            return str(row[2])
    return "(unknown file)"  # pragma: no cover - every connection has a main database
