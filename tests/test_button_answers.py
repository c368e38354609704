"""A button press is answered once: a handler's own toast is not followed by a second answer.

Telegram refuses a second answer to the same press, so answering again only costs a round
trip on every add and every cart step (see ``handlers.replies.answer``).
"""

from __future__ import annotations

from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI, running_bot
from tests.fakes.calls import Call


def answers(calls: list[Call]) -> list[str | None]:
    """The texts of the answerCallbackQuery calls among ``calls``, in order."""
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def test_adding_from_the_card_and_stepping_in_the_cart_answer_once(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")
        await bot.press(KARI, "Poteter")
        on_card = await bot.press(KARI, "Legg til")
        await bot.press(KARI, "Handlekurv")
        in_cart = await bot.press(KARI, "➕")
        opened = await bot.press(KARI, "Til kassen")

    assert answers(on_card) == ["🛒 1 × Poteter, ikke bestilt ennå"]
    assert answers(in_cart) == ["🛒 2 × Poteter, ikke bestilt ennå"]
    assert answers(opened) == [None]  # a screen without a toast still stops the spinner
