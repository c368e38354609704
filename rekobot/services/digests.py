"""Digests: each producer's orders for a pickup, sent once at the deadline and on request.

A digest is messages and three files: the pick list to print (PDF), a workbook (XLSX) and the
lines as CSV. ``send_due`` is the sweep's due work. For each pickup whose deadline has passed
and whose digest is unsent it reads and renders every producer's digest outside any write
transaction (a pick list of 2,000 orders takes about a second: ``rekobot.digest_renderer``
draws the files in a worker process so the bot keeps answering), then in one short transaction
stamps ``pickups.digest_sent_at`` and queues one delivery per producer with a dedupe key: a
restart or a repeated sweep sends nothing twice, and a stop before that transaction only means
the next sweep renders again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from rekobot.clock import Clock, utcnow
from rekobot.digest import Digest
from rekobot.digest_csv import digest_filename
from rekobot.digest_renderer import DigestRenderer, DrawnDigest
from rekobot.errors import NotFound
from rekobot.i18n import _, use_locale
from rekobot.models import Pickup, PickupStatus, Producer, Ring
from rekobot.services import notices as texts
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.producers import approved_ring, own_producer
from storage import pickups as pickup_store
from storage import producer_orders as producer_order_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: How long after a pickup its digest and handover list stay in the producer's menu.
RECENT = timedelta(days=7)
#: The callback data of the producer's handover list and menu buttons (handlers/producer:
#: ``HandoverList(pickup_id, 0)`` and ``Home()``), so the digest the sweep sends ends on a
#: way on, like the one sent on request; tests/test_producer_digest.py checks they match.
HANDOVER_LIST = "phand:{pickup_id}:0"
PRODUCER_HOME = "phome"


@dataclass(frozen=True)
class PickupSummary:
    """A pickup the producer sells at, with how many orders they have there."""

    ring: Ring
    pickup: Pickup
    offered: int
    orders: int


async def load_digest(
    tx: Transaction, producer: Producer, pickup: Pickup, ring: Ring, *, now: datetime
) -> Digest:
    """Build a producer's digest for a pickup from one query over the order lines."""
    orders = await producer_order_store.digest_orders(tx, pickup.id, producer.id)
    return Digest.build(producer, ring, pickup, orders, now=now)


@dataclass(frozen=True)
class DigestFile:
    """One file that comes with a digest, named and captioned in the producer's language."""

    filename: str
    content: bytes
    caption: str


def digest_files(digest: Digest, drawn: DrawnDigest) -> list[DigestFile]:
    """Name and caption the digest's drawn files in the current locale: pick list, workbook, CSV."""
    return [
        DigestFile(
            digest_filename(digest, "pdf"),
            drawn.pdf,
            _("🖨 Pick list to print: what to bring, then each order with boxes to tick."),
        ),
        DigestFile(
            digest_filename(digest, "xlsx"),
            drawn.xlsx,
            _("📊 The same orders as an Excel workbook: totals and lines."),
        ),
        DigestFile(
            digest_filename(digest, "csv"),
            drawn.csv,
            _("The same lines as a CSV file, for any spreadsheet or accounting program."),
        ),
    ]


def digest_deliveries(digest: Digest, drawn: DrawnDigest) -> list[OutMessage]:
    """Put a drawn digest into the outbox's form in the current locale: messages, then files.

    The last message carries the handover list and the producer menu, so the chat never ends
    on a bare file.
    """
    messages = [OutMessage(text=text) for text in drawn.messages]
    if digest.orders:
        # A file is often forwarded or printed on its own: its caption names the pickup.
        pickup = "🗓 " + texts.pickup_line(digest.pickup, digest.ring)
        messages += [
            OutMessage.document(file.filename, file.content, caption=f"{file.caption}\n{pickup}")
            for file in digest_files(digest, drawn)
        ]
    return with_ways_on(messages, digest.pickup.id)


def with_ways_on(messages: list[OutMessage], pickup_id: int) -> list[OutMessage]:
    """Put the handover list and the producer menu under the last of the messages."""
    rows = [
        [("✅ " + _("Handover list"), HANDOVER_LIST.format(pickup_id=pickup_id))],
        [("🏠 " + _("Producer menu"), PRODUCER_HOME)],
    ]
    *earlier, last = messages
    return [*earlier, last.model_copy(update={"buttons": rows})]


