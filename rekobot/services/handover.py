"""The handover at the pickup: a producer ticks off each order collected, then the no-shows.

Orders are final once the deadline has passed, so from then on the producer may mark their
part of an order collected (or undo it). After the pickup has ended, the orders still open can
be marked as no-shows. The customer sees the mark in /orders (``OrderPart.handover``).
"""

from __future__ import annotations

import logging

from rekobot.clock import Clock, utcnow
from rekobot.digest import Digest
from rekobot.errors import HandoverNotYet, NoShowNotYet, NotFound
from rekobot.models import CustomerOrder, HandoverStatus, Pickup, PickupStatus, Producer, Ring
from rekobot.services.digests import load_digest
from rekobot.services.producers import approved_ring, own_producer
from storage import orders as order_store
from storage import pickups as pickup_store
from storage import producer_orders as producer_order_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)


class Handover:
    """Marking the producer's orders collected or no-shows."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
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
            self._check_time(pickup, status)
            await producer_order_store.set_handover(
                tx, order_id, producer.id, None if status is None else status.value, now
            )
            digest = await load_digest(tx, producer, pickup, ring, now=now)
        marked = digest.order(order_id)
        assert marked is not None
        return marked

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
