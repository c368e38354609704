"""The buttons of a producer's page, apart so that the shop's producer list can link to it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from handlers.callbacks import Callback


@dataclasses.dataclass(frozen=True)
class ProducerPageButton(Callback, prefix="cpp"):
    """A producer's page at a pickup (``page_button`` in the posts service packs the same)."""

    pickup_id: int
    producer_id: int


@dataclasses.dataclass(frozen=True)
class FollowProducer(Callback, prefix="cfol"):
    """Follow (1) or unfollow (0) the producer in the pickup's ring."""

    pickup_id: int
    producer_id: int
    on: int


@dataclasses.dataclass(frozen=True)
class AskProducer(Callback, prefix="cask"):
    """Ask the producer a question (``ask_button`` in the questions service packs the same)."""

    ring_id: int
    producer_id: int


def shelf_link(
    pickup_id: int, by: str, shelf_id: int, shelf: Callable[[int, str, int, int], Callback]
) -> Callback:
    """Where a shelf in the shop's list leads: a producer's page, or a category's products."""
    if by == "p":
        return ProducerPageButton(pickup_id, shelf_id)
    return shelf(pickup_id, by, shelf_id, 0)
