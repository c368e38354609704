"""The domain of a producer's voice: weekly posts, the ring's rule for them, customers' questions.

The tables are storage's (storage/producer_posts.py, storage/producer_questions.py); these are
the values they hand to the services and the chat layer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class PostRule(StrEnum):
    """Whether a ring lets a producer's post reach every member, not only followers."""

    OFF = "off"
    ON = "on"
    APPROVAL = "approval"


class PostStatus(StrEnum):
    """Where a post is."""

    PENDING = "pending"  # waiting for an admin
    SENT = "sent"
    REJECTED = "rejected"


class Post(BaseModel):
    """A producer's post for one pickup."""

    model_config = ConfigDict(frozen=True)

    id: int
    producer_id: int
    pickup_id: int
    text: str
    photo_file_id: str | None
    to_all: bool
    status: PostStatus
    recipients: int
    created_at: datetime


class Question(BaseModel):
    """A customer's question to a producer in one ring, and the answer once given."""

    model_config = ConfigDict(frozen=True)

    id: int
    ring_id: int
    producer_id: int
    customer_id: int
    text: str
    answer: str | None
    created_at: datetime
