"""Key-value rows behind PTB's persistence: conversation states and per-user data as JSON."""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database


async def load_kind(db: Database, kind: str) -> dict[str, Any]:
    """Return every stored key of one kind, decoded."""
    rows = await db.fetchall("SELECT key, data FROM bot_state WHERE kind = ?", (kind,))
    return {row["key"]: json.loads(row["data"]) for row in rows}


async def load_one(db: Database, kind: str, key: str) -> Any:
    """Return one stored value, decoded, or None."""
    row = await db.fetchone("SELECT data FROM bot_state WHERE kind = ? AND key = ?", (kind, key))
    return None if row is None else json.loads(row["data"])


async def save(db: Database, kind: str, key: str, value: Any) -> None:
    """Store one value; None deletes it."""
    if value is None:
        await db.execute("DELETE FROM bot_state WHERE kind = ? AND key = ?", (kind, key))
        return
    await db.execute(
        "INSERT INTO bot_state (kind, key, data) VALUES (?, ?, ?) "
        "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
        (kind, key, json.dumps(value, ensure_ascii=False, separators=(",", ":"))),
    )
