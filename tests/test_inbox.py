"""The inbox: every update is stored before it is acknowledged, and handled exactly once.

The bot is the real Application on a real SQLite file; only Telegram's HTTP edge is fake.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from handlers.customer.cart import Confirm
from handlers.intake import ALLOWED_UPDATES, Poller, Processor, take_in
from rekobot.app import RekoApplication, build_application
from rekobot.models.messaging import IncomingUpdate
from rekobot.services.inbox import MAX_ATTEMPTS
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import TOKEN, MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, running_bot, texts
from tests.fakes.calls import JSON, plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.server import BotApiServer
from tests.fakes.updates import UpdateFactory

NEVER = asyncio.Event()  # a stop that never comes: finish_pending runs to the end


def app(bot: BotDriver) -> RekoApplication:
    """The bot's RekoApplication."""
    assert isinstance(bot.app, RekoApplication)
    return bot.app


def greetings(request: RecordingRequest, chat_id: int) -> list[str]:
    return [t for t in request.texts(chat_id) if t.startswith("Velkommen til REKO Testby")]


def confirmations(request: RecordingRequest, chat_id: int) -> list[str]:
    """The messages in the chat that show an order confirmation now (sent or edited in)."""
    shown = [plain(m.get("text") or "") for m in request.messages(chat_id)]
    return [text for text in shown if "er mottatt" in text]


async def store_and_die(settings: Settings, clock: MovableClock, updates: Sequence[JSON]) -> None:
    """A bot that stored these updates and was killed before it handled any of them."""
    services = Services.create(settings, clock=clock)
    await services.open()
    await take_in(services.inbox, updates)
    await services.close()


