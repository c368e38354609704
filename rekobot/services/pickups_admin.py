"""Pickups, as admins plan them: one or a weekly series, changing, moving, cancelling, overview.

Times are typed and shown in the ring's zone and stored in UTC (``pickup_drafts``). Cancelling
a pickup cancels its orders and gives their stock back; moving one keeps the orders. Either way
every customer with an order and every producer with an offer is told, in their own language
(``pickup_notices``), through the outbox, in the same transaction that made the change. Each
pickup opens for orders at its own time (``windows``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rekobot.clock import Clock, utcnow
from rekobot.errors import InvalidInput, NotFound, PickupCancelled
from rekobot.i18n import _, use_locale
from rekobot.models import Location, Pickup, PickupStatus, Ring
from rekobot.models.running import ProducerTotal
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.pickup_drafts import (
    MAX_SERIES,
    OPENS_ON_ANNOUNCE,
    PickupDraft,
    PickupField,
    local_moment,
    parse_count,
    parse_date,
    parse_deadline,
    parse_opening,
    parse_time_range,
)
from rekobot.services.pickup_notices import cancelled_notice, moved_notice
from rekobot.services.reminders import place_pin, reminder_key_prefix
from rekobot.services.rings_admin import RingAdmin
from storage import admin as admin_store
from storage import deliveries as delivery_store
from storage import offers as offer_store
from storage import orders as order_store
from storage import pickups as pickup_store
from storage import places as place_store
from storage import reminders as reminder_store
from storage import schedule as store
from storage.database import Database, Transaction

__all__ = [  # what the pickup form reads from here, kept where it always was
    "MAX_SERIES",
    "OPENS_ON_ANNOUNCE",
    "PickupAdmin",
    "PickupDraft",
    "PickupField",
    "cancelled_notice",
    "local_moment",
    "moved_notice",
    "parse_count",
    "parse_date",
    "parse_deadline",
    "parse_opening",
    "parse_time_range",
]

log = logging.getLogger(__name__)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupInfo:
    """A pickup with what an admin sees about it at a glance."""

    ring: Ring
    pickup: Pickup
    orders: int
    announced: bool


@dataclass(frozen=True)
class Affected:
    """Who a cancellation or a move concerns."""

    orders: int
    customers: int
    producers: int


@dataclass(frozen=True)
class ChangeResult:
    """A pickup after a change, and how many people were told."""

    pickup: Pickup
    moved: bool
    told: int


@dataclass(frozen=True)
class Overview:
    """How a pickup is going: orders, money per producer, new members."""

    ring: Ring
    pickup: Pickup
    orders: int
    producers: list[ProducerTotal]
    members: int
    new_members: int
    since: datetime | None

    @property
    def total(self) -> int:
        """What all orders together are worth."""
        return sum(producer.amount for producer in self.producers)


class PickupAdmin:
    """Planning, changing, cancelling and following up a ring's pickups."""

    def __init__(
        self,
        db: Database,
        rings: RingAdmin,
        members: Members,
        deliveries: Deliveries,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.rings = rings
        self.members = members
        self.deliveries = deliveries
        self.clock = clock

    def today(self, ring: Ring) -> date:
        """Today in the ring's zone."""
        return self.clock().astimezone(ZoneInfo(ring.timezone)).date()

    async def pickups(self, user_id: int, ring_id: int) -> list[Pickup]:
        """Return the ring's pickups that have not ended, soonest first."""
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            return await store.ring_pickups(tx, ring_id, self.clock())

    async def info(self, user_id: int, pickup_id: int) -> PickupInfo:
        """Return one pickup of a ring the user runs, with its order count."""
        async with self.db.read() as tx:
            ring, pickup = await self._pickup(tx, user_id, pickup_id)
            orders = await admin_store.placed_order_count(tx, pickup_id)
            announced = await store.announced_at(tx, pickup_id) is not None
        return PickupInfo(ring=ring, pickup=pickup, orders=orders, announced=announced)

    async def _pickup(self, tx: Transaction, user_id: int, pickup_id: int) -> tuple[Ring, Pickup]:
        pickup = await pickup_store.get_pickup(tx, pickup_id)
        if pickup is None:
            raise NotFound()
        ring = await self.rings.check(tx, user_id, pickup.ring_id)
        return ring, pickup

    async def _place(self, tx: Transaction, ring_id: int, place_id: int | None) -> Location:
        place = await place_store.get_place(tx, place_id) if place_id is not None else None
        if place is None or place.ring_id != ring_id:
            raise NotFound()
        return place

    def _check_times(self, starts: datetime, ends: datetime, deadline: datetime) -> None:
        now = self.clock()
        if starts <= now:
            raise InvalidInput(_("That time has passed. Please choose a later date or time."))
        if ends <= starts:
            raise InvalidInput(_("The end must be after the start, e.g. 17:00-18:00."))
        if deadline > starts:
            raise InvalidInput(_("The order deadline must be before the pickup starts."))
        if deadline <= now:
            raise InvalidInput(
                _("The order deadline would already have passed. Choose a shorter deadline.")
            )

    def _check_opening(self, opens: datetime | None, deadline: datetime) -> None:
        if opens is not None and opens >= deadline:
            raise InvalidInput(_("Orders must open before the order deadline."))

    async def create(self, user_id: int, ring_id: int, draft: PickupDraft) -> list[Pickup]:
        """Plan one pickup, or ``draft.count`` of them a week or two apart."""
        if draft.missing:
            raise InvalidInput(_("The pickup needs a place, a date and a time."))
        count = max(1, min(draft.count, MAX_SERIES))
        async with self.db.transaction() as tx:
            ring = await self.rings.check(tx, user_id, ring_id)
            await self._place(tx, ring_id, draft.place_id)
            assert draft.place_id is not None
            created = []
            for week in range(count):
                starts, ends, deadline = draft.times(ring, week)
                self._check_times(starts, ends, deadline)
                opens, fixed = draft.opening(ring, week)
                self._check_opening(opens, deadline)
                pickup_id = await pickup_store.create_pickup(
                    tx,
                    ring_id=ring_id,
                    location_id=draft.place_id,
                    starts_at=starts,
                    ends_at=ends,
                    deadline=deadline,
                    now=self.clock(),
                    orders_open_at=opens,
                    orders_open_fixed=fixed,
                )
                pickup = await pickup_store.get_pickup(tx, pickup_id)
                assert pickup is not None
                created.append(pickup)
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action="pickup.created",
                detail={"pickups": [p.id for p in created], **draft.to_json()},
                now=self.clock(),
            )
        log.info("user %s planned %s pickup(s) in ring %s", user_id, len(created), ring_id)
        return created

    async def affected(self, user_id: int, pickup_id: int) -> Affected:
        """Count who a cancellation or a move of the pickup would concern."""
        async with self.db.read() as tx:
            await self._pickup(tx, user_id, pickup_id)
            orders = await store.placed_orders(tx, pickup_id)
            producers = await store.offering_producer_owners(tx, pickup_id)
        return Affected(
            orders=len(orders), customers=len({u for _o, u in orders}), producers=len(producers)
        )

    async def change(self, user_id: int, pickup_id: int, draft: PickupDraft) -> ChangeResult:
        """Save a changed pickup; a new time or place is told to everyone it concerns."""
        if draft.missing:
            raise InvalidInput(_("The pickup needs a place, a date and a time."))
        now = self.clock()
        async with self.db.transaction() as tx:
            ring, before = await self._pickup(tx, user_id, pickup_id)
            if before.status is not PickupStatus.SCHEDULED:
                raise PickupCancelled()
            place = await self._place(tx, ring.id, draft.place_id)
            starts, ends, deadline = draft.times(ring)
            moved = (
                starts != before.starts_at
                or ends != before.ends_at
                or place.id != before.location.id
            )
            if before.deadline <= now:
                # Orders have closed (and producers have their digest): a move keeps them closed.
                deadline = min(before.deadline, starts)
                if starts <= now:
                    raise InvalidInput(
                        _("That time has passed. Please choose a later date or time.")
                    )
            else:
                self._check_times(starts, ends, deadline)
            await store.move_pickup(
                tx,
                pickup_id,
                location_id=place.id,
                starts_at=starts,
                ends_at=ends,
                deadline=deadline,
            )
            if not before.has_opened(now):  # an open pickup stays open: carts are filling
                opens, fixed = draft.opening(ring)
                self._check_opening(opens, deadline)
                await pickup_store.set_orders_open(tx, pickup_id, opens, fixed=fixed)
            after = await pickup_store.get_pickup(tx, pickup_id)
            assert after is not None
            told = 0
            if moved:
                await delivery_store.cancel_by_key_prefix(tx, reminder_key_prefix(pickup_id))
                await reminder_store.reset_rounds(tx, pickup_id)
                told = await self._tell(tx, ring, before, after, kind="pickup_moved")
            await admin_store.audit(
                tx,
                ring_id=ring.id,
                user_id=user_id,
                action="pickup.moved" if moved else "pickup.changed",
                detail={"pickup_id": pickup_id, **draft.to_json()},
                now=now,
            )
        if told:
            self.deliveries.notify()
        return ChangeResult(pickup=after, moved=moved, told=told)

    async def cancel(self, user_id: int, pickup_id: int) -> Affected:
        """Cancel a pickup and its orders, give the stock back, and tell everyone it concerns."""
        now = self.clock()
        async with self.db.transaction() as tx:
            ring, pickup = await self._pickup(tx, user_id, pickup_id)
            if pickup.status is not PickupStatus.SCHEDULED:
                raise PickupCancelled()
            orders = await store.placed_orders(tx, pickup_id)
            producers = await store.offering_producer_owners(tx, pickup_id)
            told = await self._tell(tx, ring, pickup, None, kind="pickup_cancelled")
            for order_id, _customer in orders:
                lines = await order_store.line_quantities(tx, order_id)
                for offer_id, (quantity, _price) in lines.items():
                    await offer_store.release(tx, offer_id, quantity)
                await order_store.mark_cancelled(tx, order_id, now)
            await store.mark_cancelled(tx, pickup_id)
            await store.delete_carts(tx, pickup_id)
            await delivery_store.cancel_by_key_prefix(tx, reminder_key_prefix(pickup_id))
            await admin_store.audit(
                tx,
                ring_id=ring.id,
                user_id=user_id,
                action="pickup.cancelled",
                detail={"pickup_id": pickup_id, "orders": len(orders), "told": told},
                now=now,
            )
        log.info("user %s cancelled pickup %s (%s orders)", user_id, pickup_id, len(orders))
        self.deliveries.notify()
        return Affected(
            orders=len(orders), customers=len({u for _o, u in orders}), producers=len(producers)
        )

    async def _tell(
        self, tx: Transaction, ring: Ring, before: Pickup, after: Pickup | None, *, kind: str
    ) -> int:
        """Queue the notice of a cancellation (after is None) or a move; return how many."""
        told = 0
        stamp = (after or before).starts_at.strftime("%Y%m%dT%H%M")
        new_place = after is not None and after.location.id != before.location.id
        pin = place_pin(after) if after is not None and new_place else None
        for user_id, user, number in await store.notice_recipients(tx, before.id):
            locale = self.members.locale_of(user, ring) if user else ring.locale
            with use_locale(locale):
                if after is None:
                    text = cancelled_notice(ring, before, number)
                else:
                    text = moved_notice(ring, before, after, number)
            messages = [OutMessage(text=text)]
            if pin is not None:
                messages.append(pin)
            role = "customer" if number is not None else "producer"
            told += await enqueue(
                tx,
                chat_id=user_id,
                kind=kind,
                messages=messages,
                now=self.clock(),
                dedupe_key=f"{kind}:p{before.id}:{stamp}:{role}:{user_id}",
            )
        return told

    async def overview(self, user_id: int, pickup_id: int) -> Overview:
        """Orders, money per producer, and members who joined since the last pickup."""
        async with self.db.read() as tx:
            ring, pickup = await self._pickup(tx, user_id, pickup_id)
            previous = await store.previous_pickup(tx, ring.id, pickup.starts_at)
            since = previous.starts_at if previous is not None else None
            return Overview(
                ring=ring,
                pickup=pickup,
                orders=await admin_store.placed_order_count(tx, pickup_id),
                producers=await admin_store.producer_totals(tx, pickup_id),
                members=await admin_store.member_count(tx, ring.id),
                new_members=await admin_store.joined_since(tx, ring.id, since),
                since=since,
            )
