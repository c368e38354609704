"""The domain of what the bot sends and takes in: broadcasts, the outbox's deliveries, the inbox.

The tables are storage's (storage/broadcasts.py, storage/deliveries.py, storage/inbox.py);
these are the values they hand to the services and the chat layer.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Audience(StrEnum):
    """Who a broadcast goes to."""

    ALL = "all"
    ORDERED = "ordered"  # customers with an order for the chosen pickup
    NOT_ORDERED = "not_ordered"  # members without one
    PRODUCERS = "producers"
    ANNOUNCEMENT = "announcement"  # a new pickup, to members who want announcements
    PRODUCER_POST = "producer_post"  # a producer's weekly post (rekobot/services/producer_posts)


class BroadcastStatus(StrEnum):
    """Where a broadcast is."""

    DRAFT = "draft"
    SENDING = "sending"
    STOPPED = "stopped"
    DONE = "done"


class Broadcast(BaseModel):
    """A broadcast and where its progress message is."""

    model_config = ConfigDict(frozen=True)

    id: int
    ring_id: int
    author_user_id: int | None
    text: str
    photo_file_id: str | None
    location_id: int | None
    audience: Audience
    pickup_id: int | None
    status: BroadcastStatus
    progress_chat_id: int | None
    progress_message_id: int | None


class DueDelivery(BaseModel):
    """A pending delivery that may be sent now (its payload is read when it is claimed)."""

    model_config = ConfigDict(frozen=True)

    id: int
    chat_id: int
    kind: str
    broadcast_id: int | None
    sent_parts: int


class ClaimedDelivery(BaseModel):
    """A delivery the sender now owns, with its payload and whether the chat can be reached."""

    model_config = ConfigDict(frozen=True)

    id: int
    chat_id: int
    kind: str
    broadcast_id: int | None
    payload: str
    sent_parts: int
    attempts: int
    unreachable: bool


class DeliveryCounts(BaseModel):
    """How far a group of deliveries (a broadcast) has come."""

    model_config = ConfigDict(frozen=True)

    total: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0

    @property
    def open(self) -> int:
        """Deliveries that are still to go."""
        return self.pending + self.sending

    @property
    def done(self) -> int:
        """Deliveries that have an outcome."""
        return self.sent + self.failed + self.blocked + self.cancelled


class IncomingUpdate(BaseModel):
    """An update as it arrived: Telegram's id, the chat it belongs to, and its JSON text."""

    model_config = ConfigDict(frozen=True)

    update_id: int
    chat_id: int | None
    payload: str


class PendingUpdate(BaseModel):
    """A stored update that has not been processed yet."""

    model_config = ConfigDict(frozen=True)

    update_id: int
    chat_id: int | None
    payload: str
    attempts: int


class InboxCounts(BaseModel):
    """How many updates wait, and how many done ones are kept for deduplication."""

    model_config = ConfigDict(frozen=True)

    pending: int = 0
    done: int = 0
