"""Workers sharing one database: who handles a chat's update, and who leads.

On PostgreSQL two workers are two connected databases in this process, each with its own
locks, as two `rekobot run` processes would have. On SQLite there is one process, which
always leads and takes every update in update_id order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from handlers.health import Health
from rekobot.app import build_application
from rekobot.models.messaging import IncomingUpdate
from rekobot.services.inbox import Inbox
from rekobot.services.leadership import Leadership
from rekobot.settings import Settings
from storage import dialect
from storage.database import Database
from storage.engines import open_database
from storage.locks import LEADER_KEY, chat_locks, fold
from storage.postgres import WRITE_LOCK, PostgresDatabase
from tests import engines
from tests.conftest import MovableClock

postgres_only = pytest.mark.skipif(
    not engines.ON_POSTGRES, reason="several workers share a database only on PostgreSQL"
)
KARI, OLA = 8001, 8002


@pytest.fixture
async def two_workers(settings: Settings) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one database, as two workers have."""
    first = await open_database(settings.database).connect()
    second = await open_database(settings.database).connect() if engines.ON_POSTGRES else first
    yield first, second
    await first.close()
    if second is not first:
        await second.close()


def update(update_id: int, chat_id: int | None) -> IncomingUpdate:
    return IncomingUpdate(
        update_id=update_id, chat_id=chat_id, payload=f'{{"update_id": {update_id}}}'
    )


@postgres_only
async def test_a_chat_in_one_workers_hands_waits_and_the_other_takes_the_next_chat(
    two_workers: tuple[Database, Database], clock: MovableClock
) -> None:
    one, two = Inbox(two_workers[0], clock=clock), Inbox(two_workers[1], clock=clock)
    await one.take_in([update(1, KARI), update(2, KARI), update(3, OLA), update(4, None)])

    first = await one.claim()
    second = await two.claim()  # Kari's 1 is in the first worker's hands; her 2 must wait
    third = await two.claim()
    nothing_yet = await one.claim()  # every chat with a free update is in someone's hands
    assert first is not None
    await one.done(first.update_id)
    await one.release(first)
    after = await two.claim()
    await one.close()
    await two.close()

    assert (first.update_id, first.attempts) == (1, 1)
    assert second is not None and second.update_id == 3
    assert third is not None and third.update_id == 4  # of no chat: its own lock
    assert nothing_yet is None
    assert after is not None and (after.update_id, after.attempts) == (2, 1)


async def test_one_process_takes_every_update_in_update_id_order(
    two_workers: tuple[Database, Database], clock: MovableClock
) -> None:
    inbox = Inbox(two_workers[0], clock=clock)
    await inbox.take_in([update(5, KARI), update(6, OLA), update(7, KARI), update(8, None)])
    taken = []
    while (row := await inbox.claim()) is not None:
        taken.append(row.update_id)
        await inbox.done(row.update_id)
        await inbox.release(row)
    await inbox.close()

    assert taken == [5, 6, 7, 8]


async def test_a_claim_locks_rows_only_where_the_engine_has_row_locks(
    two_workers: tuple[Database, Database],
) -> None:
    async with two_workers[0].transaction() as tx:
        clause = dialect.skip_locked(tx.locks_rows)

    assert clause == (" FOR UPDATE SKIP LOCKED" if engines.ON_POSTGRES else "")


@postgres_only
async def test_a_chat_whose_id_is_the_write_lock_key_does_not_stop_the_writers(
    two_workers: tuple[Database, Database],
) -> None:
    locks = chat_locks(two_workers[0])
    assert await locks.try_lock(WRITE_LOCK, 1)
    assert await locks.try_lock(LEADER_KEY, 2) is True  # the same worker may hold several
    started = time.monotonic()
    await asyncio.wait_for(
        two_workers[1].execute("UPDATE inbox SET attempts = 0 WHERE update_id = -1"), 5
    )
    await locks.close()

    assert time.monotonic() - started < 5
    assert fold(2**40 + 7) == fold(2**40 + 7) and -(2**31) <= fold(-(10**13)) < 2**31


@postgres_only
async def test_one_worker_leads_and_another_takes_over_when_its_connection_drops(
    two_workers: tuple[Database, Database], clock: MovableClock
) -> None:
    first = Leadership(two_workers[0], clock=clock, worker="host:1")
    second = Leadership(two_workers[1], clock=clock, worker="host:2")
    deposed: list[str] = []
    first.on_deposed.append(lambda: deposed.append("first"))

    assert await first.lead() and not await second.lead()
    assert first.is_leader and not second.is_leader
    # The leader's connection dies, as with a SIGKILL or a cut cable.
    pool = two_workers[0]
    assert isinstance(pool, PostgresDatabase)
    async with pool.pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND objid = $1 AND objsubid = 1",
            LEADER_KEY,
        )
    for _ in range(100):
        if deposed:
            break
        await asyncio.sleep(0.05)
    taken_over = await second.lead()
    name = await two_workers[1].fetchone("SELECT worker FROM leadership")
    await first.close()
    await second.close()

    assert deposed == ["first"] and not first.is_leader
    assert taken_over and name is not None and name[0] == "host:2"


@postgres_only
async def test_a_followers_health_is_the_leaders_last_sweep(
    settings: Settings, two_workers: tuple[Database, Database], clock: MovableClock
) -> None:
    leader = Leadership(two_workers[0], clock=clock, worker="host:1")
    assert await leader.lead()
    application = build_application(settings, clock=clock)
    services = application.services
    await services.open()
    sweeper = application.sweeper
    assert sweeper is not None
    later = [0.0]  # seconds the health check's clock is ahead of the real one
    health = Health(services.db, sweeper, 2.0, clock=lambda: time.monotonic() + later[0])

    await services.leadership.step()  # a follower: it reads the leader's record
    later[0] = 1000.0  # long past the grace period after start-up
    before_any_sweep = await health.check()
    later[0] = 0.0
    await leader.swept()
    await services.leadership.step()
    swept = await health.check()
    clock.advance(minutes=10)  # the leader's sweep stopped ten minutes ago
    await services.leadership.step()
    stale = await health.check()
    await services.close()
    await leader.close()

    assert not services.leadership.is_leader
    assert before_any_sweep.reason.startswith("the sweep has not completed a run")
    assert swept.ok
    assert not stale.ok and stale.reason.startswith("the sweep last completed a run 600")


async def test_one_process_on_sqlite_always_leads(
    two_workers: tuple[Database, Database], clock: MovableClock
) -> None:
    if engines.ON_POSTGRES:
        pytest.skip("on PostgreSQL the lead is elected (the tests above)")
    leadership = Leadership(two_workers[0], clock=clock)
    assert await leadership.lead() and leadership.is_leader and not leadership.shared
    await leadership.step()
    assert leadership.is_leader
