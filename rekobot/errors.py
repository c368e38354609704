"""Refusals a service can give, each with a message in the user's language.

A service raises one of these when the rules say no; the handler shows ``exc.message()``.
Nothing has changed when one is raised: the transaction is rolled back.

A message is HTML-safe: what a user typed (a ring code, a product name) is escaped in it, so
handlers can put it into any HTML screen. Plain-text places (button alerts) unescape it.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.i18n import _, clock_time, day, ngettext
from rekobot.render import esc


class Refusal(Exception):
    """The rules say no; ``message()`` says why, in the current locale."""

    def message(self) -> str:
        """Explain the refusal to the user."""
        return _("That did not work. Please try again.")


class NotFound(Refusal):
    """The thing is gone, was never there, or is not the user's (we do not say which)."""

    def message(self) -> str:
        return _("This is no longer available. Please open the menu again.")


class NotAllowed(Refusal):
    """The user lacks the role or ownership for this action."""

    def message(self) -> str:
        return _("You are not allowed to do that.")


class NoRing(Refusal):
    """The user has not joined a ring yet."""

    def message(self) -> str:
        return _("You have not joined a REKO ring yet. Use the link from your ring, or /start.")


class UnknownRing(Refusal):
    """No ring has that slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug

    def message(self) -> str:
        return _("There is no REKO ring called “{slug}”.").format(slug=esc(self.slug))


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


class InvalidInput(Refusal):
    """Typed text that could not be understood; ``reason`` is already translated."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def message(self) -> str:
        return self.reason
