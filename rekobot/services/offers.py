"""A producer's offers for a pickup: switching products on and off, quantities and limits.

Offers change only until the pickup's order deadline, and only in rings where the producer is
approved. A quantity never goes below what customers already ordered. Withdrawing an offer
removes its lines from the orders, gives the stock back and tells each customer, in their
language, through the outbox, all in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import BelowOrdered, InvalidInput, NotFound, OffersClosed
from rekobot.i18n import _, use_locale
from rekobot.models import (
    Offer,
    Order,
    OrderLine,
    Pickup,
    PickupStatus,
    Producer,
    Product,
    Ring,
)
from rekobot.services import notices as texts
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.producers import approved_ring, own_producer
from storage import carts as cart_store
from storage import catalog as catalog_store
from storage import offers as offer_store
from storage import orders as order_store
from storage import pickups as pickup_store
from storage import producer_orders as producer_order_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

MAX_OFFER_QUANTITY = 99_999


@dataclass(frozen=True)
class OfferSlot:
    """One of the producer's products at a pickup: on offer or not, and how much is ordered."""

    product: Product
    offer: Offer | None

    @property
    def on(self) -> bool:
        """Whether the product is on sale at the pickup."""
        return self.offer is not None and not self.offer.withdrawn

    @property
    def ordered(self) -> int:
        """Units customers have ordered."""
        return self.offer.quantity_reserved if self.offer is not None and self.on else 0


@dataclass(frozen=True)
class OfferBoard:
    """Every product of a producer at one pickup, for switching on and off."""

    ring: Ring
    pickup: Pickup
    slots: tuple[OfferSlot, ...]
    previous: int  # products the producer offered at their previous pickup of the ring

    @property
    def on_count(self) -> int:
        """How many products are on offer."""
        return sum(1 for slot in self.slots if slot.on)


@dataclass(frozen=True)
class PickupChoice:
    """An upcoming pickup the producer can offer at, with what they have there already."""

    ring: Ring
    pickup: Pickup
    offered: int


@dataclass(frozen=True)
class Withdrawal:
    """What taking an offer off sale did."""

    offer: Offer
    orders_changed: int
    orders_cancelled: int


@dataclass(frozen=True)
class Copied:
    """What "same as last time" put on offer."""

    products: tuple[str, ...]
    already_on: int


