"""Invitations to set up a ring: how someone who is not an operator gets a ring of their own.

An operator (``REKOBOT_ADMIN_IDS``) makes a one-time link, ``t.me/<bot>?start=invite-<token>``.
Whoever opens it fills in the new-ring form and becomes the new ring's admin; the invitation is
used up in the same transaction that creates the ring, so it works once. The token is random
(192 bits) and only its SHA-256 is stored, so a copy of the database cannot accept one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from rekobot.clock import Clock, utcnow
from rekobot.errors import InvitationExpired, InvitationInvalid, InvitationUsed, NotAllowed
from rekobot.models import Ring
from rekobot.models.running import InvitationRow
from rekobot.services.rings_admin import RingAdmin, RingDraft, insert_ring
from storage import admin as admin_store
from storage import invitations as store
from storage.database import Database

log = logging.getLogger(__name__)

#: How long a link stays valid.
VALID_FOR = timedelta(days=7)
#: What a /start payload of an invitation begins with. A payload longer than 32 characters can
#: never be a ring's link code, so an invitation and a ring cannot be mistaken for each other.
PREFIX = "invite-"
PAYLOAD_PATTERN = PREFIX + r"[A-Za-z0-9_-]{32}"
_TOKEN = re.compile(rf"^{PAYLOAD_PATTERN}$")


@dataclass(frozen=True)
class NewInvitation:
    """A link just made: the payload goes into the link once and is never shown again."""

    payload: str
    expires_at: datetime


def is_invitation(payload: str) -> bool:
    """Whether a /start payload has the shape of an invitation."""
    return bool(_TOKEN.match(payload))


def token_hash(payload: str) -> str:
    """The stored form of an invitation's payload."""
    return hashlib.sha256(payload.encode("ascii", "replace")).hexdigest()


class Invitations:
    """Making invitation links, opening them and setting up a ring with one."""

    def __init__(self, db: Database, ring_admin: RingAdmin, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.ring_admin = ring_admin
        self.clock = clock

    async def create(self, user_id: int) -> NewInvitation:
        """Make a one-time link (operators only)."""
        if not self.ring_admin.is_operator(user_id):
            log.warning("user %s tried to make an invitation", user_id)
            raise NotAllowed()
        payload = PREFIX + secrets.token_urlsafe(24)
        now = self.clock()
        expires_at = now + VALID_FOR
        async with self.db.transaction() as tx:
            invitation_id = await store.create_invitation(
                tx,
                token_hash=token_hash(payload),
                created_by=user_id,
                now=now,
                expires_at=expires_at,
            )
            await admin_store.audit(
                tx,
                ring_id=None,
                user_id=user_id,
                action="invitation.created",
                detail={"invitation_id": invitation_id, "expires_at": expires_at},
                now=now,
            )
        log.info("invitation %s made by %s", invitation_id, user_id)
        return NewInvitation(payload=payload, expires_at=expires_at)

    async def open(self, payload: str) -> int:
        """Return the id of the invitation behind a link; refuse a used or expired one."""
        if not is_invitation(payload):
            raise InvitationInvalid()
        async with self.db.read() as tx:
            invitation = await store.invitation_by_hash(tx, token_hash(payload))
        return self._usable(invitation).id

    def _usable(self, invitation: InvitationRow | None) -> InvitationRow:
        if invitation is None:
            raise InvitationInvalid()
        if invitation.used_at is not None:
            raise InvitationUsed()
        if invitation.expires_at <= self.clock():
            raise InvitationExpired()
        return invitation

    async def create_ring(self, user_id: int, invitation_id: int, draft: RingDraft) -> Ring:
        """Set up a ring with an invitation; the user becomes its admin and the link is used."""
        now = self.clock()
        async with self.db.transaction() as tx:
            # Checked again here: the link may have been used or run out while the form was open.
            self._usable(await store.get_invitation(tx, invitation_id))
            ring = await insert_ring(
                tx,
                user_id=user_id,
                draft=draft,
                now=now,
                audit_detail={"invitation_id": invitation_id},
            )
            if not await store.use_invitation(
                tx, invitation_id, user_id=user_id, ring_id=ring.id, now=now
            ):
                raise InvitationUsed()
        log.info("ring %s (%s) set up by %s with an invitation", ring.id, ring.slug, user_id)
        return ring
