"""Every figure of issue 11's goals table on a national-shape database, side by side by scale.

At ``--scale 1`` the database holds what six months of Norway would: 120 rings, 500,000
users, 550,000 memberships, 600 producers, 20,000 products, 3,360 pickups, ~296,000 offers,
~1,000,000 order lines and ~3 M sent deliveries. Smaller scales shrink every count (the
first ring keeps its 2,000-order pickup and its 500-offer pickup, and at least 6,000 users).
The schema comes from the project's migrations; the rows are bulk-inserted with ``sqlite3``
(``synchronous=OFF``, no journal, big transactions), and the demo ring is seeded on top so
``benchmarks/customer_updates.py``'s harness runs unchanged. The built file is cached per
scale (``--cache``); each run works on a copy, so reruns take the copy's time, not the build's.

With ``--database postgresql://...`` the same figures are measured on PostgreSQL: the cached
file is copied into a database of that server with ``rekobot copy-to-postgres``'s code
(``storage/copy.py``: the PostgreSQL migrations, then ``COPY``), cached there as
``national_<scale>_v<shape>_<schema>``, and each run works on a clone of it (``CREATE
DATABASE ... TEMPLATE``). The URL's own database is only connected to, to create and drop
those; the user needs the CREATEDB right. Sizes are ``pg_database_size`` and the compaction
after pruning is ``VACUUM FULL``, where SQLite's is ``VACUUM``.

Then, with the clock on the evening before the first ring's pickup, through the real
services and the real Application (only Telegram's HTTP edge is the recording fake):

- the sweep with nothing due (every piece of due work, 20 ticks): median and worst;
- the reminder sweep for the 2,000-order pickup: total, and the longest write transaction;
- one customer's reply latency while the reminders, that pickup's digest and a broadcast to
  the whole first ring are queued, against the same taps with nothing running;
- one update's ratio to a bare echo handler (customer_updates' interleaved harness);
- checkouts per second in one process (16 customers at once: add, cart, checkout, confirm);
- ``/orders`` with a long history and the shop screens at a 500-offer pickup: p99 and
  statements per update;
- the database size before and after pruning the sent deliveries (30-day retention, VACUUM).

    .venv/bin/python benchmarks/national.py [--scale 0.01 1] [--cache DIR] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from customer_updates import TOKEN, Interleaved, echo_application, shop
from due_work import EVENING, PAYLOAD, START, timed_writes

from rekobot.app import build_application
from rekobot.clock import from_db, to_db
from rekobot.demo import seed as seed_demo
from rekobot.scheduling import run_due_work
from rekobot.services.broadcasts import BroadcastDraft
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage.copy import copy_to_postgres
from storage.engines import Address
from storage.postgres import PostgresAddress
from storage.sqlite import SqliteDatabase
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory

#: Bump when the shape below changes: cached files of another version are rebuilt.
SHAPE = 4  # 4: pickups open for orders (orders_open_at)
MIGRATIONS = Path(__file__).resolve().parent.parent / "storage" / "migrations"
FIRST_USER = 1_000_000
OPERATOR = 77
LONG_HISTORY = FIRST_USER  # a first-ring customer with an order at every one of its pickups
PAST = 26
BIG_PICKUP = 2_000
BIG_OFFERS = 500
CATEGORIES = ["Grønnsaker", "Frukt og bær", "Kjøtt", "Fisk", "Meieri", "Bakst", "Honning"]
Sample = Callable[[], Awaitable[object]]


@dataclass
class Shape:
    """The counts at one scale."""

    scale: float
    rings: int = field(init=False)
    users: int = field(init=False)
    extra_memberships: int = field(init=False)
    producers: int = field(init=False)
    products: int = field(init=False)
    lines: int = field(init=False)

    def __post_init__(self) -> None:
        s = self.scale
        self.rings = max(1, round(120 * s))
        self.users = max(6_000, round(500_000 * s))
        self.extra_memberships = round(50_000 * s) if self.rings > 1 else 0
        self.producers = max(50, round(600 * s))
        self.products = max(600, round(20_000 * s))
        self.lines = max(2 * BIG_PICKUP + 1_000, round(1_000_000 * s))


def build(path: Path, shape: Shape) -> dict[str, int]:
    """Create the schema with the migrations, then bulk-insert the national rows."""
    asyncio.run(_migrate(path))
    rng = random.Random(shape.scale)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN")
    created = to_db(START - timedelta(days=200))
    # Users: ring 0 has 4% of everyone (20,000 at full scale), the others share the rest.
    members: list[list[int]] = [[] for _ in range(shape.rings)]
    big = max(BIG_PICKUP + 1_000, shape.users // 25) if shape.rings > 1 else shape.users
    users = []
    for n in range(shape.users):
        uid = FIRST_USER + n
        ring = 0 if n < big else 1 + (n - big) % max(1, shape.rings - 1)
        members[ring].append(uid)
        users.append((uid, f"Kunde {n}", "nb", ring + 1, created))
    users.append((OPERATOR, "Operatør", "nb", 1, created))
    conn.executemany(
        "INSERT INTO users (id, first_name, language_code, current_ring_id, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        users,
    )
    conn.executemany(
        "INSERT INTO rings (id, slug, name, timezone, locale, currency, created_at) "
        "VALUES (?, ?, ?, 'Europe/Oslo', 'nb', 'NOK', ?)",
        [(r + 1, f"ring{r}", f"REKO {r}", created) for r in range(shape.rings)],
    )
    memberships = [(r + 1, uid, 0, created) for r in range(shape.rings) for uid in members[r]]
    memberships.append((1, OPERATOR, 1, created))
    for n in rng.sample(range(shape.users), shape.extra_memberships):
        ring = rng.randrange(shape.rings)
        if ring + 1 != users[n][3]:
            memberships.append((ring + 1, FIRST_USER + n, 0, created))
    conn.executemany(
        "INSERT OR IGNORE INTO memberships (ring_id, user_id, is_admin, joined_at) "
        "VALUES (?, ?, ?, ?)",
        memberships,
    )
    conn.executemany(
        "INSERT INTO categories (ring_id, name, position) VALUES (?, ?, ?)",
        [(r + 1, name, k) for r in range(shape.rings) for k, name in enumerate(CATEGORIES)],
    )
    conn.executemany(
        "INSERT INTO locations (id, ring_id, name, address, latitude, longitude) "
        "VALUES (?, ?, 'Parkeringen', 'Storgata 1', 60.05, 10.87)",
        [(r + 1, r + 1) for r in range(shape.rings)],
    )
    # Producers and products: ring 0 has 50 producers with 12 products each, 600 in all.
    producers: list[tuple[int, int, str, str, str]] = []
    products: list[tuple[int, int, str, str, int, str, str]] = []
    ring_products: list[list[int]] = [[] for _ in range(shape.rings)]
    rest_products = max(0, shape.products - 600)
    for k in range(shape.producers):
        ring = 0 if k < 50 or shape.rings == 1 else 1 + (k - 50) % (shape.rings - 1)
        pid = k + 1
        owner = members[ring][k % len(members[ring])]
        producers.append((pid, owner, f"Gård {ring}-{k:03d}", "Vipps 123456", created))
        conn.execute(
            "INSERT INTO producer_rings (producer_id, ring_id, status, applied_at) "
            "VALUES (?, ?, 'approved', ?)",
            (pid, ring + 1, created),
        )
        count = 12 if ring == 0 else rest_products // max(1, shape.producers - 50)
        for j in range(count):
            product_id = len(products) + 1
            category = CATEGORIES[(k + j) % len(CATEGORIES)]
            products.append((product_id, pid, f"Vare {k}-{j}", "1 kg", 3500, category, created))
            ring_products[ring].append(product_id)
    conn.executemany(
        "INSERT INTO producers (id, owner_user_id, name, payment_info, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        producers,
    )
    conn.executemany(
        "INSERT INTO products (id, producer_id, name, unit, price, category, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        products,
    )
    # Pickups: 26 past weekly ones, tomorrow's, and next week's (ring 0's has 500 offers).
    pickups: list[tuple[int, int, int, str, str, str]] = []
    offers: list[tuple[int, int, int, str]] = []
    pickup_offers: dict[int, list[int]] = {}
    pickup_ring: dict[int, int] = {}
    for r in range(shape.rings):
        for week in range(PAST + 2):
            starts = START + timedelta(weeks=week - PAST)
            pid = len(pickups) + 1
            pickups.append(
                (
                    pid,
                    r + 1,
                    r + 1,
                    to_db(starts),
                    to_db(starts + timedelta(hours=1)),
                    to_db(starts - timedelta(hours=36)),
                )
            )
            pickup_ring[pid] = r
            per_pickup = 88 if not (r == 0 and week == PAST + 1) else BIG_OFFERS
            chosen = rng.sample(ring_products[r], min(per_pickup, len(ring_products[r])))
            pickup_offers[pid] = []
            for product_id in chosen:
                offer_id = len(offers) + 1
                offers.append((offer_id, pid, product_id, created))
                pickup_offers[pid].append(offer_id)
    conn.executemany(
        "INSERT INTO pickups (id, ring_id, location_id, starts_at, ends_at, deadline, "
        "created_at, announced_at, orders_open_at, open_notice_at, digest_sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        # Open for orders since they were made, and told so (as migration 0009 leaves them).
        [
            (*p, created, created, created, created, p[5] if p[3] < to_db(START) else None)
            for p in pickups
        ],
    )
    # Past pickups were reminded, digested and (beyond 90 days) anonymised long ago.
    conn.execute(
        "UPDATE pickups SET evening_reminder_sent_at = deadline, hour_reminder_sent_at = "
        "deadline, evening_reminded_order = 1000000000, hour_reminded_order = 1000000000 "
        "WHERE starts_at < ?",
        (to_db(START),),
    )
    conn.execute(
        "UPDATE pickups SET anonymised_at = ends_at WHERE ends_at < ?",
        (to_db(EVENING - timedelta(days=90)),),
    )
    conn.executemany(
        "INSERT INTO offers (id, pickup_id, product_id, price, quantity_total, created_at) "
        "VALUES (?, ?, ?, 3500, NULL, ?)",
        offers,
    )
    tomorrow = {pid for pid, p in enumerate(pickups, start=1) if p[3] == to_db(START)}
    big_pickup = min(tomorrow)
    # Orders: 2,000 of two lines at ring 0's pickup tomorrow; three lines at every other one.
    others = [pid for pid in pickup_offers if pid != big_pickup]
    per_pickup = (shape.lines - 2 * BIG_PICKUP) // 3 // len(others)
    orders: list[tuple[int, int, int, int, str, str]] = []
    lines: list[tuple[int, int, int, int]] = []
    deliveries: list[tuple[int, str, str, str, str, str, str]] = []
    for pid, offer_ids in pickup_offers.items():
        ring = pickup_ring[pid]
        count, width = (BIG_PICKUP, 2) if pid == big_pickup else (per_pickup, 3)
        chosen = rng.sample(members[ring], min(count, len(members[ring])))
        if ring == 0 and LONG_HISTORY not in chosen:
            chosen[0] = LONG_HISTORY
        starts = START + timedelta(weeks=(pid - 1) % (PAST + 2) - PAST)
        for number, uid in enumerate(chosen, start=1):
            oid = len(orders) + 1
            orders.append((oid, pid, uid, number, created, created))
            for offer_id in rng.sample(offer_ids, min(width, len(offer_ids))):
                lines.append((oid, offer_id, rng.randint(1, 3), 3500))
            if starts < START:  # confirmation, evening and hour reminder: sent
                for kind, before in (("confirmation", 60), ("evening", 22), ("hour", 1)):
                    sent = to_db(starts - timedelta(hours=before))
                    key = f"{kind}:p{pid}:o{oid}"
                    deliveries.append((uid, kind, PAYLOAD, key, sent, sent, sent))
    # Announcements of the past pickups make up the rest of the ~3.16 M deliveries (at full
    # scale), spread over the rings by their size.
    past = [
        pid for pid in pickup_offers if pid not in tomorrow and pickups[pid - 1][3] < to_db(START)
    ]
    extra = max(0, round(3_160_000 * shape.scale) - len(deliveries))
    weight = sum(len(members[pickup_ring[pid]]) for pid in past)
    for pid in past:
        ring_members = members[pickup_ring[pid]]
        sent = to_db(from_db(pickups[pid - 1][3]) - timedelta(days=6))
        count = min(len(ring_members), round(extra * len(ring_members) / weight))
        for uid in rng.sample(ring_members, count):
            key = f"announcement:p{pid}:u{uid}"
            deliveries.append((uid, "announcement", PAYLOAD, key, sent, sent, sent))
    conn.executemany(
        "INSERT INTO orders (id, pickup_id, user_id, number, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        orders,
    )
    conn.executemany(
        "INSERT INTO order_lines (order_id, offer_id, quantity, unit_price) VALUES (?, ?, ?, ?)",
        lines,
    )
    # Tomorrow's pickups of the other rings count as reminded: the sweep times ring 0's.
    conn.executemany(
        "UPDATE pickups SET evening_reminded_order = 1000000000 WHERE id = ?",
        [(pid,) for pid in tomorrow - {big_pickup}],
    )
    for first in range(0, len(deliveries), 200_000):
        conn.executemany(
            "INSERT INTO deliveries (chat_id, kind, payload, dedupe_key, status, not_before, "
            "created_at, sent_at) VALUES (?, ?, ?, ?, 'sent', ?, ?, ?)",
            deliveries[first : first + 200_000],
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("ANALYZE")
    conn.close()
    asyncio.run(_seed_demo(path))
    return {
        "rings": shape.rings,
        "users": len(users),
        "memberships": len(memberships),
        "producers": len(producers),
        "products": len(products),
        "pickups": len(pickups),
        "offers": len(offers),
        "order lines": len(lines),
        "deliveries": len(deliveries),
        "big pickup": big_pickup,
        "big offers pickup": max(pickup_offers, key=lambda pid: len(pickup_offers[pid])),
    }


async def _migrate(path: Path) -> None:
    async with SqliteDatabase(path):
        pass


async def _seed_demo(path: Path) -> None:
    async with SqliteDatabase(path) as db:
        await seed_demo(db, clock=lambda: EVENING, force=True)


def schema_hash(engine: str = "sqlite") -> str:
    """Names the cached databases: a change to a migration the engine runs rebuilds them."""
    files = sorted(MIGRATIONS.glob("*.sql"))
    if engine == "postgresql":
        files += sorted(MIGRATIONS.glob("postgresql/*.sql"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()[:12]


def cached(cache: Path, shape: Shape) -> tuple[Path, dict[str, int]]:
    """The built file for this scale, building it when the cache has none for this schema."""
    schema = schema_hash()
    path = cache / f"national-{shape.scale:g}-v{SHAPE}-{schema}.sqlite3"
    counts = path.with_suffix(".counts")
    if not path.exists() or not counts.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        figures = build(partial, shape)
        print(f"built scale {shape.scale:g} in {time.perf_counter() - started:.0f} s", flush=True)
        partial.rename(path)
        counts.write_text("\n".join(f"{k}={v}" for k, v in figures.items()))
    stored = [line.split("=") for line in counts.read_text().splitlines()]
    return path, {key: int(value) for key, value in stored}


@dataclass(frozen=True)
class PostgresServer:
    """The server of ``--database``: where the national databases are cached and cloned."""

    url: str

    def database(self, name: str) -> PostgresAddress:
        """Another database on the same server."""
        return PostgresAddress(urlunsplit(urlsplit(self.url)._replace(path=f"/{name}")))

    async def admin(self, *statements: str) -> Any:
        """Run statements on the URL's own database (never a cached or working one)."""
        conn = await asyncpg.connect(self.url)
        try:
            result = None
            for statement in statements:
                result = await conn.fetchval(statement)
            return result
        finally:
            await conn.close()

    async def cached(self, source: Path, shape: Shape) -> PostgresAddress:
        """The national database of this scale, copied from the cached file when missing."""
        scale = f"{shape.scale:g}".replace(".", "_")
        name = f"national_{scale}_v{SHAPE}_{schema_hash('postgresql')}"
        exists = await self.admin(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'")
        if not exists:
            partial = f"{name}_partial"
            await self.admin(f"DROP DATABASE IF EXISTS {partial}", f"CREATE DATABASE {partial}")
            started = time.perf_counter()
            counts = await copy_to_postgres(source, self.database(partial))
            conn = await asyncpg.connect(self.database(partial).url)
            try:
                await conn.execute("ANALYZE")
            finally:
                await conn.close()
            rows = sum(c.postgresql for c in counts)
            took = time.perf_counter() - started
            print(f"copied scale {shape.scale:g} to PostgreSQL ({rows:,} rows) in {took:.0f} s")
            await self.admin(f"ALTER DATABASE {partial} RENAME TO {name}")
        return self.database(name)


async def working_copy(cached: Address, server: PostgresServer | None) -> Address:
    """A copy of the cached database for one run: a file copy, or a PostgreSQL clone."""
    if isinstance(cached, Path):
        work = cached.with_name("work-" + cached.name)
        await discard(work, server)  # a killed run's WAL would be replayed onto the fresh copy
        shutil.copyfile(cached, work)
        return work
    assert server is not None
    name = urlsplit(cached.url).path.lstrip("/")
    await server.admin(
        f"DROP DATABASE IF EXISTS {name}_work WITH (FORCE)",
        f"CREATE DATABASE {name}_work TEMPLATE {name}",
    )
    return server.database(f"{name}_work")


async def discard(work: Address, server: PostgresServer | None) -> None:
    """Remove a run's copy."""
    if isinstance(work, Path):
        for suffix in ("", "-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)  # noqa: ASYNC240 - tidying up
        return
    assert server is not None
    name = urlsplit(work.url).path.lstrip("/")
    await server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def database_mib(work: Address) -> float:
    """The database on disk, in MiB: the file and its emptied WAL, or pg_database_size."""
    if isinstance(work, Path):
        with sqlite3.connect(work) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return size_mib(work)
    pg = await asyncpg.connect(work.url)
    try:
        size = await pg.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await pg.close()
    return int(size) / 2**20


async def compact(work: Address) -> None:
    """Give the space of deleted rows back: SQLite's VACUUM, PostgreSQL's VACUUM FULL."""
    if isinstance(work, Path):
        with sqlite3.connect(work) as conn:
            conn.execute("VACUUM")
        return
    pg = await asyncpg.connect(work.url)
    try:
        await pg.execute("VACUUM FULL")
    finally:
        await pg.close()


def ms(samples: list[float], q: float) -> float:
    """The q-quantile of samples (seconds) in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def size_mib(path: Path) -> float:
    """The database file and its WAL, in MiB."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


class Counter:
    """Counts the statements the database runs (through ``Database.trace``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, statement: str) -> None:
        if statement not in ("BEGIN", "ROLLBACK", "COMMIT", "BEGIN IMMEDIATE"):
            self.count += 1


async def measure(
    cached: Address, counts: dict[str, int], server: PostgresServer | None = None
) -> dict[str, float]:
    """Every figure on a working copy of the cached database."""
    work = await working_copy(cached, server)
    figures: dict[str, float] = {}
    try:
        await _measure(work, counts, figures)
        figures["size before MiB"] = await database_mib(work)
        await _prune(work, figures)
    finally:
        await discard(work, server)
    return figures


async def _measure(work: Address, counts: dict[str, int], figures: dict[str, float]) -> None:
    now = [EVENING]
    settings = Settings(_env_file=None, token=TOKEN, database=work, admin_ids=frozenset({OPERATOR}))
    request = RecordingRequest()
    application = build_application(
        settings, request=request, clock=lambda: now[0], rate_limit=False
    )
    services: Services = application.bot_data.services
    await services.db.connect(check=False)  # quick_check reads every page: minutes at 2 GiB
    echo_app, echo_request = echo_application()
    async with (
        BotDriver(application, request, UpdateFactory(request)) as bot,
        BotDriver(echo_app, echo_request, UpdateFactory(echo_request)) as echo,
    ):
        db = services.db
        # Tomorrow's digests went out at their deadline: the digest is timed under load below.
        await db.execute(
            "UPDATE pickups SET digest_sent_at = deadline WHERE digest_sent_at IS NULL "
            "AND deadline < ?",
            (to_db(EVENING),),
        )
        async with db.read() as tx:
            built = int(await tx.scalar("SELECT COALESCE(MAX(id), 0) FROM deliveries"))
        big = counts["big pickup"]
        writes: list[float] = []
        start = time.perf_counter()
        async with timed_writes(db, writes):
            queued = await services.reminders.run_due()
        figures["reminder sweep ms"] = (time.perf_counter() - start) * 1000
        figures["reminder longest write ms"] = max(writes) * 1000
        figures["reminders queued"] = queued
        await db.checkpoint()  # as the sweep does after its due work, outside the timing
        services.deliveries.retention = timedelta(days=10_000)  # pruning is measured below
        idle = []
        for _ in range(20):
            now[0] += timedelta(seconds=20)
            tick = time.perf_counter()
            await run_due_work(services.due_work)
            idle.append(time.perf_counter() - tick)
            await db.checkpoint()
        figures["nothing due median ms"] = statistics.median(idle) * 1000
        figures["nothing due worst ms"] = max(idle) * 1000
        now[0] = EVENING

        customer = TgUser(LONG_HISTORY, "Kunde 0", language_code="nb")
        counter = Counter()
        await db.trace(counter)

        async def tap(samples: list[float], statements: list[int], update: dict[str, Any]) -> None:
            counter.count = 0
            tick = time.perf_counter()
            await bot.feed(update)
            samples.append(time.perf_counter() - tick)
            statements.append(counter.count)

        async def browse(samples: list[float], statements: list[int]) -> None:
            """/shop (500-offer pickup), a producer, back, by category, a category, a card."""
            await tap(samples, statements, bot.factory.message(customer, "/shop"))
            for label in ("Gård 0-007", "⬅", "Etter kategori", "Kjøtt", "Vare"):
                message, data = request.find_button(customer.id, _containing(label))
                await tap(
                    samples, statements, bot.factory.callback(customer, data, message=message)
                )

        orders: list[float] = []
        order_statements: list[int] = []
        screens: list[float] = []
        screen_statements: list[int] = []
        set_aside(request)
        for _ in range(5):  # warm up: the first look at a screen loads code and catalogs
            await tap([], [], bot.factory.message(customer, "/orders"))
            await browse([], [])
        for _ in range(200):  # enough for a p99 that is not simply the slowest sample
            await tap(orders, order_statements, bot.factory.message(customer, "/orders"))
            await browse(screens, screen_statements)
        figures["/orders p99 ms"] = ms(orders, 0.99)
        figures["/orders statements"] = max(order_statements)
        figures["shop screens p99 ms"] = ms(screens, 0.99)
        figures["shop statements"] = max(screen_statements)
        quiet: list[float] = []
        for _ in range(30):
            await browse(quiet, [])
        figures["reply idle p99 ms"] = ms(quiet, 0.99)

        # The same taps while the reminders, the digest and a broadcast are queued.
        await db.execute("DELETE FROM deliveries WHERE id > ?", (built,))
        await db.execute(
            "UPDATE pickups SET evening_reminded_order = 0, evening_reminder_sent_at = NULL, "
            "digest_sent_at = NULL WHERE id = ?",
            (big,),
        )
        set_aside(request)
        busy: list[float] = []
        running = asyncio.gather(
            services.reminders.run_due(),
            services.digests.send_due(),
            services.broadcasts.send(OPERATOR, 1, BroadcastDraft(text="Hei alle sammen!")),
        )
        while not running.done():
            await browse(busy, [])
        results = await running
        figures["reply busy p50 ms"] = ms(busy, 0.5)
        figures["reply busy p99 ms"] = ms(busy, 0.99)
        figures["busy work queued"] = results[0] + results[1] + results[2][1]
        await db.trace(None)

        # One update against the bare echo handler, interleaved.
        set_aside(request)
        bench = Interleaved(bot, echo)
        for n in range(60):
            await shop(bench, TgUser(10_000 + n, f"Kunde {n}", language_code="nb"))
        everything = [t for samples in bench.timings.values() for t in samples]
        figures["echo ratio median"] = statistics.median(everything) / statistics.median(
            bench.echo_samples
        )
        figures["echo ratio p99"] = ms(everything, 0.99) / ms(bench.echo_samples, 0.99)
        figures["checkouts/s"] = await _checkouts(bot, 16, 10)
        gc.unfreeze()  # the next scale's objects are its own


def set_aside(request: RecordingRequest) -> None:
    """Forget the fake's recorded calls and freeze what the heap holds, before a timing.

    The fake keeps every call and message the bot sent so far, objects a running bot never
    holds; Python's full collections over them were 70-80 ms pauses, each landing on one tap
    (measured with ``gc.callbacks``). Frozen objects are not scanned again.
    """
    request.clear()
    gc.collect()
    gc.freeze()


def _containing(text: str) -> Callable[[str], bool]:
    """A button query: the label contains ``text``."""
    return lambda label: text in label


async def _checkouts(bot: BotDriver, concurrent: int, rounds: int) -> float:
    """Orders placed per second by ``concurrent`` customers at once: add, cart, checkout."""
    people = [TgUser(40_000 + n, f"Handler {n}", language_code="nb") for n in range(concurrent)]
    steps = ("Legg til", "Handlekurv (1)", "Til kassen", "Ja, send bestillingen")

    async def to_product(user: TgUser) -> None:
        await bot.send(user, "/start nittedal")
        await bot.send(user, "/shop")
        await bot.press(user, lambda label: "10. des" in label)
        await bot.press(user, "Nordli Birøkt (3)")
        await bot.press(user, lambda label: label.startswith("Bringebærsyltet"))

    async def checkout(user: TgUser) -> None:
        for label in steps:
            await bot.press(user, label)

    elapsed = 0.0
    for n in range(rounds):
        round_people = [TgUser(u.id + 1000 * n, u.first_name, language_code="nb") for u in people]
        await asyncio.gather(*(to_product(user) for user in round_people))
        start = time.perf_counter()
        await asyncio.gather(*(checkout(user) for user in round_people))
        elapsed += time.perf_counter() - start
    return concurrent * rounds / elapsed


async def _prune(work: Address, figures: dict[str, float]) -> None:
    settings = Settings(_env_file=None, token=TOKEN, database=work)
    services = Services.create(settings, clock=lambda: EVENING)
    await services.db.connect(check=False)
    writes: list[float] = []
    try:
        services.deliveries.retention = timedelta(days=30)
        async with timed_writes(services.db, writes):
            while await services.deliveries.prune():
                pass
    finally:
        await services.close()
    await compact(work)
    figures["size after MiB"] = await database_mib(work)
    figures["prune longest write ms"] = max(writes, default=0) * 1000


ROWS = [
    ("sweep, nothing due: median / worst (ms)", "nothing due median ms", "nothing due worst ms"),
    ("reminder sweep, 2,000-order pickup (ms)", "reminder sweep ms", None),
    ("  longest write lock (ms)", "reminder longest write ms", None),
    (
        "reply while sweep+digest+broadcast: p50 / p99 (ms)",
        "reply busy p50 ms",
        "reply busy p99 ms",
    ),
    ("  same taps, nothing running: p99 (ms)", "reply idle p99 ms", None),
    ("one update / echo: median / p99 (x)", "echo ratio median", "echo ratio p99"),
    ("checkouts per second, one process", "checkouts/s", None),
    ("/orders, long history: p99 (ms) / statements", "/orders p99 ms", "/orders statements"),
    ("shop at 500 offers: p99 (ms) / statements", "shop screens p99 ms", "shop statements"),
    ("database MiB: before / after pruning", "size before MiB", "size after MiB"),
    ("  longest prune write (ms)", "prune longest write ms", None),
]
NOT_TIMES = {"checkouts/s", "size before MiB", "size after MiB", "reminders queued"}


def table(results: list[tuple[Shape, dict[str, int], dict[str, float]]], engine: str) -> None:
    """Print the figures of every scale side by side, with the growth of the times."""
    heads = [f"{counts['order lines']:,} lines" for _, counts, _ in results]
    print(
        f"{'measure (' + engine + ')':<52}" + "".join(f"{h:>22}" for h in heads) + f"{'growth':>10}"
    )
    for title, first, second in ROWS:
        cells = []
        for _, _, figures in results:
            cell = f"{figures[first]:.1f}"
            if second is not None:
                cell += f" / {figures[second]:.1f}"
            cells.append(cell)
        growth = ""
        if len(results) > 1 and first not in NOT_TIMES and results[0][2][first] > 0:
            growth = f"{results[-1][2][first] / results[0][2][first]:.2f}x"
        print(f"{title:<52}" + "".join(f"{c:>22}" for c in cells) + f"{growth:>10}")
    for _, _, figures in results:
        ratio = figures["size after MiB"] / figures["size before MiB"] * 100
        print(f"size after pruning: {ratio:.1f} % of before", end="; ")
    print()
    for shape, counts, _ in results:
        print(f"scale {shape.scale:g}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, nargs="+", default=[0.01, 1.0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rekobot-national"))
    parser.add_argument(
        "--database",
        type=PostgresAddress.parse,
        default=None,
        help="measure on this PostgreSQL server (postgresql://USER@HOST:PORT/DB) instead of "
        "SQLite; it creates and drops databases named national_* there",
    )
    args = parser.parse_args()
    server = None if args.database is None else PostgresServer(args.database.url)
    results = []
    for scale in args.scale:
        shape = Shape(scale)
        path, counts = cached(args.cache, shape)
        database: Address = path if server is None else asyncio.run(server.cached(path, shape))
        started = time.perf_counter()
        figures = asyncio.run(measure(database, counts, server))
        print(f"measured scale {scale:g} in {time.perf_counter() - started:.0f} s", flush=True)
        results.append((shape, counts, figures))
    table(results, "SQLite" if server is None else "PostgreSQL")


if __name__ == "__main__":
    main()
