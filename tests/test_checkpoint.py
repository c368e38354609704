"""The WAL checkpoint: done by ``Database.checkpoint()`` outside the write lock, never by a COMMIT.

SQLite's autocheckpoint copies the WAL into the database file inside the ``COMMIT`` that
crosses 1,000 pages, which at national scale held the write lock for a second. These tests
hold what replaces it: the writer's commits leave the WAL alone, a checkpoint empties it, and
readers keep their snapshot while one runs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.database import Database
from storage.sqlite import SqliteDatabase
from tests.engines import sqlite_only

pytestmark = sqlite_only

ACCOUNTS = 20
TOTAL = 1_000 * ACCOUNTS


async def accounts(path: Path) -> SqliteDatabase:
    """A database with a table of accounts whose balances always add up to TOTAL."""
    db = await SqliteDatabase(path).connect()
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)")
        await tx.execute("CREATE TABLE padding (id INTEGER PRIMARY KEY, filler BLOB)")
        await tx.executemany(
            "INSERT INTO accounts (id, balance) VALUES (?, 1000)",
            [(n,) for n in range(ACCOUNTS)],
        )
    return db


async def transfer(db: Database, n: int, pages: int) -> None:
    """Move money between two accounts and write about ``pages`` pages of padding."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE accounts SET balance = balance - 7 WHERE id = ?", (n % ACCOUNTS,))
        await tx.execute(
            "UPDATE accounts SET balance = balance + 7 WHERE id = ?", ((n + 1) % ACCOUNTS,)
        )
        await tx.executemany("INSERT INTO padding (filler) VALUES (randomblob(3500))", [()] * pages)


def wal_size(db: SqliteDatabase) -> int:
    wal = db.path.with_name(db.path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def balances(db: Database) -> tuple[int, int]:
    """The sum of the balances and the padding rows, read twice on one snapshot."""
    async with db.read() as tx:
        first = (
            await tx.scalar("SELECT SUM(balance) FROM accounts"),
            await tx.scalar("SELECT COUNT(*) FROM padding"),
        )
        await asyncio.sleep(0)  # let the checkpoint's thread run between the two reads
        second = (
            await tx.scalar("SELECT SUM(balance) FROM accounts"),
            await tx.scalar("SELECT COUNT(*) FROM padding"),
        )
    assert first == second
    return first


async def test_commits_leave_the_wal_to_the_checkpoint_which_empties_it(tmp_path: Path) -> None:
    db = await accounts(tmp_path / "wal.sqlite3")
    try:
        for n in range(12):  # 2,400 pages: past the 1,000 where a COMMIT would checkpoint
            await transfer(db, n, 200)
        grown = wal_size(db)
        done = await db.checkpoint()
        after = wal_size(db)
        assert await balances(db) == (TOTAL, 2_400)
    finally:
        await db.close()
    assert grown > 2_400 * 4096  # every commit's pages are still in the WAL
    assert done.frames >= 2_400 and done.complete and done.truncated
    assert after == 0


async def test_a_read_during_a_checkpoint_sees_one_consistent_snapshot(tmp_path: Path) -> None:
    db = await accounts(tmp_path / "read.sqlite3")
    try:
        for n in range(10):
            await transfer(db, n, 200)
        running = asyncio.ensure_future(db.checkpoint())
        seen = []
        while not running.done():
            seen.append(await balances(db))
            await transfer(db, len(seen), 1)  # writes go on while the checkpoint runs
            await asyncio.sleep(0)
        await running
        last = await balances(db)
    finally:
        await db.close()
    assert len(seen) > 1  # reads ran while the checkpoint did: it did not hold the loop
    assert all(total == TOTAL for total, _ in seen)
    assert [rows for _, rows in seen] == [2_000 + n for n in range(len(seen))]
    assert last == (TOTAL, 2_000 + len(seen))


async def test_a_wal_a_reader_still_needs_is_kept_until_it_is_done(tmp_path: Path) -> None:
    db = await accounts(tmp_path / "kept.sqlite3")
    try:
        async with db.read() as tx:
            before = await tx.scalar("SELECT COUNT(*) FROM padding")
            for n in range(5):
                await transfer(db, n, 100)
            # Neither the checkpoint nor a write waits for the reader (the busy timeout is 10 s).
            held, _ = await asyncio.wait_for(
                asyncio.gather(db.checkpoint(), transfer(db, 5, 1)), timeout=5
            )
            still = await tx.scalar("SELECT COUNT(*) FROM padding")
            kept = wal_size(db)
        freed = await db.checkpoint()
        after = await balances(db)
    finally:
        await db.close()
    assert before == still == 0  # the old snapshot stays readable through the checkpoint
    assert not held.complete and not held.truncated and kept > 0
    assert freed.complete and freed.truncated and after == (TOTAL, 501)