async def test_an_update_delivered_twice_is_handled_once(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        inbox = app(bot).services.inbox
        start = bot.factory.message(KARI, "/start testby")
        first = await take_in(inbox, [start, start])  # twice in one batch
        await Processor(app(bot)).finish_pending(NEVER)
        again = await take_in(inbox, [start])  # and once more after it was handled
        handled_again = await Processor(app(bot)).finish_pending(NEVER)

    assert first == [start["update_id"]]
    assert again == [] and handled_again == 0
    assert len(greetings(bot.request, KARI.id)) == 1


async def test_updates_a_killed_bot_had_stored_are_handled_after_the_restart_in_order(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    request = RecordingRequest(clock=clock)
    factory = UpdateFactory(request, clock=clock)
    updates = [
        factory.message(KARI, "/start testby"),
        factory.message(EMMA, "/start testby"),
        factory.message(KARI, "/shop"),  # only works once /start has joined her to the ring
        factory.message(EMMA, "/shop"),
    ]
    await store_and_die(settings, clock, updates)

    async with running_bot(settings, clock, request) as bot:
        handled = await Processor(app(bot)).finish_pending(NEVER)
        counts = await app(bot).services.inbox.counts()

    assert handled == 4
    assert (counts.pending, counts.done) == (0, 4)
    kari, emma = texts(bot, KARI), texts(bot, EMMA)
    assert kari[0].startswith("Velkommen til REKO Testby!") and "Coop Extra parkering" in kari[1]
    assert emma[0].startswith("Welcome to REKO Testby!") and "Coop Extra parkering" in emma[1]


async def test_each_chat_is_handled_in_update_order_whatever_order_they_were_stored_in(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    request = RecordingRequest(clock=clock)
    factory = UpdateFactory(request, clock=clock)
    kari_start = factory.message(KARI, "/start testby")
    emma_start = factory.message(EMMA, "/start testby")
    kari_shop = factory.message(KARI, "/shop")
    async with running_bot(settings, clock, request) as bot:
        inbox = app(bot).services.inbox
        await take_in(inbox, [kari_shop])  # e.g. two webhook calls that crossed
        await take_in(inbox, [emma_start, kari_start])
        await Processor(app(bot)).finish_pending(NEVER)

    kari = texts(bot, KARI)
    assert len(kari) == 2
    assert kari[0].startswith("Velkommen til REKO Testby!") and "Coop Extra parkering" in kari[1]
    assert texts(bot, EMMA)[0].startswith("Welcome to REKO Testby!")


async def test_a_confirm_tap_handled_again_after_a_kill_gives_one_order_and_one_confirmation(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    request = RecordingRequest(clock=clock)
    async with running_bot(settings, clock, request) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        await bot.press(KARI, "Til kassen")
        message, data = request.find_button(KARI.id, "Ja, send bestillingen")
        tap = bot.factory.callback(KARI, data, message=message)
        services = app(bot).services
        await take_in(services.inbox, [tap])
        # The first run got as far as placing the order; the kill came before it said so.
        claimed = await services.inbox.claim()
        assert claimed is not None and claimed.update_id == tap["update_id"]
        await services.inbox.release(claimed)  # the kill: started, never done
        confirm = Confirm.unpack(data)
        assert confirm is not None
        await services.ordering.checkout(KARI.id, confirm.pickup_id, confirm.version)
        shown_before = confirmations(request, KARI.id)

    async with running_bot(settings, clock, request) as restarted:
        handled = await Processor(app(restarted)).finish_pending(NEVER)
        orders = await app(restarted).services.db.fetchone("SELECT COUNT(*) FROM orders")

    shown = confirmations(request, KARI.id)
    assert shown_before == [] and handled == 1
    assert orders is not None and orders[0] == 1
    assert len(shown) == 1 and shown[0].startswith("✅ Bestilling #1 er mottatt")
    assert "Vipps 123456" in shown[0]


async def test_an_update_that_took_the_bot_down_every_time_is_given_up(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    request = RecordingRequest(clock=clock)
    start = UpdateFactory(request, clock=clock).message(KARI, "/start testby")
    await store_and_die(settings, clock, [start])
    services = Services.create(settings, clock=clock)
    await services.open()
    for _run in range(MAX_ATTEMPTS):  # each run started it and died in it
        claimed = await services.inbox.claim()
        assert claimed is not None and claimed.update_id == start["update_id"]
        await services.inbox.release(claimed)
    await services.close()

    async with running_bot(settings, clock, request) as bot:
        await Processor(app(bot)).finish_pending(NEVER)
        counts = await app(bot).services.inbox.counts()

    assert greetings(request, KARI.id) == []
    assert (counts.pending, counts.done) == (0, 1)


async def test_a_handled_update_id_is_remembered_for_two_days_then_forgotten(
    services: Services, clock: MovableClock
) -> None:
    update = IncomingUpdate(update_id=41, chat_id=KARI.id, payload='{"update_id": 41}')
    inbox = services.inbox
    await inbox.take_in([update])
    await inbox.done(41)
    clock.advance(hours=47)
    kept = await inbox.prune()
    ignored = await inbox.take_in([update])  # Telegram could still send it again
    clock.advance(hours=2)
    pruned = await inbox.prune()
    counts = await inbox.counts()

    assert (kept, ignored) == (0, [])
    assert pruned == 1 and (counts.pending, counts.done) == (0, 0)


async def test_a_handled_update_keeps_no_payload(services: Services) -> None:
    update = IncomingUpdate(update_id=7, chat_id=KARI.id, payload='{"update_id": 7}')
    await services.inbox.take_in([update])
    await services.inbox.done(7)
    row = await services.db.fetchone("SELECT payload, done_at FROM inbox WHERE update_id = 7")

    assert row is not None and row["payload"] is None and row["done_at"] is not None


async def test_the_poller_confirms_a_batch_only_once_it_is_stored(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = services.inbox
    store = inbox.take_in
    refused: list[int] = []

    async def locked_once(updates: Sequence[IncomingUpdate]) -> list[int]:
        if not refused:
            refused.extend(update.update_id for update in updates)
            raise sqlite3.OperationalError("database is locked")
        return await store(updates)

    monkeypatch.setattr(inbox, "take_in", locked_once)
    stopping = asyncio.Event()
    with BotApiServer(lifetime=30) as server:
        async with Bot(TOKEN, base_url=server.url) as bot:
            server.push_message(KARI, "hei")
            server.push_message(EMMA, "hallo")
            poller = asyncio.create_task(Poller(bot, inbox, timeout=1).run(stopping))
            await asyncio.wait_for(inbox.arrived.wait(), timeout=10)
            stopping.set()
            await asyncio.wait_for(poller, timeout=10)
        stored = await inbox.db.fetchall(
            "SELECT update_id, chat_id FROM inbox WHERE done_at IS NULL ORDER BY update_id"
        )

    assert refused == [1, 2]  # the first try failed, and Telegram was not told
    assert [(row[0], row[1]) for row in stored] == [(1, KARI.id), (2, EMMA.id)]


async def test_the_poller_asks_again_after_telegram_fails_and_stops_at_once(
    services: Services,
) -> None:
    inbox = services.inbox
    stopping = asyncio.Event()
    with BotApiServer(lifetime=30) as server:
        server.fail(502, "Bad Gateway", method="getUpdates")
        async with Bot(TOKEN, base_url=server.url) as bot:
            server.push_message(KARI, "hei")
            poller = asyncio.create_task(Poller(bot, inbox, timeout=20).run(stopping))
            await asyncio.wait_for(inbox.arrived.wait(), timeout=10)
            await asyncio.sleep(0.2)  # the poller is now in a long poll that waits 20 s
            stopping.set()
            await asyncio.wait_for(poller, timeout=3)
    stored = await inbox.db.fetchall("SELECT chat_id FROM inbox WHERE done_at IS NULL")

    assert [row[0] for row in stored] == [KARI.id]
    assert server.calls("getUpdates", ok=False)[0].status == 502


def update_types(handler: BaseHandler[Any, Any, Any]) -> Iterator[str]:
    """The update types a handler answers."""
    if isinstance(handler, ConversationHandler):
        for inner in (
            *handler.entry_points,
            *(h for hs in handler.states.values() for h in hs),
            *handler.fallbacks,
        ):
            yield from update_types(inner)
    elif isinstance(handler, CallbackQueryHandler):
        yield "callback_query"
    elif isinstance(handler, CommandHandler | MessageHandler):
        yield "message"
    elif isinstance(handler, ChatMemberHandler):
        chosen = handler.chat_member_types
        yield from {
            ChatMemberHandler.MY_CHAT_MEMBER: ["my_chat_member"],
            ChatMemberHandler.CHAT_MEMBER: ["chat_member"],
            ChatMemberHandler.ANY_CHAT_MEMBER: ["my_chat_member", "chat_member"],
        }[ChatMemberHandler.MY_CHAT_MEMBER if chosen is None else chosen]
    elif not isinstance(handler, TypeHandler):
        raise AssertionError(f"which updates does {handler!r} answer? add it to update_types")


def test_telegram_is_asked_for_every_update_type_a_handler_answers(settings: Settings) -> None:
    application = build_application(settings, request=RecordingRequest(), rate_limit=False)
    answered = {
        kind
        for handlers in application.handlers.values()
        for handler in handlers
        for kind in update_types(handler)
    }

    assert answered <= set(ALLOWED_UPDATES)
    assert {"message", "callback_query"} <= answered
