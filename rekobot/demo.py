"""`rekobot demo-data`: the demo ring "REKO Nittedal", so a new user can try the bot at once.

Running it again adds only what is missing: the ring, places, producers and products are found
by name, and pickups by their start time, so nothing is duplicated.

The demo belongs in a database of its own (``make demo`` uses ``demo.sqlite3``): ``seed``
refuses a database that holds any other ring unless forced, so real customers are never offered
a made-up ring. Its producers are owned by made-up users with negative ids (Telegram user ids
are positive, so no real person can be one) that are marked unreachable: the outbox marks
anything queued for an unreachable user as blocked without calling Telegram, and only a user
writing to the bot clears the mark, which a made-up id never does. So digests and notices for
the demo producers are recorded, never sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rekobot.clock import Clock, utcnow
from rekobot.settings import Settings
from storage import demo as demo_store
from storage import offers as offer_store
from storage import pickups as pickup_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction
from storage.engines import open_database

log = logging.getLogger(__name__)


class OtherRingsPresent(RuntimeError):
    """The database already holds real rings; the demo ring would show up among them."""


SLUG = "nittedal"
TIMEZONE = "Europe/Oslo"
CATEGORIES = [
    "Grønnsaker",
    "Frukt og bær",
    "Bakst",
    "Egg og meieri",
    "Kjøtt",
    "Honning og syltetøy",
]

PLACES = [
    (
        "Nittedal stasjon, pendlerparkeringen",
        "Stasjonsveien 2, 1482 Nittedal",
        60.07306,
        10.87167,
        "Innerst på pendlerparkeringen, ved sykkelstativene. Kjør inn fra Stasjonsveien.",
    ),
    (
        "Hakadal, Coop Extra parkering",
        "Hakadalsveien 120, 1488 Hakadal",
        60.11690,
        10.83320,
        "Bakerst på parkeringen mot jernbanen. Produsentene står i en rekke langs gjerdet.",
    ),
]


@dataclass(frozen=True)
class DemoProduct:
    """A product with its offer: price in øre, stock (None = unlimited), per-customer cap."""

    name: str
    unit: str
    price: int
    category: str
    description: str
    stock: int | None
    max_per_customer: int | None = None


@dataclass(frozen=True)
class DemoProducer:
    """A producer, its demo owner account and its products."""

    owner_id: int
    name: str
    description: str
    payment_info: str
    contact: str
    products: tuple[DemoProduct, ...]


# Demo producers are owned by negative ids: never a Telegram user, marked unreachable (above).
PRODUCERS = (
    DemoProducer(
        -101,
        "Berg Gård",
        "Grønnsaker og egg fra Nittedal, dyrket uten sprøyting.",
        "Vipps 123456",
        "berg.gard@example.no",
        (
            DemoProduct(
                "Poteter, Gullauge", "2 kg", 6000, "Grønnsaker", "Nyopptatte, melne poteter.", 40
            ),
            DemoProduct(
                "Gulrøtter", "1 kg", 3500, "Grønnsaker", "Søte gulrøtter med litt jord på.", 30
            ),
            DemoProduct("Kålrot", "1 stk", 3000, "Grønnsaker", "", 20),
            DemoProduct("Egg fra frittgående høner", "12 stk", 7500, "Egg og meieri", "", 24, 2),
        ),
    ),
    DemoProducer(
        -102,
        "Solbakken Bakeri",
        "Surdeigsbakst fra steinovn.",
        "Vipps 654321",
        "post@solbakken.example.no",
        (
            DemoProduct(
                "Surdeigsbrød", "1 stk, ca. 900 g", 8900, "Bakst", "Hvete og sammalt spelt.", 25
            ),
            DemoProduct("Kanelboller", "6 stk", 12000, "Bakst", "", 15, 3),
            DemoProduct("Rugbrød", "1 stk", 7900, "Bakst", "Grovt og saftig.", 12),
        ),
    ),
    DemoProducer(
        -103,
        "Nordli Birøkt",
        "Honning fra bier i Nordmarka.",
        "Kontant eller kort ved utlevering",
        "nordli.birokt@example.no",
        (
            DemoProduct("Lynghonning", "glass 350 g", 14900, "Honning og syltetøy", "", 18),
            DemoProduct("Sommerhonning", "glass 350 g", 12900, "Honning og syltetøy", "", 30),
            DemoProduct("Bringebærsyltetøy", "glass 300 g", 8500, "Honning og syltetøy", "", None),
        ),
    ),
    DemoProducer(
        -104,
        "Haugen Sau og Lam",
        "Lam fra utmarksbeite.",
        "Vipps 112233",
        "haugen.sau@example.no",
        (
            DemoProduct(
                "Lammekoteletter", "500 g", 18900, "Kjøtt", "Vakuumpakket og fryst.", 10, 4
            ),
            DemoProduct("Fårepølse", "1 stk, ca. 400 g", 15900, "Kjøtt", "", 15),
            DemoProduct("Lammekjøttdeig", "500 g", 12900, "Kjøtt", "", 20),
        ),
    ),
    DemoProducer(
        -105,
        "Fjellstølen Ysteri",
        "Ost og meieriprodukter av melk fra egne kyr.",
        "Swish/Vipps 445566",
        "ysteri@example.no",
        (
            DemoProduct("Hvitost, lagret", "500 g", 11900, "Egg og meieri", "", 12),
            DemoProduct("Brunost", "500 g", 13900, "Egg og meieri", "", 12),
            DemoProduct("Rømme", "3 dl", 4500, "Egg og meieri", "", 20),
            DemoProduct("Blåbær", "1 liter", 9900, "Frukt og bær", "Håndplukket.", 10),
        ),
    ),
)


def pickup_dates(today: date, count: int = 3) -> list[date]:
    """The next ``count`` Thursdays that still leave two days to order."""
    first = today + timedelta(days=2)
    first += timedelta(days=(3 - first.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range(count)]


async def _ring(tx: Transaction, now: datetime) -> int:
    ring = await ring_store.ring_by_slug(tx, SLUG, include_archived=True)
    if ring is not None:
        return ring.id
    return await ring_store.create_ring(
        tx,
        slug=SLUG,
        name="REKO Nittedal",
        timezone=TIMEZONE,
        locale="nb",
        currency="NOK",
        deadline_hours=36,
        now=now,
        description="Lokalmat rett fra bonden i Nittedal og Hakadal. Utlevering torsdager.",
    )


async def _place(tx: Transaction, ring_id: int, place: tuple[str, str, float, float, str]) -> int:
    name, address, lat, lon, directions = place
    found = await demo_store.location_named(tx, ring_id, name)
    if found is not None:
        return found
    return await ring_store.add_location(
        tx,
        ring_id=ring_id,
        name=name,
        address=address,
        latitude=lat,
        longitude=lon,
        directions=directions,
    )


async def _producer(tx: Transaction, ring_id: int, spec: DemoProducer, now: datetime) -> int:
    await demo_store.unreachable_user(tx, spec.owner_id, spec.name, now)
    found = await demo_store.producer_named(tx, spec.owner_id, spec.name)
    if found is None:
        producer_id = await producer_store.create_producer(
            tx,
            owner_user_id=spec.owner_id,
            name=spec.name,
            description=spec.description,
            payment_info=spec.payment_info,
            contact=spec.contact,
            now=now,
        )
        await demo_store.disable_notes(tx, producer_id)
    else:
        producer_id = found
    await producer_store.set_ring_status(
        tx, producer_id=producer_id, ring_id=ring_id, status="approved", decided_by=None, now=now
    )
    return producer_id


async def _product(tx: Transaction, producer_id: int, spec: DemoProduct, now: datetime) -> int:
    found = await demo_store.product_named(tx, producer_id, spec.name)
    if found is not None:
        return found
    return await producer_store.create_product(
        tx,
        producer_id=producer_id,
        name=spec.name,
        unit=spec.unit,
        price=spec.price,
        description=spec.description,
        category=spec.category,
        now=now,
    )


async def _pickup(tx: Transaction, ring_id: int, location_id: int, on: date, now: datetime) -> int:
    zone = ZoneInfo(TIMEZONE)
    starts = datetime.combine(on, time(17, 0), zone)
    found = await demo_store.pickup_at(tx, ring_id, starts)
    if found is not None:
        return found
    return await pickup_store.create_pickup(
        tx,
        ring_id=ring_id,
        location_id=location_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        deadline=starts - timedelta(hours=36),
        now=now,
    )


async def other_rings(tx: Transaction) -> list[str]:
    """Return the link codes of the rings that are not the demo ring."""
    return await demo_store.other_ring_slugs(tx, SLUG)


async def seed(db: Database, clock: Clock = utcnow, *, force: bool = False) -> str:
    """Create whatever of the demo ring is missing; return a one-paragraph summary.

    Refuses (``OtherRingsPresent``) a database that holds other rings, unless ``force``.
    """
    now = clock()
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    async with db.transaction() as tx:
        others = await other_rings(tx)
        if others and not force:
            raise OtherRingsPresent(
                f"{db.label} already holds {len(others)} other ring(s) ({', '.join(others[:5])}), "
                "so the demo ring would be offered to real customers and its made-up producers "
                "would sit among real ones. Use a database of its own: `make demo`, or "
                "REKOBOT_DATABASE=demo.sqlite3 rekobot demo-data. To add it here anyway: "
                "rekobot demo-data --force."
            )
        ring_id = await _ring(tx, now)
        await ring_store.set_categories(tx, ring_id, CATEGORIES)
        places = [await _place(tx, ring_id, place) for place in PLACES]
        products: list[tuple[int, DemoProduct]] = []
        for spec in PRODUCERS:
            producer_id = await _producer(tx, ring_id, spec, now)
            for product in spec.products:
                products.append((await _product(tx, producer_id, product, now), product))
        dates = pickup_dates(today)
        for index, on in enumerate(dates):
            pickup_id = await _pickup(tx, ring_id, places[index % len(places)], on, now)
            for product_id, product in products:
                if not await demo_store.has_offer(tx, pickup_id, product_id):
                    await offer_store.create_offer(
                        tx,
                        pickup_id=pickup_id,
                        product_id=product_id,
                        price=product.price,
                        quantity_total=product.stock,
                        max_per_customer=product.max_per_customer,
                        now=now,
                    )
    return (
        f"Demo ring 'REKO Nittedal' is ready: {len(PRODUCERS)} producers, {len(products)} "
        f"products, pickups on {', '.join(d.isoformat() for d in dates)}. Open "
        f"t.me/<your bot>?start={SLUG} in Telegram (or send /start {SLUG} to your bot)."
    )


async def load_demo(settings: Settings, *, force: bool = False) -> str:
    """Open the configured database and seed the demo ring."""
    db = open_database(settings.database)
    await db.connect()
    try:
        return await seed(db, force=force)
    finally:
        await db.close()
