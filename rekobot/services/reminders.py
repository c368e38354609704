"""Pickup reminders: the evening before (at the ring's time) and about an hour before the start.

``Reminders.run_due`` is sweep work. Each reminder is queued in the outbox under a dedupe key
made of the pickup, its start time, the kind and the order, so it is queued exactly once
however often the sweep runs or the bot restarts; a moved pickup has a new start time and so
gets new reminders. ``pickups.*_reminder_sent_at`` records when a round first went out, and
``pickups.*_reminded_order`` how far it got (the highest order id dealt with), so a sweep
with nothing new reads no orders at all. A customer who turns reminders on after the round
passed their order is not reminded for that pickup.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rekobot.clock import Clock, utcnow
from rekobot.copy_buttons import order_copy_rows
from rekobot.i18n import _, use_locale
from rekobot.models import Order, Pickup, Ring, User
from rekobot.models.due import ReminderRound
from rekobot.render import amount_text, esc, join_blocks, order_body, pickup_block
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from storage import reminders as store
from storage import rings as ring_store
from storage.database import Database

log = logging.getLogger(__name__)

EVENING = "evening"
HOUR = "hour"
HOUR_BEFORE = timedelta(hours=1)
#: The evening reminder is at most two days ahead of a pickup.
LOOKAHEAD = timedelta(hours=50)
#: Orders per chunk: read on a reader, rendered, then written in one short transaction
#: (about 25 ms of writing on a loaded machine).
CHUNK = 100
#: Reminders rendered between two chances for other updates to run: rendering a chunk in one
#: go held the loop for up to 60 ms at national scale, and every tap waited for it.
RENDER_STEP = 10
#: The callback data of the "turn off reminders" button
#: (``handlers/customer/notifications.NotificationsToggle``).
REMINDERS_OFF = "anotif:rem:0:0"
#: The callback data of the "no more announcements" button.
ANNOUNCEMENTS_OFF = "anotif:ann:0:0"
TEXT_LIMIT = 4000


def evening_due(pickup: Pickup, ring: Ring) -> datetime:
    """The evening before the pickup, at the ring's reminder time, in the ring's zone."""
    zone = ZoneInfo(ring.timezone)
    local_start = pickup.starts_at.astimezone(zone)
    return datetime.combine(
        local_start.date() - timedelta(days=1), ring.evening_reminder_time, tzinfo=zone
    )


def due_kind(pickup: Pickup, ring: Ring, now: datetime) -> str | None:
    """Which reminder is due now, if any: the evening one until the hour one takes over."""
    hour_due = pickup.starts_at - HOUR_BEFORE
    if hour_due <= now < pickup.starts_at:
        return HOUR
    if evening_due(pickup, ring) <= now < hour_due:
        return EVENING
    return None


def reminder_key_prefix(pickup_id: int) -> str:
    """The start of every reminder key of a pickup (used to cancel them)."""
    return f"reminder:p{pickup_id}:"


def reminder_key(pickup: Pickup, kind: str, order_id: int) -> str:
    """The dedupe key of one reminder."""
    start = pickup.starts_at.strftime("%Y%m%dT%H%M")
    return f"{reminder_key_prefix(pickup.id)}{start}:{kind}:o{order_id}"


def place_pin(pickup: Pickup) -> OutMessage | None:
    """The pickup place as a map pin, if it has one."""
    location = pickup.location
    if location.latitude is None or location.longitude is None:
        return None
    return OutMessage(
        venue_latitude=location.latitude,
        venue_longitude=location.longitude,
        venue_title=location.name,
        venue_address=location.address or location.directions or location.name,
    )


def reminder_text(kind: str, order: Order, ring: Ring, now: datetime) -> str:
    """The reminder in the current locale: when and where, the order number, what to pay."""
    pickup = order.pickup
    zone = ZoneInfo(ring.timezone)
    if kind == HOUR:
        title = _("⏰ <b>Your REKO pickup starts in about an hour.</b>")
    elif pickup.starts_at.astimezone(zone).date() == now.astimezone(zone).date():
        title = _("⏰ <b>Reminder: your REKO pickup is today.</b>")
    else:
        title = _("⏰ <b>Reminder: your REKO pickup is tomorrow.</b>")
    where = pickup_block(ring, pickup, with_deadline=False)
    if pickup.location.directions:
        where += "\n🚶 " + esc(pickup.location.directions)
    number = _("Your order number is <b>#{number}</b>. Say it at the pickup.").format(
        number=order.number
    )
    pay = _("You pay each producer directly, as shown.")
    text = join_blocks([title, where, number, order_body(order), pay])
    if len(text) <= TEXT_LIMIT:
        return text
    # A very long order: what to pay whom, without the lines.
    summary = "\n".join(
        f"<b>{esc(part.producer_name)}</b>: "
        + amount_text(part.subtotal, order.currency, part.estimated)
        + (f" — 💳 {esc(part.payment_info)}" if part.payment_info else "")
        for part in order.parts
    )
    total = _("Total: {amount}").format(
        amount=amount_text(order.total, order.currency, order.estimated)
    )
    return join_blocks([title, where, number, summary, f"<b>{total}</b>", pay])


class Reminders:
    """Queues the evening and hour reminders, and keeps each customer's choice."""

    def __init__(
        self,
        db: Database,
        members: Members,
        deliveries: Deliveries,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.members = members
        self.deliveries = deliveries
        self.clock = clock

    async def run_due(self) -> int:
        """Queue every reminder that is due and not queued yet; return how many.

        With nothing new this is one query on a reader, however many rings, pickups and
        orders: only pickups with orders their possible round has not seen come back, and
        only their rings are read.
        """
        now = self.clock()
        due: list[tuple[Pickup, Ring, str, int]] = []
        rings: dict[int, Ring] = {}
        rounds: dict[int, ReminderRound] = {}
        async with self.db.read() as tx:
            pickups = await store.reminder_candidates(tx, now, now + LOOKAHEAD, now + HOUR_BEFORE)
            if pickups:
                for ring_id in {pickup.ring_id for pickup in pickups}:
                    ring = await ring_store.get_ring(tx, ring_id)
                    if ring is not None:
                        rings[ring_id] = ring
                rounds = await store.reminder_rounds(tx, [pickup.id for pickup in pickups])
        for pickup in pickups:
            ring = rings.get(pickup.ring_id)
            kind = None if ring is None else due_kind(pickup, ring, now)
            state = rounds.get(pickup.id)
            if ring is not None and kind is not None and state is not None and state.has_new(kind):
                due.append((pickup, ring, kind, state.mark(kind)))
        queued = 0
        for pickup, ring, kind, mark in due:
            queued += await self._remind(pickup, ring, kind, mark, now)
        if queued:
            log.info("reminders: queued %s", queued)
            self.deliveries.notify()
        return queued

    async def _remind(self, pickup: Pickup, ring: Ring, kind: str, mark: int, now: datetime) -> int:
        """Queue a pickup's reminders of one kind, CHUNK orders per short write transaction.

        Each chunk is read on a reader and rendered outside any transaction; the write only
        inserts the rows and moves the watermark, so customers' writes go in between.
        """
        queued = 0
        while True:
            async with self.db.read() as tx:
                batch = await store.reminder_batch(
                    tx, pickup, ring.name, ring.currency, after=mark, limit=CHUNK
                )
            if not batch.orders:
                return queued
            rendered = []
            for done, (order, user) in enumerate(batch.orders, 1):
                if user.reminders_enabled and not user.unreachable and order.parts:
                    messages = self._messages(kind, order, user, pickup, ring, now)
                    rendered.append((order.user_id, reminder_key(pickup, kind, order.id), messages))
                if done % RENDER_STEP == 0:
                    await asyncio.sleep(0)  # a customer's tap goes in between
            async with self.db.transaction() as tx:
                if not await store.advance_round(tx, pickup, kind, batch.last_order, now):
                    return queued  # moved or cancelled meanwhile: the next sweep starts over
                for done, (user_id, key, messages) in enumerate(rendered, 1):
                    if done % RENDER_STEP == 0:
                        await asyncio.sleep(0)  # reads go in between; writes wait their turn
                    queued += await enqueue(
                        tx,
                        chat_id=user_id,
                        kind=f"reminder_{kind}",
                        messages=messages,
                        now=now,
                        dedupe_key=key,
                    )
            mark = batch.last_order

    def _messages(
        self, kind: str, order: Order, user: User, pickup: Pickup, ring: Ring, now: datetime
    ) -> list[OutMessage]:
        """One customer's reminder in their language, with the map pin and the spot's photo."""
        with use_locale(self.members.locale_of(user, ring)):
            messages = [
                OutMessage(
                    text=reminder_text(kind, order, ring, now),
                    buttons=[[(_("🔕 Turn off reminders"), REMINDERS_OFF)]],
                    copy_buttons=order_copy_rows(order),
                )
            ]
        pin = place_pin(pickup)
        if pin is not None:
            messages.append(pin)
        if kind == HOUR and pickup.location.photo_file_id:
            # On the way there: the picture of the spot shows where each producer stands.
            messages.append(OutMessage(photo_file_id=pickup.location.photo_file_id))
        return messages

    async def set_reminders(self, user_id: int, enabled: bool) -> None:
        """Turn the user's pickup reminders on or off."""
        async with self.db.transaction() as tx:
            await store.set_reminders_enabled(tx, user_id, enabled)

    async def set_announcements(self, user_id: int, enabled: bool) -> None:
        """Turn the user's announcements of new pickups on or off."""
        async with self.db.transaction() as tx:
            await store.set_announcements_enabled(tx, user_id, enabled)
