"""A customer-facing bot under test: the real Application over a world, faked only at HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rekobot.app import build_application
from rekobot.settings import Settings
from tests.conftest import MovableClock
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory

KARI = TgUser(1001, "Kari", "Nordmann", "kari", language_code="nb")
EMMA = TgUser(1002, "Emma", None, "emma", language_code="en")


@asynccontextmanager
async def running_bot(
    settings: Settings, clock: MovableClock, request: RecordingRequest | None = None
) -> AsyncIterator[BotDriver]:
    """Start the bot on the settings' database and drive it; shut it down afterwards."""
    request = request or RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    factory = UpdateFactory(request, clock=clock)
    async with BotDriver(application, request, factory) as driver:
        yield driver


def last(bot: BotDriver, user: TgUser) -> str:
    """The last text the bot showed this user."""
    return plain(bot.last_text(user))


def texts(bot: BotDriver, user: TgUser) -> list[str]:
    """Every text the bot showed this user."""
    return [plain(text) for text in bot.texts(user)]


#: The button labels a story presses, in the customer's language.
LABELS = {
    "nb": {
        "add": "Legg til",
        "cart": "Handlekurv",
        "checkout": "Til kassen",
        "confirm": "Ja, send bestillingen",
    },
    "en": {
        "add": "Add",
        "cart": "Cart",
        "checkout": "Check out",
        "confirm": "Yes, place the order",
    },
}


def labels(bot: BotDriver, user: TgUser) -> list[str]:
    """The labels of the latest keyboard in the user's chat, row by row."""
    return [plain(label) for row in bot.buttons(user) for label, _ in row]


async def buy_potatoes(bot: BotDriver, user: TgUser) -> None:
    """Join REKO Testby, find Poteter at Berg Gård and put two in the cart."""
    words = LABELS[user.language_code or "nb"]
    await bot.send(user, "/start testby")
    await bot.send(user, "/shop")
    await bot.press(user, "Berg Gård")
    await bot.press(user, "Poteter")
    await bot.press(user, words["add"])
    await bot.press(user, words["add"])


async def check_out(bot: BotDriver, user: TgUser, *, from_cart: bool = True) -> None:
    """Open the cart (unless already there), check out and confirm."""
    words = LABELS[user.language_code or "nb"]
    if from_cart:
        await bot.press(user, words["cart"])
    await bot.press(user, words["checkout"])
    await bot.press(user, words["confirm"])
