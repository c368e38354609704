"""Cart reminders: a cart is never silently lost at the deadline.

In a Facebook ring a comment *is* the order; here a cart is not, and a customer who put things
in it may well believe she ordered. So some hours before the order deadline
(``Ring.cart_reminder_hours``, 0 = never) a customer whose cart holds lines that are not her
order gets one message that says so, with a button that opens the checkout confirmation.

``CartReminders.run_due`` is sweep work. The reminder is queued in the outbox under a key per
cart and pickup (``storage.cart_reminders.cart_reminder_key``), so it goes out once however often
the sweep runs or the bot restarts. It honours the customer's reminder setting (the one of
/notifications, which covers pickup reminders too).
"""

from __future__ import annotations

import logging

from rekobot.clock import Clock, utcnow
from rekobot.errors import Refusal
from rekobot.i18n import _, use_locale
from rekobot.models import Cart, Ring
from rekobot.models.running import WaitingCart
from rekobot.render import amount_text, join_blocks, pickup_block, quantity_line
from rekobot.services.cart import Carts
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.reminders import REMINDERS_OFF
from storage import carts as cart_store
from storage import orders as order_store
from storage import rings as ring_store
from storage import users as user_store
from storage.cart_reminders import cart_reminder_key, waiting_carts
from storage.database import Database

log = logging.getLogger(__name__)

#: The callback data of the "send the order" button: the checkout of /cart
#: (``handlers/customer/cart.Checkout``), which shows the one confirmation.
SEND_ORDER = "cchk:{pickup_id}:{version}"


def cart_reminder_text(ring: Ring, cart: Cart) -> str:
    """Say the cart is not ordered yet, what is in it, and until when it can be."""
    if cart.editing_order_number is not None:
        title = _("🛒 <b>Your changes to order #{number} are not saved yet.</b>").format(
            number=cart.editing_order_number
        )
    else:
        title = _("🛒 <b>Your cart is not ordered yet.</b>")
    lines = [
        quantity_line(
            line.quantity,
            line.offer.product.name,
            line.offer.product.unit,
            line.amount,
            cart.currency,
            line.estimated,
        )
        for line in cart.lines
    ]
    total = amount_text(cart.total, cart.currency, cart.estimated)
    lines.append("<b>" + _("Total: {amount}").format(amount=total) + "</b>")
    return join_blocks(
        [
            title,
            pickup_block(ring, cart.pickup),
            "\n".join(lines),
            _("Nothing is ordered until you confirm. Tap the button to send the order."),
        ]
    )


class CartReminders:
    """Queues the one reminder of a cart that is not ordered yet."""

    def __init__(
        self,
        db: Database,
        members: Members,
        carts: Carts,
        deliveries: Deliveries,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.members = members
        self.carts = carts
        self.deliveries = deliveries
        self.clock = clock

    async def run_due(self) -> int:
        """Queue every cart reminder that is due and not queued yet; return how many."""
        now = self.clock()
        async with self.db.read() as tx:
            waiting = await waiting_carts(tx, now)
        queued = 0
        for cart in waiting:
            queued += await self._remind(cart)
        if queued:
            log.info("cart reminders: queued %s", queued)
            self.deliveries.notify()
        return queued

    async def _remind(self, waiting: WaitingCart) -> bool:
        """Queue one cart's reminder, unless it changed meanwhile or is the order unchanged."""
        try:
            cart = await self.carts.view(waiting.user_id, waiting.pickup_id)
        except Refusal:  # closed or no longer the customer's ring meanwhile
            return False
        if cart.is_empty:
            return False
        async with self.db.transaction() as tx:
            version, order_id = await cart_store.cart_header(tx, cart.user_id, cart.pickup.id)
            if version != cart.version:
                return False  # changed (or checked out) since it was read: the next sweep sees it
            wanted = await cart_store.cart_quantities(tx, cart.user_id, cart.pickup.id)
            if order_id is not None and order_id == await order_store.placed_order_id(
                tx, cart.user_id, cart.pickup.id
            ):
                ordered = await order_store.line_quantities(tx, order_id)
                if wanted == {offer: q for offer, (q, _price) in ordered.items()}:
                    return False  # the order, opened to change but unchanged: nothing is lost
            ring = await ring_store.get_ring(tx, cart.pickup.ring_id)
            user = await user_store.get_user(tx, cart.user_id)
            if ring is None or user is None:
                return False
            with use_locale(self.members.locale_of(user, ring)):
                messages = [
                    OutMessage(
                        text=cart_reminder_text(ring, cart),
                        buttons=[
                            [
                                (
                                    _("✅ Send the order"),
                                    SEND_ORDER.format(pickup_id=cart.pickup.id, version=version),
                                )
                            ],
                            [(_("🔕 Turn off reminders"), REMINDERS_OFF)],
                        ],
                    )
                ]
            return await enqueue(
                tx,
                chat_id=cart.user_id,
                kind="cart_reminder",
                messages=messages,
                now=self.clock(),
                dedupe_key=cart_reminder_key(cart.pickup.id, cart.user_id),
            )
