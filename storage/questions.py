"""The open question of each user: which form, which step, the draft so far, its token.

A user has at most one (the primary key says so). Handlers read it for every update, so
nothing about a half-answered form is held in memory between updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rekobot.clock import to_db
from storage.database import Database


@dataclass(frozen=True)
class OpenQuestion:
    """One stored open question; ``draft`` is the form's JSON, validated by the form."""

    user_id: int
    kind: str
    ring_id: int
    target_id: int
    asking: str
    draft: str
    token: int


async def get(db: Database, user_id: int) -> OpenQuestion | None:
    """Return the user's open question, if any."""
    row = await db.fetchone(
        "SELECT user_id, kind, ring_id, target_id, asking, draft, token "
        "FROM questions WHERE user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    return OpenQuestion(
        user_id=row["user_id"],
        kind=row["kind"],
        ring_id=row["ring_id"],
        target_id=row["target_id"],
        asking=row["asking"],
        draft=row["draft"],
        token=row["token"],
    )


async def put(db: Database, question: OpenQuestion, now: datetime) -> None:
    """Store the user's open question, replacing the one they had."""
    await db.execute(
        "INSERT INTO questions "
        "(user_id, kind, ring_id, target_id, asking, draft, token, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, "
        "ring_id = excluded.ring_id, target_id = excluded.target_id, "
        "asking = excluded.asking, draft = excluded.draft, token = excluded.token, "
        "updated_at = excluded.updated_at",
        (
            question.user_id,
            question.kind,
            question.ring_id,
            question.target_id,
            question.asking,
            question.draft,
            question.token,
            to_db(now),
        ),
    )


async def delete(db: Database, user_id: int) -> None:
    """Close the user's open question (its draft is dropped)."""
    await db.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
