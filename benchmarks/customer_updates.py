"""How long one customer update takes through the whole bot, against a bare PTB echo bot.

Each simulated customer browses (/shop, pickup, by producer, producer, product), adds to the
cart, opens it, goes to the checkout and confirms the order (timed as a kind of its own), on a
real SQLite file with the demo ring, through the real Application; only Telegram's HTTP edge
is the recording fake. A bare PTB echo handler on its own fake runs in the same process and is
timed right after each rekobot update, so both see the same machine load, garbage and history
growth, and the ratio says what rekobot's own work costs.

A third bare application replays, for each rekobot update, the Bot API calls rekobot made for
it (same methods, same texts and keyboards, through a fake of its own): what any bot that
answers that update the same way cannot avoid. rekobot minus that floor is its own code.

    .venv/bin/python benchmarks/customer_updates.py [--customers 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InputFile, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from rekobot.app import build_application
from rekobot.demo import seed
from rekobot.settings import Settings
from storage.engines import open_database, parse_address
from tests.fakes.calls import ButtonQuery, Call
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory

TOKEN = "123456789:AAHbenchBENCHbenchBENCHbenchBENCH12"


def summary(name: str, samples: list[float]) -> tuple[float, float]:
    """Print and return the median and p99 of samples in milliseconds."""
    ordered = sorted(samples)
    median = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name:<12} n={len(ordered):>5}  median {median:7.2f} ms  p99 {p99:7.2f} ms")
    return median, p99


def echo_application() -> tuple[Application[Any, Any, Any, Any, Any, Any], RecordingRequest]:
    """A bare PTB application that echoes text, on its own recording fake."""
    request = RecordingRequest()
    application = (
        ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application, request


class Replay:
    """A bare PTB application that makes the Bot API calls it is given for the next update."""

    def __init__(self) -> None:
        self.request = RecordingRequest(strict=False)  # it has not seen rekobot's messages
        self.application = (
            ApplicationBuilder()
            .token(TOKEN)
            .request(self.request)
            .get_updates_request(self.request)
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._replay))
        self.script: list[Call] = []

    async def _replay(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for call in self.script:
            params: dict[str, Any] = dict(call.params)
            for name, upload in call.files.items():
                params[name] = InputFile(bytes(upload), filename=upload.filename)
            # Lower case: the Bot API does not mind, and PTB does not warn (handlers/sending.py).
            await context.bot.do_api_request(call.method.lower(), api_kwargs=params)


class Interleaved:
    """Times each rekobot update, then one echo update, so both run under the same conditions.

    With a ``replay``, the same update is also timed through a bare handler making rekobot's
    Bot API calls for it (the floor).
    """

    def __init__(
        self, rekobot: BotDriver, echo: BotDriver, replay: tuple[Replay, BotDriver] | None = None
    ) -> None:
        self.rekobot = rekobot
        self.echo = echo
        self.replay = replay
        kinds = ("browse", "add", "checkout", "confirm")
        self.timings: dict[str, list[float]] = {kind: [] for kind in kinds}
        self.floors: dict[str, list[float]] = {kind: [] for kind in kinds}
        self.echo_samples: list[float] = []

    @property
    def floor_samples(self) -> list[float]:
        """The floor's samples of every kind of update."""
        return [t for samples in self.floors.values() for t in samples]

    async def feed(self, kind: str, update: dict[str, Any]) -> None:
        """Process one rekobot update and one echo update, timing each."""
        start = time.perf_counter()
        calls = await self.rekobot.feed(update)
        self.timings[kind].append(time.perf_counter() - start)
        if self.replay is not None:
            replay, driver = self.replay
            replay.script = calls
            start = time.perf_counter()
            await driver.feed(update)
            self.floors[kind].append(time.perf_counter() - start)
        n = len(self.echo_samples)
        user = TgUser(20_000 + n % 50, "Echo", language_code="nb")
        message = self.echo.factory.message(user, f"hei {n}")
        start = time.perf_counter()
        await self.echo.feed(message)
        self.echo_samples.append(time.perf_counter() - start)

    async def press(self, kind: str, user: TgUser, label: ButtonQuery) -> None:
        """Press a button by its label (or a predicate on it), timed."""
        message, data = self.rekobot.request.find_button(user.id, label)
        await self.feed(kind, self.rekobot.factory.callback(user, data, message=message))


async def shop(bench: Interleaved, user: TgUser) -> None:
    """One customer's way from /start to a placed order."""
    await bench.rekobot.send(user, "/start nittedal")
    await bench.feed("browse", bench.rekobot.factory.message(user, "/shop"))
    await bench.press("browse", user, lambda label: " · " in label)
    await bench.press("browse", user, "Nordli Birøkt (3)")
    await bench.press("browse", user, lambda label: label.startswith("Bringebærsyltet"))
    await bench.press("add", user, "Legg til")
    await bench.press("checkout", user, "Handlekurv (1)")
    await bench.press("checkout", user, "Til kassen")
    await bench.press("confirm", user, "Ja, send bestillingen")


async def run(folder: Path, customers: int, database: str = "") -> Interleaved:
    """Drive `customers` shoppers through the real bot, interleaved with the echo bot.

    ``database`` is an empty PostgreSQL database's URL, or empty for a SQLite file in ``folder``.
    """
    address = parse_address(database) if database else folder / "bench.sqlite3"
    settings = Settings(_env_file=None, token=TOKEN, database=address)
    db = await open_database(settings.database).connect()
    await seed(db)
    await db.close()
    request = RecordingRequest()
    application = build_application(settings, request=request, rate_limit=False)
    echo_app, echo_request = echo_application()
    async with AsyncExitStack() as stack:
        rekobot = await stack.enter_async_context(
            BotDriver(application, request, UpdateFactory(request))
        )
        echo = await stack.enter_async_context(
            BotDriver(echo_app, echo_request, UpdateFactory(echo_request))
        )
        replay = Replay()
        replayed = await stack.enter_async_context(
            BotDriver(replay.application, replay.request, UpdateFactory(replay.request))
        )
        bench = Interleaved(rekobot, echo, (replay, replayed))
        for n in range(customers):
            await shop(bench, TgUser(10_000 + n, f"Kunde {n}", language_code="nb"))
    return bench


async def main() -> None:
    """Run both bots and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument(
        "--database", default="", help="an empty PostgreSQL database's URL (default: SQLite)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench = await run(Path(folder), args.customers, args.database)
    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"rekobot on {engine}: {args.customers} customers, each browsing, adding, checking out")
    print("PTB echo: one update timed right after each rekobot update, in the same process")
    everything = [t for samples in bench.timings.values() for t in samples]
    for name, samples in bench.timings.items():
        summary(name, samples)
    # The confirmation tap is the heaviest (the order written, four Bot API calls), one update
    # in eight: the mix's p99 is about its 92nd percentile. Its own floor shows how much of it
    # any bot answering the same way would pay.
    summary("  its floor", bench.floors["confirm"])
    median, p99 = summary("all rekobot", everything)
    floor_median, floor_p99 = summary("same calls", bench.floor_samples)
    echo_median, echo_p99 = summary("PTB echo", bench.echo_samples)
    print(f"ratio rekobot/echo: median {median / echo_median:.1f}x, p99 {p99 / echo_p99:.1f}x")
    print(
        f"floor (same calls)/echo: median {floor_median / echo_median:.1f}x, "
        f"p99 {floor_p99 / echo_p99:.1f}x; rekobot's own code: median "
        f"{(median - floor_median) / echo_median:.1f}x echo ({median - floor_median:.2f} ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())
