"""Offers for a pickup: switching on and off, quantities, "same as last time", withdrawing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rekobot.errors import BelowOrdered, InvalidInput, NotApproved, NotFound, OffersClosed
from rekobot.models import OrderStatus
from rekobot.services.catalog import ProductDraft
from rekobot.services.registry import Services
from storage import pickups as pickup_store
from storage import producers as producer_store
from tests.conftest import MovableClock, World
from tests.producer_support import customer, order, queued

KARI = 1001
EMMA = 1002


async def reserved(services: Services, offer_id: int) -> int:
    row = await services.db.fetchone(
        "SELECT quantity_reserved FROM offers WHERE id = ?", (offer_id,)
    )
    assert row is not None
    return int(row[0])


async def next_week(services: Services, world: World) -> int:
    """Schedule the pickup a week after the world's one, with nothing on offer yet."""
    async with services.db.read() as tx:
        this = await pickup_store.get_pickup(tx, world.pickup_id)
    assert this is not None
    async with services.db.transaction() as tx:
        return await pickup_store.create_pickup(
            tx,
            ring_id=world.ring_id,
            location_id=world.location_id,
            starts_at=this.starts_at + timedelta(days=7),
            ends_at=this.ends_at + timedelta(days=7),
            deadline=this.deadline + timedelta(days=7),
            now=services.clock(),
        )


async def test_the_board_shows_every_product_on_or_off(services: Services, world: World) -> None:
    farmer = world.producer_owner["farm"]
    await services.catalog.add(farmer, ProductDraft(name="Honning", unit="glass", price=12000))

    board = await services.offers.board(farmer, world.pickup_id)
    choices = await services.offers.pickups(farmer)

    assert [(s.product.name, s.on) for s in board.slots] == [
        ("Egg", True),
        ("Gulrøtter", True),
        ("Honning", False),
        ("Poteter", True),
    ]
    assert board.on_count == 3
    assert [(c.pickup.id, c.offered) for c in choices] == [(world.pickup_id, 3)]


