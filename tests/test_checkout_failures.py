"""Telegram fails a call of checkout, change or cancel: the order stands once, the customer is told.

Every call the customer's press makes (the edit that becomes the confirmation, the map pin, the
calendar file, the answer to the button) and the producer's note are failed in turn, with each
answer Telegram can give: 400, 403, 429, 502, a timeout before the call reached Telegram, and one
after it did. Then the outbox runs, as the running bot would, and the test looks at what the
chat holds: one confirmation, no "try again", and one order in the database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from handlers.customer import notices
from rekobot.app import RekoApplication, build_application
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import FARMER_ID, MovableClock, World
from tests.customer_bot import KARI, buy_potatoes
from tests.fakes.calls import JSON, plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import UpdateFactory
from tests.test_outbox import drain_all, sender_for

PLACED = "Bestilling #1 er mottatt"
UPDATED = "Bestilling #1 er oppdatert"
CANCELLED = "Bestilling #1 er avbestilt"
#: Words of every apology that asks to try again, in Norwegian (Kari's language).
TRY_AGAIN = ("prøv igjen", "Prøv igjen")


@dataclass(frozen=True)
class Failure:
    """One way Telegram can fail a call."""

    name: str
    script: Callable[[RecordingRequest, str], None]


def _status(status: int, description: str) -> Callable[[RecordingRequest, str], None]:
    def script(api: RecordingRequest, method: str) -> None:
        api.fail(status, description, method=method, times=1)

    return script


def _flood(api: RecordingRequest, method: str) -> None:
    api.rate_limit(method=method, retry_after=3, times=1)


def _blocked(api: RecordingRequest, method: str) -> None:
    api.block(method=method, times=None)


def _timeout(delivered: bool) -> Callable[[RecordingRequest, str], None]:
    def script(api: RecordingRequest, method: str) -> None:
        api.time_out(method=method, times=1, delivered=delivered)

    return script


FAILURES = [
    Failure("400", _status(400, "Bad Request: wrong parameter")),
    Failure("403", _blocked),
    Failure("429", _flood),
    Failure("502", _status(502, "Bad Gateway")),
    Failure("timeout", _timeout(delivered=False)),
    Failure("timeout-after-delivery", _timeout(delivered=True)),
]
CUSTOMER_CALLS = ["editMessageText", "sendVenue", "sendDocument", "answerCallbackQuery"]


@pytest.fixture(autouse=True)
def _quick_edit_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notices, "EDIT_PAUSE", 0.0)


@asynccontextmanager
async def customer_bot(settings: Settings, clock: MovableClock) -> AsyncIterator[BotDriver]:
    """The real bot; errors go to its own error handler, as in production."""
    request = RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    async with BotDriver(
        application, request, UpdateFactory(request, clock=clock), raise_errors=False
    ) as driver:
        yield driver


def app_of(bot: BotDriver) -> RekoApplication:
    """The application behind a driver."""
    assert isinstance(bot.app, RekoApplication)
    return bot.app


def chat(bot: BotDriver) -> list[JSON]:
    """Kari's chat as it finally is: the bot's messages, edits applied."""
    return bot.request.messages(KARI.id)


def with_text(messages: list[JSON], words: str) -> list[str]:
    """The texts of messages that contain ``words``."""
    found = [plain(m.get("text") or m.get("caption") or "") for m in messages]
    return [text for text in found if words in text]


def alerts(bot: BotDriver) -> list[str]:
    """Every text the bot put on a button answer."""
    return [
        str(call.params.get("text") or "")
        for call in bot.request.calls("answerCallbackQuery", ok=True)
    ]


def assert_never_told_to_try_again(bot: BotDriver) -> None:
    """No message and no button answer asks Kari to try again."""
    said = [plain(m.get("text") or "") for m in chat(bot)] + alerts(bot)
    assert not [text for text in said if any(words in text for words in TRY_AGAIN)], said


async def placed_orders(services: Services) -> list[tuple[int, int, str]]:
    """(number, reserved potatoes, status) of every order."""
    rows = await services.db.fetchall(
        "SELECT o.number, f.quantity_reserved, o.status FROM orders o "
        "JOIN order_lines l ON l.order_id = o.id JOIN offers f ON f.id = l.offer_id"
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def unreachable(services: Services) -> bool:
    """Whether Kari is marked as a user the bot cannot reach."""
    row = await services.db.fetchone(
        "SELECT unreachable_at IS NOT NULL FROM users WHERE id = ?", (KARI.id,)
    )
    return bool(row and row[0])


async def to_the_question(bot: BotDriver) -> None:
    """Fill the cart and stop at "Place this order?"."""
    await buy_potatoes(bot, KARI)
    await bot.press(KARI, "Handlekurv")
    await bot.press(KARI, "Til kassen")


def expected_count(method: str, failure: str, target: str) -> int:
    """How many of ``target`` (venue, document) Kari's chat ends with."""
    if failure == "403" and method in ("editMessageText", "sendVenue", "sendDocument"):
        # Blocked: nothing gets through from the failed call on.
        order = ["editMessageText", "sendVenue", "sendDocument"]
        return int(order.index(target) < order.index(method))
    if method != target:
        return 1
    if failure == "400":
        return 0  # our bug, logged at ERROR; the rest of the confirmation still goes
    if failure == "timeout-after-delivery":
        return 2  # it did arrive, and the outbox sends it again: at least once, never lost
    return 1


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
@pytest.mark.parametrize("method", CUSTOMER_CALLS)
async def test_a_failed_call_after_checkout_still_ends_in_one_confirmation(
    settings: Settings, clock: MovableClock, world: World, method: str, failure: Failure
) -> None:
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        failure.script(bot.request, method)
        await bot.press(KARI, "Ja, send bestillingen")
        bot.request.clear_failures()
        await drain_all(app_of(bot), clock)
        services = app_of(bot).services
        orders = await placed_orders(services)
        blocked = await unreachable(services)
        messages = chat(bot)

    assert orders == [(1, 2, "placed")]
    blocked_before_text = failure.name == "403" and method == "editMessageText"
    confirmations = with_text(messages, PLACED)
    assert len(confirmations) == (0 if blocked_before_text else 1), confirmations
    assert all("Betaling: Vipps 123456" in text for text in confirmations)
    venues = [m for m in messages if "venue" in m]
    documents = [m for m in messages if "document" in m]
    assert len(venues) == expected_count(method, failure.name, "sendVenue")
    assert len(documents) == expected_count(method, failure.name, "sendDocument")
    assert blocked == (failure.name == "403")
    assert_never_told_to_try_again(bot)


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
@pytest.mark.parametrize("flow", ["checkout", "cancel"])
async def test_a_failed_producer_note_does_not_touch_the_customer(
    settings: Settings, clock: MovableClock, world: World, flow: str, failure: Failure
) -> None:
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        await bot.press(KARI, "Ja, send bestillingen")
        if flow == "cancel":
            await drain_all(app_of(bot), clock)  # the note of the new order went out
            await bot.send(KARI, "/orders")
            await bot.press(KARI, "#1")
            await bot.press(KARI, "Avbestill")
            await bot.press(KARI, "Ja, avbestill #1")
        customer_calls = len(bot.request.calls(chat_id=KARI.id))
        failure.script(bot.request, "sendMessage")
        await drain_all(app_of(bot), clock)
        bot.request.clear_failures()
        await drain_all(app_of(bot), clock)
        notes = bot.request.messages(FARMER_ID)
        orders = await placed_orders(app_of(bot).services)

    status = "cancelled" if flow == "cancel" else "placed"
    assert orders == [(1, 0 if flow == "cancel" else 2, status)]
    assert len(with_text(chat(bot), CANCELLED if flow == "cancel" else PLACED)) == 1
    assert len(bot.request.calls(chat_id=KARI.id)) == customer_calls  # the outbox left Kari be
    expected = {"400": 0, "403": 0, "timeout-after-delivery": 2}.get(failure.name, 1)
    words = "er kansellert" if flow == "cancel" else "Ny bestilling"
    assert len(with_text(notes, words)) == expected


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
@pytest.mark.parametrize("method", CUSTOMER_CALLS)
async def test_a_failed_call_after_a_change_confirms_the_change_once(
    settings: Settings, clock: MovableClock, world: World, method: str, failure: Failure
) -> None:
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        await bot.press(KARI, "Ja, send bestillingen")
        await bot.send(KARI, "/orders")
        await bot.press(KARI, "#1")
        await bot.press(KARI, "Endre")
        await bot.press(KARI, "➕")
        await bot.press(KARI, "Til kassen")
        failure.script(bot.request, method)
        await bot.press(KARI, "Ja, send bestillingen")
        bot.request.clear_failures()
        await drain_all(app_of(bot), clock)
        orders = await placed_orders(app_of(bot).services)

    assert orders == [(1, 3, "placed")]
    updated = with_text(chat(bot), UPDATED)
    blocked_before_text = failure.name == "403" and method == "editMessageText"
    assert len(updated) == (0 if blocked_before_text else 1), updated
    assert all("3 × Poteter" in text for text in updated)
    assert_never_told_to_try_again(bot)


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
@pytest.mark.parametrize("method", ["editMessageText", "answerCallbackQuery"])
async def test_a_failed_call_after_cancelling_still_says_it_is_cancelled_once(
    settings: Settings, clock: MovableClock, world: World, method: str, failure: Failure
) -> None:
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        await bot.press(KARI, "Ja, send bestillingen")
        await bot.send(KARI, "/orders")
        await bot.press(KARI, "#1")
        await bot.press(KARI, "Avbestill")
        failure.script(bot.request, method)
        await bot.press(KARI, "Ja, avbestill #1")
        bot.request.clear_failures()
        await drain_all(app_of(bot), clock)
        orders = await placed_orders(app_of(bot).services)

    assert orders == [(1, 0, "cancelled")]
    cancelled = with_text(chat(bot), CANCELLED)
    blocked_before_text = failure.name == "403" and method == "editMessageText"
    assert len(cancelled) == (0 if blocked_before_text else 1), cancelled
    assert_never_told_to_try_again(bot)


