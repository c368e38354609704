"""What the producer screens share: the home button, starting over, and paging.

Every question a producer is asked is a form on the engine (``handlers.forms``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from handlers.callbacks import Callback
from handlers.replies import button
from handlers.sending import Button
from rekobot.i18n import _

PAGE_SIZE = 8


@dataclasses.dataclass(frozen=True)
class Home(Callback, prefix="phome"):
    """The producer's home screen."""


@dataclasses.dataclass(frozen=True)
class StartOver(Callback, prefix="pagain"):
    """Throw away an unfinished draft and begin again."""

    draft: str  # "form" or "product"


def home_row() -> list[Button]:
    """A row with the way back to the producer's home screen."""
    return [button("🏠 " + _("Producer menu"), Home())]


def page_rows(page: int, pages: int, make: Callable[[int], Callback]) -> list[Button]:
    """◀ and ▶ buttons for a paged list; ``make(page)`` builds the payload."""
    row = []
    if page > 0:
        row.append(button("◀", make(page - 1)))
    if page < pages - 1:
        row.append(button("▶", make(page + 1)))
    return row


def pages_of(count: int) -> int:
    """How many pages a list of ``count`` items takes."""
    return max(1, -(-count // PAGE_SIZE))
