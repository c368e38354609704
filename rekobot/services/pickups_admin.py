"""Pickups, as admins plan them: one or a weekly series, changing, moving, cancelling, overview.

Times are typed and shown in the ring's zone and stored in UTC. Cancelling a pickup cancels
its orders and gives their stock back; moving one keeps the orders. Either way every customer
with an order and every producer with an offer is told, in their own language, through the
outbox, in the same transaction that made the change.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from rekobot.clock import Clock, utcnow
from rekobot.errors import InvalidInput, NotFound, PickupCancelled
from rekobot.i18n import _, use_locale
from rekobot.models import Location, Pickup, PickupStatus, Ring
from rekobot.models.running import ProducerTotal
from rekobot.parsing import parse_hours
from rekobot.render import esc, join_blocks, pickup_block, pickup_when, place_text
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
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

log = logging.getLogger(__name__)

MAX_SERIES = 52
_DATE_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\.?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CLOCK = r"(\d{1,2})(?:[:.]?(\d{2}))?"
_RANGE = re.compile(rf"^{_CLOCK}\s*(?:-|–|—|til|to)\s*{_CLOCK}$", re.IGNORECASE)
_DEADLINE_AT = re.compile(r"^(\S+)\s+(?:kl\.?\s*)?(\d{1,2}[:.]\d{2})$", re.IGNORECASE)


class PickupField(StrEnum):
    """A detail of a pickup an admin can set."""

    PLACE = "place"
    DATE = "date"
    TIME = "time"
    DEADLINE = "deadline"
    EVERY = "every"
    COUNT = "count"


# --- what admins type ------------------------------------------------------------------------


def parse_date(text: str, today: date) -> date:
    """A day such as 4.12, 4.12.2026 or 2026-12-04; without a year, the next such day."""
    cleaned = text.strip()
    match = _DATE_ISO.match(cleaned)
    try:
        if match:
            found = date(int(match[1]), int(match[2]), int(match[3]))
        elif (match := _DATE_DMY.match(cleaned)) is not None:
            day_, month = int(match[1]), int(match[2])
            if match[3]:
                year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
                found = date(year, month, day_)
            else:
                found = date(today.year, month, day_)
                if found < today:
                    found = date(today.year + 1, month, day_)
        else:
            raise ValueError(cleaned)
    except ValueError as exc:
        raise InvalidInput(_("Send a date like 4.12 or 4.12.2026.")) from exc
    if found < today:
        raise InvalidInput(_("That date has passed. Send a date from today on."))
    if found > today + timedelta(days=366):
        raise InvalidInput(_("That is more than a year ahead. Please check the date."))
    return found


def _clock(hour: str, minute: str | None) -> time:
    value = int(hour), int(minute or 0)
    if value[0] > 23 or value[1] > 59:
        raise ValueError(hour)
    return time(*value)


def parse_time_range(text: str) -> tuple[time, time]:
    """A time window such as 17:00-18:00, 17-18 or 17.30–18.15."""
    match = _RANGE.match(text.strip())
    try:
        if not match:
            raise ValueError(text)
        start, end = _clock(match[1], match[2]), _clock(match[3], match[4])
    except ValueError as exc:
        raise InvalidInput(_("Send the start and end like 17:00-18:00.")) from exc
    if end <= start:
        raise InvalidInput(_("The end must be after the start, e.g. 17:00-18:00."))
    return start, end


def parse_count(text: str) -> int:
    """How many pickups a series has."""
    cleaned = text.strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_SERIES:
        raise InvalidInput(_("Send how many pickups, from 1 to {n}.").format(n=MAX_SERIES))
    return int(cleaned)


def local_moment(day_: date, clock_: time, timezone: str) -> datetime:
    """A wall-clock time on a day in the ring's zone."""
    return datetime.combine(day_, clock_, tzinfo=ZoneInfo(timezone))


