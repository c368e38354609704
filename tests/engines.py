"""Which engine the suite runs on, and a fresh database of it for each test.

By default every test gets a SQLite file in its tmp_path. With ``REKOBOT_TEST_POSTGRES`` set
to a PostgreSQL server's URL (``make test`` starts a throwaway cluster and sets it), every
test gets an empty, migrated PostgreSQL database instead, so the same tests prove both
engines. Creating a database from a template costs most of a second, so the run keeps one
database and empties it before each test (every table, and its id sequence restarted), which
costs a tenth of that; ``fresh_postgres`` still makes a new one for a test that needs two.

A test that reads the SQLite file itself (its query plans, its write lock, a backup of it)
asks for ``sqlite_file(...)``, which skips it on PostgreSQL with the reason.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from storage.database import Database, Transaction
from storage.engines import Address
from storage.postgres import PostgresAddress, PostgresDatabase
from storage.sqlite import SqliteDatabase

#: The server's URL (any database on it), or empty for SQLite.
SERVER = os.environ.get("REKOBOT_TEST_POSTGRES", "")
ON_POSTGRES = bool(SERVER)
TEMPLATE = "rekobot_template"

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="reads or damages the SQLite file itself")

_numbers = itertools.count(1)
_template_ready = False
_shared: PostgresAddress | None = None
_emptying = ""


def database_url(name: str) -> str:
    """The server's URL with another database name."""
    return urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))


def sqlite_file(address: Address) -> Path:
    """The SQLite file of a test's settings; the test is skipped on PostgreSQL."""
    if not isinstance(address, Path):
        pytest.skip("reads the SQLite file itself")
    return address


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _ensure_template() -> None:
    """Create and migrate the template once per run (a leftover one is replaced)."""
    global _template_ready
    if _template_ready:
        return
    await _admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    await _admin(f"CREATE DATABASE {TEMPLATE}")
    await (await PostgresDatabase(database_url(TEMPLATE)).connect()).close()
    _template_ready = True


async def emptied_postgres() -> PostgresAddress:
    """The run's own database, emptied: no rows in any table, ids starting from 1 again."""
    global _shared, _emptying
    if _shared is None:
        _shared = await fresh_postgres()
        conn = await asyncpg.connect(_shared.url)
        try:
            tables = await conn.fetch(
                "SELECT quote_ident(tablename) AS name FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'rekobot_schema'"
            )
            sequences = await conn.fetch(
                "SELECT quote_ident(sequencename) AS name FROM pg_sequences "
                "WHERE schemaname = 'public'"
            )
        finally:
            await conn.close()
        # Foreign keys are not checked while the session replicates: any order of DELETEs.
        _emptying = "; ".join(
            ["SET session_replication_role = replica"]
            + [f"DELETE FROM {row['name']}" for row in tables]
            + [f"ALTER SEQUENCE {row['name']} RESTART" for row in sequences]
        )
        return _shared
    conn = await asyncpg.connect(_shared.url)
    try:
        await conn.execute(_emptying)
    finally:
        await conn.close()
    return _shared


async def fresh_postgres() -> PostgresAddress:
    """A new, migrated, empty database on the test server."""
    await _ensure_template()
    name = f"rekobot_test_{os.getpid()}_{next(_numbers)}"
    await _admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return PostgresAddress(database_url(name))


async def drop_postgres(address: PostgresAddress) -> None:
    """Drop a test's database, closing whatever it left connected."""
    name = urlsplit(address.url).path.lstrip("/")
    await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def emptied_postgres_sync() -> PostgresAddress:
    """``emptied_postgres`` for a synchronous fixture (runs its own event loop)."""
    return asyncio.run(emptied_postgres())


def sqlite_database(db: Database) -> SqliteDatabase:
    """A test's database when it is the SQLite engine; the test is skipped on PostgreSQL."""
    if not isinstance(db, SqliteDatabase):
        pytest.skip("reads the SQLite file itself")
    return db


async def dangling_references(db: Database, tx: Transaction) -> list[tuple[object, ...]]:
    """Rows that refer to rows that do not exist.

    SQLite is asked (``PRAGMA foreign_key_check``); PostgreSQL checks every reference on
    every statement, so it cannot hold one.
    """
    if not isinstance(db, SqliteDatabase):
        return []
    return [tuple(row) for row in await tx.fetchall("PRAGMA foreign_key_check")]
