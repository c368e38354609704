"""The ordering rules, proven on a real SQLite file: stock, deadline, prices, idempotency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from rekobot.errors import (
    CartChanged,
    DeadlinePassed,
    NotFound,
    OfferWithdrawn,
    OutOfStock,
    OverCustomerLimit,
)
from rekobot.models import OrderStatus
from rekobot.services.events import OrderEvent, OrderEventKind
from rekobot.services.registry import Services
from storage import offers as offer_store
from storage.database import Database, Transaction
from tests.conftest import MovableClock, World

ALICE = 1001
BOB = 1002


async def customer(services: Services, user_id: int, name: str = "Kari") -> None:
    """Register a customer and join the test ring."""
    await services.members.register(user_id=user_id, first_name=name, language_code="nb")
    await services.members.join(user_id, "testby")


async def reserved(db: Database, offer_id: int) -> int:
    """How many units of an offer are reserved."""
    row = await db.fetchone("SELECT quantity_reserved FROM offers WHERE id = ?", (offer_id,))
    assert row is not None
    return int(row[0])


async def place(services: Services, user_id: int, pickup_id: int) -> int:
    """Check out the current cart and return the order number."""
    cart = await services.carts.view(user_id, pickup_id)
    result = await services.ordering.checkout(user_id, pickup_id, cart.version)
    return result.order.number


async def test_checkout_reserves_stock_and_freezes_prices(services: Services, world: World) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 2)
    await services.carts.add(ALICE, world.offer_ids["bread"], 1)
    cart = await services.carts.view(ALICE, world.pickup_id)
    assert [g.producer_name for g in cart.groups] == ["Berg Gård", "Solbakken Bakeri"]
    assert cart.total == 2 * 6000 + 8900

    result = await services.ordering.checkout(ALICE, world.pickup_id, cart.version)

    order = result.order
    assert result.kind is OrderEventKind.PLACED
    assert order.number == 1
    assert order.total == 20900
    assert [p.payment_info for p in order.parts] == [
        "Vipps 123456",
        "Kontant eller kort ved utlevering",
    ]
    assert await reserved(services.db, world.offer_ids["potatoes"]) == 2
    # The producer raises the price afterwards: the order keeps the price it was placed at.
    await services.db.execute(
        "UPDATE offers SET price = 9900 WHERE id = ?", (world.offer_ids["potatoes"],)
    )
    again = await services.ordering.order(ALICE, order.id)
    assert again.total == 20900
    assert (await services.carts.view(ALICE, world.pickup_id)).is_empty


async def test_fifty_concurrent_checkouts_for_ten_units_sell_exactly_ten(
    services: Services, world: World, settings: object, clock: MovableClock
) -> None:
    offer_id = world.offer_ids["potatoes"]  # 10 units
    buyers = list(range(2000, 2050))
    for buyer in buyers:
        await customer(services, buyer)
        await services.carts.add(buyer, offer_id, 1)
    # Each buyer checks out on its own connection, as separate processes would.
    others = [Services.create(services.settings, clock=clock) for _ in range(5)]
    for other in others:
        await other.open()

    async def attempt(index: int, buyer: int) -> bool:
        svc = others[index % len(others)]
        cart = await svc.carts.view(buyer, world.pickup_id)
        try:
            await svc.ordering.checkout(buyer, world.pickup_id, cart.version)
        except OutOfStock:
            return False
        return True

    results = await asyncio.gather(*(attempt(i, b) for i, b in enumerate(buyers)))
    for other in others:
        await other.close()

    assert sum(results) == 10
    assert await reserved(services.db, offer_id) == 10
    row = await services.db.fetchone(
        "SELECT SUM(quantity) FROM order_lines WHERE offer_id = ?", (offer_id,)
    )
    assert row is not None and row[0] == 10


async def test_the_last_unit_goes_to_one_customer_only(services: Services, world: World) -> None:
    await customer(services, ALICE)
    await customer(services, BOB, "Bob")
    offer_id = world.offer_ids["bread"]  # 8 units
    await services.carts.set_quantity(ALICE, offer_id, 8)
    await services.carts.set_quantity(BOB, offer_id, 1)
    await place(services, ALICE, world.pickup_id)

    with pytest.raises(OutOfStock) as refused:
        await place(services, BOB, world.pickup_id)

    assert refused.value.available == 0
    assert "utsolgt" in refused.value.message()
    # Bob's cart is kept so he can change it.
    assert (await services.carts.view(BOB, world.pickup_id)).lines[0].quantity == 1


async def test_per_customer_maximum_is_enforced(services: Services, world: World) -> None:
    await customer(services, ALICE)
    offer_id = world.offer_ids["eggs"]  # at most 2 per customer
    await services.carts.add(ALICE, offer_id, 2)

    with pytest.raises(OverCustomerLimit) as refused:
        await services.carts.add(ALICE, offer_id, 1)

    assert refused.value.limit == 2
    assert (await services.carts.view(ALICE, world.pickup_id)).lines[0].quantity == 2


async def test_adding_more_than_is_left_is_refused(services: Services, world: World) -> None:
    await customer(services, ALICE)
    with pytest.raises(OutOfStock) as refused:
        await services.carts.set_quantity(ALICE, world.offer_ids["potatoes"], 11)
    assert refused.value.available == 10
    assert "10" in refused.value.message()


async def test_no_order_change_or_cancellation_after_the_deadline(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 1)
    await place(services, ALICE, world.pickup_id)
    order_id = (await services.ordering.orders(ALICE))[0].id
    await services.carts.add(ALICE, world.offer_ids["carrots"], 1)  # a change, not checked out

    clock.advance(days=2)  # past the Wednesday deadline

    with pytest.raises(DeadlinePassed):
        await services.carts.add(ALICE, world.offer_ids["bread"], 1)
    with pytest.raises(DeadlinePassed):
        await services.ordering.checkout(ALICE, world.pickup_id, 99)
    with pytest.raises(DeadlinePassed):
        await services.ordering.cancel(ALICE, order_id)
    with pytest.raises(DeadlinePassed):
        await services.carts.edit_order(ALICE, order_id)
    order = await services.ordering.order(ALICE, order_id)
    assert order.status is OrderStatus.PLACED and order.total == 6000


async def test_a_cart_for_a_closed_pickup_is_cleared_with_an_explanation(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["bread"], 2)
    clock.advance(days=2)

    expired = await services.carts.expire_closed(ALICE)

    assert [e.pickup.id for e in expired] == [world.pickup_id]
    assert await services.carts.cart_sizes(ALICE) == {}
    assert await services.carts.expire_closed(ALICE) == []


async def test_double_tap_on_confirm_gives_one_order(services: Services, world: World) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 3)
    cart = await services.carts.view(ALICE, world.pickup_id)

    first, second = await asyncio.gather(
        services.ordering.checkout(ALICE, world.pickup_id, cart.version),
        services.ordering.checkout(ALICE, world.pickup_id, cart.version),
    )

    assert first.order.id == second.order.id
    assert {first.kind, second.kind} == {OrderEventKind.PLACED, None}
    assert await reserved(services.db, world.offer_ids["potatoes"]) == 3
    count = await services.db.fetchone("SELECT COUNT(*) FROM orders")
    assert count is not None and count[0] == 1


async def test_a_confirmation_for_an_older_cart_is_refused(
    services: Services, world: World
) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 1)
    shown = await services.carts.view(ALICE, world.pickup_id)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 1)

    with pytest.raises(CartChanged):
        await services.ordering.checkout(ALICE, world.pickup_id, shown.version)


async def test_cancelling_releases_the_stock(services: Services, world: World) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 4)
    await place(services, ALICE, world.pickup_id)
    order_id = (await services.ordering.orders(ALICE))[0].id

    cancelled = await services.ordering.cancel(ALICE, order_id)

    assert cancelled.status is OrderStatus.CANCELLED
    assert await reserved(services.db, world.offer_ids["potatoes"]) == 0


async def test_changing_an_order_keeps_its_number_and_moves_only_the_difference(
    services: Services, world: World
) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 4)
    await services.carts.add(ALICE, world.offer_ids["bread"], 1)
    number = await place(services, ALICE, world.pickup_id)
    order_id = (await services.ordering.orders(ALICE))[0].id

    await services.carts.edit_order(ALICE, order_id)
    cart = await services.carts.view(ALICE, world.pickup_id)
    assert cart.editing_order_number == number
    assert {line.offer.id: line.quantity for line in cart.lines} == {
        world.offer_ids["potatoes"]: 4,
        world.offer_ids["bread"]: 1,
    }
    await services.carts.set_quantity(ALICE, world.offer_ids["potatoes"], 10)  # all 10 units
    await services.carts.set_quantity(ALICE, world.offer_ids["bread"], 0)
    result = await services.ordering.checkout(
        ALICE, world.pickup_id, (await services.carts.view(ALICE, world.pickup_id)).version
    )

    assert result.kind is OrderEventKind.CHANGED
    assert result.order.number == number
    assert result.order.total == 10 * 6000
    assert await reserved(services.db, world.offer_ids["potatoes"]) == 10
    assert await reserved(services.db, world.offer_ids["bread"]) == 0


async def test_shopping_again_adds_to_the_standing_order(services: Services, world: World) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 1)
    await place(services, ALICE, world.pickup_id)

    await services.carts.add(ALICE, world.offer_ids["bread"], 1)
    cart = await services.carts.view(ALICE, world.pickup_id)

    assert cart.editing_order_number == 1
    assert len(cart.lines) == 2


async def test_customers_cannot_see_or_change_each_others_orders(
    services: Services, world: World
) -> None:
    await customer(services, ALICE)
    await customer(services, BOB, "Bob")
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 1)
    await place(services, ALICE, world.pickup_id)
    order_id = (await services.ordering.orders(ALICE))[0].id

    with pytest.raises(NotFound):
        await services.ordering.order(BOB, order_id)
    with pytest.raises(NotFound):
        await services.ordering.cancel(BOB, order_id)
    with pytest.raises(NotFound):
        await services.carts.edit_order(BOB, order_id)
    assert (await services.ordering.order(ALICE, order_id)).status is OrderStatus.PLACED


async def test_an_offer_of_another_ring_cannot_be_added(
    services: Services, world: World, clock: MovableClock
) -> None:
    other = await _second_ring_offer(services, clock)
    await customer(services, ALICE)

    with pytest.raises(NotFound):
        await services.carts.add(ALICE, other, 1)
    assert await services.carts.cart_sizes(ALICE) == {}


async def test_a_withdrawn_offer_cannot_be_added_or_checked_out(
    services: Services, world: World
) -> None:
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["bread"], 1)
    await services.db.execute(
        "UPDATE offers SET withdrawn_at = '2026-11-30T11:00:00+00:00' WHERE id = ?",
        (world.offer_ids["bread"],),
    )

    with pytest.raises(OfferWithdrawn):
        await services.carts.add(ALICE, world.offer_ids["bread"], 1)
    cart = await services.carts.view(ALICE, world.pickup_id)
    assert cart.is_empty  # the withdrawn line is dropped from the cart view


async def test_listeners_see_each_order_event_in_the_same_transaction(
    services: Services, world: World
) -> None:
    seen: list[tuple[OrderEventKind, int | None]] = []

    async def listener(tx: Transaction, event: OrderEvent) -> None:
        count = await tx.scalar(
            "SELECT COUNT(*) FROM order_lines WHERE order_id = ?", (event.order.id,)
        )
        seen.append((event.kind, count))

    services.ordering.listeners.append(listener)
    await customer(services, ALICE)
    await services.carts.add(ALICE, world.offer_ids["potatoes"], 1)
    await place(services, ALICE, world.pickup_id)
    order_id = (await services.ordering.orders(ALICE))[0].id
    await services.ordering.cancel(ALICE, order_id)

    assert seen == [(OrderEventKind.PLACED, 1), (OrderEventKind.CANCELLED, 1)]


async def _second_ring_offer(services: Services, clock: MovableClock) -> int:
    from storage import pickups as pickup_store
    from storage import producers as producer_store
    from storage import rings as ring_store

    now = clock()
    async with services.db.transaction() as tx:
        ring_id = await ring_store.create_ring(
            tx,
            slug="annen",
            name="REKO Annen",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=now,
        )
        location = await ring_store.add_location(tx, ring_id=ring_id, name="Torget")
        pickup = await pickup_store.create_pickup(
            tx,
            ring_id=ring_id,
            location_id=location,
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=1),
            deadline=now + timedelta(days=4),
            now=now,
        )
        producer = await tx.scalar("SELECT id FROM producers LIMIT 1")
        product = await producer_store.create_product(
            tx, producer_id=producer, name="Honning", unit="glass", price=10000, now=now
        )
        return await offer_store.create_offer(
            tx, pickup_id=pickup, product_id=product, price=10000, quantity_total=5, now=now
        )
