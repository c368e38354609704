"""What the sweep costs on a big database: nothing due, a 2,000-order reminder round, pruning.

A real SQLite file is built with the project's migrations and storage functions: one ring per
2,000 orders, each with 26 weekly past pickups and one upcoming pickup, customers with an
order of two lines at some of them, and an outbox history of 3 deliveries per order (sent,
spread over six months, payloads like real reminders). The first ring's upcoming pickup has
2,000 orders; every other upcoming pickup has 50. Then, on the evening before the pickups:

- the reminder sweep (all rings; the big pickup dominates): total and longest write
  transaction, the goals being 1 s and 50 ms;
- the sweep with nothing due (every piece of due work, median of 20): goal 20 ms;
- the database size before and after pruning to the 30-day retention (and VACUUM).

    .venv/bin/python benchmarks/due_work.py [--orders 10000 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rekobot.clock import to_db
from rekobot.scheduling import run_due_work
from rekobot.services.outbox import OutMessage, dump_messages
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import pickups as pickup_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction
from storage.sqlite import SqliteDatabase

ORDERS_PER_RING = 2_000
BIG_PICKUP = 2_000
SMALL_PICKUP = 50
PAST_PICKUPS = 26
#: The upcoming pickups: Thursday 3 December 2026, 17:00 UTC; the sweep runs the evening before.
START = datetime(2026, 12, 3, 17, tzinfo=UTC)
EVENING = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
PAYLOAD = dump_messages(
    [
        OutMessage(
            text="⏰ <b>Påminnelse: REKO-utleveringen din er i morgen.</b>\n\n"
            + "• 2 × Poteter (2 kg) — 120,00 kr\n" * 12
            + "Du betaler hver produsent direkte, som vist.",
            buttons=[[("🔕 Slå av påminnelser", "anotif:rem:0:0")]],
        ),
        OutMessage(
            venue_latitude=60.05,
            venue_longitude=10.87,
            venue_title="Coop Extra parkering",
            venue_address="Storgata 1, 1482 Testby",
        ),
    ]
)


async def seed(db: Database, orders: int) -> None:
    """Build the rings, pickups, customers, orders and the outbox history."""
    rng = random.Random(orders)
    rings = max(1, orders // ORDERS_PER_RING)
    customers = max(BIG_PICKUP, orders // 2)
    created = START - timedelta(days=200)
    stamp = to_db(created)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, language_code, created_at) VALUES (?, ?, 'nb', ?)",
            [(10_000 + n, f"Kunde {n}", stamp) for n in range(customers)],
        )
        await tx.execute(
            "INSERT INTO users (id, first_name, created_at) VALUES (1, 'Bonde', ?)", (stamp,)
        )
        producer_id = await producer_store.create_producer(
            tx, owner_user_id=1, name="Berg Gård", payment_info="Vipps 123456", now=created
        )
        product_ids = [
            await producer_store.create_product(
                tx, producer_id=producer_id, name=f"Vare {k}", unit="1 kg", price=3500, now=created
            )
            for k in range(4)
        ]
    upcoming: list[tuple[int, list[int]]] = []
    past: list[tuple[int, list[int]]] = []
    for ring in range(rings):
        async with db.transaction() as tx:
            ring_id = await ring_store.create_ring(
                tx,
                slug=f"ring{ring}",
                name=f"REKO {ring}",
                timezone="Europe/Oslo",
                locale="nb",
                currency="NOK",
                now=created,
            )
            location_id = await ring_store.add_location(
                tx, ring_id=ring_id, name="Parkeringen", address="Storgata 1"
            )
            for week in range(PAST_PICKUPS + 1):
                starts = START - timedelta(weeks=PAST_PICKUPS - week)
                pickup_id = await pickup_store.create_pickup(
                    tx,
                    ring_id=ring_id,
                    location_id=location_id,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    deadline=starts - timedelta(hours=36),
                    now=created,
                )
                offers = await _offers(tx, pickup_id, product_ids, created)
                (upcoming if week == PAST_PICKUPS else past).append((pickup_id, offers))
            # The digests went out at the deadline (benchmarks/digest.py times those).
            await tx.execute(
                "UPDATE pickups SET digest_sent_at = deadline WHERE ring_id = ?", (ring_id,)
            )
    placed = [(upcoming[0], BIG_PICKUP)] + [(pickup, SMALL_PICKUP) for pickup in upcoming[1:]]
    left = orders - sum(count for _, count in placed)
    placed += [(past[n % len(past)], 0) for n in range(len(past))]
    per_past = max(0, left // max(1, len(past)))
    placed = [(p, count or per_past) for p, count in placed]
    order_id = 0
    for (pickup_id, offers), count in placed:
        users = rng.sample(range(customers), min(count, customers))
        rows, lines = [], []
        for number, user in enumerate(users, start=1):
            order_id += 1
            rows.append((order_id, pickup_id, 10_000 + user, number, stamp, stamp))
            lines += [(order_id, offer, rng.randint(1, 3), 3500) for offer in offers[:2]]
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO orders (id, pickup_id, user_id, number, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            await tx.executemany(
                "INSERT INTO order_lines (order_id, offer_id, quantity, unit_price) "
                "VALUES (?, ?, ?, ?)",
                lines,
            )
    history = 3 * orders
    for first in range(0, history, 50_000):
        rows2 = []
        for n in range(first, min(history, first + 50_000)):
            sent = START - timedelta(days=180) + timedelta(seconds=n * 180 * 86_400 // history)
            rows2.append(
                (
                    10_000 + rng.randrange(customers),
                    "reminder_evening",
                    PAYLOAD,
                    f"reminder:p{n % 997}:{sent:%Y%m%dT%H%M}:evening:o{n}",
                    to_db(sent),
                    to_db(sent),
                    to_db(sent),
                )
            )
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO deliveries (chat_id, kind, payload, dedupe_key, status, not_before, "
                "created_at, sent_at) VALUES (?, ?, ?, ?, 'sent', ?, ?, ?)",
                rows2,
            )


async def _offers(
    tx: Transaction, pickup_id: int, product_ids: list[int], now: datetime
) -> list[int]:
    return [
        await tx.insert(
            "INSERT INTO offers (pickup_id, product_id, price, quantity_total, created_at) "
            "VALUES (?, ?, 3500, NULL, ?)",
            (pickup_id, product_id, to_db(now)),
        )
        for product_id in product_ids
    ]


@asynccontextmanager
async def timed_writes(db: Database, samples: list[float]) -> AsyncIterator[None]:
    """Record how long each write transaction held the write lock."""
    original = db.transaction

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Transaction]:
        start = time.perf_counter()
        try:
            async with original() as tx:
                yield tx
        finally:
            samples.append(time.perf_counter() - start)

    db.transaction = transaction  # type: ignore[method-assign]
    try:
        yield
    finally:
        db.transaction = original  # type: ignore[method-assign]


def size_mib(path: Path) -> float:
    """The database file and its WAL, in MiB."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


