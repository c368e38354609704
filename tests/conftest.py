"""Shared fixtures: settings on a fresh database (tests/engines.py), a clock, and a small ring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rekobot.clock import utcnow
from rekobot.i18n import set_date_clock, set_locale
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import offers as offer_store
from storage import pickups as pickup_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage import users as user_store
from storage.engines import Address
from tests import engines

TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKENtest12"
ADMIN_ID = 900


class MovableClock:
    """A clock the test moves by hand; always timezone-aware."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        """Move time forward."""
        self.now += timedelta(**kwargs)


@pytest.fixture(autouse=True)
def _default_locale() -> None:
    set_locale("nb")
    set_date_clock(utcnow)  # until a test's clock fixture takes over


@pytest.fixture
def clock() -> MovableClock:
    """Monday 30 November 2026, 10:00 UTC; dates are shown relative to it (year or not)."""
    moving = MovableClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    set_date_clock(moving)
    return moving


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Address]:
    """A fresh database: a SQLite file, or a PostgreSQL database (see tests/engines.py)."""
    if not engines.ON_POSTGRES:
        yield tmp_path / "rekobot.sqlite3"
        return
    yield engines.emptied_postgres_sync()


@pytest.fixture
def settings(database: Address) -> Settings:
    """Settings on a fresh database, ignoring any .env on the machine."""
    return Settings(
        _env_file=None,
        token=TOKEN,
        database=database,
        admin_ids=frozenset({ADMIN_ID}),
        default_locale="nb",
    )


@pytest.fixture
async def services(settings: Settings, clock: MovableClock) -> AsyncIterator[Services]:
    """Open services on the temporary database."""
    svc = Services.create(settings, clock=clock)
    await svc.open()
    yield svc
    await svc.close()


@dataclass
class World:
    """A ring with a place, one open pickup, two producers and a few offers."""

    ring_id: int
    location_id: int
    pickup_id: int
    producer_ids: dict[str, int] = field(default_factory=dict)
    product_ids: dict[str, int] = field(default_factory=dict)
    offer_ids: dict[str, int] = field(default_factory=dict)
    producer_owner: dict[str, int] = field(default_factory=dict)


FARMER_ID = 500
BAKER_ID = 501


async def build_world(services: Services, clock: MovableClock) -> World:
    """Create REKO Testby: pickup Thursday 17:00–18:00, deadline Wednesday 05:00 (UTC)."""
    now = clock()
    starts = now + timedelta(days=3, hours=7)
    async with services.db.transaction() as tx:
        ring_id = await ring_store.create_ring(
            tx,
            slug="testby",
            name="REKO Testby",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=now,
        )
        await ring_store.set_categories(tx, ring_id, ["Grønnsaker", "Bakst", "Egg og meieri"])
        location_id = await ring_store.add_location(
            tx,
            ring_id=ring_id,
            name="Coop Extra parkering",
            address="Storgata 1, 1482 Testby",
            latitude=60.05,
            longitude=10.87,
            directions="Bakerst på parkeringen",
        )
        pickup_id = await pickup_store.create_pickup(
            tx,
            ring_id=ring_id,
            location_id=location_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            deadline=starts - timedelta(hours=36),
            now=now,
        )
        world = World(ring_id=ring_id, location_id=location_id, pickup_id=pickup_id)
        for key, owner, name, pay in (
            ("farm", FARMER_ID, "Berg Gård", "Vipps 123456"),
            ("bakery", BAKER_ID, "Solbakken Bakeri", "Kontant eller kort ved utlevering"),
        ):
            await user_store.upsert_user(
                tx,
                user_id=owner,
                first_name=name.split()[0],
                last_name=None,
                username=None,
                language_code="nb",
                now=now,
            )
            pid = await producer_store.create_producer(
                tx, owner_user_id=owner, name=name, payment_info=pay, now=now
            )
            await producer_store.set_ring_status(
                tx, producer_id=pid, ring_id=ring_id, status="approved", decided_by=None, now=now
            )
            world.producer_ids[key] = pid
            world.producer_owner[key] = owner
        for key, producer, name, unit, price, category, total, limit in (
            ("potatoes", "farm", "Poteter", "2 kg", 6000, "Grønnsaker", 10, None),
            ("eggs", "farm", "Egg", "12 stk", 7500, "Egg og meieri", 5, 2),
            ("carrots", "farm", "Gulrøtter", "1 kg", 3500, "Grønnsaker", None, None),
            ("bread", "bakery", "Surdeigsbrød", "1 stk", 8900, "Bakst", 8, None),
        ):
            product_id = await producer_store.create_product(
                tx,
                producer_id=world.producer_ids[producer],
                name=name,
                unit=unit,
                price=price,
                category=category,
                now=now,
            )
            world.product_ids[key] = product_id
            world.offer_ids[key] = await offer_store.create_offer(
                tx,
                pickup_id=pickup_id,
                product_id=product_id,
                price=price,
                quantity_total=total,
                max_per_customer=limit,
                now=now,
            )
    return world


@pytest.fixture
async def world(services: Services, clock: MovableClock) -> World:
    """A small ring ready to take orders."""
    return await build_world(services, clock)