@dataclass(frozen=True)
class PickupDraft:
    """A pickup (or a series) being planned or changed, as local date and times."""

    place_id: int | None = None
    day: str = ""  # ISO date, in the ring's zone
    start: str = ""  # "HH:MM"
    end: str = ""
    deadline_hours: int | None = None  # None: the ring's default (unless deadline_at)
    deadline_at: str = ""  # ISO UTC: a deadline typed as a date and time
    every_weeks: int = 1  # a series: 1 every week, 2 every other week
    count: int = 1

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-able data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PickupDraft:
        """Read a draft back."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def of(cls, pickup: Pickup, ring: Ring) -> PickupDraft:
        """A draft holding a pickup as it is."""
        zone = ZoneInfo(ring.timezone)
        start = pickup.starts_at.astimezone(zone)
        return cls(
            place_id=pickup.location.id,
            day=start.date().isoformat(),
            start=start.strftime("%H:%M"),
            end=pickup.ends_at.astimezone(zone).strftime("%H:%M"),
            deadline_at=pickup.deadline.isoformat(),
        )

    def with_value(self, pickup_field: PickupField, value: object) -> PickupDraft:
        """Return the draft with one detail changed."""
        if pickup_field is PickupField.PLACE:
            return replace(self, place_id=int(str(value)))
        if pickup_field is PickupField.DATE:
            assert isinstance(value, date)
            return replace(self, day=value.isoformat())
        if pickup_field is PickupField.TIME:
            assert isinstance(value, tuple)
            start, end = value
            return replace(self, start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
        if pickup_field is PickupField.DEADLINE:
            if isinstance(value, datetime):
                return replace(self, deadline_at=value.isoformat(), deadline_hours=None)
            return replace(self, deadline_hours=int(str(value)), deadline_at="")
        if pickup_field is PickupField.EVERY:
            return replace(self, every_weeks=2 if int(str(value)) == 2 else 1)
        return replace(self, count=int(str(value)))

    @property
    def missing(self) -> list[PickupField]:
        """What must still be given."""
        needed = []
        if self.place_id is None:
            needed.append(PickupField.PLACE)
        if not self.day:
            needed.append(PickupField.DATE)
        if not self.start or not self.end:
            needed.append(PickupField.TIME)
        return needed

    def times(self, ring: Ring, week: int = 0) -> tuple[datetime, datetime, datetime]:
        """(start, end, deadline) of the pickup, or of occurrence ``week`` of a series."""
        day_ = date.fromisoformat(self.day) + timedelta(weeks=week * self.every_weeks)
        starts = local_moment(day_, time.fromisoformat(self.start), ring.timezone)
        ends = local_moment(day_, time.fromisoformat(self.end), ring.timezone)
        if self.deadline_at and week == 0:
            deadline = datetime.fromisoformat(self.deadline_at)
        else:
            hours = self.deadline_hours if self.deadline_hours is not None else ring.deadline_hours
            deadline = starts - timedelta(hours=hours)
        return starts, ends, deadline


def parse_deadline(text: str, draft: PickupDraft, ring: Ring, today: date) -> int | datetime:
    """Hours before the start ("36"), or a day and time ("2.12 20:00")."""
    cleaned = text.strip()
    match = _DEADLINE_AT.match(cleaned)
    if match is None:
        return parse_hours(cleaned)
    try:
        day_ = parse_date(match[1], today)
        hour, minute = match[2].replace(".", ":").split(":")
        moment = local_moment(day_, _clock(hour, minute), ring.timezone)
    except (InvalidInput, ValueError) as exc:
        raise InvalidInput(
            _("Send hours before the start, like 36, or a day and time like 2.12 20:00.")
        ) from exc
    if draft.day and draft.start:
        starts, _ends, _deadline = draft.times(ring)
        if moment > starts:
            raise InvalidInput(_("The order deadline must be before the pickup starts."))
    return moment


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


# --- what people are told ----------------------------------------------------------------------


def cancelled_notice(ring: Ring, pickup: Pickup, order_number: int | None) -> str:
    """Tell a customer (with the order number) or a producer that a pickup is cancelled."""
    head = _("❌ <b>This pickup is cancelled.</b>")
    block = pickup_block(ring, pickup, with_deadline=False)
    if order_number is not None:
        tail = _("Your order #{number} is cancelled. You do not need to pay anything.").format(
            number=order_number
        )
    else:
        tail = _(
            "Your offers for it are closed and its orders are cancelled. Do not bring anything."
        )
    return join_blocks([head, block, tail])


def moved_notice(ring: Ring, before: Pickup, after: Pickup, order_number: int | None) -> str:
    """Tell a customer or a producer that a pickup has a new time or place."""
    head = _("📍 <b>The pickup has changed.</b>")
    now = _("Now:") + "\n" + pickup_block(ring, after, with_deadline=False)
    was = _("Before: {when}, {place}").format(
        when=pickup_when(before, ring.timezone), place=place_text(before)
    )
    if order_number is not None:
        tail = _("Your order #{number} still stands.").format(number=order_number)
    else:
        tail = _("Your offers and orders stay as they are.")
    extra = ""
    if after.location.directions and after.location.id != before.location.id:
        extra = "🚶 " + esc(after.location.directions)
    return join_blocks([head, now, extra, was, tail])


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
                pickup_id = await pickup_store.create_pickup(
                    tx,
                    ring_id=ring_id,
                    location_id=draft.place_id,
                    starts_at=starts,
                    ends_at=ends,
                    deadline=deadline,
                    now=self.clock(),
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
