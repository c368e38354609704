"""How long one producer's digest takes to build: the query, the messages and the CSV file.

A real SQLite file gets one ring, one pickup and one producer with 20 products, then N
customers with an order of about 3 lines each (2 to 4). The timed work is exactly what the
sweep does per producer at the deadline: load the digest (one query over the order lines),
render the Telegram messages, and write the CSV. The goal is under 200 ms at 2,000 orders.

    .venv/bin/python benchmarks/digest.py [--orders 200 2000 20000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rekobot.clock import to_db
from rekobot.digest import digest_messages
from rekobot.digest_csv import digest_csv
from rekobot.i18n import use_locale
from rekobot.services.digests import load_digest
from storage import pickups as pickup_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database
from storage.sqlite import SqliteDatabase

PRODUCTS = 20
START = datetime(2026, 12, 3, 17, tzinfo=UTC)


async def seed(db: Database, orders: int) -> tuple[int, int]:
    """Create the ring, pickup, producer and ``orders`` orders; return (pickup, producer)."""
    rng = random.Random(orders)
    now = START - timedelta(days=7)
    async with db.transaction() as tx:
        ring_id = await ring_store.create_ring(
            tx,
            slug="bench",
            name="REKO Bench",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=now,
        )
        location_id = await ring_store.add_location(
            tx, ring_id=ring_id, name="Parkeringen", address="Storgata 1"
        )
        pickup_id = await pickup_store.create_pickup(
            tx,
            ring_id=ring_id,
            location_id=location_id,
            starts_at=START,
            ends_at=START + timedelta(hours=1),
            deadline=START - timedelta(hours=36),
            now=now,
        )
        await tx.execute(
            "INSERT INTO users (id, first_name, created_at) VALUES (1, 'Farmer', ?)",
            (to_db(now),),
        )
        producer_id = await producer_store.create_producer(
            tx, owner_user_id=1, name="Berg Gård", payment_info="Vipps 123456", now=now
        )
        offer_ids = []
        for k in range(PRODUCTS):
            product_id = await producer_store.create_product(
                tx,
                producer_id=producer_id,
                name=f"Produkt {k:02d}",
                unit="1 kg",
                price=2500 + 250 * k,
                now=now,
            )
            offer_ids.append(
                await tx.insert(
                    "INSERT INTO offers (pickup_id, product_id, price, quantity_total, "
                    "created_at) VALUES (?, ?, ?, NULL, ?)",
                    (pickup_id, product_id, 2500 + 250 * k, to_db(now)),
                )
            )
        stamp = to_db(now)
        await tx.executemany(
            "INSERT INTO users (id, first_name, last_name, created_at) VALUES (?, ?, ?, ?)",
            [(1000 + n, f"Kunde{n}", "Nordmann", stamp) for n in range(orders)],
        )
        await tx.executemany(
            "INSERT INTO orders (id, pickup_id, user_id, number, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(n + 1, pickup_id, 1000 + n, n + 1, stamp, stamp) for n in range(orders)],
        )
        lines = []
        for n in range(orders):
            for offer_id in rng.sample(offer_ids, rng.randint(2, 4)):
                lines.append((n + 1, offer_id, rng.randint(1, 3), 2500))
        await tx.executemany(
            "INSERT INTO order_lines (order_id, offer_id, quantity, unit_price) "
            "VALUES (?, ?, ?, ?)",
            lines,
        )
    return pickup_id, producer_id


async def build_once(db: Database, pickup_id: int, producer_id: int) -> tuple[int, int]:
    """Build the digest as the sweep does; return (messages, CSV bytes)."""
    async with db.read() as tx:
        producer = await producer_store.get_producer(tx, producer_id)
        pickup = await pickup_store.get_pickup(tx, pickup_id)
        assert producer is not None and pickup is not None
        ring = await ring_store.get_ring(tx, pickup.ring_id)
        assert ring is not None
        digest = await load_digest(tx, producer, pickup, ring, now=START)
    with use_locale("nb"):
        messages = digest_messages(digest)
        data = digest_csv(digest, "nb")
    return len(messages), len(data)


async def measure(orders: int, runs: int) -> float:
    """Print the median time to build the digest at a pickup with ``orders`` orders."""
    with tempfile.TemporaryDirectory() as folder:
        async with SqliteDatabase(Path(folder) / "bench.sqlite3") as db:
            pickup_id, producer_id = await seed(db, orders)
            await build_once(db, pickup_id, producer_id)  # warm caches as a running bot has
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                messages, size = await build_once(db, pickup_id, producer_id)
                samples.append(time.perf_counter() - start)
    median = statistics.median(samples) * 1000
    print(
        f"{orders:>6} orders: median {median:8.1f} ms, best {min(samples) * 1000:8.1f} ms "
        f"({messages} messages, CSV {size / 1024:.0f} KiB)"
    )
    return median


async def main() -> None:
    """Measure each size and say how the time grows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = [(n, await measure(n, args.runs)) for n in args.orders]
    for (small, t_small), (large, t_large) in itertools.pairwise(results):
        print(
            f"{small} -> {large} orders: x{large / small:.0f} orders, x{t_large / t_small:.1f} time"
        )
    if 2000 in dict(results):
        verdict = "met" if dict(results)[2000] < 200 else "NOT met"
        print(f"goal (< 200 ms at 2,000 orders): {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
