"""Refusals a service can give, each with a message in the user's language.

A service raises one of these when the rules say no; the handler shows ``exc.message()``.
Nothing has changed when one is raised: the transaction is rolled back.

A message is HTML-safe: what a user typed (a ring code, a product name) is escaped in it, so
handlers can put it into any HTML screen. Plain-text places (button alerts) unescape it.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.i18n import _, clock_time, day, ngettext
from rekobot.models import Order
from rekobot.models.voice import PostStatus
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


# --- Producers: applying, the catalog, offers and the handover -----------------------------------


class NotAProducer(Refusal):
    """The user has no producer profile yet."""

    def message(self) -> str:
        return _("You are not registered as a producer yet. Send /producer to apply.")


class NotApproved(Refusal):
    """The ring's admins have not approved the producer (yet)."""

    def __init__(self, ring_name: str) -> None:
        super().__init__(ring_name)
        self.ring_name = ring_name

    def message(self) -> str:
        return _(
            "You are not approved to sell in {ring} yet. You can prepare your products "
            "meanwhile; you can put them on offer once an admin has approved you."
        ).format(ring=self.ring_name)


class AlreadyApplied(Refusal):
    """An application to this ring is waiting or was approved already."""

    def __init__(self, ring_name: str, approved: bool) -> None:
        super().__init__(ring_name, approved)
        self.ring_name = ring_name
        self.approved = approved

    def message(self) -> str:
        if self.approved:
            return _("You are already approved to sell in {ring}.").format(ring=self.ring_name)
        return _("Your application to {ring} is waiting for an admin.").format(ring=self.ring_name)


class AlreadyDecided(Refusal):
    """Another admin (or an earlier tap) already decided this application."""

    def __init__(self, approved: bool) -> None:
        super().__init__(approved)
        self.approved = approved

    def message(self) -> str:
        if self.approved:
            return _("This application has already been approved.")
        return _("This application has already been rejected.")


class ProductWasOrdered(Refusal):
    """A product with orders cannot be deleted, only hidden."""

    def message(self) -> str:
        return _(
            "This product has been ordered before, so it cannot be deleted. You can hide it "
            "instead."
        )


class BelowOrdered(Refusal):
    """The quantity on offer cannot go below what customers already ordered."""

    def __init__(self, ordered: int) -> None:
        super().__init__(ordered)
        self.ordered = ordered

    def message(self) -> str:
        return ngettext(
            "Customers have already ordered {n}, so the quantity cannot be lower than {n}.",
            "Customers have already ordered {n}, so the quantity cannot be lower than {n}.",
            self.ordered,
        ).format(n=self.ordered)


class OffersClosed(Refusal):
    """Offers can no longer change: the order deadline passed or the pickup was cancelled."""

    def message(self) -> str:
        return _(
            "The order deadline for this pickup has passed, so the offers can no longer change."
        )


class HandoverNotYet(Refusal):
    """Orders are marked collected only once they are final (after the deadline)."""

    def message(self) -> str:
        return _("Orders can be marked as collected once the order deadline has passed.")


class NoShowNotYet(Refusal):
    """No-shows are marked only after the pickup has ended."""

    def message(self) -> str:
        return _("No-shows can be marked once the pickup has ended.")


# --- Running a ring: its settings, admins and places, archiving it --------------------------------


class SlugTaken(Refusal):
    """Another ring already has this link code."""

    def message(self) -> str:
        return _("Another ring already uses that link code. Please choose another one.")


class LastAdmin(Refusal):
    """A ring must keep at least one admin."""

    def message(self) -> str:
        return _("A ring needs at least one admin. Make someone else admin first.")


class CannotBlockAdmin(Refusal):
    """Admins (and the operator) cannot be blocked."""

    def message(self) -> str:
        return _("Admins cannot be blocked. Remove them as admin first.")


class PlaceNameTaken(Refusal):
    """The ring already has a place with that name."""

    def message(self) -> str:
        return _("The ring already has a place with that name.")


