"""Checkout, changes and cancellation: where stock is reserved and prices are frozen.

Checkout is idempotent: the confirm button carries the cart version, and the order it
produced is remembered under that key, so a double tap or a repeated update gives one order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import (
    CartChanged,
    DeadlinePassed,
    EmptyCart,
    NoRing,
    NotFound,
    OfferWithdrawn,
    OutOfStock,
)
from rekobot.models import Order, OrderStatus, Ring
from rekobot.services.cart import check_quantity
from rekobot.services.events import (
    OrderEvent,
    OrderEventKind,
    OrderListener,
    cancel_key,
    checkout_key,
)
from rekobot.services.members import Members
from rekobot.services.outbox import Handover
from rekobot.services.shop import Shop
from storage import carts as cart_store
from storage import comments as comment_store
from storage import offers as offer_store
from storage import orders as order_store
from storage import rings as ring_store
from storage import users as user_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutResult:
    """The order as it now stands, and whether this call placed, changed or only repeated it."""

    order: Order
    kind: OrderEventKind | None  # None: a repeated tap; nothing changed
    #: The customer's notice, claimed for the caller to send now (``checkout(handover=True)``).
    notice: Handover | None = None


#: Orders /orders loads per ring: every upcoming one (a customer has a few) and the latest
#: past ones it lists. Loading 50 built some 250 models a tap for a long history.
LISTED = 20


@dataclass(frozen=True)
class RingOrders:
    """A customer's latest orders in one ring (at most ``LISTED``), newest pickup first."""

    ring: Ring
    orders: list[Order]
    #: All of the customer's orders in the ring, listed or not.
    total: int


