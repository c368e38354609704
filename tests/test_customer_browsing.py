"""Browsing a big pickup: pages, sold-out products, photos, and customers in several rings."""

from __future__ import annotations

from datetime import timedelta

from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import offers as offer_store
from storage import pickups as pickup_store
from storage import producers as producer_store
from storage import rings as ring_store
from tests.conftest import MovableClock, World
from tests.customer_bot import EMMA, KARI, labels, last, running_bot


async def add_products(services: Services, world: World, clock: MovableClock, count: int) -> None:
    """Give the farm `count` more products on offer."""
    async with services.db.transaction() as tx:
        for n in range(count):
            product = await producer_store.create_product(
                tx,
                producer_id=world.producer_ids["farm"],
                name=f"Vare {n:03d}",
                unit="1 stk",
                price=1000 + n,
                category="Grønnsaker",
                now=clock(),
            )
            await offer_store.create_offer(
                tx,
                pickup_id=world.pickup_id,
                product_id=product,
                price=1000 + n,
                quantity_total=5,
                now=clock(),
            )


async def test_a_producer_with_120_products_is_shown_ten_at_a_time(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await add_products(services, world, clock, 120)
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård (123)")
        first = labels(bot, KARI)
        await bot.press(KARI, "▶")
        second = labels(bot, KARI)
        for _ in range(11):
            await bot.press(KARI, "▶")
        final = labels(bot, KARI)
        listing = last(bot, KARI)

    assert sum(label.startswith(("Vare", "Egg", "Gulrøtter", "Poteter")) for label in first) == 10
    assert "1/13" in first and "▶" in first and "◀" not in first
    assert "2/13" in second and "◀" in second
    assert "13/13" in final and "▶" not in final
    assert sum(label.startswith("➕") for label in final) == 3  # 12 full pages, 3 on the last
    assert "Vare" not in listing  # each product once: as its button


async def test_sold_out_products_say_so_and_cannot_be_added(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.db.execute(
        "UPDATE offers SET quantity_reserved = quantity_total WHERE id = ?",
        (world.offer_ids["bread"],),
    )
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/shop")
        await bot.press(EMMA, "Solbakken Bakeri")
        listing = last(bot, EMMA)
        shelf = labels(bot, EMMA)
        await bot.press(EMMA, "Surdeigsbrød")
        card = last(bot, EMMA)
        card_labels = labels(bot, EMMA)
        forged = await bot.feed(bot.factory.callback(EMMA, f"cadd:{world.offer_ids['bread']}:1"))

    assert shelf[0] == "⛔ Surdeigsbrød, 1 stk · sold out"  # no ➕ beside it
    assert "Surdeigsbrød" not in listing
    assert "Sold out" in card and "Add" not in " ".join(card_labels)
    alert = next(c for c in forged if c.method == "answerCallbackQuery")
    assert alert.params["text"] == "Sorry, Surdeigsbrød is sold out."


async def test_a_product_with_a_photo_and_description_is_shown_as_a_photo(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.db.execute(
        "UPDATE products SET photo_file_id = 'AgACphoto', description = 'Fra <egen> åker' "
        "WHERE id = ?",
        (world.product_ids["potatoes"],),
    )
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")
        calls = await bot.press(KARI, "Poteter")
        added = await bot.press(KARI, "Legg til")

    photo = next(c for c in calls if c.method == "sendPhoto")
    assert photo.params["photo"] == "AgACphoto"
    assert "Fra <egen> åker" in (photo.text or "")
    edit = next(c for c in added if c.method == "editMessageMedia")
    assert "I handlekurven: 1" in str(edit.params["media"])


async def test_a_customer_in_two_rings_switches_between_them(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    now = clock()
    async with services.db.transaction() as tx:
        ring = await ring_store.create_ring(
            tx,
            slug="bylund",
            name="REKO Bylund",
            timezone="Europe/Stockholm",
            locale="nb",
            currency="SEK",
            now=now,
        )
        place = await ring_store.add_location(tx, ring_id=ring, name="Torget")
        await pickup_store.create_pickup(
            tx,
            ring_id=ring,
            location_id=place,
            starts_at=now + timedelta(days=6),
            ends_at=now + timedelta(days=6, hours=1),
            deadline=now + timedelta(days=5),
            now=now,
        )
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/start bylund")
        await bot.send(KARI, "/shop")
        in_bylund = last(bot, KARI)
        await bot.send(KARI, "/start")
        await bot.press(KARI, "Bytt ring")
        choices = labels(bot, KARI)
        await bot.press(KARI, "REKO Testby")
        switched = last(bot, KARI)
        await bot.send(KARI, "/shop")
        in_testby = last(bot, KARI)

    assert "REKO Bylund" in in_bylund and "Torget" in in_bylund
    assert choices == ["REKO Bylund", "REKO Testby"]
    assert switched.startswith("Du handler i REKO Testby.")
    assert "Coop Extra parkering" in in_testby
