"""Refusals to producers: applying to a ring, the catalog, offers and the handover."""

from __future__ import annotations

from rekobot.errors.refusal import Refusal
from rekobot.i18n import _, ngettext


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
