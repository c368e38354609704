"""A shelf is paged by the database: each page, the pager and the heading must still add up.

The shop reads only the page it shows (and a count for the pager), so what changes between
two taps (an offer withdrawn or sold out, a stale button) has to be handled by the query, not
by slicing a list that holds the whole pickup.
"""

from __future__ import annotations

from handlers.customer.shop import BY_PRODUCER, ShelfPage
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import offers as offer_store
from storage import producers as producer_store
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI, labels, last, running_bot
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.test_due_work import plan


async def offer_products(
    services: Services,
    world: World,
    clock: MovableClock,
    producer: str,
    names: list[str],
    *,
    category: str = "Grønnsaker",
) -> list[int]:
    """Put one product per name of ``producer`` on offer at the world's pickup; return offers."""
    offer_ids = []
    async with services.db.transaction() as tx:
        for n, name in enumerate(names):
            product = await producer_store.create_product(
                tx,
                producer_id=world.producer_ids[producer],
                name=name,
                unit="1 stk",
                price=1000 + n,
                category=category,
                now=clock(),
            )
            offer_ids.append(
                await offer_store.create_offer(
                    tx,
                    pickup_id=world.pickup_id,
                    product_id=product,
                    price=1000 + n,
                    quantity_total=5,
                    now=clock(),
                )
            )
    return offer_ids


def shown_offers(bot: BotDriver, user: TgUser) -> list[int]:
    """The offers on the latest shelf page, top to bottom (the buttons that open a card)."""
    return [
        int(data.split(":")[1])
        for row in bot.buttons(user)
        for _label, data in row
        if data is not None and data.startswith("cof:")
    ]


def vare(count: int, start: int = 0) -> list[str]:
    """Product names that sort after the world's own ("Vare 000", "Vare 001", ...)."""
    return [f"Vare {n:03d}" for n in range(start, start + count)]