def _render(digest: Digest, locale: str, drawn: DrawnDigest | None) -> list[OutMessage]:
    """The outbox's messages of a digest; ``drawn`` is None for one without orders."""
    with use_locale(locale):
        if drawn is not None:
            return digest_deliveries(digest, drawn)
        nothing = OutMessage(text=texts.no_orders_text(digest.producer, digest.pickup, digest.ring))
        return with_ways_on([nothing], digest.pickup.id)


class Digests:
    """Building producers' digests and sending them at each pickup's deadline."""

    def __init__(
        self,
        db: Database,
        members: Members,
        renderer: DigestRenderer,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.members = members
        self.renderer = renderer
        self.clock = clock

    async def files(self, digest: Digest, locale: str) -> list[DigestFile]:
        """The digest's pick list, workbook and CSV in ``locale``, drawn off the event loop."""
        drawn = await self.renderer.draw(digest, locale)
        with use_locale(locale):
            return digest_files(digest, drawn)

    async def pickups(self, user_id: int) -> list[PickupSummary]:
        """Return the producer's upcoming and recent pickups where they offer or have orders."""
        now = self.clock()
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            pickups = await producer_order_store.producer_pickups(
                tx, producer.id, ended_after=now - RECENT
            )
            ids = [pickup.id for pickup in pickups]
            offered = await producer_order_store.offer_counts(tx, producer.id, ids)
            ordered = await producer_order_store.order_counts(tx, producer.id, ids)
            found = []
            for pickup in pickups:
                if not offered.get(pickup.id) and not ordered.get(pickup.id):
                    continue
                ring = await ring_store.get_ring(tx, pickup.ring_id)
                assert ring is not None
                counts = offered.get(pickup.id, 0), ordered.get(pickup.id, 0)
                found.append(PickupSummary(ring, pickup, *counts))
        return found

    async def digest(self, user_id: int, pickup_id: int) -> Digest:
        """Return the producer's digest for a pickup, preliminary before the deadline."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            pickup = await pickup_store.get_pickup(tx, pickup_id)
            if pickup is None or pickup.status is PickupStatus.CANCELLED:
                raise NotFound()
            ring = await approved_ring(tx, producer, pickup.ring_id)
            return await load_digest(tx, producer, pickup, ring, now=self.clock())

    async def send_due(self) -> int:
        """Queue the digests of every pickup whose deadline passed; return how many were queued.

        A pickup that already ended when its digest came due (the bot was down) is only
        stamped: a digest after the handover would confuse more than help.
        """
        now = self.clock()
        async with self.db.read() as tx:
            due = await producer_order_store.due_digest_pickups(tx, now)
        queued = 0
        for pickup in due:
            queued += await self._send_pickup(pickup, now)
        if queued:
            log.info("queued %s digests", queued)
        return queued

    async def _send_pickup(self, pickup: Pickup, now: datetime) -> int:
        """Render every producer's digest of one pickup, then stamp and queue them at once."""
        rendered: list[tuple[Producer, list[OutMessage]]] = []
        if pickup.ends_at > now:
            async with self.db.read() as tx:
                ring = await ring_store.get_ring(tx, pickup.ring_id)
                assert ring is not None
                producer_ids = await producer_order_store.producers_at_pickup(tx, pickup.id)
            # One read a producer, not one for the whole pickup: 50 producers' digests of a
            # 2,000-order pickup in one go held the loop (and the reader) for 60 ms. The
            # deadline has passed, so what they read no longer changes under them.
            for producer_id in producer_ids:
                async with self.db.read() as tx:
                    producer = await producer_store.get_producer(tx, producer_id)
                    assert producer is not None
                    digest = await load_digest(tx, producer, pickup, ring, now=now)
                    locale = await self.members.recipient_locale(tx, producer.owner_user_id, ring)
                drawn = await self.renderer.draw(digest, locale) if digest.orders else None
                rendered.append((digest.producer, _render(digest, locale, drawn)))
                await asyncio.sleep(0)  # a customer's tap goes in between
        queued = 0
        async with self.db.transaction() as tx:
            if not await producer_order_store.mark_digest_sent(tx, pickup.id, now):
                return 0
            if pickup.ends_at <= now:
                log.warning("pickup %s ended before its digest could be sent", pickup.id)
                return 0
            for producer, messages in rendered:
                queued += await enqueue(
                    tx,
                    chat_id=producer.owner_user_id,
                    kind="digest",
                    messages=messages,
                    now=now,
                    dedupe_key=f"digest:{pickup.id}:{producer.id}",
                )
        return queued
