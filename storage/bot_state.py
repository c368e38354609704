"""Small values a flow keeps for a user between two of their updates, as one JSON row each.

A user's values live in one ``bot_state`` row (kind ``user_data``, the user's id as key), the
shape PTB's persistence gave them when it wrote that row; rows of kind ``conversation:...``
are from versions that still had conversation handlers, and only privacy reads them now.
"""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database, Transaction

USER_DATA = "user_data"


async def user_value(db: Database, user_id: int, name: str) -> Any:
    """One value kept for a user, decoded, or None."""
    async with db.read() as tx:
        return (await _user_values(tx, user_id)).get(name)


async def set_user_value(db: Database, user_id: int, name: str, value: Any) -> Any:
    """Keep a value for a user (None forgets it); return what was kept under that name.

    Read and written in one transaction, so two workers changing two of a user's values at
    once both land.
    """
    async with db.transaction() as tx:
        kept = await _user_values(tx, user_id)
        before = kept.pop(name, None)
        if value is not None:
            kept[name] = value
        await _store(tx, user_id, kept)
    return before


async def _user_values(tx: Transaction, user_id: int) -> dict[str, Any]:
    row = await tx.fetchone(
        "SELECT data FROM bot_state WHERE kind = ? AND key = ?", (USER_DATA, str(user_id))
    )
    return _decoded(row["data"] if row is not None else None)


async def _store(tx: Transaction, user_id: int, kept: dict[str, Any]) -> None:
    if not kept:
        await tx.execute(
            "DELETE FROM bot_state WHERE kind = ? AND key = ?", (USER_DATA, str(user_id))
        )
        return
    await tx.execute(
        "INSERT INTO bot_state (kind, key, data) VALUES (?, ?, ?) "
        "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
        (USER_DATA, str(user_id), json.dumps(kept, ensure_ascii=False, separators=(",", ":"))),
    )


def _decoded(data: str | None) -> dict[str, Any]:
    """A stored row's values; anything but a JSON object (or no row) keeps nothing."""
    if data is None:
        return {}
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
