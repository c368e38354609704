"""The database file: pragmas, migrations (new and upgraded files), one writer and its readers."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from rekobot.errors import OutOfStock
from rekobot.models import OrderStatus, PriceBasis
from rekobot.services.registry import Services
from storage import carts as cart_store
from storage import users as user_store
from storage.database import enum_member
from storage.migrations import DatabaseTooNew, apply_migrations, load_migrations
from storage.sqlite import SqliteDatabase
from tests.conftest import MovableClock, World
from tests.engines import sqlite_only

pytestmark = sqlite_only

RING = (
    "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
    "VALUES (?, ?, 'Europe/Oslo', 'nb', 'NOK', '2025-01-01T00:00:00+00:00')"
)


def schema(path: Path) -> set[tuple[str, str, str]]:
    """(type, name, normalised SQL) of every table, index and trigger."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    conn.close()
    return {(kind, name, " ".join(sql.split())) for kind, name, sql in rows}


async def test_a_new_database_gets_every_migration_and_the_safety_pragmas(tmp_path: Path) -> None:
    db = await SqliteDatabase(tmp_path / "new.sqlite3").connect()
    try:
        async with db.transaction() as tx:  # the writer's own settings
            version = await tx.scalar("PRAGMA user_version")
            journal = await tx.scalar("PRAGMA journal_mode")
            foreign = await tx.scalar("PRAGMA foreign_keys")
            busy = await tx.scalar("PRAGMA busy_timeout")
        read_only = await db.fetchone("PRAGMA query_only")
    finally:
        await db.close()
    assert version == len(load_migrations())
    assert journal == "wal"
    assert foreign == 1
    assert busy == 0  # the loop never waits on a lock: a write that must wait waits in a thread
    assert read_only is not None and read_only[0] == 1


async def test_a_write_waits_for_another_process_holding_the_write_lock(tmp_path: Path) -> None:
    """The writer's BEGIN on the loop fails at once; the one in the writer's thread waits."""
    db = await SqliteDatabase(tmp_path / "busy.sqlite3").connect()
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        released = asyncio.get_running_loop().call_later(0.3, other.execute, "ROLLBACK")
        started = time.monotonic()
        ticks = 0

        async def tick() -> None:  # the loop keeps running while the write waits
            nonlocal ticks
            while time.monotonic() - started < 0.25:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        await db.execute("INSERT INTO users (id, created_at) VALUES (1, '')")
        waited = time.monotonic() - started
        await ticker
        released.cancel()
        async with db.transaction() as tx:
            busy = await tx.scalar("PRAGMA busy_timeout")
        stored = await db.fetchone("SELECT COUNT(*) FROM users WHERE id = 1")
    finally:
        other.close()
        await db.close()
    assert waited >= 0.25 and ticks >= 10
    assert stored is not None and stored[0] == 1
    assert busy == 0  # back to not waiting on the loop


async def test_a_read_cannot_write_by_mistake(tmp_path: Path) -> None:
    db = await SqliteDatabase(tmp_path / "ro.sqlite3").connect()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            async with db.read() as tx:
                await tx.execute(RING, ("x", "X"))
        count = await db.fetchone("SELECT COUNT(*) FROM rings")
    finally:
        await db.close()
    assert count is not None and count[0] == 0


def _start_versions() -> list[int]:
    return list(range(len(load_migrations())))


@pytest.mark.parametrize("start", _start_versions())
async def test_an_older_database_is_upgraded_through_the_real_migrations_and_keeps_its_data(
    tmp_path: Path, start: int
) -> None:
    """From every older version (0 is an empty file), at least the newest migration runs."""
    shipped = load_migrations()
    path = tmp_path / "old.sqlite3"
    db = await SqliteDatabase(path).connect(migrate=False)
    try:
        await apply_migrations(db.conn, shipped[:start])
        if start >= 1:
            await db.execute(RING, ("gammel", "REKO Gammel"))
        applied = await apply_migrations(db.conn)
        ring = await db.fetchone("SELECT name FROM rings WHERE slug = 'gammel'")
        version = await db.fetchone("PRAGMA user_version")
    finally:
        await db.close()
    assert [m.number for m in applied] == [m.number for m in shipped[start:]]
    assert applied, "an upgrade test that applies nothing proves nothing"
    assert version is not None and version[0] == len(shipped)
    if start >= 1:
        assert ring is not None and ring[0] == "REKO Gammel"
    fresh = tmp_path / "fresh.sqlite3"
    await (await SqliteDatabase(fresh).connect()).close()
    assert schema(path) == schema(fresh)


