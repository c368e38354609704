"""The database file: pragmas, migrations (new and upgraded files), and refusing a newer one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.migrations import DatabaseTooNew, load_migrations


async def test_a_new_database_gets_every_migration_and_the_safety_pragmas(tmp_path: Path) -> None:
    db = await Database(tmp_path / "new.sqlite3").connect()
    try:
        version = await db.fetchone("PRAGMA user_version")
        journal = await db.fetchone("PRAGMA journal_mode")
        foreign = await db.fetchone("PRAGMA foreign_keys")
        busy = await db.fetchone("PRAGMA busy_timeout")
    finally:
        await db.close()
    assert version is not None and version[0] == len(load_migrations())
    assert journal is not None and journal[0] == "wal"
    assert foreign is not None and foreign[0] == 1
    assert busy is not None and busy[0] >= 1000


async def test_an_old_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    first = load_migrations()[0]
    with sqlite3.connect(path) as conn:  # a file as the first release left it
        conn.executescript(first.sql)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
            "VALUES ('gammel', 'REKO Gammel', 'Europe/Oslo', 'nb', 'NOK', "
            "'2025-01-01T00:00:00+00:00')"
        )
    db = await Database(path).connect()
    try:
        version = await db.fetchone("PRAGMA user_version")
        ring = await db.fetchone("SELECT name FROM rings WHERE slug = 'gammel'")
    finally:
        await db.close()
    assert version is not None and version[0] == len(load_migrations())
    assert ring is not None and ring[0] == "REKO Gammel"


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.sqlite3"
    await (await Database(path).connect()).close()
    db = await Database(path).connect()
    try:
        tables = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    finally:
        await db.close()
    assert len({row[0] for row in tables}) == len(tables)


async def test_a_database_from_a_newer_rekobot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseTooNew, match="newer rekobot"):
        await Database(path).connect()


async def test_a_failing_statement_rolls_the_whole_transaction_back(tmp_path: Path) -> None:
    db = await Database(tmp_path / "tx.sqlite3").connect()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
                    "VALUES ('a', 'A', 'UTC', 'nb', 'NOK', '2026-01-01T00:00:00+00:00')"
                )
                await tx.execute(
                    "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
                    "VALUES ('a', 'A again', 'UTC', 'nb', 'NOK', '2026-01-01T00:00:00+00:00')"
                )
        count = await db.fetchone("SELECT COUNT(*) FROM rings")
    finally:
        await db.close()
    assert count is not None and count[0] == 0
