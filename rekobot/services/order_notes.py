"""Short notes to producers when an order that touches them is placed, changed or cancelled.

``OrderNotes.on_order_event`` is an ordering listener: it runs inside the ordering transaction
and queues one note per affected producer in the outbox, so a note exists exactly when the
order change does. Producers who turned notes off get none.
"""

from __future__ import annotations

import logging

from rekobot.clock import Clock, utcnow
from rekobot.i18n import use_locale
from rekobot.models import OrderLine, OrderPart
from rekobot.models.digest import customer_contacts
from rekobot.services import notices as texts
from rekobot.services.events import OrderEvent, OrderEventKind
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from storage import contacts as contact_store
from storage import producers as producer_store
from storage.database import Transaction

log = logging.getLogger(__name__)


def _same_part(a: OrderPart, b: OrderPart) -> bool:
    """Whether the producer sees no change: the same lines and the same comment."""
    return a.comment == b.comment and sorted(
        (line.offer_id, line.quantity) for line in a.lines
    ) == sorted((line.offer_id, line.quantity) for line in b.lines)


def note_kinds(event: OrderEvent) -> list[tuple[int, str, tuple[OrderLine, ...]]]:
    """Return (producer_id, note kind, lines now) for each producer the event concerns.

    A new comment alone is a change too: the producer should read it before packing.
    """
    after = {part.producer_id: part for part in event.order.parts}
    before = {part.producer_id: part for part in event.before.parts} if event.before else {}
    found: list[tuple[int, str, tuple[OrderLine, ...]]] = []
    if event.kind is OrderEventKind.CANCELLED:
        for producer_id, part in (before or after).items():
            found.append((producer_id, "cancelled", part.lines))
        return found
    for producer_id in sorted(set(after) | set(before)):
        now_part, old_part = after.get(producer_id), before.get(producer_id)
        if now_part is not None and old_part is None:
            found.append((producer_id, "placed", now_part.lines))
        elif now_part is None and old_part is not None:
            found.append((producer_id, "removed", ()))
        elif now_part is not None and old_part is not None and not _same_part(now_part, old_part):
            found.append((producer_id, "changed", now_part.lines))
    return found


class OrderNotes:
    """Queues the per-order notes to producers."""

    def __init__(self, members: Members, *, clock: Clock = utcnow) -> None:
        self.members = members
        self.clock = clock

    async def on_order_event(self, tx: Transaction, event: OrderEvent) -> None:
        """Queue a note for every producer whose part of the order changed."""
        concerned = note_kinds(event)
        if not concerned:
            return
        order = event.order
        ring = await event.ring_of(tx)
        customer = await event.customer_of(tx)
        name = customer.display_name if customer is not None else str(order.user_id)
        # Read now, not when the order was placed: a phone the customer stopped sharing is
        # in no later note.
        contacts = customer_contacts(
            name,
            customer.username if customer is not None else None,
            await contact_store.phone_of(tx, order.user_id),
        )
        comments = {part.producer_id: part.comment for part in order.parts}
        for producer_id, kind, lines in concerned:
            producer = await producer_store.get_producer(tx, producer_id)
            if producer is None or not producer.notes_enabled or ring is None:
                continue
            locale = await self.members.recipient_locale(tx, producer.owner_user_id, ring)
            with use_locale(locale):
                text = texts.order_note(
                    kind,
                    order,
                    name,
                    lines,
                    ring,
                    contacts=contacts,
                    comment=comments.get(producer_id),
                )
            await enqueue(
                tx,
                chat_id=producer.owner_user_id,
                kind="order_note",
                messages=[OutMessage(text=text)],
                now=self.clock(),
            )
        log.debug("queued %s order notes for order %s", len(concerned), order.id)
