"""The digest: what to bring and who gets what, sent once at the deadline, with a CSV file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from handlers.producer.common import Home
from handlers.producer.orders import HandoverList
from rekobot.digest import Digest, digest_messages
from rekobot.digest_csv import digest_csv
from rekobot.digest_renderer import draw
from rekobot.i18n import use_locale
from rekobot.models import Location, Pickup, Producer, Ring
from rekobot.models.digest import CustomerOrder, DigestLine
from rekobot.services.digests import digest_deliveries
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import pickups as pickup_store
from tests.conftest import BAKER_ID, FARMER_ID, MovableClock, World
from tests.fakes.calls import plain
from tests.producer_support import customer, order, queued

KARI = 1001
EMMA = 1002
OLA = 1003


async def three_orders(services: Services, world: World) -> None:
    """Kari, Emma and Ola order from the farm; Ola cancels; Emma also buys bread."""
    await customer(services, KARI)
    await customer(services, EMMA, "Emma")
    await customer(services, OLA, "Ola")
    await order(
        services,
        KARI,
        world.pickup_id,
        {world.offer_ids["potatoes"]: 2, world.offer_ids["eggs"]: 1},
    )
    await order(
        services,
        EMMA,
        world.pickup_id,
        {world.offer_ids["potatoes"]: 1, world.offer_ids["bread"]: 1},
    )
    ola = await order(services, OLA, world.pickup_id, {world.offer_ids["eggs"]: 2})
    await services.ordering.cancel(OLA, ola)


async def test_the_digest_adds_up_what_to_bring_and_lists_who_gets_what(
    services: Services, world: World, clock: MovableClock
) -> None:
    await three_orders(services, world)
    clock.advance(days=2)  # past the deadline

    digest = await services.digests.digest(FARMER_ID, world.pickup_id)

    assert not digest.preliminary
    assert [(p.name, p.quantity, p.amount) for p in digest.products] == [
        ("Egg", 1, 7500),
        ("Poteter", 3, 18000),
    ]
    assert [(o.number, o.customer, o.amount) for o in digest.orders] == [
        (1, "Kari Nordmann", 19500),
        (2, "Emma Nordmann", 6000),
    ]  # Ola's cancelled order is not in it
    assert digest.total == 25500
    (text,) = [plain(t) for t in digest_messages(digest)]
    assert "<b>Berg Gård</b>: bestillinger i REKO Testby" in text
    assert "torsdag 3. desember, 18:00–19:00" in text
    assert "📍 Coop Extra parkering, Storgata 1, 1482 Testby" in text
    assert "2 bestillinger, 255,00 kr totalt" in text
    assert "3 × Poteter (2 kg): 180,00 kr" in text
    assert "<b>#1</b> Kari Nordmann: 195,00 kr\n  1 × Egg (12 stk)\n  2 × Poteter (2 kg)" in text
    assert "<b>Totalt å kreve inn: 255,00 kr</b>" in text
    assert "Foreløpig" not in text


async def test_digest_before_the_deadline_is_marked_preliminary(
    services: Services, world: World
) -> None:
    await three_orders(services, world)

    digest = await services.digests.digest(FARMER_ID, world.pickup_id)

    assert digest.preliminary
    with use_locale("en"):
        (text,) = digest_messages(digest)
    assert plain(text).startswith("⚠️ <b>Preliminary</b>: orders can still change until")


async def test_a_producer_cannot_read_another_producers_digest_of_a_foreign_pickup(
    services: Services, world: World
) -> None:
    await three_orders(services, world)
    bakery = await services.digests.digest(BAKER_ID, world.pickup_id)
    assert [o.customer for o in bakery.orders] == ["Emma Nordmann"]
    assert [p.name for p in bakery.products] == ["Surdeigsbrød"]


async def test_the_digest_is_queued_once_at_the_deadline_and_never_again(
    services: Services, world: World, clock: MovableClock, settings: Settings
) -> None:
    await three_orders(services, world)
    assert await services.digests.send_due() == 0  # the deadline is ahead

    clock.advance(days=2)
    first = await services.digests.send_due()
    again = await services.digests.send_due()
    # A restart: new services on the same file, then the sweep runs again.
    restarted = Services.create(settings, clock=clock)
    await restarted.open()
    try:
        after_restart = await restarted.digests.send_due()
        assert restarted.digests.send_due in restarted.due_work
    finally:
        await restarted.close()

    assert (first, again, after_restart) == (2, 0, 0)
    digests = await queued(services.db, "digest")
    assert sorted(d.chat_id for d in digests) == [FARMER_ID, BAKER_ID]
    farm = next(d for d in digests if d.chat_id == FARMER_ID)
    assert farm.dedupe_key == f"digest:{world.pickup_id}:{world.producer_ids['farm']}"
    assert "Hvem får hva" in farm.text
    assert farm.messages[-1].document_name == "reko-testby-2026-12-03.csv"
    # The chat does not end on a bare file: the last one leads to the handover list and menu.
    handover = HandoverList(world.pickup_id, 0).pack()
    assert farm.messages[-1].buttons == [
        [("✅ Utleveringsliste", handover)],
        [("🏠 Produsentmeny", Home().pack())],
    ]
    assert all(m.buttons is None for m in farm.messages[:-1])
    row = await services.db.fetchone(
        "SELECT digest_sent_at FROM pickups WHERE id = ?", (world.pickup_id,)
    )
    assert row is not None and row[0] is not None


async def test_a_producer_without_orders_is_told_so_at_the_deadline(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, KARI)
    await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
    clock.advance(days=2)

    await services.digests.send_due()

    (bakery,) = await queued(services.db, "digest", chat_id=BAKER_ID)
    assert "Ingen bestilte fra Solbakken Bakeri denne gangen." in bakery.text
    assert all(m.document_name is None for m in bakery.messages)
    assert bakery.messages[-1].buttons is not None
    assert bakery.messages[-1].buttons[-1] == [("🏠 Produsentmeny", Home().pack())]


async def test_no_digest_for_a_cancelled_pickup_or_one_that_ended_while_the_bot_was_down(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, KARI)
    await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
    async with services.db.read() as tx:
        this = await pickup_store.get_pickup(tx, world.pickup_id)
    assert this is not None
    async with services.db.transaction() as tx:
        cancelled = await pickup_store.create_pickup(
            tx,
            ring_id=world.ring_id,
            location_id=world.location_id,
            starts_at=this.starts_at + timedelta(days=7),
            ends_at=this.ends_at + timedelta(days=7),
            deadline=this.deadline + timedelta(days=7),
            now=clock(),
        )
    await services.db.execute("UPDATE pickups SET status = 'cancelled' WHERE id = ?", (cancelled,))

    clock.advance(days=30)  # both are long over

    assert await services.digests.send_due() == 0
    assert await queued(services.db, "digest") == []
    row = await services.db.fetchone(
        "SELECT digest_sent_at FROM pickups WHERE id = ?", (world.pickup_id,)
    )
    assert row is not None and row[0] is not None


def synthetic_digest(orders: int, *, lines: int = 3, name: str = "Kari") -> Digest:
    ring = Ring(
        id=1, slug="testby", name="REKO Testby", timezone="Europe/Oslo", locale="nb", currency="NOK"
    )
    start = datetime(2026, 12, 3, 17, tzinfo=UTC)
    pickup = Pickup(
        id=1,
        ring_id=1,
        location=Location(id=1, ring_id=1, name="Parkeringen"),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        deadline=start - timedelta(hours=36),
    )
    producer = Producer(id=1, owner_user_id=500, name="Berg Gård")
    customer_orders = [
        CustomerOrder(
            order_id=n,
            number=n,
            user_id=10_000 + n,
            customer_name=f"{name} {n}",
            lines=tuple(
                DigestLine(k, f"Produkt {k}", "1 kg", 1 + (n + k) % 3, 4550) for k in range(lines)
            ),
        )
        for n in range(1, orders + 1)
    ]
    return Digest.build(producer, ring, pickup, customer_orders, now=start)


def test_a_long_digest_is_split_under_telegrams_limit_between_customers() -> None:
    digest = synthetic_digest(400)

    messages = digest_messages(digest)

    assert len(messages) > 3
    assert all(len(m) <= 4096 for m in messages)
    # Each part names the pickup's day and place: parts are read and forwarded on their own.
    assert messages[1].startswith(
        "<i>Berg Gård, torsdag 3. desember, Parkeringen, fortsettelse (2/"
    )
    for number in (1, 137, 400):
        holding = [m for m in messages if f"<b>#{number}</b> Kari {number}:" in m]
        assert len(holding) == 1
        block = holding[0].split(f"<b>#{number}</b>", 1)[1].split("\n\n", 1)[0]
        assert block.count("× Produkt") == 3  # all of the customer's lines in the same message


def test_csv_opens_in_excel_with_semicolons_and_decimal_commas_for_nb() -> None:
    digest = synthetic_digest(2)

    with use_locale("nb"):
        data = digest_csv(digest, "nb")

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Bestillingsnummer",
        "Kunde",
        "Produkt",
        "Enhet",
        "Antall",
        "Enhetspris",
        "Beløp",
        "Status",
        "Omtrentlig",
        "Pris per",
        "Veid",
        "Kontakt",
        "Merknad",
    ]
    assert rows[1] == [
        "1",
        "Kari 1",
        "Produkt 0",
        "1 kg",
        "2",
        "45,50",
        "91,00",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    assert len(rows) == 1 + 2 * 3


@pytest.mark.parametrize(
    ("locale", "delimiter", "price"),
    [("en", ",", "45.50"), ("sv", ";", "45,50"), ("fi", ";", "45,50"), ("da", ";", "45,50")],
)
def test_csv_separators_follow_the_producers_locale(
    locale: str, delimiter: str, price: str
) -> None:
    with use_locale(locale):
        data = digest_csv(synthetic_digest(1), locale)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    assert rows[1][5] == price


def test_csv_keeps_customer_names_from_running_as_formulas() -> None:
    digest = synthetic_digest(1, name='=HYPERLINK("x")')
    with use_locale("nb"):
        rows = list(
            csv.reader(io.StringIO(digest_csv(digest, "nb").decode("utf-8-sig")), delimiter=";")
        )
    assert rows[1][1].startswith("'=HYPERLINK")


async def test_the_csv_from_the_outbox_parses_back_to_the_orders(
    services: Services, world: World, clock: MovableClock
) -> None:
    await three_orders(services, world)
    clock.advance(days=2)
    digest = await services.digests.digest(FARMER_ID, world.pickup_id)

    with use_locale("nb"):
        messages = digest_deliveries(digest, draw(digest, "nb"))

    document = messages[-1]
    assert document.document_name == "reko-testby-2026-12-03.csv"
    assert "CSV-fil" in (document.caption or "")
    rows = list(csv.reader(io.StringIO(document.document_bytes.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [
        ["1", "Kari Nordmann", "Egg", "12 stk", "1", "75,00", "75,00", "", "", "", "", "", ""],
        ["1", "Kari Nordmann", "Poteter", "2 kg", "2", "60,00", "120,00", "", "", "", "", "", ""],
        ["2", "Emma Nordmann", "Poteter", "2 kg", "1", "60,00", "60,00", "", "", "", "", "", ""],
    ]
