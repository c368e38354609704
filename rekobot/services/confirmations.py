"""The customer's own notice of an order placed, changed or cancelled, queued with the order.

``CustomerNotices.on_order_event`` is an ordering listener: it runs inside the ordering
transaction and writes one outbox row for the customer, so the confirmation exists exactly when
the order does. A process killed right after the commit, or a Telegram that fails the first
send, cannot lose it, and there is only ever one row per checkout or cancellation
(``dedupe_key``), so the customer gets one confirmation.

The chat handler that placed the order sends the row at once, editing the pressed message
(``handlers/customer/notices.py``). A checkout asks for that (``OrderEvent.handover``): the row
is queued already claimed (``sending``) and handed back with the event, so the handler needs
no claim of its own. Otherwise (a cancellation, a repeated tap) the row starts
``HANDLER_GRACE`` in the future, so that the outbox sender leaves it to the handler, which
claims it, and takes it over only when the handler could not finish.
What the messages say is the chat side's business: it hands in ``render``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from rekobot.clock import Clock, utcnow
from rekobot.i18n import use_locale
from rekobot.models import Ring
from rekobot.services.events import OrderEvent, OrderEventKind
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue, enqueue_claimed
from storage.database import Transaction

log = logging.getLogger(__name__)

#: How long the outbox leaves a fresh notice to the handler that is sending it right now.
HANDLER_GRACE = timedelta(seconds=30)

#: Render an event for the customer, in the current locale, as of ``now``.
NoticeRenderer = Callable[[OrderEvent, Ring, datetime], list[OutMessage]]

KINDS = {
    OrderEventKind.PLACED: "order_confirmation",
    OrderEventKind.CHANGED: "order_confirmation",
    OrderEventKind.CANCELLED: "order_cancelled",
}


def notice_key(event_key: str) -> str:
    """The outbox key of the customer's notice for one checkout or cancellation."""
    return f"customer:{event_key}"


class CustomerNotices:
    """Queues the customer's confirmation of each order event, in their language."""

    def __init__(self, members: Members, render: NoticeRenderer, *, clock: Clock = utcnow) -> None:
        self.members = members
        self.render = render
        self.clock = clock

    async def on_order_event(self, tx: Transaction, event: OrderEvent) -> None:
        """Queue the customer's notice of this event (once per event key)."""
        order = event.order
        ring = await event.ring_of(tx)
        if ring is None or not event.key:
            return
        now = self.clock()
        customer = await event.customer_of(tx)
        locale = self.members.locale_of(customer, ring)
        with use_locale(locale):
            messages = self.render(event, ring, now)
        chat, kind, key = order.user_id, KINDS[event.kind], notice_key(event.key)
        if event.handover:
            handed = await enqueue_claimed(
                tx,
                chat_id=chat,
                kind=kind,
                messages=messages,
                now=now,
                dedupe_key=key,
                unreachable=customer is not None and customer.unreachable,
            )
            if handed is not None:
                event.handed.append(handed)
            return
        queued = await enqueue(
            tx,
            chat_id=chat,
            kind=kind,
            messages=messages,
            now=now,
            dedupe_key=key,
            not_before=now + HANDLER_GRACE,
        )
        log.debug("customer notice for order %s %s: queued %s", order.id, event.kind, queued)