async def test_tapping_again_after_a_flood_wait_brings_the_confirmation_at_once(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        message, data = bot.request.find_button(KARI.id, "Ja, send bestillingen")
        bot.request.rate_limit(method="editMessageText", retry_after=60, times=1)
        await bot.feed(bot.factory.callback(KARI, data, message=message))
        before = with_text(chat(bot), PLACED)
        await bot.feed(bot.factory.callback(KARI, data, message=message))
        after = with_text(chat(bot), PLACED)
        await drain_all(app_of(bot), clock)
        orders = await placed_orders(app_of(bot).services)

    assert before == [] and len(after) == 1
    assert len(with_text(chat(bot), PLACED)) == 1  # the outbox has nothing left to send
    assert len([m for m in chat(bot) if "document" in m]) == 1
    assert orders == [(1, 2, "placed")]


@pytest.mark.parametrize("tap_again", [False, True], ids=["by the outbox", "by the tap again"])
async def test_a_confirmation_survives_a_crash_right_after_the_order(
    settings: Settings, clock: MovableClock, world: World, tap_again: bool
) -> None:
    """The order commits with its notice claimed for the handler, as the handler's checkout
    does, and the process dies before the handler sent a single message.

    After the restart the outbox sends it, or the confirm tap, which the inbox hands to the
    restarted bot, does: once either way.
    """
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        message, data = bot.request.find_button(KARI.id, "Ja, send bestillingen")
        services = app_of(bot).services
        cart = await services.carts.view(KARI.id, world.pickup_id)
        result = await services.ordering.checkout(
            KARI.id, world.pickup_id, cart.version, handover=True
        )
        assert result.notice is not None
    async with customer_bot(settings, clock) as restarted:
        if tap_again:
            await sender_for(app_of(restarted), clock).start()  # as `rekobot run` starts it
            await restarted.feed(restarted.factory.callback(KARI, data, message=message))
        await drain_all(app_of(restarted), clock)
        messages = restarted.request.messages(KARI.id)
        orders = await placed_orders(app_of(restarted).services)

    assert orders == [(1, 2, "placed")]
    assert len(with_text(messages, PLACED)) == 1
    assert len([m for m in messages if "document" in m]) == 1


async def test_a_bad_request_is_logged_as_our_bug_with_the_method_and_the_update(
    settings: Settings, clock: MovableClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with customer_bot(settings, clock) as bot:
        await to_the_question(bot)
        bot.request.fail(400, "Bad Request: wrong file identifier", method="sendDocument")
        with caplog.at_level(logging.INFO):
            await bot.press(KARI, "Ja, send bestillingen")

    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "sendDocument" in errors[0].getMessage() and "update" in errors[0].getMessage()
