"""What a customer can see: the open pickups of their ring and what is on offer.

A pickup is open for the customer from its "orders open at" time to its deadline
(``Pickup.takes_orders``); before that the server refuses every look and every cart change
(``OrdersNotOpen``), while producers already prepare their offers.
"""

from __future__ import annotations

from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import (
    DeadlinePassed,
    NotFound,
    OfferWithdrawn,
    OrdersNotOpen,
    PickupCancelled,
)
from rekobot.models import Offer, Pickup, PickupStatus, Ring
from rekobot.services.members import Members
from storage import carts as cart_store
from storage import offers as offer_store
from storage import pickups as pickup_store
from storage import rings as ring_store
from storage.database import Database, Transaction

OTHER_CATEGORY = 0


@dataclass(frozen=True)
class Shelf:
    """A producer or a category at a pickup, with how many products it has on offer."""

    id: int
    name: str
    count: int


@dataclass(frozen=True)
class ShelfView:
    """One page of a producer's or a category's shelf, and what its heading and pager show."""

    ring: Ring
    pickup: Pickup
    #: The producer's or the category's name ('' for "other").
    name: str
    #: This page's offers, in the order of every page.
    offers: list[Offer]
    #: The page shown: the one asked for, kept within the shelf (a stale button may be past it).
    page: int
    pages: int
    #: Who makes what is on the whole shelf, by name.
    producers: list[str]
    #: {offer id: units} of the customer's cart for this pickup, in the order they were added.
    in_cart: dict[int, int]


@dataclass(frozen=True)
class OfferCard:
    """One product on offer, as the customer sees it, with what they already hold."""

    offer: Offer
    ring: Ring
    pickup: Pickup
    #: Units of this offer in the customer's cart.
    in_cart: int
    #: Units of everything in the customer's cart for this pickup (the cart button's count).
    cart_units: int


@dataclass(frozen=True)
class PickupFront:
    """The first screen of an open pickup: its producers, and how full the cart is."""

    ring: Ring
    pickup: Pickup
    producers: list[Shelf]
    cart_units: int


