"""A producer's page in the shop: who they are, how to pay them, following them, their link.

A producer's own link is ``<ring slug>-p<producer id>``: the id never changes, it fits the
64 characters of a start payload, and ``-p<digits>`` can be told from a ring's code because the
ring's code is looked up first (a ring called ``foo-p12`` keeps its link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import NotAllowed, NotFound
from rekobot.models import Offer, Pickup, Producer, Ring
from rekobot.services.members import JoinResult, Members
from rekobot.services.shop import Shop
from storage import follows as follow_store
from storage import offers as offer_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction

_LINK = re.compile(r"^(?P<ring>[a-z0-9-]{1,40})-p(?P<producer>[1-9][0-9]{0,9})$")


def link_payload(ring: Ring, producer_id: int) -> str:
    """The start payload of a producer's link in a ring."""
    return f"{ring.slug}-p{producer_id}"


@dataclass(frozen=True)
class ProducerPage:
    """What a customer sees of a producer at one pickup."""

    ring: Ring
    pickup: Pickup
    producer: Producer
    photo_file_id: str | None
    offers: list[Offer]
    following: bool


@dataclass(frozen=True)
class OpenedLink:
    """A producer's link opened: the ring joined, the producer, and their next open pickup."""

    joined: JoinResult
    producer: Producer
    pickup: Pickup | None


@dataclass(frozen=True)
class ProducerLink:
    """A producer's link in one ring they sell in."""

    ring: Ring
    payload: str


class ProducerPages:
    """Producers' pages, following them, and their own links."""

    def __init__(self, db: Database, members: Members, shop: Shop, *, clock: Clock = utcnow):
        self.db = db
        self.members = members
        self.shop = shop
        self.clock = clock

    async def _approved(self, tx: Transaction, producer_id: int, ring_id: int) -> Producer:
        """The producer, if they sell in the ring: approved there, or with offers there."""
        producer = await producer_store.get_producer(tx, producer_id)
        if producer is None:
            raise NotFound()
        status = await producer_store.ring_status(tx, producer_id, ring_id)
        if status != "approved" and not await follow_store.offers_in_ring(
            tx, producer_id, ring_id
        ):
            raise NotFound()
        return producer

    async def page(self, user_id: int, pickup_id: int, producer_id: int) -> ProducerPage:
        """Return the producer's page at an open pickup of the user's ring."""
        async with self.db.read() as tx:
            ring, pickup = await self.shop.open_pickup(tx, user_id, pickup_id)
            producer = await self._approved(tx, producer_id, ring.id)
            return ProducerPage(
                ring=ring,
                pickup=pickup,
                producer=producer,
                photo_file_id=await follow_store.producer_photo(tx, producer_id),
                offers=await offer_store.offers_for_pickup(tx, pickup_id, producer_id=producer_id),
                following=await follow_store.follows(tx, user_id, ring.id, producer_id),
            )

    async def set_follow(self, user_id: int, pickup_id: int, producer_id: int, on: bool) -> None:
        """Follow or unfollow the producer in the ring of the pickup."""
        async with self.db.transaction() as tx:
            ring, _pickup = await self.shop.open_pickup(tx, user_id, pickup_id)
            await self._approved(tx, producer_id, ring.id)
            await follow_store.set_follow(
                tx, user_id, ring.id, producer_id, on=on, now=self.clock()
            )

    async def resolve_link(self, payload: str) -> tuple[Ring, int] | None:
        """The ring and producer id a start payload names, or None when it is no producer link."""
        match = _LINK.match(payload.strip().lower())
        if match is None:
            return None
        async with self.db.read() as tx:
            if await ring_store.ring_by_slug(tx, payload.strip()) is not None:
                return None  # a ring's own code always wins
            ring = await ring_store.ring_by_slug(tx, match["ring"])
            if ring is None:
                return None
        return ring, int(match["producer"])

    async def open_link(self, user_id: int, ring: Ring, producer_id: int) -> OpenedLink:
        """Join the ring (as its own link does) and find the producer's next open pickup.

        The next pickup is the first open one where the producer has something on offer, or
        else the first open one.
        """
        async with self.db.read() as tx:
            producer = await self._approved(tx, producer_id, ring.id)
        joined = await self.members.join_by_id(user_id, ring.id)
        _ring, pickups = await self.shop.open_pickups(user_id)
        chosen: Pickup | None = None
        async with self.db.read() as tx:
            for pickup in pickups:
                if pickup.ring_id != ring.id:
                    continue
                if await offer_store.offers_for_pickup(tx, pickup.id, producer_id=producer_id):
                    chosen = pickup
                    break
                chosen = chosen or pickup
        return OpenedLink(joined=joined, producer=producer, pickup=chosen)

    async def my_links(self, user_id: int) -> tuple[Producer, list[ProducerLink]]:
        """The producer's own link in every ring that approved them."""
        async with self.db.read() as tx:
            producer = await producer_store.producer_of_user(tx, user_id)
            if producer is None:
                raise NotAllowed()
            rings = [
                ring
                for ring, status in await producer_store.ring_statuses(tx, producer.id)
                if status == "approved" and not ring.archived
            ]
        return producer, [ProducerLink(ring, link_payload(ring, producer.id)) for ring in rings]

    async def set_photo(self, user_id: int, file_id: str | None) -> None:
        """Set or remove the photo on the producer's page."""
        async with self.db.transaction() as tx:
            producer = await producer_store.producer_of_user(tx, user_id)
            if producer is None:
                raise NotAllowed()
            await follow_store.set_producer_photo(tx, producer.id, file_id)
