"""What customers and producers are told when a pickup is cancelled or moved.

The texts are rendered in the recipient's language by ``PickupAdmin._tell`` and queued in the
outbox in the transaction that made the change.
"""

from __future__ import annotations

from rekobot.i18n import _
from rekobot.models import Pickup, Ring
from rekobot.render import esc, join_blocks, pickup_block, pickup_when, place_text


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
