"""Who may look at a pickup: an unblocked member of its ring, and nobody else.

``Shop.open_pickup`` answers this with one statement (pickup, ring and membership together);
these cases hold it to what the three separate reads used to decide.
"""

from __future__ import annotations

import pytest

from rekobot.errors import NotFound, PickupCancelled
from rekobot.services.registry import Services
from tests.conftest import World
from tests.producer_support import customer

MEMBER = 7001
STRANGER = 7002


async def test_a_member_sees_the_pickup_with_its_ring(services: Services, world: World) -> None:
    await customer(services, MEMBER)

    ring, pickup = await services.shop.pickup(MEMBER, world.pickup_id)

    assert (ring.id, ring.slug, ring.timezone) == (world.ring_id, "testby", "Europe/Oslo")
    assert (pickup.id, pickup.ring_id) == (world.pickup_id, world.ring_id)
    assert pickup.location.id == world.location_id


async def test_strangers_blocked_members_and_unknown_ids_are_not_found(
    services: Services, world: World
) -> None:
    await customer(services, MEMBER)
    await services.members.register(user_id=STRANGER, first_name="Ola")

    with pytest.raises(NotFound):
        await services.shop.pickup(STRANGER, world.pickup_id)
    with pytest.raises(NotFound):
        await services.shop.pickup(MEMBER, world.pickup_id + 1000)
    await services.db.execute(
        "UPDATE memberships SET blocked_at = '2026-11-30T10:00:00+00:00' WHERE user_id = ?",
        (MEMBER,),
    )
    with pytest.raises(NotFound):
        await services.shop.pickup(MEMBER, world.pickup_id)


async def test_a_cancelled_pickup_says_so_to_a_member(services: Services, world: World) -> None:
    await customer(services, MEMBER)
    await services.db.execute(
        "UPDATE pickups SET status = 'cancelled' WHERE id = ?", (world.pickup_id,)
    )

    with pytest.raises(PickupCancelled):
        await services.shop.pickup(MEMBER, world.pickup_id)
