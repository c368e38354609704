"""PTB persistence in the bot's own database, so a restart or another worker keeps user data.

Only JSON-able user data (and conversation states, which no handler uses any more) are kept;
carts, orders and the open question live in their own tables. Bot data and chat data are not
persisted: the database is the source of truth.

PTB loads user data once at start-up and then trusts its memory. With several workers on one
PostgreSQL database, the worker that takes a user's next update may not be the one that wrote
their data, so nothing is loaded at start-up and ``refresh_user_data`` reads the user's row
afresh before each callback (one indexed read): every update sees what the last one wrote,
whichever worker ran it.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping

from telegram.ext import BasePersistence, PersistenceInput

from storage import bot_state
from storage.database import Database

USER_DATA = "user_data"
CONVERSATION = "conversation:"

# PTB's own names for these live in a private module (telegram.ext._utils.types); these are
# the same shapes, spelled out as BasePersistence documents them (``object`` for ``Any``).
#: Who a conversation state belongs to: (chat id, user id) with this bot's per_* settings.
ConversationKey = tuple[int | str, ...]
#: One conversation handler's states by key.
ConversationDict = MutableMapping[ConversationKey, object]
#: PTB's arbitrary callback data store (not used: our callback data is a compact codec).
CDCData = tuple[list[tuple[str, float, dict[str, object]]], dict[str, str]]


class DatabasePersistence(BasePersistence[dict[str, object], dict[str, object], object]):
    """Conversation states and user data in the ``bot_state`` table."""

    def __init__(self, db: Database, *, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        self._conversations: dict[str, ConversationDict] = {}
        self._user_data: dict[int, str] = {}  # what is stored, to skip writes that change nothing

    async def _ready(self) -> None:
        if not self.db.is_connected:
            await self.db.connect()

    async def get_user_data(self) -> dict[int, dict[str, object]]:
        """Nothing at start-up: each user's data is read when an update of theirs comes."""
        await self._ready()
        return {}

    async def get_chat_data(self) -> dict[int, dict[str, object]]:
        """Chat data is not persisted."""
        return {}

    async def get_bot_data(self) -> object:
        """Bot data is not persisted."""
        return {}

    async def get_callback_data(self) -> CDCData | None:
        """Arbitrary callback data is not used."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load the states of one conversation handler."""
        await self._ready()
        stored = await bot_state.load_kind(self.db, CONVERSATION + name)
        states: ConversationDict = {tuple(json.loads(key)): value for key, value in stored.items()}
        self._conversations[name] = dict(states)
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store one conversation's new state (None ends it)."""
        known = self._conversations.setdefault(name, {})
        if known.get(key) == new_state and (new_state is not None or key not in known):
            return
        if new_state is None:
            known.pop(key, None)
        else:
            known[key] = new_state
        await bot_state.save(self.db, CONVERSATION + name, json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: dict[str, object]) -> None:
        """Store one user's data, unless it is what is stored already."""
        fingerprint = _fingerprint(data or None)
        if self._user_data.get(user_id, _fingerprint(None)) == fingerprint:
            return
        await bot_state.save(self.db, USER_DATA, str(user_id), data or None)
        self._user_data[user_id] = fingerprint

    async def update_chat_data(self, chat_id: int, data: dict[str, object]) -> None:
        """Chat data is not persisted."""

    async def update_bot_data(self, data: object) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not persisted."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's data."""
        await bot_state.save(self.db, USER_DATA, str(user_id), None)
        self._user_data.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, object]) -> None:
        """Replace the in-memory copy by what is stored, which another worker may have written."""
        stored = await bot_state.load_one(self.db, USER_DATA, str(user_id))
        user_data.clear()
        if isinstance(stored, dict):
            user_data.update(stored)
        self._user_data[user_id] = _fingerprint(stored or None)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, object]) -> None:
        """Chat data is not persisted."""

    async def refresh_bot_data(self, bot_data: object) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Every write is already committed."""


def _fingerprint(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