async def test_opening_a_migrated_file_again_applies_nothing_and_keeps_the_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "twice.sqlite3"
    db = await SqliteDatabase(path).connect()
    await db.execute(RING, ("a", "REKO A"))
    await db.close()
    first = schema(path)

    db = await SqliteDatabase(path).connect()
    try:
        again = await apply_migrations(db.conn)
        rings = await db.fetchall("SELECT slug FROM rings")
    finally:
        await db.close()
    assert again == []
    assert [row[0] for row in rings] == ["a"]
    assert schema(path) == first


async def test_a_database_from_a_newer_rekobot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(DatabaseTooNew, match="newer rekobot") as refused:
        await SqliteDatabase(path).connect()
    assert str(path) in str(refused.value)


async def test_a_failing_statement_rolls_the_whole_transaction_back(tmp_path: Path) -> None:
    db = await SqliteDatabase(tmp_path / "tx.sqlite3").connect()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.execute(RING, ("a", "A"))
                await tx.execute(RING, ("a", "A again"))
        count = await db.fetchone("SELECT COUNT(*) FROM rings")
    finally:
        await db.close()
    assert count is not None and count[0] == 0


# --- reads never wait on the writer --------------------------------------------------------


async def test_a_read_during_a_long_write_sees_one_consistent_snapshot(tmp_path: Path) -> None:
    db = await SqliteDatabase(tmp_path / "snap.sqlite3").connect()
    write_open, first_read, committed = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def long_write() -> None:
        async with db.transaction() as tx:
            await tx.execute(RING, ("a", "REKO A"))
            write_open.set()
            await first_read.wait()  # the reader has read while this write is open
            await tx.execute(RING, ("b", "REKO B"))
        committed.set()

    async def reader() -> tuple[list[str], list[str], list[str]]:
        await write_open.wait()
        async with db.read() as tx:
            during = [row[0] for row in await tx.fetchall("SELECT slug FROM rings")]
            first_read.set()
            await committed.wait()
            same_snapshot = [row[0] for row in await tx.fetchall("SELECT slug FROM rings")]
        after = [row[0] for row in await db.fetchall("SELECT slug FROM rings ORDER BY slug")]
        return during, same_snapshot, after

    try:
        _, (during, same_snapshot, after) = await asyncio.wait_for(
            asyncio.gather(long_write(), reader()), timeout=20
        )
    finally:
        await db.close()
    assert during == []  # nothing uncommitted is seen, and the read did not wait for the write
    assert same_snapshot == []  # a commit in the middle of a read does not show in it
    assert after == ["a", "b"]


async def test_browsing_and_the_cart_never_wait_for_another_connections_write(
    services: Services, world: World
) -> None:
    shopper = 1001
    await services.members.register(user_id=shopper, first_name="Kari", language_code="nb")
    await services.members.join(shopper, "testby")
    await services.carts.add(shopper, world.offer_ids["potatoes"], 2)
    # Another process (a second bot, a backup) holds the write lock for as long as it likes.
    other = sqlite3.connect(services.settings.database, isolation_level=None)  # type: ignore[arg-type]
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE offers SET price = 1 WHERE id = ?", (world.offer_ids["potatoes"],))
    started = time.monotonic()
    try:

        async def browse() -> int:
            await services.carts.expire_closed(shopper)
            _ring, pickups = await services.shop.open_pickups(shopper)
            await services.shop.front(shopper, world.pickup_id)
            await services.shop.offers(shopper, world.pickup_id)
            await services.shop.card(shopper, world.offer_ids["bread"])
            await services.carts.cart_sizes(shopper)
            await services.ordering.orders(shopper)
            cart = await services.carts.view(shopper, world.pickup_id)
            assert len(pickups) == 1
            return cart.total

        total = await asyncio.wait_for(browse(), timeout=3)  # the busy timeout is longer
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert total == 2 * 6000  # the uncommitted price is not seen
    assert time.monotonic() - started < 3


