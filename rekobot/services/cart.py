"""The cart: a customer's basket for one pickup, spanning producers, kept in the database.

When the customer already has an order for the pickup, the cart starts as a copy of it, so
checking out always means "this is my order now".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import CartChanged, NotFound, OfferWithdrawn, OutOfStock, OverCustomerLimit
from rekobot.models import Cart, CartLine, Offer, Pickup, ProducerGroup, Ring
from rekobot.parsing import MAX_QUANTITY
from rekobot.services.shop import Shop
from storage import carts as cart_store
from storage import comments as comment_store
from storage import offers as offer_store
from storage import orders as order_store
from storage import pickups as pickup_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineChange:
    """The offer a change touched and its quantity in the cart afterwards."""

    offer: Offer
    quantity: int


@dataclass(frozen=True)
class Shortfall:
    """A cart line asking for more than is left now (bought by others since it was added)."""

    offer: Offer
    wanted: int
    left: int


@dataclass(frozen=True)
class ExpiredCart:
    """A cart that was cleared because its pickup stopped taking orders."""

    pickup: Pickup
    ring_timezone: str


class Carts:
    """Adding, changing and reviewing what a customer is about to order."""

    def __init__(self, db: Database, shop: Shop, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.shop = shop
        self.clock = clock

    async def add(self, user_id: int, offer_id: int, delta: int) -> LineChange:
        """Add (or with a negative delta, take away) units of an offer."""
        async with self.db.transaction() as tx:
            offer, pickup = await self._offer(tx, user_id, offer_id)
            current = (await self._ensure_cart(tx, user_id, pickup.id)).get(offer.id, 0)
            return await self._set(tx, user_id, offer, pickup, current + delta)

    async def set_quantity(self, user_id: int, offer_id: int, quantity: int) -> LineChange:
        """Set the quantity of an offer in the cart; zero removes the line."""
        async with self.db.transaction() as tx:
            offer, pickup = await self._offer(tx, user_id, offer_id)
            await self._ensure_cart(tx, user_id, pickup.id)
            return await self._set(tx, user_id, offer, pickup, quantity)

    async def empty(self, user_id: int, pickup_id: int) -> None:
        """Remove every line of the cart (a placed order stays as it is)."""
        async with self.db.transaction() as tx:
            await self.shop.open_pickup(tx, user_id, pickup_id)
            await cart_store.clear_cart(tx, user_id, pickup_id)

    async def view(self, user_id: int, pickup_id: int) -> Cart:
        """Return the cart, grouped by producer; lines withdrawn meanwhile are dropped."""
        return (await self.view_in_ring(user_id, pickup_id))[1]

    async def view_in_ring(self, user_id: int, pickup_id: int) -> tuple[Ring, Cart]:
        """The pickup's ring and the cart (``view``): the cart screen shows both.

        A read, so looking at a cart never queues behind checkouts for the write lock; only
        a cart that still holds a withdrawn offer takes a short write to drop that line.
        """
        async with self.db.read() as tx:
            ring, pickup = await self.shop.open_pickup(tx, user_id, pickup_id)
            version, order_id = await cart_store.cart_header(tx, user_id, pickup_id)
            quantities = await cart_store.cart_quantities(tx, user_id, pickup_id)
            lines: list[CartLine] = []
            withdrawn: list[int] = []
            for offer_id, quantity in quantities.items():
                offer = await offer_store.get_offer(tx, offer_id)
                if offer is None or offer.withdrawn:
                    withdrawn.append(offer_id)
                    continue
                lines.append(CartLine(offer=offer, quantity=quantity))
            producer_ids = {line.offer.product.producer_id for line in lines}
            payments = await producer_store.payment_infos(tx, producer_ids)
            comments = await comment_store.cart_comments(tx, user_id, pickup_id)
            editing = None
            if order_id is not None:
                editing = await order_store.placed_order_number(tx, order_id)
        if withdrawn:
            await self._drop_withdrawn(user_id, pickup_id, withdrawn)
        groups: dict[int, list[CartLine]] = {}
        for line in lines:
            groups.setdefault(line.offer.product.producer_id, []).append(line)
        return ring, Cart(
            user_id=user_id,
            pickup=pickup,
            currency=ring.currency,
            version=version,
            editing_order_number=editing,
            groups=tuple(
                ProducerGroup(
                    producer_id=producer_id,
                    producer_name=group[0].offer.producer_name,
                    payment_info=payments.get(producer_id, ""),
                    lines=tuple(group),
                    comment=comments.get(producer_id),
                )
                for producer_id, group in sorted(
                    groups.items(), key=lambda item: item[1][0].offer.producer_name.lower()
                )
            ),
        )

    async def expire_closed(self, user_id: int) -> list[ExpiredCart]:
        """Clear carts whose pickup closed or was cancelled; return them to explain why."""
        async with self.db.read() as tx:  # nearly always nothing: no write lock for that
            closed = await cart_store.carts_of_closed_pickups(tx, user_id, self.clock())
        if not closed:
            return []
        async with self.db.transaction() as tx:
            expired = []
            for pickup_id in await cart_store.carts_of_closed_pickups(tx, user_id, self.clock()):
                pickup = await pickup_store.get_pickup(tx, pickup_id)
                ring = await ring_store.get_ring(tx, pickup.ring_id) if pickup else None
                await cart_store.delete_cart(tx, user_id, pickup_id)
                if pickup is not None and ring is not None:
                    expired.append(ExpiredCart(pickup=pickup, ring_timezone=ring.timezone))
            return expired

    async def shortfalls(self, user_id: int, pickup_id: int) -> list[Shortfall]:
        """Return the cart's lines that ask for more than is left, counting the order's own."""
        async with self.db.read() as tx:
            await self.shop.open_pickup(tx, user_id, pickup_id)
            found = []
            wanted_by_offer = await cart_store.cart_quantities(tx, user_id, pickup_id)
            for offer_id, wanted in wanted_by_offer.items():
                offer = await offer_store.get_offer(tx, offer_id)
                if offer is None:
                    continue
                left = await _left_for(tx, user_id, pickup_id, offer)
                if left is not None and wanted > left:
                    found.append(Shortfall(offer=offer, wanted=wanted, left=left))
            return found

    async def settle_shortfall(
        self, user_id: int, pickup_id: int, version: int, offer_id: int, *, take_left: bool
    ) -> int:
        """Cut a line to what is left now (or remove it); return the cart's new version.

        Stock is counted again at the tap, and only for the cart that was shown: a second
        tap, after the order went through, finds another version and changes nothing.
        """
        async with self.db.transaction() as tx:
            await self.shop.open_pickup(tx, user_id, pickup_id)
            current, _order = await cart_store.cart_header(tx, user_id, pickup_id)
            wanted = (await cart_store.cart_quantities(tx, user_id, pickup_id)).get(offer_id, 0)
            offer = await offer_store.get_offer(tx, offer_id)
            if current != version or offer is None or wanted == 0:
                raise CartChanged()
            left = await _left_for(tx, user_id, pickup_id, offer)
            keep = min(wanted, left if left is not None else wanted) if take_left else 0
            if offer.withdrawn:
                keep = 0
            await cart_store.set_item(tx, user_id, pickup_id, offer_id, keep, self.clock())
            return await cart_store.touch_cart(tx, user_id, pickup_id, self.clock())

    async def cart_sizes(self, user_id: int) -> dict[int, int]:
        """Return {pickup_id: units in the cart}."""
        async with self.db.read() as tx:
            return await cart_store.cart_counts(tx, user_id)

    async def edit_order(self, user_id: int, order_id: int) -> Pickup:
        """Load a placed order back into the cart so the customer can change it."""
        async with self.db.transaction() as tx:
            order = await order_store.load_order(tx, order_id)
            if order is None or order.user_id != user_id:
                log.warning("user %s tried to edit order %s that is not theirs", user_id, order_id)
                raise NotFound()
            await self.shop.open_pickup(tx, user_id, order.pickup.id)
            if order.status != "placed":
                raise NotFound()
            await self._prefill(tx, user_id, order.pickup.id, order_id)
            return order.pickup

    async def _drop_withdrawn(self, user_id: int, pickup_id: int, offer_ids: list[int]) -> None:
        """Remove cart lines whose offer is gone or withdrawn (checked again under the lock)."""
        async with self.db.transaction() as tx:
            for offer_id in offer_ids:
                offer = await offer_store.get_offer(tx, offer_id)
                if offer is None or offer.withdrawn:
                    await cart_store.set_item(tx, user_id, pickup_id, offer_id, 0, self.clock())

    async def _offer(self, tx: Transaction, user_id: int, offer_id: int) -> tuple[Offer, Pickup]:
        offer = await offer_store.get_offer(tx, offer_id)
        if offer is None:
            log.warning("user %s sent unknown offer %s", user_id, offer_id)
            raise NotFound()
        _ring, pickup = await self.shop.open_pickup(tx, user_id, offer.pickup_id)
        if offer.withdrawn:
            raise OfferWithdrawn()
        return offer, pickup

    async def _ensure_cart(self, tx: Transaction, user_id: int, pickup_id: int) -> dict[int, int]:
        """Start a cart; when an order exists for the pickup, start from its lines.

        Returns the cart's {offer id: quantity} as it now is.
        """
        quantities = await cart_store.cart_quantities(tx, user_id, pickup_id)
        if quantities:
            return quantities
        order_id = await order_store.placed_order_id(tx, user_id, pickup_id)
        if order_id is None:
            return quantities
        await self._prefill(tx, user_id, pickup_id, order_id)
        return await cart_store.cart_quantities(tx, user_id, pickup_id)

    async def _prefill(self, tx: Transaction, user_id: int, pickup_id: int, order_id: int) -> None:
        now = self.clock()
        await cart_store.clear_cart(tx, user_id, pickup_id)
        await cart_store.touch_cart(tx, user_id, pickup_id, now, order_id=order_id)
        lines = await order_store.line_quantities(tx, order_id)
        for offer_id, (quantity, _price) in lines.items():
            await cart_store.set_item(tx, user_id, pickup_id, offer_id, quantity, now)
        for producer_id, comment in (await comment_store.order_comments(tx, order_id)).items():
            await comment_store.set_cart_comment(tx, user_id, pickup_id, producer_id, comment, now)

    async def _set(
        self, tx: Transaction, user_id: int, offer: Offer, pickup: Pickup, quantity: int
    ) -> LineChange:
        quantity = max(quantity, 0)
        if quantity > 0:
            check_quantity(offer, quantity, await _held_by_order(tx, user_id, pickup.id, offer.id))
        await cart_store.touch_cart(tx, user_id, pickup.id, self.clock())
        await cart_store.set_item(tx, user_id, pickup.id, offer.id, quantity, self.clock())
        return LineChange(offer=offer, quantity=quantity)


def check_quantity(offer: Offer, quantity: int, already_held: int) -> None:
    """Refuse more than the producer allows one customer, or more than is left."""
    if offer.max_per_customer is not None and quantity > offer.max_per_customer:
        raise OverCustomerLimit(offer.product.name, offer.max_per_customer)
    if quantity > MAX_QUANTITY:
        raise OutOfStock(offer.product.name, MAX_QUANTITY)
    if offer.available is not None and quantity > offer.available + already_held:
        raise OutOfStock(offer.product.name, offer.available + already_held)


async def _left_for(tx: Transaction, user_id: int, pickup_id: int, offer: Offer) -> int | None:
    """How many the customer can have: what is left plus what their order already holds."""
    if offer.available is None and offer.max_per_customer is None:
        return None
    limits = [] if offer.max_per_customer is None else [offer.max_per_customer]
    if offer.available is not None:
        limits.append(offer.available + await _held_by_order(tx, user_id, pickup_id, offer.id))
    return min(limits)


async def _held_by_order(tx: Transaction, user_id: int, pickup_id: int, offer_id: int) -> int:
    """Units of the offer the customer's standing order already reserves."""
    order_id = await order_store.placed_order_id(tx, user_id, pickup_id)
    if order_id is None:
        return 0
    return (await order_store.line_quantities(tx, order_id)).get(offer_id, (0, 0))[0]