async def measure(orders: int) -> None:
    """Build a database for ``orders`` orders and print the sweep's figures."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        build = time.perf_counter()
        async with SqliteDatabase(path) as db:
            await seed(db, orders)
        built = time.perf_counter() - build
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = size_mib(path)
        settings = Settings(_env_file=None, token="123456789:" + "a" * 35, database=path)
        now = [EVENING]
        services = Services.create(settings, clock=lambda: now[0])
        await services.open()
        try:
            # First the big pickup alone (the others' rounds count as done), then the rest.
            others = "evening_reminded_order = 10000000 WHERE starts_at = ? AND id != ?"
            big = await services.db.fetchall(
                "SELECT MIN(id) FROM pickups WHERE starts_at = ?", (to_db(START),)
            )
            await services.db.execute(f"UPDATE pickups SET {others}", (to_db(START), big[0][0]))
            writes: list[float] = []
            start = time.perf_counter()
            async with timed_writes(services.db, writes):
                queued = await services.reminders.run_due()
            total = time.perf_counter() - start
            await services.db.execute(
                "UPDATE pickups SET evening_reminded_order = 0 WHERE starts_at = ? AND id != ?",
                (to_db(START), big[0][0]),
            )
            start = time.perf_counter()
            async with timed_writes(services.db, writes):
                rest = await services.reminders.run_due()
            country = time.perf_counter() - start
            idle = []
            services.deliveries.retention = timedelta(days=10_000)  # nothing to prune yet
            for _ in range(20):
                now[0] += timedelta(seconds=20)
                tick = time.perf_counter()
                await run_due_work(services.due_work)
                idle.append(time.perf_counter() - tick)
            services.deliveries.retention = timedelta(days=30)
            prune_writes: list[float] = []
            pruned = 0
            async with timed_writes(services.db, prune_writes):
                while gone := await services.deliveries.prune():
                    pruned += gone
        finally:
            await services.close()
        with sqlite3.connect(path) as conn:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = size_mib(path)
    print(
        f"{orders:>7} orders (built in {built:5.1f} s): "
        f"2,000-order pickup: {queued} reminders in {total * 1000:6.1f} ms; "
        f"the other pickups: {rest} in {country * 1000:6.1f} ms; "
        f"longest write {max(writes) * 1000:5.1f} ms; "
        f"nothing due: median {statistics.median(idle) * 1000:5.1f} ms, "
        f"worst {max(idle) * 1000:5.1f} ms; "
        f"size {before:7.1f} MiB built, {after:6.1f} MiB after pruning {pruned} "
        f"(longest prune write {max(prune_writes, default=0) * 1000:5.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000])
    args = parser.parse_args()
    for orders in args.orders:
        asyncio.run(measure(orders))


if __name__ == "__main__":
    main()
