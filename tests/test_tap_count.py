"""How many taps it takes to order three products from two producers, from the invite link.

The path is the shortest the screens allow: every step a customer must take is counted,
button presses and typed messages alike. Before the screens were shortened it took 17 (two
typed commands and 15 presses: /start, /shop, "by producer", then open, add and back for
every product, back to the producers, the cart, check out, confirm).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import EMMA, KARI, last, running_bot
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser

#: The fewest steps from `/start testby` to a placed order of three products, two producers.
STEPS = 10

WORDS = {
    "nb": {"back": "Tilbake", "cart": "Handlekurv", "checkout": "Til kassen", "placed": "mottatt"},
    "en": {"back": "Back", "cart": "Cart", "checkout": "Check out", "placed": "is placed"},
}


@dataclass
class CountingCustomer:
    """A customer whose every tap and typed message is counted."""

    bot: BotDriver
    user: TgUser
    steps: int = 0

    async def type(self, text: str) -> None:
        """Send a message (a command counts as typing)."""
        self.steps += 1
        await self.bot.send(self.user, text)

    async def tap(self, label: str) -> None:
        """Press a button on the latest keyboard."""
        self.steps += 1
        await self.bot.press(self.user, label)

    async def add(self, product: str) -> None:
        """Press the ➕ beside a product on the shelf."""
        self.steps += 1
        message = self.bot.request.last_keyboard_message(self.user.id)
        assert message is not None
        row = next(row for row in self.bot.buttons(self.user) if row[0][0].startswith(product))
        label, data = row[-1]
        assert label.startswith("➕") and data is not None
        await self.bot.feed(self.bot.factory.callback(self.user, data, message=message))


async def order_three_from_two(customer: CountingCustomer) -> None:
    """Poteter and Egg from Berg Gård, Surdeigsbrød from Solbakken Bakeri, from the link."""
    words = WORDS[customer.user.language_code or "nb"]
    await customer.type("/start testby")
    await customer.tap("Berg Gård")
    await customer.add("Poteter")
    await customer.add("Egg")
    await customer.tap(words["back"])
    await customer.tap("Solbakken Bakeri")
    await customer.add("Surdeigsbrød")
    await customer.tap(words["cart"])
    await customer.tap(words["checkout"])
    await customer.tap("✅")


@pytest.mark.parametrize("user", [KARI, EMMA], ids=["nb", "en"])
async def test_three_products_from_two_producers_take_ten_steps_from_the_invite_link(
    settings: Settings, clock: MovableClock, world: World, services: Services, user: TgUser
) -> None:
    async with running_bot(settings, clock) as bot:
        customer = CountingCustomer(bot, user)
        await order_three_from_two(customer)
        confirmation = [text for text in bot.texts(user) if "#1" in text][-1]

    orders = await services.ordering.orders_by_ring(user.id)
    parts = orders[0].orders[0].parts
    lines = {line.product_name: line.quantity for part in parts for line in part.lines}
    assert lines == {"Poteter": 1, "Egg": 1, "Surdeigsbrød": 1}
    assert WORDS[user.language_code or "nb"]["placed"] in confirmation
    assert customer.steps == STEPS
    assert last(bot, user)  # the chat ends on the confirmation's calendar file
