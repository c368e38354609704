"""Ordering windows: when a pickup opens for orders, and the "orders are open" message.

A pickup takes orders from ``Pickup.orders_open_at`` until its deadline. Unless the admin
chose the time, it is ``Ring.orders_open_days`` before the start (at the start's wall-clock
time in the ring's zone), or, with 0 days, the moment the admin announces the pickup;
announcing always opens a pickup that is not open yet. Producers prepare offers before that.

``OrderWindows.run_due`` is sweep work: each pickup that opened is found by index
(``storage.openings``), and the members who opted in get one message (one dedupe key per
member and pickup) with the number of producers, a few products and a button to the shop.
It waits for the first offer: "orders are open" with nothing on sale helps nobody.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rekobot.clock import Clock, utcnow
from rekobot.i18n import _, clock_time, day, ngettext, use_locale
from rekobot.models import Offer, Pickup, Ring
from rekobot.render import esc, join_blocks, pickup_block
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from storage import offers as offer_store
from storage import openings as store
from storage import pickups as pickup_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: How many product names the message names.
NAMED_PRODUCTS = 4
CHUNK = 500
#: The shop screen of one pickup (``handlers/customer/shop.ShowPickup``).
OPEN_SHOP = "cpk:{pickup_id}"
#: Turn the message off where it arrives (``handlers/customer/notifications``).
ORDERS_OPEN_OFF = "anotif:opn:0:0"


def default_opening(ring: Ring, starts_at: datetime) -> datetime | None:
    """When a pickup starting then opens by the ring's rule; None: when it is announced."""
    if ring.orders_open_days <= 0:
        return None
    local = starts_at.astimezone(ZoneInfo(ring.timezone))
    # Aware arithmetic in one zone is wall-clock arithmetic: across a DST change the opening
    # keeps the start's clock time.
    return (local - timedelta(days=ring.orders_open_days)).astimezone(UTC)


async def follow_ring_setting(tx: Transaction, ring: Ring, now: datetime) -> int:
    """Move the opening of the ring's pickups not open yet to its new rule; return how many.

    Pickups whose opening an admin chose, and those already open, keep theirs.
    """
    moved = 0
    for pickup in await pickup_store.not_yet_open(tx, ring.id, now):
        opens = default_opening(ring, pickup.starts_at)
        if opens != pickup.orders_open_at:
            await pickup_store.set_orders_open(tx, pickup.id, opens, fixed=False)
            moved += 1
    return moved


def opening_text(ring: Ring, pickup: Pickup) -> str:
    """E.g. "Orders for Thursday 3 December open on Monday 30 November at 18:00."."""
    if pickup.orders_open_at is None:
        return _("Orders for {pickup} open when the pickup is announced.").format(
            pickup=day(pickup.starts_at, ring.timezone)
        )
    return _("Orders for {pickup} open on {day} at {time}.").format(
        pickup=day(pickup.starts_at, ring.timezone),
        day=day(pickup.orders_open_at, ring.timezone),
        time=clock_time(pickup.orders_open_at, ring.timezone),
    )


def product_names(offers: list[Offer], limit: int = NAMED_PRODUCTS) -> list[str]:
    """A few product names, one producer after the other, so no one producer fills the list."""
    by_producer: dict[int, list[str]] = {}
    for offer in offers:
        names = by_producer.setdefault(offer.product.producer_id, [])
        if offer.product.name not in names:
            names.append(offer.product.name)
    picked: list[str] = []
    rounds = max((len(names) for names in by_producer.values()), default=0)
    for index in range(rounds):
        for names in by_producer.values():
            if index < len(names) and len(picked) < limit and names[index] not in picked:
                picked.append(names[index])
    return picked


def orders_open_text(ring: Ring, pickup: Pickup, offers: list[Offer]) -> str:
    """Say the pickup takes orders, by how many producers, with a few of their products."""
    producers = len({offer.product.producer_id for offer in offers})
    return join_blocks(
        [
            _("🛒 <b>Orders are open!</b>"),
            pickup_block(ring, pickup),
            "\n".join(
                [
                    ngettext(
                        "{n} producer has put out offers.",
                        "{n} producers have put out offers.",
                        producers,
                    ).format(n=producers),
                    _("For example: {products}").format(
                        products=", ".join(esc(name) for name in product_names(offers))
                    ),
                ]
            ),
        ]
    )


class OrderWindows:
    """Tells the members who asked for it that a pickup opened for orders."""

    def __init__(
        self, db: Database, members: Members, deliveries: Deliveries, *, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.members = members
        self.deliveries = deliveries
        self.clock = clock

    async def set_enabled(self, user_id: int, enabled: bool) -> None:
        """Turn the user's "orders are open" messages on or off."""
        async with self.db.transaction() as tx:
            await store.set_orders_open_enabled(tx, user_id, enabled)

    async def run_due(self) -> int:
        """Queue the message of every pickup that opened and was not told; return how many."""
        now = self.clock()
        async with self.db.read() as tx:
            opened = await store.opened_untold(tx, now)
        queued = 0
        for pickup in opened:
            queued += await self._tell(pickup, now)
        if queued:
            log.info("orders open: queued %s", queued)
            self.deliveries.notify()
        return queued

    async def _tell(self, pickup: Pickup, now: datetime) -> int:
        """Queue one pickup's messages a chunk at a time; the last chunk marks it told."""
        if pickup.deadline <= now:  # it opened while the bot was down and closed again
            async with self.db.transaction() as tx:
                await store.mark_told(tx, pickup.id, now)
            return 0
        async with self.db.read() as tx:
            offers = await offer_store.offers_for_pickup(tx, pickup.id)
            ring = await ring_store.get_ring(tx, pickup.ring_id)
        if not offers or ring is None:
            return 0  # nothing on sale yet: the first offer makes it due
        queued, after = 0, 0
        while True:
            async with self.db.transaction() as tx:
                current = await pickup_store.get_pickup(tx, pickup.id)
                if current is None or not current.takes_orders(now):
                    return queued  # cancelled or moved meanwhile: the next sweep decides
                chunk = await store.audience_chunk(tx, current, after=after, limit=CHUNK)
                for user in chunk:
                    with use_locale(self.members.locale_of(user, ring)):
                        message = OutMessage(
                            text=orders_open_text(ring, current, offers),
                            buttons=[
                                [(_("🛒 Open the shop"), OPEN_SHOP.format(pickup_id=pickup.id))],
                                [(_("🔕 No more of these"), ORDERS_OPEN_OFF)],
                            ],
                        )
                    queued += await enqueue(
                        tx,
                        chat_id=user.id,
                        kind="orders_open",
                        messages=[message],
                        now=now,
                        dedupe_key=store.orders_open_key(pickup.id, user.id),
                    )
                if len(chunk) < CHUNK:
                    await store.mark_told(tx, pickup.id, now)
                    return queued
                after = chunk[-1].id