async def test_a_product_switched_on_can_be_ordered_by_customers(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    honey = await services.catalog.add(
        farmer, ProductDraft(name="Honning", unit="glass", price=12000)
    )

    offer = await services.offers.switch_on(
        farmer, world.pickup_id, honey.id, quantity=6, max_per_customer=2
    )

    assert (offer.quantity_total, offer.max_per_customer, offer.price) == (6, 2, 12000)
    await customer(services, KARI)
    on_sale = await services.shop.offers(
        KARI, world.pickup_id, producer_id=world.producer_ids["farm"]
    )
    assert "Honning" in [o.product.name for o in on_sale]


async def test_the_quantity_never_goes_below_what_is_ordered(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    potatoes = world.offer_ids["potatoes"]  # 10
    await customer(services, KARI)
    await order(services, KARI, world.pickup_id, {potatoes: 4})

    with pytest.raises(BelowOrdered) as refused:
        await services.offers.set_quantity(farmer, potatoes, 3)

    assert "4" in refused.value.message()
    exactly = await services.offers.set_quantity(farmer, potatoes, 4)
    assert exactly.quantity_total == 4 and exactly.sold_out
    unlimited = await services.offers.set_quantity(farmer, potatoes, None)
    assert unlimited.quantity_total is None
    more = await services.offers.set_quantity(farmer, potatoes, 25)
    assert more.available == 21
    with pytest.raises(InvalidInput):
        await services.offers.set_quantity(farmer, potatoes, 1_000_000)


async def test_the_limit_per_customer_can_change_or_be_lifted(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    offer = await services.offers.set_limit(farmer, world.offer_ids["eggs"], 3)
    assert offer.max_per_customer == 3
    lifted = await services.offers.set_limit(farmer, world.offer_ids["eggs"], None)
    assert lifted.max_per_customer is None


async def test_offers_cannot_change_after_the_deadline(
    services: Services, world: World, clock: MovableClock
) -> None:
    farmer = world.producer_owner["farm"]
    clock.advance(days=2)

    with pytest.raises(OffersClosed):
        await services.offers.set_quantity(farmer, world.offer_ids["potatoes"], 50)
    with pytest.raises(OffersClosed):
        await services.offers.withdraw(farmer, world.offer_ids["potatoes"])
    with pytest.raises(OffersClosed):
        await services.offers.switch_on(
            farmer, world.pickup_id, world.product_ids["potatoes"], quantity=1
        )
    assert await services.offers.pickups(farmer) == []
    assert await reserved(services, world.offer_ids["potatoes"]) == 0


async def test_withdrawing_removes_lines_releases_stock_and_tells_each_customer(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    eggs, bread = world.offer_ids["eggs"], world.offer_ids["bread"]
    await customer(services, KARI)
    await customer(services, EMMA, "Emma", language="en")
    only_eggs = await order(services, KARI, world.pickup_id, {eggs: 2})
    eggs_and_bread = await order(services, EMMA, world.pickup_id, {eggs: 1, bread: 1})
    assert await services.offers.orders_holding(farmer, eggs) == 2

    result = await services.offers.withdraw(farmer, eggs)

    assert (result.orders_changed, result.orders_cancelled) == (1, 1)
    assert await reserved(services, eggs) == 0
    kari = await services.ordering.order(KARI, only_eggs)
    assert kari.status is OrderStatus.CANCELLED
    emma = await services.ordering.order(EMMA, eggs_and_bread)
    assert emma.status is OrderStatus.PLACED
    assert [line.product_name for p in emma.parts for line in p.lines] == ["Surdeigsbrød"]
    assert emma.total == 8900
    (to_kari,) = await queued(services.db, "offer_withdrawn", chat_id=KARI)
    (to_emma,) = await queued(services.db, "offer_withdrawn", chat_id=EMMA)
    assert "Berg Gård kan likevel ikke ta med Egg" in to_kari.text
    assert "bestilling #1 er kansellert" in to_kari.text
    assert "Berg Gård can no longer bring Egg" in to_emma.text
    assert "removed from your order #2. New total: NOK89.00" in to_emma.text
    # The customer's shop no longer offers it.
    on_sale = await services.shop.offers(KARI, world.pickup_id)
    assert "Egg" not in [o.product.name for o in on_sale]


async def test_withdrawing_takes_the_offer_out_of_carts_and_invalidates_their_confirmation(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    await customer(services, KARI)
    await services.carts.set_quantity(KARI, world.offer_ids["carrots"], 2)
    await services.carts.set_quantity(KARI, world.offer_ids["bread"], 1)
    shown = await services.carts.view(KARI, world.pickup_id)

    await services.offers.withdraw(farmer, world.offer_ids["carrots"])

    cart = await services.carts.view(KARI, world.pickup_id)
    assert [line.offer.product.name for line in cart.lines] == ["Surdeigsbrød"]
    assert cart.version != shown.version


async def test_a_withdrawn_product_can_be_switched_on_again(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    await services.offers.withdraw(farmer, world.offer_ids["carrots"])

    again = await services.offers.switch_on(
        farmer, world.pickup_id, world.product_ids["carrots"], quantity=12
    )

    assert again.id == world.offer_ids["carrots"] and not again.withdrawn
    assert again.quantity_total == 12


async def test_same_as_last_time_copies_the_previous_pickups_offers(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    coming = await next_week(services, world)
    await services.catalog.set_hidden(farmer, world.product_ids["carrots"], True)
    assert await services.offers.last_quantity(farmer, coming, world.product_ids["eggs"]) == 5

    copied = await services.offers.same_as_last_time(farmer, coming)

    assert sorted(copied.products) == ["Egg", "Poteter"]  # the hidden carrots stay off
    board = await services.offers.board(farmer, coming)
    on = {s.product.name: s.offer for s in board.slots if s.on}
    assert set(on) == {"Egg", "Poteter"}
    eggs = on["Egg"]
    assert eggs is not None and (eggs.quantity_total, eggs.max_per_customer) == (5, 2)
    again = await services.offers.same_as_last_time(farmer, coming)
    assert again.products == () and again.already_on == 2


async def test_same_as_last_time_with_no_previous_pickup_copies_nothing(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    copied = await services.offers.same_as_last_time(farmer, world.pickup_id)
    assert copied.products == () and copied.already_on == 0


async def test_a_producer_cannot_change_another_producers_offer(
    services: Services, world: World
) -> None:
    baker = world.producer_owner["bakery"]
    eggs = world.offer_ids["eggs"]

    with pytest.raises(NotFound):
        await services.offers.set_quantity(baker, eggs, 1)
    with pytest.raises(NotFound):
        await services.offers.set_limit(baker, eggs, 1)
    with pytest.raises(NotFound):
        await services.offers.withdraw(baker, eggs)
    with pytest.raises(NotFound):
        await services.offers.switch_on(
            baker, world.pickup_id, world.product_ids["eggs"], quantity=1
        )
    with pytest.raises(NotFound):
        await services.offers.board(baker, 99999)

    farmer_board = await services.offers.board(world.producer_owner["farm"], world.pickup_id)
    egg_slot = next(s for s in farmer_board.slots if s.product.name == "Egg")
    assert egg_slot.on and egg_slot.offer is not None and egg_slot.offer.quantity_total == 5


async def test_a_producer_whose_approval_was_withdrawn_cannot_offer(
    services: Services, world: World
) -> None:
    farmer = world.producer_owner["farm"]
    async with services.db.transaction() as tx:
        await producer_store.set_ring_status(
            tx,
            producer_id=world.producer_ids["farm"],
            ring_id=world.ring_id,
            status="rejected",
            decided_by=None,
            now=services.clock(),
        )
    with pytest.raises(NotApproved):
        await services.offers.set_quantity(farmer, world.offer_ids["eggs"], 9)
