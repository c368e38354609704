"""The pickup's calendar file: lines folded at 75 octets, never inside a character.

Phones refuse or garble an .ics whose lines are longer, and a fold inside a multi-byte
character (å, ø, an emoji) breaks the text it is in.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rekobot.calendar import pickup_event
from rekobot.services.registry import Services
from tests.conftest import World
from tests.producer_support import customer

KARI = 7101
DIRECTIONS = (
    "Kjør forbi kirken, ta til høyre ved den røde låven 🚜 og følg skiltene til gårdsbutikken; "
    "parkér på grusplassen, vi står ved stabburet med kjølebilen. " * 3
).strip()


async def test_long_directions_fold_at_75_octets_and_unfold_unchanged(
    services: Services, world: World
) -> None:
    await customer(services, KARI)
    ring, pickup = await services.shop.pickup(KARI, world.pickup_id)
    place = pickup.location.model_copy(update={"directions": DIRECTIONS})
    pickup = pickup.model_copy(update={"location": place})

    ics = pickup_event(ring, pickup, order_number=12, now=datetime(2026, 12, 1, tzinfo=UTC))

    raw_lines = ics.split(b"\r\n")
    assert raw_lines[-1] == b""
    assert max(len(line) for line in raw_lines) <= 75
    assert all(line.decode("utf-8") for line in raw_lines[:-1])  # no character cut in two
    unfolded = ics.decode("utf-8").replace("\r\n ", "").split("\r\n")
    escaped = DIRECTIONS.replace(";", "\\;").replace(",", "\\,")
    assert f"DESCRIPTION:{escaped}" in unfolded
    assert f"UID:pickup-{pickup.id}-ring-{ring.id}@rekobot" in unfolded
    assert sum(line.startswith(b" ") for line in raw_lines) >= 5  # it did fold
