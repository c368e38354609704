"""What a flow keeps for the user between two of their updates: read and written on demand.

Three flows carry a value from one tap to a later one: the erase confirmation's code, the
checkout to come back to after sharing a phone number, and an admin's member search. Each
reads or writes its value only when its own handler runs (one indexed statement), in the
database, so whichever worker takes the next update reads what the last one wrote.

PTB's persistence did this before by reading every user's data before each update and
writing it back after: two statements and a deep copy on every update, for values three
flows use. The rows keep the shape it wrote (``storage/bot_state.py``).
"""

from __future__ import annotations

from handlers.context import Ctx, current_user
from storage import bot_state


async def kept(context: Ctx, name: str) -> object:
    """The value kept for the current user under ``name``, or None."""
    return await bot_state.user_value(context.bot_data.services.db, current_user().id, name)


async def keep(context: Ctx, name: str, value: object) -> None:
    """Keep a value for the current user until a later update takes it (None forgets it)."""
    await bot_state.set_user_value(context.bot_data.services.db, current_user().id, name, value)


async def take(context: Ctx, name: str) -> object:
    """The value kept under ``name``, forgotten as it is read (None when nothing was kept)."""
    return await bot_state.set_user_value(
        context.bot_data.services.db, current_user().id, name, None
    )