async def test_viewing_a_cart_drops_a_withdrawn_line_for_good_so_checkout_goes_through(
    services: Services, world: World
) -> None:
    shopper = 1001
    await services.members.register(user_id=shopper, first_name="Kari", language_code="nb")
    await services.members.join(shopper, "testby")
    await services.carts.add(shopper, world.offer_ids["potatoes"], 1)
    await services.carts.add(shopper, world.offer_ids["bread"], 1)
    await services.db.execute(
        "UPDATE offers SET withdrawn_at = '2026-11-30T11:00:00+00:00' WHERE id = ?",
        (world.offer_ids["bread"],),
    )

    cart = await services.carts.view(shopper, world.pickup_id)
    kept = await services.db.fetchall(
        "SELECT offer_id FROM cart_items WHERE user_id = ?", (shopper,)
    )
    placed = await services.ordering.checkout(shopper, world.pickup_id, cart.version)

    assert [line.offer.id for line in cart.lines] == [world.offer_ids["potatoes"]]
    assert [row[0] for row in kept] == [world.offer_ids["potatoes"]]
    assert placed.order.total == 6000


async def test_two_hundred_checkouts_on_their_own_connections_sell_exactly_ten_and_none_is_locked(
    services: Services, world: World, clock: MovableClock
) -> None:
    """As 200 processes on one file would: each buyer has its own Services and connections."""
    offer_id = world.offer_ids["potatoes"]  # 10 units
    buyers = list(range(3000, 3200))
    async with services.db.transaction() as tx:  # 200 members with one unit in the cart
        for buyer in buyers:
            await user_store.upsert_user(
                tx,
                user_id=buyer,
                first_name="Kari",
                last_name=None,
                username=None,
                language_code="nb",
                now=clock(),
            )
            await user_store.join_ring(tx, user_id=buyer, ring_id=world.ring_id, now=clock())
            await user_store.set_current_ring(tx, buyer, world.ring_id)
            await cart_store.touch_cart(tx, buyer, world.pickup_id, clock())
            await cart_store.set_item(tx, buyer, world.pickup_id, offer_id, 1, clock())
    apart = [Services.create(services.settings, clock=clock) for _ in buyers]
    await asyncio.gather(*(svc.open() for svc in apart))
    started = time.monotonic()
    locked: list[str] = []

    async def attempt(svc: Services, buyer: int) -> bool:
        try:
            cart = await svc.carts.view(buyer, world.pickup_id)
            await svc.ordering.checkout(buyer, world.pickup_id, cart.version)
        except OutOfStock:
            return False
        except sqlite3.OperationalError as exc:
            locked.append(str(exc))
            return False
        return True

    try:
        sold = await asyncio.gather(
            *(attempt(svc, buyer) for svc, buyer in zip(apart, buyers, strict=True))
        )
        took = time.monotonic() - started
    finally:
        await asyncio.gather(*(svc.close() for svc in apart))

    print(f"200 checkouts on 200 connections: {took:.2f}s, {len(locked)} locked")
    assert locked == []
    assert sum(sold) == 10
    row = await services.db.fetchone(
        "SELECT quantity_reserved, (SELECT SUM(quantity) FROM order_lines WHERE offer_id = ?) "
        "FROM offers WHERE id = ?",
        (offer_id, offer_id),
    )
    assert row is not None and tuple(row) == (10, 10)


async def test_a_full_disk_is_reported_as_itself_not_as_a_failed_rollback(tmp_path: Path) -> None:
    db = await SqliteDatabase(tmp_path / "full.sqlite3").connect()
    try:
        await db.execute("CREATE TABLE junk (data BLOB)")
        row = await db.fetchone("PRAGMA page_count")
        assert row is not None
        await db.conn.execute(f"PRAGMA max_page_count = {row[0] + 2}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            async with db.transaction() as tx:
                for _ in range(50):
                    await tx.execute("INSERT INTO junk VALUES (zeroblob(100000))")
        assert not db.conn.in_transaction
        async with db.transaction() as tx:  # the writer is usable again
            await tx.execute("DELETE FROM junk")
    finally:
        await db.close()



def test_a_column_value_becomes_its_enum_member_and_an_unknown_one_is_refused() -> None:
    assert enum_member(PriceBasis, "kg") is PriceBasis.KG
    assert enum_member(OrderStatus, "placed") is OrderStatus.PLACED
    with pytest.raises(ValueError):
        enum_member(OrderStatus, "lost")  # a damaged row is an error, never a default
