"""The handover at the pickup: a producer ticks off each order collected, then the no-shows.

Orders are final once the deadline has passed, so from then on the producer may mark their
part of an order collected (or undo it). After the pickup has ended, the orders still open can
be marked as no-shows. The customer sees the mark in /orders (``OrderPart.handover``).

Lines sold by weight are weighed here too: once every such line of the producer's part of an
order has its weight, the customer gets the final amount with the producer's payment details,
through the outbox, in their language. A correction sends the corrected amount; a line never
weighed keeps its estimate, still marked "approx.".
"""

from __future__ import annotations

import hashlib
import logging

from rekobot.clock import Clock, utcnow
from rekobot.digest import Digest
from rekobot.errors import HandoverNotYet, NoShowNotYet, NotFound
from rekobot.i18n import use_locale
from rekobot.models import HandoverStatus, Order, OrderPart, Pickup, PickupStatus, Producer, Ring
from rekobot.models.digest import CustomerOrder
from rekobot.services import notices as texts
from rekobot.services.digests import load_digest
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.producers import approved_ring, own_producer
from storage import orders as order_store
from storage import pickups as pickup_store
from storage import producer_orders as producer_order_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)


class Handover:
    """Marking the producer's orders collected or no-shows."""

    def __init__(self, db: Database, members: Members, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.members = members
        self.clock = clock

    async def sheet(self, user_id: int, pickup_id: int) -> Digest:
        """Return the per-customer list of the producer's orders, with each one's mark."""
        async with self.db.read() as tx:
            producer, ring, pickup = await self._pickup(tx, user_id, pickup_id)
            return await load_digest(tx, producer, pickup, ring, now=self.clock())

    async def mark(
        self, user_id: int, pickup_id: int, order_id: int, status: HandoverStatus | None
    ) -> CustomerOrder:
        """Mark the producer's part of an order collected or a no-show; None clears the mark."""
        now = self.clock()
        async with self.db.transaction() as tx:
            producer, ring, pickup = await self._pickup(tx, user_id, pickup_id)
            await self._own_order(tx, producer, pickup_id, order_id)
            self._check_time(pickup, status)
            await producer_order_store.set_handover(
                tx, order_id, producer.id, None if status is None else status.value, now
            )
            digest = await load_digest(tx, producer, pickup, ring, now=now)
        marked = digest.order(order_id)
        assert marked is not None
        return marked

    async def weigh(
        self, user_id: int, pickup_id: int, order_id: int, offer_id: int, grams: int | None
    ) -> CustomerOrder:
        """Enter the weighed grams (or ml) of one line sold by weight; None forgets them.

        When the last line of the producer's part is weighed, the customer's final amount is
        queued for them.
        """
        now = self.clock()
        async with self.db.transaction() as tx:
            producer, ring, pickup = await self._pickup(tx, user_id, pickup_id)
            order = await self._own_order(tx, producer, pickup_id, order_id)
            self._check_time(pickup, None)
            if not await order_store.set_weighed(tx, order_id, offer_id, grams, now):
                raise NotFound()  # not a line of this order, or not sold by weight
            after = await order_store.load_order(tx, order_id)
            assert after is not None
            part = next(p for p in after.parts if p.producer_id == producer.id)
            if grams is not None and part.by_weight and not part.estimated:
                await self._send_final_amount(tx, ring, after, part)
            digest = await load_digest(tx, producer, pickup, ring, now=now)
        weighed = digest.order(order.id)
        assert weighed is not None
        log.info("producer %s weighed order %s offer %s", producer.id, order_id, offer_id)
        return weighed

    async def _send_final_amount(
        self, tx: Transaction, ring: Ring, order: Order, part: OrderPart
    ) -> None:
        locale = await self.members.recipient_locale(tx, order.user_id, ring)
        with use_locale(locale):
            text = texts.final_amount_notice(order, part)
        weights = ",".join(f"{line.offer_id}:{line.weighed_grams}" for line in part.lines)
        digest = hashlib.sha256(weights.encode()).hexdigest()[:16]
        await enqueue(
            tx,
            chat_id=order.user_id,
            kind="final_amount",
            messages=[OutMessage(text=text)],
            now=self.clock(),
            dedupe_key=f"final:{order.id}:{part.producer_id}:{digest}",
        )

    async def _own_order(
        self, tx: Transaction, producer: Producer, pickup_id: int, order_id: int
    ) -> Order:
        order = await order_store.load_order(tx, order_id)
        if (
            order is None
            or order.pickup.id != pickup_id
            or order.status != "placed"
            or not await producer_order_store.order_has_producer(tx, order_id, producer.id)
        ):
            log.warning(
                "producer %s tried to mark order %s that is not theirs", producer.id, order_id
            )
            raise NotFound()
        return order

    async def mark_no_shows(self, user_id: int, pickup_id: int) -> int:
        """Mark every order still open after the pickup as a no-show; return how many."""
        now = self.clock()
        async with self.db.transaction() as tx:
            producer, _ring, pickup = await self._pickup(tx, user_id, pickup_id)
            self._check_time(pickup, HandoverStatus.NO_SHOW)
            open_orders = await producer_order_store.unmarked_order_ids(tx, pickup_id, producer.id)
            for order_id in open_orders:
                await producer_order_store.set_handover(
                    tx, order_id, producer.id, HandoverStatus.NO_SHOW.value, now
                )
        return len(open_orders)

    def _check_time(self, pickup: Pickup, status: HandoverStatus | None) -> None:
        now = self.clock()
        if now < pickup.deadline:
            raise HandoverNotYet()
        if status is HandoverStatus.NO_SHOW and now < pickup.ends_at:
            raise NoShowNotYet()

    async def _pickup(
        self, tx: Transaction, user_id: int, pickup_id: int
    ) -> tuple[Producer, Ring, Pickup]:
        producer = await own_producer(tx, user_id)
        pickup = await pickup_store.get_pickup(tx, pickup_id)
        if pickup is None or pickup.status is PickupStatus.CANCELLED:
            raise NotFound()
        ring = await approved_ring(tx, producer, pickup.ring_id)
        return producer, ring, pickup
