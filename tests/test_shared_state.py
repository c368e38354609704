"""Any worker can take a user's next update: nothing a user started lives in one process's memory.

Two Applications on one database stand for two workers (on PostgreSQL they would be two
processes; the state they share is the same rows either way). A flow begun on one is
finished on the other.
"""

from __future__ import annotations

from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI, last, running_bot
from tests.fakes.request import RecordingRequest
from tests.test_privacy import open_delete, stored


async def test_a_deletion_confirmed_on_another_worker_goes_through(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    telegram = RecordingRequest(clock=clock)  # one Telegram, two workers answering it
    async with running_bot(settings, clock, telegram) as first, running_bot(
        settings, clock, telegram
    ) as second:
        await first.send(KARI, "/start testby")
        await open_delete(first, KARI)  # the confirmation code is kept in Kari's user data
        await second.press(KARI, "Ja, slett dataene mine for godt")
        done = last(second, KARI)

    assert done.startswith("✅ Dataene dine er slettet.")
    assert await stored(services, "SELECT COUNT(*) FROM users WHERE id = ?", KARI.id) == 0


async def test_a_question_asked_by_one_worker_is_answered_through_the_other(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    telegram = RecordingRequest(clock=clock)
    async with running_bot(settings, clock, telegram) as first, running_bot(
        settings, clock, telegram
    ) as second:
        await first.send(KARI, "/start testby")
        await first.send(KARI, "/shop")
        for label in ("Berg Gård", "Poteter", "Skriv inn antall"):
            await first.press(KARI, label)
        await second.send(KARI, "3")
        answer = last(second, KARI)
        cart = await services.carts.view(KARI.id, world.pickup_id)

    lines = [(line.offer.product.name, line.quantity) for g in cart.groups for line in g.lines]
    assert "3" in answer
    assert lines == [("Poteter", 3)]
