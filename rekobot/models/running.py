"""The domain of running a ring: members as admins see them, totals, invitations, waiting carts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from rekobot.models import User


class MemberRow(BaseModel):
    """A member of a ring with their roles there."""

    model_config = ConfigDict(frozen=True)

    user: User
    is_admin: bool
    is_producer: bool
    blocked: bool
    joined_at: AwareDatetime


class ProducerTotal(BaseModel):
    """What one producer sells at a pickup."""

    model_config = ConfigDict(frozen=True)

    producer_id: int
    name: str
    orders: int
    amount: int


@dataclass(frozen=True)
class InvitationRow:
    """An invitation as stored; ``used_at`` is set once a ring was created with it."""

    id: int
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None
    ring_id: int | None


@dataclass(frozen=True)
class WaitingCart:
    """A customer's cart with lines, for a pickup whose order deadline is near."""

    user_id: int
    pickup_id: int
    version: int
    order_id: int | None


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