class Ordering:
    """Placing, changing and cancelling orders."""

    def __init__(
        self, db: Database, shop: Shop, members: Members, *, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.shop = shop
        self.members = members
        self.clock = clock
        self.listeners: list[OrderListener] = []

    async def checkout(
        self, user_id: int, pickup_id: int, version: int, *, handover: bool = False
    ) -> CheckoutResult:
        """Turn the cart the customer confirmed into their order for the pickup.

        With ``handover`` the customer's notice comes back claimed, and the caller must send
        it (``handlers/customer/notices.py``); otherwise the outbox sends it.
        """
        key = checkout_key(user_id, pickup_id, version)
        async with self.db.transaction() as tx:
            done = await order_store.checkout_order(tx, key)
            if done is not None:
                order = await order_store.load_order(tx, done)
                assert order is not None
                return CheckoutResult(order=order, kind=None)
            ring, pickup = await self.shop.open_pickup(tx, user_id, pickup_id)
            current_version, _ = await cart_store.cart_header(tx, user_id, pickup_id)
            if current_version != version:
                raise CartChanged()
            wanted = await cart_store.cart_quantities(tx, user_id, pickup_id)
            if not wanted:
                raise EmptyCart()
            now = self.clock()
            order_id = await order_store.placed_order_id(tx, user_id, pickup_id)
            before = (
                await order_store.load_order(tx, order_id, pickup=pickup) if order_id else None
            )
            had = await order_store.line_quantities(tx, order_id) if order_id else {}
            if order_id is None:
                order_id = await order_store.insert_order(
                    tx, pickup_id=pickup_id, user_id=user_id, now=now
                )
            for offer_id in sorted(set(wanted) | set(had)):
                new_quantity = wanted.get(offer_id, 0)
                old_quantity, old_price = had.get(offer_id, (0, 0))
                await self._apply_line(
                    tx, order_id, pickup_id, offer_id, new_quantity, old_quantity, old_price
                )
            await comment_store.copy_cart_comments(
                tx, user_id, pickup_id, order_id, replace=before is not None
            )
            if before is not None:  # a new order was written as of now
                await order_store.touch_order(tx, order_id, now)
            await cart_store.clear_cart(tx, user_id, pickup_id)
            await order_store.record_checkout(tx, key, order_id, now)
            order = await order_store.load_order(tx, order_id, pickup=pickup)
            assert order is not None
            kind = OrderEventKind.CHANGED if before else OrderEventKind.PLACED
            customer = await user_store.get_user(tx, user_id)
            event = OrderEvent(
                kind, order, before, key, ring=ring, customer=customer, handover=handover
            )
            await self._emit(tx, event)
        log.info("order %s (#%s) %s by user %s", order.id, order.number, kind, user_id)
        notice = event.handed[0] if event.handed else None
        return CheckoutResult(order=order, kind=kind, notice=notice)

    async def _apply_line(
        self,
        tx: Transaction,
        order_id: int,
        pickup_id: int,
        offer_id: int,
        new_quantity: int,
        old_quantity: int,
        old_price: int,
    ) -> None:
        """Reserve or release the difference and write the line at the right price."""
        offer = await offer_store.get_offer(tx, offer_id)
        if offer is None or offer.pickup_id != pickup_id:
            raise NotFound()
        delta = new_quantity - old_quantity
        if delta == 0:
            return
        if new_quantity > 0:
            if offer.withdrawn:
                raise OfferWithdrawn()
            check_quantity(offer, new_quantity, old_quantity)
        if delta > 0 and not await offer_store.reserve(tx, offer_id, delta):
            raise OutOfStock(offer.product.name, (offer.available or 0) + old_quantity)
        if delta < 0:
            await offer_store.release(tx, offer_id, -delta)
        # A line whose quantity changes is priced as of now; an untouched one keeps its price.
        price = offer.price if delta else old_price
        product = offer.product
        await order_store.set_line(
            tx,
            order_id,
            offer_id,
            new_quantity,
            price,
            price_basis=product.price_basis.value,
            estimate_grams=product.estimate_grams,
        )

    async def cancel(self, user_id: int, order_id: int) -> Order:
        """Cancel the customer's own order before the deadline and give the stock back."""
        async with self.db.transaction() as tx:
            before = await self._own_order(tx, user_id, order_id)
            if before.status is OrderStatus.CANCELLED:
                return before
            if not before.pickup.is_open(self.clock()):
                raise DeadlinePassed(before.pickup.deadline)
            for offer_id, (quantity, _price) in (
                await order_store.line_quantities(tx, order_id)
            ).items():
                await offer_store.release(tx, offer_id, quantity)
            await order_store.mark_cancelled(tx, order_id, self.clock())
            await cart_store.clear_cart(tx, user_id, before.pickup.id)
            order = await order_store.load_order(tx, order_id)
            assert order is not None
            await self._emit(
                tx,
                OrderEvent(
                    kind=OrderEventKind.CANCELLED,
                    order=order,
                    before=before,
                    key=cancel_key(order_id),
                ),
            )
        log.info("order %s cancelled by user %s", order_id, user_id)
        return order

    async def order(self, user_id: int, order_id: int) -> Order:
        """Return one of the customer's own orders."""
        async with self.db.read() as tx:
            return await self._own_order(tx, user_id, order_id)

    async def orders(self, user_id: int) -> list[Order]:
        """Return the customer's orders in their current ring, newest pickup first."""
        ring = await self.members.current_ring(user_id)
        async with self.db.read() as tx:
            return await _orders_in(tx, user_id, ring.id)

    async def orders_by_ring(self, user_id: int) -> list[RingOrders]:
        """Return the customer's orders in every ring they belong to, ring by ring.

        Every ring, not only the one they shop in now: an order placed in another ring is
        still theirs to collect. Rings without orders are left out.
        """
        memberships = await self.members.memberships(user_id)
        if not memberships:
            raise NoRing()
        async with self.db.read() as tx:
            groups = [
                RingOrders(
                    ring=m.ring,
                    orders=await order_store.orders_for_user(
                        tx, user_id, m.ring.id, limit=LISTED
                    ),
                    total=await order_store.order_count(tx, user_id, m.ring.id),
                )
                for m in memberships
            ]
        return [group for group in groups if group.orders]

    async def order_with_ring(self, user_id: int, order_id: int) -> tuple[Ring, Order]:
        """Return one of the customer's own orders and the ring it belongs to."""
        async with self.db.read() as tx:
            order = await self._own_order(tx, user_id, order_id)
            ring = await ring_store.get_ring(tx, order.pickup.ring_id)
        if ring is None:
            raise NotFound()
        return ring, order

    async def _own_order(self, tx: Transaction, user_id: int, order_id: int) -> Order:
        order = await order_store.load_order(tx, order_id)
        if order is None or order.user_id != user_id:
            log.warning("user %s asked for order %s that is not theirs", user_id, order_id)
            raise NotFound()
        return order

    async def _emit(self, tx: Transaction, event: OrderEvent) -> None:
        for listener in self.listeners:
            await listener(tx, event)


async def _orders_in(tx: Transaction, user_id: int, ring_id: int) -> list[Order]:
    """The customer's orders in one ring, newest pickup first (the latest 50)."""
    return await order_store.orders_for_user(tx, user_id, ring_id)
