"""The refusal every other one is, and the ones any part of the bot gives.

``Refusal.message()`` is the user's text; ``NotFound`` deliberately does not say whether a
thing is gone or is someone else's.
"""

from __future__ import annotations

from rekobot.i18n import _
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


class InvalidInput(Refusal):
    """Typed text that could not be understood; ``reason`` is already translated."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def message(self) -> str:
        return self.reason
