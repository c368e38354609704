"""The handover: orders marked collected at the pickup, no-shows after it, seen by the customer."""

from __future__ import annotations

import pytest

from rekobot.errors import HandoverNotYet, NoShowNotYet, NotFound
from rekobot.models import HandoverStatus
from rekobot.services.registry import Services
from tests.conftest import BAKER_ID, FARMER_ID, MovableClock, World
from tests.producer_support import customer, order

KARI = 1001
EMMA = 1002


async def two_orders(services: Services, world: World) -> tuple[int, int]:
    await customer(services, KARI)
    await customer(services, EMMA, "Emma")
    kari = await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
    emma = await order(
        services,
        EMMA,
        world.pickup_id,
        {world.offer_ids["potatoes"]: 1, world.offer_ids["bread"]: 1},
    )
    return kari, emma


async def test_orders_are_marked_collected_and_the_customer_sees_it(
    services: Services, world: World, clock: MovableClock
) -> None:
    kari, emma = await two_orders(services, world)
    clock.advance(days=3, hours=7, minutes=10)  # at the pickup

    marked = await services.handover.mark(
        FARMER_ID, world.pickup_id, kari, HandoverStatus.COLLECTED
    )

    assert marked.handover is HandoverStatus.COLLECTED
    seen = await services.ordering.order(KARI, kari)
    assert [p.handover for p in seen.parts] == [HandoverStatus.COLLECTED]
    sheet = await services.handover.sheet(FARMER_ID, world.pickup_id)
    assert [(o.number, o.handover) for o in sheet.orders] == [
        (1, HandoverStatus.COLLECTED),
        (2, None),
    ]
    # Emma's order has two producers: the farm's mark does not speak for the bakery.
    await services.handover.mark(FARMER_ID, world.pickup_id, emma, HandoverStatus.COLLECTED)
    emma_order = await services.ordering.order(EMMA, emma)
    assert {p.producer_name: p.handover for p in emma_order.parts} == {
        "Berg Gård": HandoverStatus.COLLECTED,
        "Solbakken Bakeri": None,
    }


async def test_a_mark_can_be_undone(services: Services, world: World, clock: MovableClock) -> None:
    kari, _ = await two_orders(services, world)
    clock.advance(days=2)
    await services.handover.mark(FARMER_ID, world.pickup_id, kari, HandoverStatus.COLLECTED)

    undone = await services.handover.mark(FARMER_ID, world.pickup_id, kari, None)

    assert undone.handover is None
    assert (await services.ordering.order(KARI, kari)).parts[0].handover is None


async def test_nothing_is_marked_before_the_deadline(services: Services, world: World) -> None:
    kari, _ = await two_orders(services, world)
    with pytest.raises(HandoverNotYet):
        await services.handover.mark(FARMER_ID, world.pickup_id, kari, HandoverStatus.COLLECTED)


async def test_no_shows_are_marked_after_the_pickup_ends_and_collected_ones_stay(
    services: Services, world: World, clock: MovableClock
) -> None:
    kari, emma = await two_orders(services, world)
    clock.advance(days=3, hours=7, minutes=30)  # during the pickup
    await services.handover.mark(FARMER_ID, world.pickup_id, kari, HandoverStatus.COLLECTED)
    with pytest.raises(NoShowNotYet):
        await services.handover.mark_no_shows(FARMER_ID, world.pickup_id)

    clock.advance(hours=1)  # the pickup has ended
    count = await services.handover.mark_no_shows(FARMER_ID, world.pickup_id)

    assert count == 1
    sheet = await services.handover.sheet(FARMER_ID, world.pickup_id)
    assert [o.handover for o in sheet.orders] == [HandoverStatus.COLLECTED, HandoverStatus.NO_SHOW]
    assert (await services.ordering.order(EMMA, emma)).parts[0].handover is HandoverStatus.NO_SHOW
    assert await services.handover.mark_no_shows(FARMER_ID, world.pickup_id) == 0


async def test_a_producer_cannot_mark_an_order_without_their_products(
    services: Services, world: World, clock: MovableClock
) -> None:
    kari, _ = await two_orders(services, world)  # Kari bought only eggs from the farm
    clock.advance(days=2)

    with pytest.raises(NotFound):
        await services.handover.mark(BAKER_ID, world.pickup_id, kari, HandoverStatus.COLLECTED)
    with pytest.raises(NotFound):
        await services.handover.mark(FARMER_ID, world.pickup_id, 99999, HandoverStatus.COLLECTED)

    assert (await services.ordering.order(KARI, kari)).parts[0].handover is None
