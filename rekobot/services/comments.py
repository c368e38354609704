"""A customer's short comment to each producer of an order ("Can you bring the eggs in a box?").

The comment is written on the cart while checking out, one per producer in it, and goes with
the order when it is placed (``Ordering.checkout`` copies it); changing an order starts from
the order's comments again. A comment is one short line: producers read it in a note, a
digest and on a printed pick list, so whitespace and line breaks fold into single spaces.
"""

from __future__ import annotations

import logging

from rekobot.clock import Clock, utcnow
from rekobot.errors import CommentTooLong, NotFound
from rekobot.i18n import ngettext
from rekobot.parsing import one_line
from rekobot.services.shop import Shop
from storage import carts as cart_store
from storage import comments as store
from storage import offers as offer_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: The longest comment, in characters: a line or two on a phone, one row on the pick list.
COMMENT_LIMIT = 200


def clean_comment(text: str) -> str:
    """Fold a typed comment into one line without control characters; refuse a long one."""
    folded = one_line(text)
    if len(folded) > COMMENT_LIMIT:
        raise CommentTooLong(len(folded), COMMENT_LIMIT)
    return folded


class Comments:
    """Writing the customer's comments to producers while they check out."""

    def __init__(self, db: Database, shop: Shop, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.shop = shop
        self.clock = clock

    async def set_comment(self, user_id: int, pickup_id: int, producer_id: int, text: str) -> str:
        """Write the cart's comment to a producer in it ("" removes it); return what is kept.

        The cart's version moves on, so a confirmation shown before the change is refused
        as "the cart changed": the order is always placed as the customer last saw it.
        """
        comment = clean_comment(text)
        async with self.db.transaction() as tx:
            await self.shop.open_pickup(tx, user_id, pickup_id)
            if producer_id not in await _producers_in_cart(tx, user_id, pickup_id):
                raise NotFound()
            await cart_store.touch_cart(tx, user_id, pickup_id, self.clock())
            await store.set_cart_comment(tx, user_id, pickup_id, producer_id, comment, self.clock())
        log.debug(
            "user %s set a comment of %s characters to producer %s",
            user_id,
            len(comment),
            producer_id,
        )
        return comment

    async def producer_name(self, user_id: int, pickup_id: int, producer_id: int) -> str:
        """Name the producer of the customer's cart the comment is for."""
        async with self.db.read() as tx:
            await self.shop.open_pickup(tx, user_id, pickup_id)
            names = await _producers_in_cart(tx, user_id, pickup_id)
        if producer_id not in names:
            raise NotFound()
        return names[producer_id]


async def _producers_in_cart(tx: Transaction, user_id: int, pickup_id: int) -> dict[int, str]:
    """Return {producer_id: name} of the producers with lines in the cart."""
    found: dict[int, str] = {}
    for offer_id in await cart_store.cart_quantities(tx, user_id, pickup_id):
        offer = await offer_store.get_offer(tx, offer_id)
        if offer is not None and not offer.withdrawn:
            found[offer.product.producer_id] = offer.producer_name
    return found


def comment_hint() -> str:
    """Say what a comment is for and how long it may be, in the current locale."""
    return ngettext(
        "A short comment to the producer, for example “Can you bring the eggs in a box?” "
        "(at most {n} character).",
        "A short comment to the producer, for example “Can you bring the eggs in a box?” "
        "(at most {n} characters).",
        COMMENT_LIMIT,
    ).format(n=COMMENT_LIMIT)
