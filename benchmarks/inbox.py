"""What the inbox adds to each update: storing a batch, and the start and done marks.

Updates are real Update JSON (messages and button presses) stored in a real SQLite file in
getUpdates-sized batches, then started and marked done one by one, as the processor does.
The handlers themselves are not run: the figure is the inbox's own cost per update.

    .venv/bin/python benchmarks/inbox.py [--updates 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.intake import BATCH, take_in
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.fakes.calls import JSON
from tests.fakes.updates import TgUser, UpdateFactory

TOKEN = "123456789:AAHbenchBENCHbenchBENCHbenchBENCH12"


def updates(count: int) -> list[JSON]:
    """Half messages, half button presses, from 200 customers."""
    factory = UpdateFactory()
    made: list[JSON] = []
    for n in range(count):
        user = TgUser(10_000 + n % 200, f"Kunde {n % 200}", language_code="nb")
        if n % 2:
            made.append(factory.callback(user, "cconf:1:3", message_id=n))
        else:
            made.append(factory.message(user, "/shop"))
    return made


async def run(folder: Path, count: int) -> None:
    """Store, start and finish `count` updates; print the figures."""
    settings = Settings(_env_file=None, token=TOKEN, database=folder / "bench.sqlite3")
    services = Services.create(settings)
    await services.open()
    inbox = services.inbox
    raw = updates(count)
    stored: list[float] = []
    for start in range(0, count, BATCH):
        began = time.perf_counter()
        await take_in(inbox, raw[start : start + BATCH])
        stored.append(time.perf_counter() - began)
    marks: list[float] = []
    while True:
        began = time.perf_counter()
        row = await inbox.claim()
        if row is None:
            break
        await inbox.done(row.update_id)
        await inbox.release(row)
        marks.append(time.perf_counter() - began)
    again = time.perf_counter()
    await take_in(inbox, raw[:BATCH])  # a redelivered batch: every id is known
    duplicate = time.perf_counter() - again
    await services.close()
    per_update = statistics.median(stored) / BATCH * 1000
    print(f"inbox: {count} updates in batches of {BATCH}")
    print(
        f"store a batch      median {statistics.median(stored) * 1000:7.2f} ms "
        f"({per_update:.3f} ms per update)"
    )
    print(
        f"start + done marks median {statistics.median(marks) * 1000:7.3f} ms per update, "
        f"p99 {sorted(marks)[int(len(marks) * 0.99)] * 1000:.3f} ms"
    )
    print(f"a redelivered batch        {duplicate * 1000:7.2f} ms (all {BATCH} ignored)")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(Path(folder), args.updates))


if __name__ == "__main__":
    main()
