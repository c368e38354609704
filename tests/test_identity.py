"""Every update runs as its own sender, or not at all: a failed registration stops the update.

The stories put a newcomer right after another user (a customer, then an admin) while the
database cannot take the newcomer's registration: once because a second connection holds the
write lock past the busy timeout, once because the file is full. The newcomer must see only a
"try again" and change nothing of the previous sender's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from rekobot.settings import Settings
from storage import sqlite as database
from storage.engines import Address, open_database
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.customer_bot import KARI, buy_potatoes, check_out, running_bot, texts
from tests.engines import sqlite_database, sqlite_file
from tests.fakes.calls import Call
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser

#: Someone the bot has never seen: their first update must register them.
OLA = TgUser(1003, "Ola" + "n" * 61, "Nykommer", "ola_ny", language_code="en")
ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="nb")

TRY_AGAIN = "Sorry, I could not read your details just now. Please try again in a moment."


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on a locked database after 0.2 s instead of 5 s, so the story runs quickly."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)


@contextmanager
def write_lock_held(address: Address) -> Iterator[None]:
    """Hold the write lock from a second connection, as a long job or another process would."""
    other = sqlite3.connect(sqlite_file(address), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


async def fill_the_disk(bot: BotDriver) -> None:
    """Let the file grow no more, and fill the users table's last page to the brim.

    ``max_page_count`` makes SQLite itself refuse the write with "database or disk is full",
    exactly where a full disk would.
    """
    db = sqlite_database(bot.app.bot_data.services.db)
    pages = await db.fetchone("PRAGMA page_count")
    assert pages is not None
    await db.conn.execute(f"PRAGMA max_page_count = {int(pages[0])}")
    filler = 10**9
    with pytest.raises(sqlite3.OperationalError) as refused:
        while True:
            filler += 1
            await db.execute("INSERT INTO users (id, created_at) VALUES (?, '')", (filler,))
    # SQLite rolls back by itself on a full disk, so the ROLLBACK after it may fail in turn.
    assert "full" in f"{refused.value} {refused.value.__context__}"


async def room_on_the_disk(bot: BotDriver) -> None:
    """Let the file grow again."""
    await bot.app.bot_data.services.db.conn.execute("PRAGMA max_page_count = 1073741823")


def alerts(calls: list[Call]) -> list[str]:
    """The texts of the button answers among these calls."""
    return [str(c.params.get("text", "")) for c in calls if c.method == "answerCallbackQuery"]


async def order_state(address: Address) -> dict[str, object]:
    """What the database holds about orders, carts and users, read from outside the bot."""
    queries = {
        "orders": ("SELECT id, user_id, status FROM orders ORDER BY id", ()),
        "lines": (
            "SELECT order_id, offer_id, quantity FROM order_lines ORDER BY order_id, offer_id",
            (),
        ),
        "carts": (
            "SELECT user_id, offer_id, quantity FROM cart_items ORDER BY user_id, offer_id",
            (),
        ),
        "reserved": ("SELECT id, quantity_reserved FROM offers ORDER BY id", ()),
        "newcomer": ("SELECT id FROM users WHERE id = ?", (OLA.id,)),
    }
    async with open_database(address) as db:
        return {
            name: [tuple(row) for row in await db.fetchall(sql, params)]
            for name, (sql, params) in queries.items()
        }


async def newcomer_tries_kari_s_things(bot: BotDriver, world: World) -> list[Call]:
    """Ola's first updates: /orders, Kari's old cancel buttons, adding bread, a typed quantity."""
    order_id = 1
    bot.raise_errors = False  # a failure must show as what Ola sees, and as bot.errors
    calls = await bot.send(OLA, "/orders")
    for data in (f"cos:{order_id}", f"ccany:{order_id}", f"cadd:{world.offer_ids['bread']}:1"):
        calls += await bot.feed(bot.factory.callback(OLA, data))
    calls += await bot.send(OLA, "3")
    return calls


async def kari_has_an_order_and_a_cart(bot: BotDriver) -> None:
    """Kari orders two bags of potatoes, then puts two more in her cart."""
    await buy_potatoes(bot, KARI)
    await check_out(bot, KARI)
    await buy_potatoes(bot, KARI)
    await bot.send(KARI, "/orders")  # Kari is the sender just before the newcomer


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_newcomer_behind_a_locked_database_sees_nothing_of_the_previous_customer(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await kari_has_an_order_and_a_cart(bot)
        before = await order_state(settings.database)
        with write_lock_held(settings.database):
            calls = await newcomer_tries_kari_s_things(bot, world)
        after = await order_state(settings.database)
        seen_while_locked = texts(bot, OLA)
        await bot.send(OLA, "/orders")
        own_orders = texts(bot, OLA)[-1]

    assert seen_while_locked == [TRY_AGAIN, TRY_AGAIN]  # the two messages; buttons get alerts
    assert alerts(calls) == [TRY_AGAIN] * 3
    assert after == before and before["newcomer"] == []
    assert bot.errors == []
    assert own_orders.startswith("You have not joined a REKO ring yet.")  # his own state


async def test_a_newcomer_on_a_full_disk_sees_nothing_of_the_previous_customer(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await kari_has_an_order_and_a_cart(bot)
        before = await order_state(settings.database)
        await fill_the_disk(bot)
        calls = await newcomer_tries_kari_s_things(bot, world)
        await room_on_the_disk(bot)
        after = await order_state(settings.database)
        seen_while_full = texts(bot, OLA)
        await bot.send(OLA, "/orders")
        own_orders = texts(bot, OLA)[-1]

    assert seen_while_full == [TRY_AGAIN, TRY_AGAIN]
    assert alerts(calls) == [TRY_AGAIN] * 3
    assert after == before and before["newcomer"] == []
    assert bot.errors == []
    assert own_orders.startswith("You have not joined a REKO ring yet.")  # his own state


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_newcomer_right_after_an_admin_gets_no_admin_screen_or_rights(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    members, card = f"amemb:{world.ring_id}:0", f"amact:{world.ring_id}:{KARI.id}:show"
    promote = f"amact:{world.ring_id}:{OLA.id}:admin"
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(ANNE, "/admin")
        await bot.feed(bot.factory.callback(ANNE, members))
        await bot.feed(bot.factory.callback(ANNE, card))
        admin_saw = texts(bot, ANNE)[-1]
        bot.raise_errors = False
        with write_lock_held(settings.database):
            calls = await bot.send(OLA, "/admin")
            for data in (members, card, promote):
                calls += await bot.feed(bot.factory.callback(OLA, data))
        admins = await order_state(settings.database)

    assert f"Telegram-id: {KARI.id}" in admin_saw  # the buttons do open Kari's card for Anne
    shown = texts(bot, OLA)
    assert shown == [TRY_AGAIN]
    assert alerts(calls) == [TRY_AGAIN] * 3
    assert not any("Kari" in text or str(KARI.id) in text for text in shown + alerts(calls))
    assert admins["newcomer"] == [] and bot.errors == []


async def test_an_update_without_a_sender_runs_no_handler(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/orders")
        update = bot.factory.message(KARI, "/orders")
        del update["message"]["from"]  # e.g. a message sent on behalf of a chat
        calls = await bot.feed(update)

    assert [c for c in calls if c.method == "sendMessage"] == []
