"""Numbered, forward-only SQL migrations, counted by ``PRAGMA user_version``.

Each ``NNNN_name.sql`` file runs once, in its own transaction, in number order. A file that
has shipped is never edited: a change is a new file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer rekobot than this one."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    number: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Read the migration files shipped with the package, in order, without gaps."""
    found: list[Migration] = []
    for entry in resources.files(__package__).iterdir():
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


async def apply_migrations(conn: aiosqlite.Connection) -> list[Migration]:
    """Apply every migration the file has not had yet; return those applied."""
    migrations = load_migrations()
    current = await schema_version(conn)
    if current > len(migrations):
        raise DatabaseTooNew(
            f"The database is at schema version {current}, but this rekobot only knows "
            f"{len(migrations)}. It was written by a newer rekobot: upgrade rekobot, or point "
            "REKOBOT_DATABASE at another file."
        )
    applied = []
    for migration in migrations[current:]:
        log.info("Applying migration %04d_%s", migration.number, migration.name)
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.number};\n"
        try:
            await conn.executescript(script)
            await conn.execute("COMMIT")
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied
