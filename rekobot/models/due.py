"""The domain of due work: how far a pickup's reminder rounds have come, and a chunk to remind.

The reminder sweep (``rekobot/services/reminders.py``) reads these from
``storage/reminders.py`` and decides from them what to queue; they live here, not in storage,
so the service reasons about domain records rather than rows.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from rekobot.models import Order, User


class ReminderRound(BaseModel):
    """How far a pickup's reminder rounds have come, and its newest placed order."""

    model_config = ConfigDict(frozen=True)

    evening_reminded_order: int
    hour_reminded_order: int
    newest_order: int | None

    def has_new(self, kind: str) -> bool:
        """Whether an order was placed after the round of ``kind`` last looked."""
        mark = self.evening_reminded_order if kind == "evening" else self.hour_reminded_order
        return self.newest_order is not None and self.newest_order > mark

    def mark(self, kind: str) -> int:
        """The highest order id the round of ``kind`` has dealt with."""
        return self.evening_reminded_order if kind == "evening" else self.hour_reminded_order


class ReminderBatch(BaseModel):
    """A chunk of a pickup's placed orders, each with its customer, and where it ended."""

    model_config = ConfigDict(frozen=True)

    orders: list[tuple[Order, User]]
    last_order: int
