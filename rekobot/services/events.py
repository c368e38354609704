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
    #: What made it happen, once: the checkout key, or "cancel:<order id>".
    key: str = ""


def checkout_key(user_id: int, pickup_id: int, version: int) -> str:
    """Name one checkout: the customer confirming one version of one cart."""
    return f"{user_id}:{pickup_id}:{version}"


def cancel_key(order_id: int) -> str:
    """Name the cancellation of an order (an order is cancelled once)."""
    return f"cancel:{order_id}"


#: A listener runs in the ordering transaction: if it raises, the order is not placed.
OrderListener = Callable[[Transaction, OrderEvent], Awaitable[None]]
