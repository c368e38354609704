"""A producer's catalog on a real SQLite file: adding, editing, hiding and deleting products."""

from __future__ import annotations

import pytest

from rekobot.errors import InvalidInput, NotFound, ProductWasOrdered
from rekobot.services.catalog import ProductDraft, ProductField
from rekobot.services.registry import Services
from tests.conftest import World
from tests.producer_support import customer, order

KARI = 1001


async def test_a_producer_adds_a_product_with_every_field(services: Services, world: World) -> None:
    farmer = world.producer_owner["farm"]

    product = await services.catalog.add(
        farmer,
        ProductDraft(
            name="  Honning  ",
            unit="glass 350 g",
            price=12950,
            description="Lynghonning fra Nittedal",
            category="Egg og meieri",
            photo_file_id="AgACAgQAAxkBAAIB",
        ),
    )

    assert (product.name, product.unit, product.price) == ("Honning", "glass 350 g", 12950)
    assert product.category == "Egg og meieri" and product.photo_file_id == "AgACAgQAAxkBAAIB"
    names = [p.name for p in await services.catalog.products(farmer)]
    assert names == ["Egg", "Gulrøtter", "Honning", "Poteter"]
    assert await services.catalog.categories(farmer) == ["Grønnsaker", "Bakst", "Egg og meieri"]


@pytest.mark.parametrize(
    ("typed", "minor"), [("45", 4500), ("45,50", 4550), ("45.50", 4550), ("kr 45", 4500)]
)
async def test_prices_are_read_in_the_producers_way(
    services: Services, world: World, typed: str, minor: int
) -> None:
    farmer = world.producer_owner["farm"]
    product = await services.catalog.edit(
        farmer, world.product_ids["eggs"], ProductField.PRICE, typed
    )
    assert product.price == minor


@pytest.mark.parametrize("typed", ["0", "-5", "abc", "1e9", "100000", "45,555"])
async def test_bad_prices_are_refused_and_the_product_keeps_its_price(
    services: Services, world: World, typed: str
) -> None:
    farmer = world.producer_owner["farm"]
    with pytest.raises(InvalidInput) as refused:
        await services.catalog.edit(farmer, world.product_ids["eggs"], ProductField.PRICE, typed)
    assert refused.value.message()
    product = await services.catalog.product(farmer, world.product_ids["eggs"])
    assert product.price == 7500


async def test_every_field_can_be_changed(services: Services, world: World) -> None:
    farmer = world.producer_owner["farm"]
    pid = world.product_ids["carrots"]
    for field, value in (
        (ProductField.NAME, "Gulrøtter, økologiske"),
        (ProductField.DESCRIPTION, "Søte og sprø"),
        (ProductField.UNIT, "2 kg"),
        (ProductField.PRICE, "39,90"),
        (ProductField.CATEGORY, "Bakst"),
        (ProductField.PHOTO, "photo-file-1"),
    ):
        await services.catalog.edit(farmer, pid, field, value)

    product = await services.catalog.product(farmer, pid)
    assert product.name == "Gulrøtter, økologiske" and product.description == "Søte og sprø"
    assert (product.unit, product.price, product.category) == ("2 kg", 3990, "Bakst")
    assert product.photo_file_id == "photo-file-1"
    # Optional fields can be removed again.
    await services.catalog.edit(farmer, pid, ProductField.DESCRIPTION, None)
    await services.catalog.edit(farmer, pid, ProductField.PHOTO, None)
    await services.catalog.edit(farmer, pid, ProductField.CATEGORY, "")
    bare = await services.catalog.product(farmer, pid)
    assert (bare.description, bare.photo_file_id, bare.category) == ("", None, "")


async def test_names_have_limits_and_a_too_long_name_keeps_the_old_one(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    with pytest.raises(InvalidInput) as refused:
        await services.catalog.edit(farmer, world.product_ids["eggs"], ProductField.NAME, "E" * 61)
    assert "60" in refused.value.message()
    with pytest.raises(InvalidInput):
        await services.catalog.add(farmer, ProductDraft(name="", unit="1 kg", price=100))
    assert (await services.catalog.product(farmer, world.product_ids["eggs"])).name == "Egg"


async def test_a_category_outside_the_rings_list_is_refused(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    with pytest.raises(NotFound):
        await services.catalog.edit(
            farmer, world.product_ids["eggs"], ProductField.CATEGORY, "Våpen"
        )
    assert (await services.catalog.product(farmer, world.product_ids["eggs"])).category == (
        "Egg og meieri"
    )


async def test_a_new_price_applies_to_open_offers_but_not_to_what_was_ordered(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    await customer(services, KARI)
    order_id = await order(services, KARI, world.pickup_id, {world.offer_ids["potatoes"]: 2})

    await services.catalog.edit(farmer, world.product_ids["potatoes"], ProductField.PRICE, "70")

    board = await services.offers.board(farmer, world.pickup_id)
    potatoes = next(s for s in board.slots if s.product.name == "Poteter")
    assert potatoes.offer is not None and potatoes.offer.price == 7000
    placed = await services.ordering.order(KARI, order_id)
    assert placed.total == 2 * 6000


async def test_hiding_and_showing_a_product(services: Services, world: World) -> None:
    farmer = world.producer_owner["farm"]
    hidden = await services.catalog.set_hidden(farmer, world.product_ids["carrots"], True)
    assert hidden.hidden
    products = await services.catalog.products(farmer)
    assert products[-1].name == "Gulrøtter" and products[-1].hidden  # hidden ones last
    shown = await services.catalog.set_hidden(farmer, world.product_ids["carrots"], False)
    assert not shown.hidden


async def test_a_never_ordered_product_is_deleted_with_its_offers(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    assert await services.catalog.can_delete(farmer, world.product_ids["carrots"])

    await services.catalog.delete(farmer, world.product_ids["carrots"])

    assert "Gulrøtter" not in [p.name for p in await services.catalog.products(farmer)]
    row = await services.db.fetchone(
        "SELECT COUNT(*) FROM offers WHERE product_id = ?", (world.product_ids["carrots"],)
    )
    assert row is not None and row[0] == 0


async def test_an_ordered_product_can_only_be_hidden_even_after_the_order_is_cancelled(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    await customer(services, KARI)
    order_id = await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
    await services.ordering.cancel(KARI, order_id)

    assert not await services.catalog.can_delete(farmer, world.product_ids["eggs"])
    with pytest.raises(ProductWasOrdered) as refused:
        await services.catalog.delete(farmer, world.product_ids["eggs"])

    assert "skjule" in refused.value.message()
    assert "Egg" in [p.name for p in await services.catalog.products(farmer)]


async def test_a_producer_cannot_touch_another_producers_product(
    services: Services, world: World
) -> None:
    baker = world.producer_owner["bakery"]
    eggs = world.product_ids["eggs"]  # the farm's

    with pytest.raises(NotFound):
        await services.catalog.product(baker, eggs)
    with pytest.raises(NotFound):
        await services.catalog.edit(baker, eggs, ProductField.NAME, "Mine now")
    with pytest.raises(NotFound):
        await services.catalog.set_hidden(baker, eggs, True)
    with pytest.raises(NotFound):
        await services.catalog.delete(baker, eggs)

    product = await services.catalog.product(world.producer_owner["farm"], eggs)
    assert (product.name, product.hidden) == ("Egg", False)