class Offers:
    """Putting the producer's products on offer at a ring's upcoming pickups."""

    def __init__(self, db: Database, members: Members, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.members = members
        self.clock = clock

    async def pickups(self, user_id: int) -> list[PickupChoice]:
        """Return the pickups still taking orders in the rings the producer is approved in."""
        now = self.clock()
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            pickups = await producer_order_store.producer_pickups(tx, producer.id, ended_after=now)
            counts = await producer_order_store.offer_counts(
                tx, producer.id, [pickup.id for pickup in pickups]
            )
            choices = []
            for pickup in pickups:
                if not pickup.is_open(now):
                    continue
                ring = await approved_ring(tx, producer, pickup.ring_id)
                choices.append(PickupChoice(ring, pickup, counts.get(pickup.id, 0)))
        return choices

    async def board(self, user_id: int, pickup_id: int) -> OfferBoard:
        """Return every product of the producer at a pickup, on offer or not."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            ring, pickup = await self._open_pickup(tx, producer, pickup_id)
            offers = {
                offer.product.id: offer
                for offer in await offer_store.producer_offers(
                    tx, pickup_id, producer.id, include_withdrawn=True
                )
            }
            products = await catalog_store.products_of(tx, producer.id)
            previous = await offer_store.previous_offers(
                tx, ring_id=ring.id, producer_id=producer.id, before=pickup.starts_at
            )
        slots = [
            OfferSlot(product, offers.get(product.id))
            for product in products
            # A hidden product stays listed while it is still on offer, so it can be switched off.
            if not product.hidden or (product.id in offers and not offers[product.id].withdrawn)
        ]
        return OfferBoard(ring=ring, pickup=pickup, slots=tuple(slots), previous=len(previous))

    async def slot(
        self, user_id: int, pickup_id: int, product_id: int
    ) -> tuple[Ring, Pickup, OfferSlot]:
        """Return one product at a pickup, with its offer if it has one."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            ring, pickup = await self._open_pickup(tx, producer, pickup_id)
            product = await _own_product(tx, producer, product_id)
            offer = await offer_store.offer_for_product(tx, pickup_id, product_id)
        return ring, pickup, OfferSlot(product, offer)

    async def last_quantity(self, user_id: int, pickup_id: int, product_id: int) -> int | None:
        """Return the quantity the product had at the producer's previous pickup, if any."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            ring, pickup = await self._open_pickup(tx, producer, pickup_id)
            previous = await offer_store.previous_offers(
                tx, ring_id=ring.id, producer_id=producer.id, before=pickup.starts_at
            )
        for offer in previous:
            if offer.product.id == product_id:
                return offer.quantity_total
        return None

    async def switch_on(
        self,
        user_id: int,
        pickup_id: int,
        product_id: int,
        *,
        quantity: int | None,
        max_per_customer: int | None = None,
    ) -> Offer:
        """Put a product on offer at a pickup (None: unlimited), at the product's price."""
        _check_quantity(quantity, allow_zero=False)
        _check_quantity(max_per_customer, allow_zero=False)
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            await self._open_pickup(tx, producer, pickup_id)
            product = await _own_product(tx, producer, product_id)
            existing = await offer_store.offer_for_product(tx, pickup_id, product_id)
            if existing is not None and not existing.withdrawn:
                offer_id = existing.id
                if not await offer_store.set_quantity_total(tx, offer_id, quantity):
                    raise BelowOrdered(existing.quantity_reserved)
                if max_per_customer is not None:  # an old button must not lift the limit
                    await offer_store.set_max_per_customer(tx, offer_id, max_per_customer)
            elif existing is not None:
                offer_id = existing.id
                await offer_store.reopen_offer(
                    tx,
                    offer_id,
                    price=product.price,
                    quantity_total=quantity,
                    max_per_customer=max_per_customer,
                )
            else:
                offer_id = await offer_store.create_offer(
                    tx,
                    pickup_id=pickup_id,
                    product_id=product_id,
                    price=product.price,
                    quantity_total=quantity,
                    max_per_customer=max_per_customer,
                    now=self.clock(),
                )
            offer = await offer_store.get_offer(tx, offer_id)
        assert offer is not None
        log.info("producer %s offers product %s at pickup %s", producer.id, product_id, pickup_id)
        return offer

    async def set_quantity(self, user_id: int, offer_id: int, quantity: int | None) -> Offer:
        """Change how many units are on offer (None: unlimited), never below what is ordered."""
        _check_quantity(quantity, allow_zero=True)
        async with self.db.transaction() as tx:
            offer = await self._own_open_offer(tx, user_id, offer_id)
            if not await offer_store.set_quantity_total(tx, offer_id, quantity):
                raise BelowOrdered(offer.quantity_reserved)
            changed = await offer_store.get_offer(tx, offer_id)
        assert changed is not None
        return changed

    async def set_limit(self, user_id: int, offer_id: int, limit: int | None) -> Offer:
        """Change the most one customer may order (None: no limit); orders placed stay."""
        _check_quantity(limit, allow_zero=False)
        async with self.db.transaction() as tx:
            await self._own_open_offer(tx, user_id, offer_id)
            await offer_store.set_max_per_customer(tx, offer_id, limit)
            changed = await offer_store.get_offer(tx, offer_id)
        assert changed is not None
        return changed

    async def offer(self, user_id: int, offer_id: int) -> Offer:
        """Return one of the producer's offers at a pickup still taking orders."""
        async with self.db.read() as tx:
            return await self._own_open_offer(tx, user_id, offer_id)

    async def sold_out(self, user_id: int, offer_id: int) -> Offer:
        """Stop selling more: offer exactly what customers have ordered so far."""
        async with self.db.transaction() as tx:
            await self._own_open_offer(tx, user_id, offer_id)
            await offer_store.stop_at_reserved(tx, offer_id)
            changed = await offer_store.get_offer(tx, offer_id)
        assert changed is not None
        return changed

    async def orders_holding(self, user_id: int, offer_id: int) -> int:
        """Return how many placed orders have a line of this offer."""
        async with self.db.read() as tx:
            await self._own_open_offer(tx, user_id, offer_id)
            return len(await producer_order_store.placed_orders_with_offer(tx, offer_id))

    async def withdraw(self, user_id: int, offer_id: int) -> Withdrawal:
        """Take an offer off sale: remove it from orders and carts, and tell the customers."""
        now = self.clock()
        async with self.db.transaction() as tx:
            offer = await self._own_open_offer(tx, user_id, offer_id)
            pickup = await pickup_store.get_pickup(tx, offer.pickup_id)
            assert pickup is not None
            ring = await ring_store.get_ring(tx, pickup.ring_id)
            assert ring is not None
            changed = cancelled = 0
            for (
                order_id,
                customer_id,
                _quantity,
            ) in await producer_order_store.placed_orders_with_offer(tx, offer_id):
                before = await order_store.load_order(tx, order_id)
                assert before is not None
                line = next(
                    line
                    for part in before.parts
                    for line in part.lines
                    if line.offer_id == offer_id
                )
                await order_store.set_line(tx, order_id, offer_id, 0, line.unit_price)
                now_empty = not await order_store.line_quantities(tx, order_id)
                if now_empty:
                    await order_store.mark_cancelled(tx, order_id, now)
                    cancelled += 1
                else:
                    await order_store.touch_order(tx, order_id, now)
                    changed += 1
                after = await order_store.load_order(tx, order_id)
                assert after is not None
                await self._tell_customer(
                    tx, customer_id, after, offer, line, ring, order_cancelled=now_empty
                )
            for customer_id, cart_pickup_id in await producer_order_store.carts_with_offer(
                tx, offer_id
            ):
                await cart_store.set_item(tx, customer_id, cart_pickup_id, offer_id, 0, now)
                # A new version makes a confirmation shown before the withdrawal fail safely.
                await cart_store.touch_cart(tx, customer_id, cart_pickup_id, now)
            await offer_store.withdraw(tx, offer_id, now)
        log.info(
            "offer %s withdrawn by user %s: %s orders changed, %s cancelled",
            offer_id,
            user_id,
            changed,
            cancelled,
        )
        return Withdrawal(offer=offer, orders_changed=changed, orders_cancelled=cancelled)

    async def same_as_last_time(self, user_id: int, pickup_id: int) -> Copied:
        """Offer again what the producer offered at their previous pickup of the ring."""
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            ring, pickup = await self._open_pickup(tx, producer, pickup_id)
            previous = await offer_store.previous_offers(
                tx, ring_id=ring.id, producer_id=producer.id, before=pickup.starts_at
            )
            copied: list[str] = []
            already = 0
            for old in previous:
                product = await catalog_store.get_product(tx, old.product.id)
                if product is None or product.hidden:
                    continue
                current = await offer_store.offer_for_product(tx, pickup_id, product.id)
                if current is not None and not current.withdrawn:
                    already += 1
                    continue
                if current is not None:
                    await offer_store.reopen_offer(
                        tx,
                        current.id,
                        price=product.price,
                        quantity_total=old.quantity_total,
                        max_per_customer=old.max_per_customer,
                    )
                else:
                    await offer_store.create_offer(
                        tx,
                        pickup_id=pickup_id,
                        product_id=product.id,
                        price=product.price,
                        quantity_total=old.quantity_total,
                        max_per_customer=old.max_per_customer,
                        now=self.clock(),
                    )
                copied.append(product.name)
        return Copied(products=tuple(copied), already_on=already)

    async def _open_pickup(
        self, tx: Transaction, producer: Producer, pickup_id: int
    ) -> tuple[Ring, Pickup]:
        """Check the pickup is in an approved ring of the producer and still takes orders."""
        pickup = await pickup_store.get_pickup(tx, pickup_id)
        if pickup is None:
            raise NotFound()
        ring = await approved_ring(tx, producer, pickup.ring_id)
        if pickup.status is not PickupStatus.SCHEDULED or not pickup.is_open(self.clock()):
            raise OffersClosed()
        return ring, pickup

    async def _own_open_offer(self, tx: Transaction, user_id: int, offer_id: int) -> Offer:
        producer = await own_producer(tx, user_id)
        offer = await offer_store.get_offer(tx, offer_id)
        if offer is None or offer.product.producer_id != producer.id:
            log.warning("user %s touched offer %s that is not theirs", user_id, offer_id)
            raise NotFound()
        await self._open_pickup(tx, producer, offer.pickup_id)
        if offer.withdrawn:
            raise NotFound()
        return offer

    async def _tell_customer(
        self,
        tx: Transaction,
        customer_id: int,
        order: Order,
        offer: Offer,
        line: OrderLine,
        ring: Ring,
        *,
        order_cancelled: bool,
    ) -> None:
        locale = await self.members.recipient_locale(tx, customer_id, ring)
        with use_locale(locale):
            text = texts.withdrawal_notice(
                order, offer.producer_name, line, ring, order_cancelled=order_cancelled
            )
        await enqueue(
            tx,
            chat_id=customer_id,
            kind="offer_withdrawn",
            messages=[OutMessage(text=text)],
            now=self.clock(),
        )


async def _own_product(tx: Transaction, producer: Producer, product_id: int) -> Product:
    product = await catalog_store.get_product(tx, product_id)
    if product is None or product.producer_id != producer.id:
        log.warning("producer %s asked for product %s that is not theirs", producer.id, product_id)
        raise NotFound()
    return product


def _check_quantity(value: int | None, *, allow_zero: bool) -> None:
    if value is None:
        return
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(_("The quantity must be at least 1."))
    if value > MAX_OFFER_QUANTITY:
        raise InvalidInput(
            _("That is too many. The most you can enter is {n}.").format(n=MAX_OFFER_QUANTITY)
        )