class PlaceInUse(Refusal):
    """Pickups are still planned at the place."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count

    def message(self) -> str:
        return _("Pickups are still planned at this place. Move or cancel them first.")


class NotArchived(Refusal):
    """Only an archived ring can be deleted."""

    def message(self) -> str:
        return _("Archive the ring first; only an archived ring can be deleted.")


# --- Broadcasts and announcements ----------------------------------------------------------------


class NoRecipients(Refusal):
    """Nobody in the audience can be reached."""

    def message(self) -> str:
        return _("Nobody in this audience can get the message.")


class AlreadyAnnounced(Refusal):
    """The pickup was announced before."""

    def message(self) -> str:
        return _("This pickup has already been announced.")


# --- A producer's voice: weekly posts and customers' questions ------------------------------------


class AlreadyPosted(Refusal):
    """The producer's post for this pickup has gone out."""

    def message(self) -> str:
        return _(
            "Your post for this pickup has already gone out. You can write one post per pickup."
        )


class NotAllowedToAll(Refusal):
    """The ring keeps posts to its followers."""

    def message(self) -> str:
        return _("This ring does not allow posts to all members; send it to your followers.")


class PostDecided(Refusal):
    """Another admin decided first, or the post was replaced."""

    def __init__(self, status: PostStatus) -> None:
        super().__init__()
        self.status = status

    def message(self) -> str:
        if self.status is PostStatus.SENT:
            return _("This post was approved already.")
        return _("This post was decided on already.")


class TooManyQuestions(Refusal):
    """The customer asked the most questions allowed in a day (``limit``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def message(self) -> str:
        return ngettext(
            "You can ask at most {n} question a day. Please try again tomorrow.",
            "You can ask at most {n} questions a day. Please try again tomorrow.",
            self.limit,
        ).format(n=self.limit)


class AlreadyAnswered(Refusal):
    """The question has an answer, or is too old for one."""

    def message(self) -> str:
        return _("This question was answered already, or is too old to answer.")


# --- Invitations to set up a ring ----------------------------------------------------------------


class InvitationInvalid(Refusal):
    """The link is not one we made (mistyped or cut short)."""

    def message(self) -> str:
        return _(
            "This invitation link is not valid. Check that you opened the whole link, or ask "
            "for a new one."
        )


class InvitationUsed(Refusal):
    """Someone already set up a ring with this link."""

    def message(self) -> str:
        return _(
            "This invitation link has already been used to set up a ring. Each link works "
            "once: ask for a new one."
        )


class InvitationExpired(Refusal):
    """The link is older than its week."""

    def message(self) -> str:
        return _("This invitation link has expired. Ask for a new one.")


# --- Deleting one's data (/privacy) --------------------------------------------------------------


class StillProducer(Refusal):
    """The user runs a producer, whose orders and books others depend on."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.names = names

    def message(self) -> str:
        return _(
            "You run {producers}. Its orders and books are shared with customers and the "
            "ring, so your data cannot be deleted while you run it. Ask your ring's admin or "
            "the bot's operator to close it first."
        ).format(producers=", ".join(self.names))


class StillAdmin(Refusal):
    """The user admins a ring, or the whole bot."""

    def __init__(self, rings: list[str]) -> None:
        super().__init__(rings)
        self.rings = rings

    def message(self) -> str:
        if not self.rings:
            return _(
                "You are an operator of this bot (REKOBOT_ADMIN_IDS). Remove your id from the "
                "bot's settings first, then try again."
            )
        return _(
            "You are an admin of {rings}. Ask another admin to take the admin role from you "
            "(/admin → Admins), then try again."
        ).format(rings=", ".join(self.rings))


class OrderBeingPrepared(Refusal):
    """An order is past its deadline but not picked up: producers are preparing it."""

    def __init__(self, orders: list[tuple[Order, str]]) -> None:
        super().__init__([order.id for order, _ in orders])
        self.orders = orders

    def message(self) -> str:
        order, timezone = self.orders[0]
        return _(
            "Your order #{number} can no longer be cancelled: the producers are preparing it "
            "for the pickup on {day}. You can delete your data after the pickup, from {time}."
        ).format(
            number=order.number,
            day=day(order.pickup.starts_at, timezone),
            time=clock_time(order.pickup.ends_at, timezone),
        )


class ButtonNotYours(Refusal):
    """A confirm button made for someone else."""

    def message(self) -> str:
        return _("This button is not yours. Open /privacy to see your own data.")


class AlreadyErased(Refusal):
    """The confirm button was pressed again after the data was deleted."""

    def message(self) -> str:
        return _("Your data has already been deleted. Nothing more to do.")


class StaleConfirm(Refusal):
    """A confirm button from an earlier /privacy screen."""

    def message(self) -> str:
        return _("This button is out of date. Open /privacy again.")
