"""The error handler: each kind of failure is logged for what it is, and the user gets an answer.

The bot runs for real over the fake Bot API; the failures are Telegram's answers to the bot's
reply, scripted per method.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from rekobot.app import RekoApplication, build_application
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import UpdateFactory
from tests.test_outbox import drain_all

SORRY = "Beklager, noe gikk galt hos oss."
UNREACHABLE_TELEGRAM = "Vi fikk ikke kontakt med Telegram akkurat nå."
SLOW_DOWN = "Telegram ber oss roe ned litt."


@asynccontextmanager
async def joined_bot(settings: Settings, clock: MovableClock) -> AsyncIterator[BotDriver]:
    """The real bot, with Kari a member of REKO Testby; errors go to the bot's error handler."""
    request = RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    async with BotDriver(
        application, request, UpdateFactory(request, clock=clock), raise_errors=False
    ) as driver:
        await driver.send(KARI, "/start testby")
        yield driver


def app_of(bot: BotDriver) -> RekoApplication:
    """The application behind a driver."""
    assert isinstance(bot.app, RekoApplication)
    return bot.app


def kari_texts(bot: BotDriver) -> list[str]:
    """What Kari's chat shows now."""
    return [plain(m.get("text") or "") for m in bot.request.messages(KARI.id)]


async def test_a_bad_request_is_our_bug_logged_with_the_method_and_the_update(
    settings: Settings, clock: MovableClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with joined_bot(settings, clock) as bot:
        bot.request.fail(400, "Bad Request: can't parse entities", method="sendMessage")
        update = bot.factory.message(KARI, "/shop")
        with caplog.at_level(logging.INFO):
            await bot.feed(update)

    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.name == "handlers.errors"
    assert "sendMessage" in error.getMessage()
    assert f"update {update['update_id']}" in error.getMessage()
    assert "can't parse entities" in error.getMessage().lower() and error.exc_info is not None
    assert kari_texts(bot)[-1].startswith(SORRY)


async def test_a_network_error_is_a_warning_and_the_user_is_told(
    settings: Settings, clock: MovableClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with joined_bot(settings, clock) as bot:
        bot.request.fail(502, "Bad Gateway", method="sendMessage")
        with caplog.at_level(logging.INFO):
            await bot.send(KARI, "/shop")

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warning = next(r for r in caplog.records if r.levelno == logging.WARNING)
    assert "sendMessage" in warning.getMessage() and "Bad Gateway" in warning.getMessage()
    assert kari_texts(bot)[-1].startswith(UNREACHABLE_TELEGRAM)


async def test_when_even_the_apology_times_out_the_outbox_brings_it(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with joined_bot(settings, clock) as bot:
        bot.request.time_out(method="sendMessage", times=2)  # the reply, then the apology
        await bot.send(KARI, "/shop")
        right_after = kari_texts(bot)
        await drain_all(app_of(bot), clock)
        finally_ = kari_texts(bot)

    assert not any(UNREACHABLE_TELEGRAM in text for text in right_after)
    assert [text for text in finally_ if UNREACHABLE_TELEGRAM in text] != []
    assert len(finally_) == len(right_after) + 1


async def test_flood_control_sends_the_apology_when_telegram_allows(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with joined_bot(settings, clock) as bot:
        bot.request.rate_limit(method="sendMessage", retry_after=30)
        await bot.send(KARI, "/shop")
        right_after = len(bot.request.calls("sendMessage", chat_id=KARI.id))
        row = await app_of(bot).services.db.fetchone(
            "SELECT not_before, created_at FROM deliveries WHERE dedupe_key LIKE 'apology:%'"
        )
        await drain_all(app_of(bot), clock)

    assert right_after == 2  # the reply that hit the limit; no second try into the limit
    assert row is not None and row[0] > row[1]  # it waits for the flood to pass
    assert kari_texts(bot)[-1].startswith(SLOW_DOWN)


async def test_a_user_who_blocked_the_bot_is_unreachable_and_the_outbox_skips_them(
    settings: Settings, clock: MovableClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with joined_bot(settings, clock) as bot:
        services = app_of(bot).services
        bot.request.block(KARI.id)
        with caplog.at_level(logging.INFO):
            refused = await bot.send(KARI, "/shop")
        calls_after_block = len(bot.request.calls(chat_id=KARI.id))
        row = await services.db.fetchone(
            "SELECT unreachable_at IS NOT NULL FROM users WHERE id = ?", (KARI.id,)
        )
        async with services.db.transaction() as tx:
            await enqueue(
                tx,
                chat_id=KARI.id,
                kind="notice",
                messages=[OutMessage(text="Utleveringen er flyttet.")],
                now=clock(),
            )
        await drain_all(app_of(bot), clock)
        status = await services.db.fetchone("SELECT status FROM deliveries WHERE kind = 'notice'")

    assert row is not None and row[0] == 1
    assert status is not None and status[0] == "blocked"
    assert len(bot.request.calls(chat_id=KARI.id)) == calls_after_block  # no call wasted
    assert [c.status for c in refused] == [403]  # the reply; no apology into a block
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_refused_token_is_one_error_line_without_traceback_or_apology(
    settings: Settings, clock: MovableClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with joined_bot(settings, clock) as bot:
        bot.request.fail(401, "Unauthorized", times=None)
        with caplog.at_level(logging.INFO):
            calls = await bot.send(KARI, "/shop")
        bot.request.clear_failures()

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "refused the bot token" in errors[0].getMessage()
    assert [c.method for c in calls] == ["sendMessage"]  # the reply; no apology after it


async def test_a_failed_button_screen_is_answered_on_the_button(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with joined_bot(settings, clock) as bot:
        await bot.send(KARI, "/shop")
        bot.request.fail(502, "Bad Gateway", method="editMessageText")
        calls = await bot.press(KARI, "Berg Gård")

    alert = next(c for c in calls if c.method == "answerCallbackQuery")
    assert alert.params["text"].startswith(UNREACHABLE_TELEGRAM)
    assert alert.params["show_alert"] is True


async def test_a_saved_cart_step_whose_screen_failed_is_not_to_be_repeated(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with joined_bot(settings, clock) as bot:
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")
        await bot.press(KARI, "Poteter")
        await bot.press(KARI, "Legg til")
        await bot.press(KARI, "Handlekurv")
        bot.request.time_out(method="editMessageText", times=1)
        calls = await bot.press(KARI, "➕")
        cart = await app_of(bot).services.carts.view(KARI.id, world.pickup_id)

    alert = next(c for c in calls if c.method == "answerCallbackQuery")
    assert plain(alert.params["text"]).startswith("Handlekurven er lagret")
    assert "/cart" in alert.params["text"] and "Prøv igjen" not in alert.params["text"]
    assert [line.quantity for line in cart.lines] == [2]  # one step, saved once
