"""Refusals in running a ring: its settings, admins and places, broadcasts, invitations."""

from __future__ import annotations

from rekobot.errors.refusal import Refusal
from rekobot.i18n import _


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
