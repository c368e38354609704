"""The PostgreSQL engine keeps the rules the services rely on, across workers.

Two ``PostgresDatabase`` objects on one database stand for two workers: each has its own pool,
as two processes would. Skipped without ``REKOBOT_TEST_POSTGRES`` (``make test`` sets it).
"""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import pytest

from storage.faults import DatabaseUnusable
from storage.migrations import DatabaseTooNew, load_migrations
from storage.postgres import PostgresAddress, PostgresDatabase
from tests import engines

pytestmark = pytest.mark.skipif(
    not engines.ON_POSTGRES, reason="needs REKOBOT_TEST_POSTGRES (make test starts a server)"
)


async def two_workers() -> tuple[PostgresDatabase, PostgresDatabase]:
    """Two connected databases on one fresh PostgreSQL database, with a table to count in."""
    address = await engines.fresh_postgres()
    first = await PostgresDatabase(address).connect()
    second = await PostgresDatabase(address).connect()
    await first.execute("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
    await first.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    return first, second


async def increment(db: PostgresDatabase, times: int) -> None:
    """Read the counter, wait a moment, write it back plus one: a read-then-write."""
    for _ in range(times):
        async with db.transaction() as tx:
            n = await tx.scalar("SELECT n FROM counter WHERE id = 1")
            await asyncio.sleep(0)  # let the other worker's transaction run, if it could
            await tx.execute("UPDATE counter SET n = ? WHERE id = 1", (int(n) + 1,))


async def test_writes_of_two_workers_never_interleave() -> None:
    first, second = await two_workers()
    try:
        await asyncio.gather(increment(first, 40), increment(second, 40))
        total = await first.fetchone("SELECT n FROM counter WHERE id = 1")
    finally:
        await first.close()
        await second.close()

    assert total is not None and total[0] == 80  # no read-then-write lost another's


async def test_a_read_sees_one_snapshot_while_another_worker_commits() -> None:
    first, second = await two_workers()
    try:
        async with first.read() as snapshot:
            before = await snapshot.scalar("SELECT n FROM counter WHERE id = 1")
            await second.execute("UPDATE counter SET n = 99 WHERE id = 1")
            during = await snapshot.scalar("SELECT n FROM counter WHERE id = 1")
        after = await first.fetchone("SELECT n FROM counter WHERE id = 1")
    finally:
        await first.close()
        await second.close()

    assert (before, during) == (0, 0)
    assert after is not None and after[0] == 99


async def test_sums_come_back_as_integers_and_counts_of_rows_changed_are_exact() -> None:
    first, second = await two_workers()
    try:
        await first.execute("INSERT INTO counter (id, n) VALUES (2, 5), (3, 7)")
        async with first.transaction() as tx:
            changed = await tx.execute("UPDATE counter SET n = n + 1 WHERE id > ?", (1,))
        total = await first.fetchone("SELECT SUM(n), AVG(n) FROM counter")
    finally:
        await first.close()
        await second.close()

    assert changed == 2
    assert total is not None and (total[0], type(total[0])) == (14, int)
    assert total[1] == pytest.approx(14 / 3)


async def test_workers_that_start_together_migrate_once() -> None:
    name = f"rekobot_together_{next(engines._numbers)}"
    conn = await asyncpg.connect(engines.SERVER)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    address = PostgresAddress(engines.database_url(name))
    workers = [PostgresDatabase(address) for _ in range(3)]
    try:
        await asyncio.gather(*(worker.connect() for worker in workers))
        versions = [await worker.schema_version() for worker in workers]
        rows = await workers[0].fetchall("SELECT version FROM rekobot_schema")
    finally:
        for worker in workers:
            await worker.close()
        await engines.drop_postgres(address)

    assert versions == [len(load_migrations())] * 3
    assert len(rows) == 1


async def test_a_database_from_a_newer_rekobot_is_refused() -> None:
    address = await engines.fresh_postgres()
    db = await PostgresDatabase(address).connect()
    await db.execute("UPDATE rekobot_schema SET version = version + 1")
    await db.close()
    try:
        with pytest.raises(DatabaseTooNew, match="newer rekobot"):
            await PostgresDatabase(address).connect()
    finally:
        await engines.drop_postgres(address)


async def test_an_unreachable_server_is_refused_with_what_to_do_and_no_password() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = PostgresAddress(f"postgresql://rekobot:s3cret@127.0.0.1:{port}/rekobot")

    with pytest.raises(DatabaseUnusable) as refused:
        await PostgresDatabase(address).connect()

    assert "cannot be reached" in str(refused.value)
    assert "s3cret" not in str(refused.value)
    assert f"postgresql://rekobot:***@127.0.0.1:{port}/rekobot" in str(refused.value)
