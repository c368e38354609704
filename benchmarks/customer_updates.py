"""How long one customer update takes through the whole bot, against a bare PTB echo bot.

Each simulated customer browses (/shop, pickup, by producer, producer, product), adds to the
cart, opens it and checks out, on a real SQLite file with the demo ring, through the real
Application; only Telegram's HTTP edge is the recording fake. The same fake serves a bare PTB
echo handler in the same run, so the ratio says what rekobot's own work costs.

    .venv/bin/python benchmarks/customer_updates.py [--customers 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from rekobot.app import build_application
from rekobot.demo import seed
from rekobot.settings import Settings
from storage.database import Database
from tests.telegram_fake import BotDriver, RecordingRequest, TgUser, UpdateFactory

TOKEN = "123456789:AAHbenchBENCHbenchBENCHbenchBENCH12"


def summary(name: str, samples: list[float]) -> tuple[float, float]:
    """Print and return the median and p99 of samples in milliseconds."""
    ordered = sorted(samples)
    median = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name:<12} n={len(ordered):>5}  median {median:7.2f} ms  p99 {p99:7.2f} ms")
    return median, p99


async def timed(driver: BotDriver, update: dict[str, Any], into: list[float]) -> None:
    """Process one update and record how long it took."""
    start = time.perf_counter()
    await driver.feed(update)
    into.append(time.perf_counter() - start)


async def press(driver: BotDriver, user: TgUser, label: str, into: list[float]) -> None:
    """Press a button by its label and time it."""
    message, data = driver.request.find_button(user.id, label)
    await timed(driver, driver.factory.callback(user, data, message=message), into)


async def rekobot_run(folder: Path, customers: int) -> dict[str, list[float]]:
    """Drive `customers` shoppers through the real bot; return timings by kind of update."""
    settings = Settings(_env_file=None, token=TOKEN, database=folder / "bench.sqlite3")
    db = await Database(settings.database).connect()
    await seed(db)
    await db.close()
    request = RecordingRequest()
    application = build_application(settings, request=request, rate_limit=False)
    timings: dict[str, list[float]] = {"browse": [], "add": [], "checkout": []}
    async with BotDriver(application, request, UpdateFactory(request)) as driver:
        for n in range(customers):
            user = TgUser(10_000 + n, f"Kunde {n}", language_code="nb")
            await driver.send(user, "/start nittedal")
            await timed(driver, driver.factory.message(user, "/shop"), timings["browse"])
            message, data = request.find_button(user.id, lambda label: " · " in label)
            await timed(
                driver, driver.factory.callback(user, data, message=message), timings["browse"]
            )
            await press(driver, user, "Etter produsent", timings["browse"])
            await press(driver, user, "Nordli Birøkt (3)", timings["browse"])
            await press(driver, user, "Bringebærsyltetøy", timings["browse"])
            await press(driver, user, "Legg til", timings["add"])
            await press(driver, user, "Handlekurv (1)", timings["checkout"])
            await press(driver, user, "Til kassen", timings["checkout"])
            await press(driver, user, "Ja, send bestillingen", timings["checkout"])
    return timings


async def echo_run(messages: int) -> list[float]:
    """Time a bare PTB application that echoes text, through the same fake."""
    request = RecordingRequest()
    application = (
        ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    samples: list[float] = []
    async with BotDriver(application, request, UpdateFactory(request)) as driver:
        for n in range(messages):
            user = TgUser(20_000 + n % 50, "Echo", language_code="nb")
            await timed(driver, driver.factory.message(user, f"hei {n}"), samples)
    return samples


async def main() -> None:
    """Run both bots and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        timings = await rekobot_run(Path(folder), args.customers)
    echo = await echo_run(sum(len(v) for v in timings.values()))
    print(f"rekobot: {args.customers} customers, each browsing, adding and checking out")
    everything = [t for samples in timings.values() for t in samples]
    for name, samples in timings.items():
        summary(name, samples)
    median, p99 = summary("all rekobot", everything)
    echo_median, echo_p99 = summary("PTB echo", echo)
    print(f"ratio rekobot/echo: median {median / echo_median:.1f}x, p99 {p99 / echo_p99:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
