"""Customers' questions to producers, relayed by the bot, and the producers' answers."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import from_db, to_db
from rekobot.models.voice import Question
from storage.database import Row, Transaction


def question_from_row(row: Row) -> Question:
    """Build a Question from a row of ``producer_questions``."""
    return Question(
        id=row["id"],
        ring_id=row["ring_id"],
        producer_id=row["producer_id"],
        customer_id=row["customer_id"],
        text=row["text"],
        answer=row["answer"],
        created_at=from_db(row["created_at"]),
    )


async def add_question(
    tx: Transaction, *, ring_id: int, producer_id: int, customer_id: int, text: str, now: datetime
) -> int:
    """Record a question; return its id."""
    return await tx.insert(
        "INSERT INTO producer_questions (ring_id, producer_id, customer_id, text, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (ring_id, producer_id, customer_id, text, to_db(now)),
    )


async def get_question(tx: Transaction, question_id: int) -> Question | None:
    """Return a question by id."""
    row = await tx.fetchone("SELECT * FROM producer_questions WHERE id = ?", (question_id,))
    return None if row is None else question_from_row(row)


async def asked_since(tx: Transaction, customer_id: int, since: datetime) -> int:
    """How many questions the customer asked since a moment (for the rate limit)."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM producer_questions WHERE customer_id = ? AND created_at >= ?",
            (customer_id, to_db(since)),
        )
        or 0
    )


async def answer(tx: Transaction, question_id: int, text: str, now: datetime) -> bool:
    """Store the producer's answer; False when the question was answered already."""
    changed = await tx.execute(
        "UPDATE producer_questions SET answer = ?, answered_at = ? WHERE id = ? AND answer IS NULL",
        (text, to_db(now), question_id),
    )
    return changed == 1
