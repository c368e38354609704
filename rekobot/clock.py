"""The current time, injectable so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current time in UTC (never naive)."""
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Turn an aware datetime into the ISO UTC text stored in the database."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    """Read a stored ISO UTC text back into an aware datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime in the database: {text!r}")
    return moment.astimezone(UTC)
