"""Refusals while shopping and ordering: the pickup's deadline, stock, limits, the cart.

At checkout too: a comment to a producer that is too long, a contact card that is not one's own.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.errors.refusal import Refusal
from rekobot.i18n import _, clock_time, day, ngettext
from rekobot.render import esc


class DeadlinePassed(Refusal):
    """The pickup no longer takes orders, changes or cancellations."""

    def __init__(self, deadline: datetime | None = None) -> None:
        super().__init__(deadline)
        self.deadline = deadline

    def message(self) -> str:
        return _(
            "The order deadline for this pickup has passed, so orders can no longer be "
            "placed, changed or cancelled."
        )


class OrdersNotOpen(Refusal):
    """The pickup does not take orders yet (producers may be preparing their offers)."""

    def __init__(self, opens_at: datetime | None = None, timezone: str = "UTC") -> None:
        super().__init__(opens_at)
        self.opens_at = opens_at
        self.timezone = timezone

    def message(self) -> str:
        if self.opens_at is None:
            return _("Orders for this pickup are not open yet. They open when it is announced.")
        return _("Orders for this pickup are not open yet. They open on {day} at {time}.").format(
            day=day(self.opens_at, self.timezone), time=clock_time(self.opens_at, self.timezone)
        )


class PickupCancelled(Refusal):
    """The pickup was cancelled."""

    def message(self) -> str:
        return _("This pickup has been cancelled.")


class OfferWithdrawn(Refusal):
    """The producer took the product off sale for this pickup."""

    def message(self) -> str:
        return _("Sorry, this product is no longer on offer for this pickup.")


class OutOfStock(Refusal):
    """Not enough left."""

    def __init__(self, product_name: str, available: int) -> None:
        super().__init__(product_name, available)
        self.product_name = product_name
        self.available = available

    def message(self) -> str:
        if self.available <= 0:
            return _("Sorry, {product} is sold out.").format(product=esc(self.product_name))
        return ngettext(
            "Sorry, only {n} of {product} is left.",
            "Sorry, only {n} of {product} are left.",
            self.available,
        ).format(n=self.available, product=esc(self.product_name))


class OverCustomerLimit(Refusal):
    """More than the producer allows one customer."""

    def __init__(self, product_name: str, limit: int) -> None:
        super().__init__(product_name, limit)
        self.product_name = product_name
        self.limit = limit

    def message(self) -> str:
        return ngettext(
            "You can order at most {n} of {product}.",
            "You can order at most {n} of {product}.",
            self.limit,
        ).format(n=self.limit, product=esc(self.product_name))


class EmptyCart(Refusal):
    """Nothing to check out."""

    def message(self) -> str:
        return _("Your cart is empty.")


class CartChanged(Refusal):
    """The cart changed after the confirmation was shown."""

    def message(self) -> str:
        return _("Your cart changed in the meantime. Please check it and confirm again.")


class CommentTooLong(Refusal):
    """The comment to a producer is longer than a comment may be (``limit`` characters)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(length, limit)
        self.length = length
        self.limit = limit

    def message(self) -> str:
        return ngettext(
            "That comment is {length} characters long; a comment can have at most {n} "
            "character. Please write a shorter one.",
            "That comment is {length} characters long; a comment can have at most {n} "
            "characters. Please write a shorter one.",
            self.limit,
        ).format(length=self.length, n=self.limit)


class NotOwnContact(Refusal):
    """The contact card is someone else's, or has no Telegram account behind it.

    ``share_key`` is the (untranslated) key that shares one's own, which the message names.
    """

    def __init__(self, share_key: str) -> None:
        super().__init__(share_key)
        self.share_key = share_key

    def message(self) -> str:
        return _("That is not your own contact. Tap “{share}” below to share yours.").format(
            share=_(self.share_key)
        )
