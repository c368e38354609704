"""PostgreSQL's migrations: a baseline, then the shared numbered files, under one counter.

A version means the same schema on both engines. PostgreSQL support began at version 11, so
PostgreSQL has no files 0001-0010: its first file here, ``0011_schema.sql``, creates at once
the schema that SQLite reaches after its eleven files. Each later number is one portable file
in ``storage/migrations/`` that both engines run, unless a file of the same number sits here,
which PostgreSQL runs instead (for the statements SQLite and PostgreSQL spell differently).

The version lives in the one-row table ``rekobot_schema``. Each migration runs in its own
transaction holding an advisory lock, so workers that start together migrate once: the second
waits, then finds the work done.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from storage.migrations import DatabaseTooNew, Migration, MigrationFailed, load_migrations

log = logging.getLogger(__name__)

#: Held by the migrating transaction: workers starting together migrate one at a time.
MIGRATION_LOCK = 0x5245_4B31


def postgres_migrations() -> list[Migration]:
    """The files PostgreSQL runs, in order: its baseline, then shared files or its own."""
    shared = load_migrations()
    own: dict[int, Migration] = {}
    folder = resources.files(__package__)
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            own[int(number)] = Migration(int(number), name, entry.read_text("utf-8"))
    baseline = min(own)
    return [own[baseline]] + [own.get(m.number, m) for m in shared if m.number > baseline]


async def schema_version(conn: Any) -> int:
    """The version recorded, 0 for a database rekobot never migrated."""
    exists = await conn.fetchval("SELECT to_regclass('rekobot_schema') IS NOT NULL")
    if not exists:
        return 0
    version = await conn.fetchval("SELECT version FROM rekobot_schema")
    return int(version or 0)


async def apply_migrations(conn: Any, label: str) -> list[Migration]:
    """Bring the database up to date; return the migrations applied."""
    migrations = postgres_migrations()
    known = migrations[-1].number
    applied: list[Migration] = []
    for migration in migrations:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            current = await schema_version(conn)
            if current > known:
                raise DatabaseTooNew(
                    f"The database {label} is at schema version {current}, but this rekobot "
                    f"only knows {known}. It was written by a newer rekobot: upgrade rekobot, "
                    "or point REKOBOT_DATABASE at another database."
                )
            if current >= migration.number:
                continue
            await _apply(conn, migration, current, label)
            applied.append(migration)
    return applied


async def _apply(conn: Any, migration: Migration, current: int, label: str) -> None:
    """Run one file inside the caller's transaction and record its number."""
    log.info("Applying migration %s to PostgreSQL", migration.label)
    try:
        await conn.execute(migration.sql)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS rekobot_schema (version INTEGER NOT NULL)"
        )
        await conn.execute("DELETE FROM rekobot_schema")
        await conn.execute("INSERT INTO rekobot_schema (version) VALUES ($1)", migration.number)
    except Exception as exc:
        if isinstance(exc, MigrationFailed):
            raise
        raise MigrationFailed(
            f"Migration {migration.label} failed on the database {label} (PostgreSQL says: "
            f"{exc}). It was rolled back: the database is unchanged, at schema version "
            f"{current}. Keep running the previous rekobot and report this, with the message, "
            "to its developers."
        ) from exc
