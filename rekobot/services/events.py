"""Order events, so other parts (producer notes, audit) can react inside the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from rekobot.models import Order
from storage.database import Transaction


class OrderEventKind(StrEnum):
    """What happened to an order."""

    PLACED = "placed"
    CHANGED = "changed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class OrderEvent:
    """An order after the change, and before it (None when it is new)."""

    kind: OrderEventKind
    order: Order
    before: Order | None = None


#: A listener runs in the ordering transaction: if it raises, the order is not placed.
OrderListener = Callable[[Transaction, OrderEvent], Awaitable[None]]
