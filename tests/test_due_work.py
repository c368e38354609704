"""Due work by index: the sweep's queries stay index searches, chunks stay small, and the
speed-ups change nothing a customer sees: each reminder and digest once, across restarts
and across pruning, and fresh reminders for a moved pickup."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import pytest

from rekobot.clock import to_db
from rekobot.scheduling import run_due_work
from rekobot.services import reminders as reminder_service
from rekobot.services.pickups_admin import PickupDraft
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import cart_reminders as cart_store
from storage import deliveries as delivery_store
from storage import pickups as pickup_store
from storage import privacy as privacy_store
from storage import producer_orders, retention
from storage import reminders as reminder_store
from storage import rings as ring_store
from storage.database import Database, Transaction
from storage.engines import Address
from storage.sqlite import SqliteDatabase
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.engines import sqlite_file
from tests.test_admin_services import admin_field
from tests.test_reminders import KARI, WEDNESDAY_19_00_OSLO, order

THURSDAY_17_00_OSLO = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
#: Tables whose size grows with history: a full scan of any of them is a regression.
HISTORY = {"deliveries", "orders", "order_lines", "pickups", "users", "sent_keys"}
#: Partial indexes that hold only rows that can still be due: walking one is not a scan.
DUE_ROWS_ONLY = {"deliveries_pending_broadcasts"}


Params = tuple[object, ...] | dict[str, object]


def plan(address: Address, sql: str, params: Params) -> list[str]:
    """The ``EXPLAIN QUERY PLAN`` lines of a statement, on a migrated database."""
    import sqlite3

    with sqlite3.connect(sqlite_file(address)) as conn:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def full_scans(lines: list[str], aliases: dict[str, str]) -> list[str]:
    """Plan lines that read a whole history table (``SCAN <table or alias>``)."""
    scans = []
    for line in lines:
        match = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", line)
        if match and match.group(2) in DUE_ROWS_ONLY:
            continue
        if match and aliases.get(match.group(1), match.group(1)) in HISTORY:
            scans.append(line)
    return scans


async def test_every_due_query_is_an_index_search(settings: Settings) -> None:
    async with SqliteDatabase(sqlite_file(settings.database)):
        pass
    now, later = to_db(datetime(2026, 12, 1, tzinfo=UTC)), to_db(datetime(2026, 12, 3, tzinfo=UTC))
    aliases = {"p": "pickups", "o": "orders", "l": "order_lines", "u": "users"}
    queries: dict[str, tuple[str, Params]] = {
        "reminder candidates": (
            reminder_store.CANDIDATES_SQL,
            {"start": now, "end": later, "hour_from": now},
        ),
        "reminder rounds": (reminder_store.ROUND_SQL, ("[1, 2]",)),
        "reminder chunk": (reminder_store.BATCH_SQL, (1, 0, 200)),
        "due digests": (producer_orders.DUE_DIGESTS_SQL, (now,)),
        "cancel a pickup's reminders": (
            delivery_store.CANCEL_BY_PREFIX_SQL,
            delivery_store.key_range("reminder:p27:"),
        ),
        "prunable deliveries": (retention.PRUNABLE_SQL, ("sent", now, now, 500)),
        "waiting carts": (cart_store.WAITING_SQL, {"now": now, "until": later}),
        "orders to anonymise": (
            privacy_store.anonymise_candidates_sql(2),
            (90, now, 30, later, 200),
        ),
        "outbox, broadcast lane": (delivery_store.DUE_SQL.format(lane="IS NOT NULL"), (now, 200)),
        "outbox, other lane": (delivery_store.DUE_SQL.format(lane="IS NULL"), (now, 200)),
    }
    for name, (sql, params) in queries.items():
        lines = plan(settings.database, sql, params)
        assert full_scans(lines, aliases) == [], f"{name} scans history: {lines}"
        assert any("INDEX" in line or "PRIMARY KEY" in line for line in lines), (name, lines)
    # By key, not by status: while a broadcast is under way most of the outbox is pending.
    cancel = plan(settings.database, *queries["cancel a pickup's reminders"])
    assert any("dedupe_key>? AND dedupe_key<?" in line.replace("=", "") for line in cancel), cancel
    # Each anonymising ring is one search up to its own cutoff, not a walk of old pickups.
    anonymise = plan(settings.database, *queries["orders to anonymise"])
    assert any("pickups_to_anonymise (ring_id=? AND ends_at<?)" in line for line in anonymise)


async def test_the_outbox_lanes_skip_sent_history_when_the_planner_has_statistics(
    settings: Settings,
) -> None:
    # With statistics that say the outbox is nearly all sent history (ANALYZE, as PRAGMA
    # optimize or an operator may run it), SQLite walked every delivery in id order to find
    # pending broadcast rows: 9 s at 3 M rows with none pending, on every look of the sender.
    import sqlite3

    async with SqliteDatabase(sqlite_file(settings.database)):
        pass
    stamp = to_db(datetime(2026, 6, 1, tzinfo=UTC))
    with sqlite3.connect(sqlite_file(settings.database)) as conn:
        conn.executemany(
            "INSERT INTO deliveries (chat_id, kind, payload, dedupe_key, status, not_before, "
            "created_at, sent_at) VALUES (?, 'reminder_evening', '[]', ?, ?, ?, ?, ?)",
            [(n, f"k{n}", "sent", stamp, stamp, stamp) for n in range(3000)]
            + [(n, f"p{n}", "pending", stamp, stamp, None) for n in range(10)],
        )
        conn.execute("ANALYZE")
    now = to_db(datetime(2026, 12, 1, tzinfo=UTC))
    for lane in delivery_store.DUE_LANES.values():
        lines = plan(settings.database, delivery_store.DUE_SQL.format(lane=lane), (now, 200))
        assert full_scans(lines, {}) == [], (lane, lines)


async def new_ring(services: Services, slug: str, starts_at: datetime) -> None:
    """Another ring, with a pickup at ``starts_at`` and one that ended a year ago."""
    now = services.clock()
    async with services.db.transaction() as tx:
        ring_id = await ring_store.create_ring(
            tx, slug=slug, name=slug, timezone="Europe/Oslo", locale="nb", currency="NOK", now=now
        )
        place = await ring_store.add_location(tx, ring_id=ring_id, name="Torget")
        for start in (starts_at, starts_at - timedelta(days=365)):
            await pickup_store.create_pickup(
                tx,
                ring_id=ring_id,
                location_id=place,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                deadline=start - timedelta(hours=2),
                now=now,
            )


async def test_the_sweep_with_nothing_due_reads_as_much_for_many_rings_as_for_one(
    clock: MovableClock, world: World, services: Services
) -> None:
    # The goal is a sweep with nothing due that costs the same however the country grows:
    # no statement per ring (cart reminders, anonymising), no write lock to find nothing.
    await order(services, world, KARI, potatoes=2, bread=1)
    clock.now = WEDNESDAY_19_00_OSLO
    await run_due_work(services.due_work)  # the digests and the evening reminders go out
    await privacy_anonymise_everything(services)

    async def idle_statements() -> list[str]:
        seen: list[str] = []
        await services.db.trace(seen.append)
        try:
            clock.now += timedelta(seconds=20)
            assert await run_due_work(services.due_work) == 0
        finally:
            await services.db.trace(None)
        return seen

    one_ring = await idle_statements()
    for n in range(5):
        await new_ring(services, f"ring{n}", clock.now + timedelta(hours=30))
    await run_due_work(services.due_work)  # their openings and overdue digests, once
    await privacy_anonymise_everything(services)
    many_rings = await idle_statements()

    def shape(line: str) -> str:  # the statement without its values
        return re.sub(r"'[^']*'|\d+", "?", line)

    assert [shape(line) for line in many_rings] == [shape(line) for line in one_ring]
    # Nothing to anonymise is found on a reader: no write transaction for it.
    assert not any("anonymis" in line for line in many_rings if line.startswith("UPDATE"))


async def privacy_anonymise_everything(services: Services) -> None:
    """Run the anonymising until nothing is left, so the idle sweep finds none."""
    while await services.privacy.anonymise_due():
        pass


def test_a_key_range_holds_exactly_the_keys_with_the_prefix() -> None:
    low, high = delivery_store.key_range("reminder:p27:")
    assert (low, high) == ("reminder:p27:", "reminder:p27;")
    inside = ["reminder:p27:20261203T1700:hour:o1", "reminder:p27:"]
    outside = ["reminder:p270:x", "reminder:p2", "REMINDER:p27:x", "reminder:p28:x"]
    assert all(low <= key < high for key in inside)
    assert not any(low <= key < high for key in outside)


async def add_customers(services: Services, world: World, count: int, base: int = 20_000) -> None:
    """``count`` more customers with a placed order of two lines each (bulk, as a big ring)."""
    stamp = to_db(services.clock())
    rows = await services.db.fetchall("SELECT COALESCE(MAX(number), 0) FROM orders")
    first = int(rows[0][0]) + 1
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, language_code, created_at) VALUES (?, ?, 'nb', ?)",
            [(base + n, f"Kunde {n}", stamp) for n in range(count)],
        )
        for n in range(count):
            order_id = await tx.insert(
                "INSERT INTO orders (pickup_id, user_id, number, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (world.pickup_id, base + n, first + n, stamp, stamp),
            )
            await tx.executemany(
                "INSERT INTO order_lines (order_id, offer_id, quantity, unit_price) "
                "VALUES (?, ?, 1, 3500)",
                [(order_id, world.offer_ids["carrots"]), (order_id, world.offer_ids["bread"])],
            )


async def mark_all_sent(services: Services) -> None:
    """The sender did its work: every queued row went out now."""
    await services.db.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = ? WHERE status = 'pending'",
        (to_db(services.clock()),),
    )


async def keys(services: Services, like_kind: str) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT dedupe_key FROM deliveries WHERE kind = ? ORDER BY dedupe_key", (like_kind,)
    )
    return [row[0] for row in rows]


async def test_reminders_and_digests_go_once_across_pruning_and_restarts(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await order(services, world, KARI, potatoes=2, bread=1)
    await add_customers(services, world, 2)
    clock.now = WEDNESDAY_19_00_OSLO  # orders closed at 05:00: the digests are due as well
    assert await services.digests.send_due() == 2
    assert await services.reminders.run_due() == 3
    evening = await keys(services, "reminder_evening")
    assert len(evening) == 3
    await mark_all_sent(services)
    rows = await services.db.fetchall(
        "SELECT COUNT(*), COUNT(dedupe_key) FROM deliveries WHERE status = 'sent'"
    )
    sent, keyed = int(rows[0][0]), int(rows[0][1])

    clock.now += timedelta(minutes=5)
    services.deliveries.retention = timedelta(minutes=1)
    assert await services.deliveries.prune() == sent
    assert await services.db.fetchall("SELECT id FROM deliveries") == []
    async with services.db.read() as tx:
        assert await retention.sent_key_count(tx) == keyed  # notes without a key just go

    # The sweep again, with everything that said "done" forgotten but the keys: nothing new.
    await services.db.execute(
        "UPDATE pickups SET evening_reminded_order = 0, hour_reminded_order = 0, "
        "digest_sent_at = NULL"
    )
    assert await services.reminders.run_due() == 0
    assert await services.digests.send_due() == 0
    assert await keys(services, "reminder_evening") == []

    restarted = Services.create(settings, clock=clock)
    await restarted.open()
    try:
        assert await restarted.reminders.run_due() == 0
        assert await restarted.digests.send_due() == 0
        clock.now = THURSDAY_17_00_OSLO  # the hour reminder is a new message, once
        assert await restarted.reminders.run_due() == 3
        assert await restarted.reminders.run_due() == 0
    finally:
        await restarted.close()


async def test_pending_and_recent_deliveries_are_never_pruned(
    clock: MovableClock, world: World, services: Services
) -> None:
    await add_customers(services, world, 3)
    clock.now = WEDNESDAY_19_00_OSLO
    assert await services.reminders.run_due() == 3
    await services.db.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = ? WHERE chat_id = 20000",
        (to_db(clock.now),),
    )
    clock.now += timedelta(days=29)
    assert await services.deliveries.prune() == 0  # the default keeps 30 days
    clock.now += timedelta(days=2)
    assert await services.deliveries.prune() == 1  # the sent one; two are still pending
    rows = await services.db.fetchall("SELECT chat_id, status FROM deliveries ORDER BY chat_id")
    assert [tuple(row) for row in rows] == [(20001, "pending"), (20002, "pending")]


@asynccontextmanager
async def counting_writes(db: Database, log: list[int]) -> AsyncIterator[None]:
    """Record how many deliveries each write transaction added while the block runs."""
    original = db.transaction

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Transaction]:
        async with original() as tx:
            before = int(await tx.scalar("SELECT COUNT(*) FROM deliveries"))
            yield tx
            log.append(int(await tx.scalar("SELECT COUNT(*) FROM deliveries")) - before)

    db.transaction = transaction  # type: ignore[method-assign]
    try:
        yield
    finally:
        db.transaction = original  # type: ignore[method-assign]


async def test_a_big_pickup_is_reminded_in_short_chunks_and_new_orders_later(
    clock: MovableClock, world: World, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminder_service, "CHUNK", 40)
    await add_customers(services, world, 130)
    clock.now = WEDNESDAY_19_00_OSLO
    writes: list[int] = []
    async with counting_writes(services.db, writes):
        assert await services.reminders.run_due() == 130
        assert await services.reminders.run_due() == 0
    assert writes == [40, 40, 40, 10]  # no transaction holds more than a chunk

    # A late order (the deadline may be after the evening reminder) is still reminded.
    await add_customers(services, world, 1, base=30_000)
    assert await services.reminders.run_due() == 1
    assert len(await keys(services, "reminder_evening")) == 131


async def test_a_moved_pickup_gets_fresh_reminders_for_every_order(
    clock: MovableClock, world: World, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminder_service, "CHUNK", 40)
    await add_customers(services, world, 90)
    clock.now = WEDNESDAY_19_00_OSLO
    assert await services.reminders.run_due() == 90
    await mark_all_sent(services)
    info = await services.pickup_admin.info(ADMIN_ID, world.pickup_id)
    draft = PickupDraft.of(info.pickup, info.ring).with_value(
        admin_field("date"), date(2026, 12, 4)
    )
    result = await services.pickup_admin.change(ADMIN_ID, world.pickup_id, draft)
    assert result.moved
    await mark_all_sent(services)  # the notices of the move

    clock.now = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # the evening before the new day
    assert await services.reminders.run_due() == 90
    assert await services.reminders.run_due() == 0
    new = [k for k in await keys(services, "reminder_evening") if "20261204" in k]
    assert len(new) == 90


def test_the_retention_is_a_setting(
    settings: Settings, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.delivery_retention_days == 30
    monkeypatch.setenv("REKOBOT_DELIVERY_RETENTION_DAYS", "7")
    configured = Settings(_env_file=None, database=settings.database)
    assert Services.create(configured, clock=clock).deliveries.retention == timedelta(days=7)
    assert Services.create(settings, clock=clock).deliveries.retention == timedelta(days=30)


async def test_the_reminder_sweep_reads_only_pickups_with_orders_their_round_has_not_seen(
    clock: MovableClock, world: World, services: Services
) -> None:
    # The evening before a pickup every ring's pickup is in the window; none is read once its
    # round has dealt with its orders, until a late order or the hour round comes.
    async def candidates() -> list[int]:
        async with services.db.read() as tx:
            found = await reminder_store.reminder_candidates(
                tx,
                clock.now,
                clock.now + reminder_service.LOOKAHEAD,
                clock.now + reminder_service.HOUR_BEFORE,
            )
        return [pickup.id for pickup in found]

    await order(services, world, KARI, potatoes=2)
    clock.now = WEDNESDAY_19_00_OSLO
    assert await candidates() == [world.pickup_id]
    assert await services.reminders.run_due() == 1
    assert await candidates() == []
    await add_customers(services, world, 1)  # a late order: the evening round has not seen it
    assert await candidates() == [world.pickup_id]
    assert await services.reminders.run_due() == 1
    assert await candidates() == []
    clock.now = THURSDAY_17_00_OSLO  # the hour before: that round has seen no order yet
    assert await candidates() == [world.pickup_id]
    assert await services.reminders.run_due() == 2
    assert await candidates() == []
    assert await services.reminders.run_due() == 0


async def test_each_ring_anonymises_after_its_own_days_in_one_statement(
    clock: MovableClock, world: World, services: Services
) -> None:
    for slug, days in (("tretti", 30), ("nitti", 90)):
        await new_ring(services, slug, clock.now - timedelta(days=60))  # and 425 days ago
        await services.db.execute(
            "UPDATE rings SET anonymise_after_days = ? WHERE slug = ?", (days, slug)
        )
    await privacy_anonymise_everything(services)
    rows = await services.db.fetchall(
        "SELECT r.slug, p.starts_at, p.anonymised_at FROM pickups p "
        "JOIN rings r ON r.id = p.ring_id WHERE r.slug IN ('tretti', 'nitti') "
        "ORDER BY r.slug, p.starts_at"
    )
    assert [(row[0], row[2] is not None) for row in rows] == [
        ("nitti", True),  # ended 425 days ago
        ("nitti", False),  # ended 60 days ago: not 90 yet
        ("tretti", True),
        ("tretti", True),
    ]
