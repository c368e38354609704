"""Order events, so other parts (producer notes, audit) can react inside the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from rekobot.models import Order, Ring, User
from rekobot.services.outbox import Handover
from storage import rings as ring_store
from storage import users as user_store
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
    #: The order's ring and its customer, when whoever emits the event read them already:
    #: every listener needs them, and a checkout holds the write lock while they run.
    ring: Ring | None = None
    customer: User | None = None
    #: The customer's chat handler sends their notice itself, right after the commit: the
    #: listener queuing it claims it in the same transaction and leaves it in ``handed``.
    handover: bool = False
    handed: list[Handover] = field(default_factory=list)

    async def ring_of(self, tx: Transaction) -> Ring | None:
        """The order's ring (None when it is gone)."""
        if self.ring is not None:
            return self.ring
        return await ring_store.get_ring(tx, self.order.pickup.ring_id)

    async def customer_of(self, tx: Transaction) -> User | None:
        """The order's customer (None for an erased one's order)."""
        if self.customer is not None:
            return self.customer
        return await user_store.get_user(tx, self.order.user_id)


def checkout_key(user_id: int, pickup_id: int, version: int) -> str:
    """Name one checkout: the customer confirming one version of one cart."""
    return f"{user_id}:{pickup_id}:{version}"


def cancel_key(order_id: int) -> str:
    """Name the cancellation of an order (an order is cancelled once)."""
    return f"cancel:{order_id}"


#: A listener runs in the ordering transaction: if it raises, the order is not placed.
OrderListener = Callable[[Transaction, OrderEvent], Awaitable[None]]
