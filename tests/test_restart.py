"""A restart loses nothing: a new Application on the same file continues a cart and a question."""

from __future__ import annotations

from rekobot.app import build_application
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI, last, running_bot
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import UpdateFactory


async def test_a_new_application_continues_the_cart_and_the_half_finished_question(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    request = RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    before = BotDriver(application, request, UpdateFactory(request, clock=clock))
    await application.initialize()
    await before.send(KARI, "/start testby")
    await before.send(KARI, "/shop")
    await before.press(KARI, "Solbakken Bakeri")
    await before.press(KARI, "Surdeigsbrød")
    await before.press(KARI, "Legg til")
    await before.press(KARI, "Skriv inn antall")
    asked = last(before, KARI)
    # The first process dies here: no shutdown, so PTB never gets to flush anything.
    await application.bot_data.services.db.close()

    async with running_bot(settings, clock) as after:  # a new process: nothing in memory
        await after.send(KARI, "3")
        card = last(after, KARI)
        await after.send(KARI, "/cart")
        cart = last(after, KARI)

    assert "Hvor mange Surdeigsbrød" in asked
    assert "I handlekurven: 3" in card
    assert "• 3 × Surdeigsbrød (1 stk) — 267,00 kr" in cart
