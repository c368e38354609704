"""What the speed-ups of issue 11 must not change: snapshots, and costs that ignore history.

Statements now run on the event loop's thread (``storage/sqlite.py``): a reader must still
see one committed snapshot while the writer is half-way through a transaction, and a
snapshot must hold across a commit. /orders loads a customer's orders in a fixed number of
statements, counted here through ``Database.trace``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from rekobot.clock import to_db
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage.sqlite import SqliteDatabase
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI, buy_potatoes, check_out, last, running_bot
from tests.fakes.calls import buttons

READ_TWO_TABLES = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM rings)"


async def test_a_read_during_a_long_write_sees_the_last_commit_only(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "snapshot.sqlite3") as db:
        seen: list[tuple[int, int]] = []

        async def browse() -> None:
            async with db.read() as tx:
                first = await tx.fetchone("SELECT COUNT(*) FROM users")
                await asyncio.sleep(0)  # the writer goes on meanwhile
                second = await tx.fetchone("SELECT COUNT(*) FROM rings")
            assert first is not None and second is not None
            seen.append((first[0], second[0]))

        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (id, first_name, created_at) VALUES (1, 'A', '2026-01-01')"
            )
            await browse()  # half-way: the user is written, the ring not yet
            await tx.execute(
                "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
                "VALUES ('a', 'A', 'Europe/Oslo', 'nb', 'NOK', '2026-01-01')"
            )
            await browse()
        await browse()
        assert seen == [(0, 0), (0, 0), (1, 1)]


async def test_a_snapshot_holds_across_another_coroutines_commit(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "snapshot.sqlite3") as db:
        wrote = asyncio.Event()

        async def write() -> None:
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO users (id, first_name, created_at) VALUES (1, 'A', '2026-01-01')"
                )
            wrote.set()

        async with db.read() as tx:
            before = await tx.scalar("SELECT COUNT(*) FROM users")
            writer = asyncio.create_task(write())
            await wrote.wait()  # committed while the snapshot is open
            during = await tx.scalar("SELECT COUNT(*) FROM users")
        await writer
        after = await db.fetchone("SELECT COUNT(*) FROM users")
        assert (before, during, after[0] if after else None) == (0, 0, 1)


async def past_orders(services: Services, world: World, clock: MovableClock, weeks: int) -> None:
    """Give Kari an order of potatoes and carrots at each of ``weeks`` past weekly pickups."""
    now = clock()
    stamp = to_db(now)
    async with services.db.transaction() as tx:
        for week in range(1, weeks + 1):
            starts = now - timedelta(weeks=week)
            pickup = await tx.insert(
                "INSERT INTO pickups (ring_id, location_id, starts_at, ends_at, deadline, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    world.ring_id,
                    world.location_id,
                    to_db(starts),
                    to_db(starts + timedelta(hours=1)),
                    to_db(starts - timedelta(hours=36)),
                    stamp,
                ),
            )
            order = await tx.insert(
                "INSERT INTO orders (pickup_id, user_id, number, created_at, updated_at) "
                "VALUES (?, ?, 1, ?, ?)",
                (pickup, KARI.id, stamp, stamp),
            )
            for product in ("potatoes", "carrots"):
                offer = await tx.insert(
                    "INSERT INTO offers (pickup_id, product_id, price, created_at) "
                    "VALUES (?, ?, 4000, ?)",
                    (pickup, world.product_ids[product], stamp),
                )
                await tx.execute(
                    "INSERT INTO order_lines (order_id, offer_id, quantity, unit_price) "
                    "VALUES (?, ?, 2, 4000)",
                    (order, offer),
                )


async def test_orders_costs_the_same_statements_however_long_the_history(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)
        statements: list[str] = []
        db = bot.app.bot_data.services.db
        counts = []
        for weeks in (0, 3, 30):  # 0, 3 and then 33 past orders
            await past_orders(services, world, clock, weeks)
            statements.clear()
            await db.trace(statements.append)
            await bot.send(KARI, "/orders")
            await db.trace(None)
            counts.append(len(statements))
            listed = bot.request.last_keyboard_message(KARI.id)
            assert listed is not None
            assert len(buttons(listed)) == 1 + min(10, weeks if weeks < 30 else 33)
        assert len(set(counts)) == 1, f"statements for 0, 3 and 33 past orders: {counts}"
        assert "Tidligere bestillinger" in last(bot, KARI)


async def test_a_confirmation_commits_twice_and_records_every_message_it_sent(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        await bot.press(KARI, "Til kassen")
        db = bot.app.bot_data.services.db
        statements: list[str] = []
        await db.trace(statements.append)
        calls = await bot.press(KARI, "Ja, send bestillingen")
        await db.trace(None)
        notice = await db.fetchone(
            "SELECT status, sent_parts, sent_at IS NOT NULL, attempts FROM deliveries "
            "WHERE chat_id = ? AND kind = 'order_confirmation'",
            (KARI.id,),
        )

    # The order with its notice, queued already claimed for the handler, then the three
    # messages Telegram took in one commit. A claim of its own made three; a commit per
    # message made five.
    assert [s for s in statements if s.strip().upper() == "COMMIT"] == ["COMMIT"] * 2
    assert not any("SET status = 'sending'" in s for s in statements)
    # The order is loaded with the pickup the checkout checked, not a second read of it.
    assert sum("FROM pickups p JOIN" in s for s in statements) == 1
    assert notice is not None and tuple(notice) == ("sent", 3, 1, 0)
    sent = [c.method for c in calls if c.method != "answerCallbackQuery"]
    assert sent == ["editMessageText", "sendVenue", "sendDocument"]


async def test_each_screen_reads_its_pickup_once_and_no_update_reads_kept_values(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    """The shopping screens check the pickup on one snapshot with what they show.

    The pickup screen and the cart read it twice before (a check, then the screen's own
    read), and every update read and wrote the user's PTB user data.
    """
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        db = bot.app.bot_data.services.db
        statements: list[str] = []
        pickup_reads: dict[str, int] = {}
        await db.trace(statements.append)
        for label in ("Handlekurv", "Handle mer", "Berg Gård", "Poteter", "Til kassen"):
            statements.clear()
            if label == "Til kassen":
                await bot.press(KARI, "Handlekurv")
                statements.clear()
            await bot.press(KARI, label)
            pickup_reads[label] = sum("FROM pickups p JOIN" in s for s in statements)
            assert not any("bot_state" in s for s in statements), label
        await db.trace(None)
    assert pickup_reads == dict.fromkeys(pickup_reads, 1)