class Shop:
    """Browsing a pickup's offers, by producer or by category."""

    def __init__(self, db: Database, members: Members, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.members = members
        self.clock = clock

    async def open_pickups(self, user_id: int) -> tuple[Ring, list[Pickup]]:
        """Return the user's ring and its pickups that still take orders."""
        ring = await self.members.current_ring(user_id)
        async with self.db.read() as tx:
            return ring, await pickup_store.open_pickups(tx, ring.id, self.clock())

    async def next_opening(self, ring: Ring) -> Pickup | None:
        """Return the ring's pickup that opens for orders next, if one has its time."""
        async with self.db.read() as tx:
            return await pickup_store.next_opening(tx, ring.id, self.clock())

    async def waiting_for(self, ring: Ring) -> Pickup | None:
        """Return the pickup that opens next when none of the ring takes orders now."""
        async with self.db.read() as tx:
            if await pickup_store.open_pickups(tx, ring.id, self.clock()):
                return None
            return await pickup_store.next_opening(tx, ring.id, self.clock())

    async def pickup(self, user_id: int, pickup_id: int) -> tuple[Ring, Pickup]:
        """Return an open pickup of one of the user's rings; refuse stale or foreign ids."""
        async with self.db.read() as tx:
            return await self.open_pickup(tx, user_id, pickup_id)

    async def open_pickup(
        self, tx: Transaction, user_id: int, pickup_id: int
    ) -> tuple[Ring, Pickup]:
        """Check, inside a transaction, that the pickup is the user's and still open."""
        found = await pickup_store.pickup_for_member(tx, pickup_id, user_id)
        if found is None:
            raise NotFound()
        pickup, ring, member = found
        if not member:
            raise NotFound()
        if pickup.status is PickupStatus.CANCELLED:
            raise PickupCancelled()
        if not pickup.is_open(self.clock()):
            raise DeadlinePassed(pickup.deadline)
        if not pickup.has_opened(self.clock()):
            raise OrdersNotOpen(pickup.orders_open_at, ring.timezone)
        return ring, pickup

    async def front(self, user_id: int, pickup_id: int) -> PickupFront:
        """The pickup, its producers and the customer's cart size, on one snapshot."""
        async with self.db.read() as tx:
            ring, pickup = await self.open_pickup(tx, user_id, pickup_id)
            counts = await offer_store.producer_counts(tx, pickup_id)
            in_cart = await cart_store.cart_quantities(tx, user_id, pickup_id)
        producers = [Shelf(pid, name, count) for pid, name, count in counts]
        return PickupFront(ring, pickup, producers, sum(in_cart.values()))

    async def categories(self, user_id: int, pickup_id: int) -> list[Shelf]:
        """Return the ring's categories that have offers, plus "other" (id 0) for the rest."""
        async with self.db.read() as tx:
            ring, _pickup = await self.open_pickup(tx, user_id, pickup_id)
            listed = await ring_store.categories(tx, ring.id)
            by_name = await offer_store.category_counts(tx, pickup_id)
        ids = {name: cid for cid, name in listed}
        counts: dict[int, int] = {}
        for name, count in by_name.items():
            cid = ids.get(name, OTHER_CATEGORY)
            counts[cid] = counts.get(cid, 0) + count
        shelves = [Shelf(cid, name, counts[cid]) for cid, name in listed if cid in counts]
        if OTHER_CATEGORY in counts:
            shelves.append(Shelf(OTHER_CATEGORY, "", counts[OTHER_CATEGORY]))
        return shelves

    async def offers(
        self, user_id: int, pickup_id: int, *, producer_id: int | None = None
    ) -> list[Offer]:
        """Return everything (or one producer's offers) on sale at an open pickup."""
        async with self.db.read() as tx:
            await self.open_pickup(tx, user_id, pickup_id)
            return await offer_store.offers_for_pickup(tx, pickup_id, producer_id=producer_id)

    async def shelf(
        self,
        user_id: int,
        pickup_id: int,
        *,
        producer_id: int | None = None,
        category_id: int | None = None,
        page: int,
        page_size: int,
    ) -> ShelfView:
        """Return one page of a producer's or a category's offers at an open pickup.

        Counted and paged by the database, on one snapshot: a 500-offer pickup costs what
        one page of it does.
        """
        async with self.db.read() as tx:
            ring, pickup = await self.open_pickup(tx, user_id, pickup_id)
            name = ""
            if category_id is None:
                condition = offer_store.shelf_filter(producer_id=producer_id)
            elif category_id == OTHER_CATEGORY:
                condition = offer_store.shelf_filter(outside_categories_of=ring.id)
            else:
                listed = dict(await ring_store.categories(tx, ring.id))
                if category_id not in listed:
                    raise NotFound()
                name = listed[category_id]
                condition = offer_store.shelf_filter(category=name)
            makers = await offer_store.producer_counts(tx, pickup_id, condition)
            total = sum(count for _id, _name, count in makers)
            pages = max((total + page_size - 1) // page_size, 1)
            page = min(max(page, 0), pages - 1)
            offers: list[Offer] = []
            if total:
                offers = await offer_store.shelf_page(
                    tx, pickup_id, condition, limit=page_size, offset=page * page_size
                )
            in_cart = await cart_store.cart_quantities(tx, user_id, pickup_id)
        if category_id is None and makers:
            name = makers[0][1]
        producers = sorted({maker for _id, maker, _count in makers}, key=str.lower)
        return ShelfView(ring, pickup, name, offers, page, pages, producers, in_cart)

    async def card(self, user_id: int, offer_id: int) -> OfferCard:
        """Return one offer with its pickup and the quantity the user has in the cart."""
        async with self.db.read() as tx:
            offer = await offer_store.get_offer(tx, offer_id)
            if offer is None:
                raise NotFound()
            if offer.withdrawn:
                raise OfferWithdrawn()
            ring, pickup = await self.open_pickup(tx, user_id, offer.pickup_id)
            in_cart = await cart_store.cart_quantities(tx, user_id, pickup.id)
        return OfferCard(
            offer=offer,
            ring=ring,
            pickup=pickup,
            in_cart=in_cart.get(offer_id, 0),
            cart_units=sum(in_cart.values()),
        )
