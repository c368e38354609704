"""What the producer screens share: the home button, paging, and the product steps' states.

Applying, the profile and offer amounts are forms on the engine (``handlers.forms``). Adding
and editing a product still runs in the producer's products conversation
(``conversation.py``): the states and user-data drafts below are that conversation's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, Update

from handlers.callbacks import Callback
from handlers.context import Ctx
from handlers.replies import button, show
from rekobot.i18n import _

# What the products conversation waits for, per step.
ADD_NAME, ADD_DESCRIPTION, ADD_UNIT, ADD_PRICE, ADD_CATEGORY, ADD_PHOTO = range(20, 26)
EDIT_VALUE = 30

# Keys of the product drafts in user_data.
PRODUCT = "producer_product"
EDIT = "producer_edit"

PAGE_SIZE = 8


@dataclasses.dataclass(frozen=True)
class Home(Callback, prefix="phome"):
    """The producer's home screen."""


@dataclasses.dataclass(frozen=True)
class Skip(Callback, prefix="pskip"):
    """Skip an optional step, or remove an optional field while editing."""


@dataclasses.dataclass(frozen=True)
class StartOver(Callback, prefix="pagain"):
    """Throw away an unfinished draft and begin again."""

    draft: str  # "form" or "product"


def home_row() -> list[InlineKeyboardButton]:
    """A row with the way back to the producer's home screen."""
    return [button("🏠 " + _("Producer menu"), Home())]


def draft(context: Ctx, key: str) -> dict[str, Any]:
    """Return (creating it if needed) a draft stored in the user's data."""
    assert context.user_data is not None
    value = context.user_data.get(key)
    if not isinstance(value, dict):
        value = context.user_data[key] = {}
    return value


def drop(context: Ctx, *keys: str) -> None:
    """Forget drafts."""
    assert context.user_data is not None
    for key in keys:
        context.user_data.pop(key, None)


def typed_text(update: Update) -> str:
    """The text of the message being handled."""
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def ask(
    update: Update,
    context: Ctx,
    text: str,
    rows: list[list[InlineKeyboardButton]] | None = None,
) -> None:
    """Ask a question: in place of the pressed screen, or as a reply to what was typed."""
    await show(update, context, text, rows or [])


def page_rows(page: int, pages: int, make: Callable[[int], Callback]) -> list[InlineKeyboardButton]:
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