async def test_a_category_pages_across_producers_in_one_order_and_names_them_all(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = await offer_products(services, world, clock, "farm", vare(9))
    bakery = await offer_products(services, world, clock, "bakery", ["Kål 0", "Kål 1", "Kål 2"])
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Etter kategori")
        await bot.press(KARI, "Grønnsaker (14)")
        first, first_labels, heading = shown_offers(bot, KARI), labels(bot, KARI), last(bot, KARI)
        await bot.press(KARI, "▶")
        second, second_labels = shown_offers(bot, KARI), labels(bot, KARI)

    # Berg Gård before Solbakken Bakeri, each by product name; every offer once.
    everything = [world.offer_ids["carrots"], world.offer_ids["potatoes"], *farm, *bakery]
    assert first == everything[:10] and second == everything[10:]
    assert "1/2" in first_labels and "2/2" in second_labels and "▶" not in second_labels
    # The bakery is only on page 2, yet page 1 says who the whole shelf is from.
    assert heading.startswith("Grønnsaker\nFra: Berg Gård, Solbakken Bakeri")


async def test_an_offer_withdrawn_between_pages_leaves_one_page_and_the_stale_arrow_shows_it(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = await offer_products(services, world, clock, "farm", vare(9))  # 12: two pages
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård (12)")
        before = labels(bot, KARI)
        async with services.db.transaction() as tx:
            for offer_id in (world.offer_ids["eggs"], farm[0]):
                await offer_store.withdraw(tx, offer_id, clock())
        await bot.press(KARI, "▶")  # drawn when there were two pages
        after, after_labels = shown_offers(bot, KARI), labels(bot, KARI)

    assert "1/2" in before
    assert after == [world.offer_ids["carrots"], world.offer_ids["potatoes"], *farm[1:]]
    assert not {"◀", "▶", "1/1", "2/2", "2/1"} & set(after_labels)


async def test_an_offer_sold_out_between_pages_stays_on_its_page_marked_sold_out(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = await offer_products(services, world, clock, "farm", vare(9))
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård (12)")
        await services.db.execute(
            "UPDATE offers SET quantity_reserved = quantity_total WHERE id = ?", (farm[-1],)
        )
        await bot.press(KARI, "▶")
        page, page_labels = shown_offers(bot, KARI), labels(bot, KARI)

    assert page == farm[-2:]
    assert "2/2" in page_labels
    assert "⛔ Vare 008, 1 stk · utsolgt" in page_labels
    assert sum(label.startswith("➕") for label in page_labels) == 1


async def test_a_page_past_the_end_from_an_old_button_shows_the_last_page(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = await offer_products(services, world, clock, "farm", vare(9))
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        stale = ShelfPage(world.pickup_id, BY_PRODUCER, world.producer_ids["farm"], 7)
        await bot.feed(bot.factory.callback(KARI, stale.pack()))
        page, page_labels = shown_offers(bot, KARI), labels(bot, KARI)
        await bot.press(KARI, lambda label: label.startswith("➕"))  # adds from the page shown
        after = labels(bot, KARI)

    assert page == farm[-2:]
    assert "2/2" in page_labels and "◀" in page_labels and "▶" not in page_labels
    assert "2/2" in after and "🛒1 Vare 007" in after


async def test_a_shelf_of_exactly_one_page_has_no_pager_and_one_more_offer_adds_it(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = await offer_products(services, world, clock, "farm", vare(7))  # 3 + 7 = 10
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård (10)")
        full, full_labels = shown_offers(bot, KARI), labels(bot, KARI)
        more = await offer_products(services, world, clock, "farm", vare(1, start=7))
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård (11)")
        await bot.press(KARI, "▶")
        overflow, overflow_labels = shown_offers(bot, KARI), labels(bot, KARI)

    assert len(full) == 10 and set(full) >= set(farm)
    assert not {"◀", "▶", "1/1"} & set(full_labels)
    assert overflow == more and "2/2" in overflow_labels


async def test_products_in_none_of_the_rings_categories_are_on_the_other_shelf(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    mushrooms = await offer_products(
        services, world, clock, "bakery", ["Kantarell", "Steinsopp"], category="Sopp"
    )
    plain = await offer_products(services, world, clock, "farm", ["Honning"], category="")
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Etter kategori")
        categories = labels(bot, KARI)
        await bot.press(KARI, "Annet (3)")
        shelf, heading = shown_offers(bot, KARI), last(bot, KARI)

    assert categories[:4] == ["Grønnsaker (2)", "Bakst (1)", "Egg og meieri (1)", "Annet (3)"]
    assert shelf == [*plain, *mushrooms]  # Berg Gård, then Solbakken Bakeri
    assert heading.startswith("Annet\nFra: Berg Gård, Solbakken Bakeri")


async def test_every_shop_query_searches_the_pickups_offers_by_index(
    settings: Settings, world: World
) -> None:
    shelves = {
        "a producer": offer_store.shelf_filter(producer_id=world.producer_ids["farm"]),
        "a category": offer_store.shelf_filter(category="Grønnsaker"),
        "other": offer_store.shelf_filter(outside_categories_of=world.ring_id),
        "the whole pickup": offer_store.shelf_filter(),
    }
    queries: dict[str, tuple[str, tuple[object, ...]]] = {
        "category counts": (offer_store.CATEGORY_COUNTS_SQL, (world.pickup_id,))
    }
    for name, (condition, params) in shelves.items():
        queries[f"{name}: counts"] = (
            offer_store.PRODUCER_COUNTS_SQL.format(shelf=condition),
            (world.pickup_id, *params),
        )
        queries[f"{name}: one page"] = (
            offer_store.SHELF_PAGE_SQL.format(shelf=condition),
            (world.pickup_id, *params, 10, 20),
        )
    for name, (sql, args) in queries.items():
        lines = plan(settings.database, sql, args)
        assert not [line for line in lines if line.startswith("SCAN")], f"{name} scans: {lines}"
        offers = next(line for line in lines if line.startswith("SEARCH o "))
        assert "pickup_id=?" in offers, (name, lines)
