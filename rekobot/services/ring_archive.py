"""Archiving a ring, bringing it back, and deleting an archived ring for good (operators only).

An archived ring keeps all its data but is hidden from customers (``/start``, the ring lists)
and gets no sweeps: no reminders or digests for its pickups. Only an archived ring can be
deleted, and only after its link code is typed back, so a ring is never deleted by one stray
tap. Each step is written to the audit log; the deletion's entry has no ring (the ring's own
entries go with it), and it keeps the ring's id, link code and name.
"""

from __future__ import annotations

import logging

from rekobot.clock import Clock, utcnow
from rekobot.errors import InvalidInput, NotAllowed, NotArchived, NotFound
from rekobot.i18n import _
from rekobot.models import Ring
from rekobot.services.rings_admin import RingAdmin
from storage import admin as admin_store
from storage import rings as ring_store
from storage.database import Database

log = logging.getLogger(__name__)


def check_confirmation(ring: Ring, typed: str) -> None:
    """Refuse unless the ring's link code was typed back."""
    if typed.strip().lower() != ring.slug.lower():
        raise InvalidInput(
            _("That is not the link code of this ring. Type {slug} to delete it.").format(
                slug=ring.slug
            )
        )


class RingArchive:
    """Hiding a ring, bringing it back, and deleting it."""

    def __init__(self, db: Database, ring_admin: RingAdmin, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.ring_admin = ring_admin
        self.clock = clock

    def _check_operator(self, user_id: int) -> None:
        if not self.ring_admin.is_operator(user_id):
            log.warning("user %s tried to archive or delete a ring", user_id)
            raise NotAllowed()

    async def archived(self, user_id: int) -> list[Ring]:
        """Return the archived rings, by name."""
        self._check_operator(user_id)
        async with self.db.read() as tx:
            return await ring_store.archived_rings(tx)

    async def ring_count(self, user_id: int) -> int:
        """How many rings exist, archived ones included."""
        self._check_operator(user_id)
        async with self.db.read() as tx:
            return await ring_store.ring_count(tx)

    async def ring(self, user_id: int, ring_id: int) -> Ring:
        """Return any ring, archived or not."""
        self._check_operator(user_id)
        async with self.db.read() as tx:
            ring = await ring_store.get_ring(tx, ring_id)
        if ring is None:
            raise NotFound()
        return ring

    async def set_archived(self, user_id: int, ring_id: int, archived: bool) -> Ring:
        """Archive a ring, or bring it back; doing it twice changes nothing."""
        self._check_operator(user_id)
        now = self.clock()
        async with self.db.transaction() as tx:
            if await ring_store.get_ring(tx, ring_id) is None:
                raise NotFound()
            if await ring_store.set_archived(tx, ring_id, now if archived else None):
                await admin_store.audit(
                    tx,
                    ring_id=ring_id,
                    user_id=user_id,
                    action="ring.archived" if archived else "ring.unarchived",
                    detail={},
                    now=now,
                )
            ring = await ring_store.get_ring(tx, ring_id)
        assert ring is not None
        log.info("ring %s %s by %s", ring_id, "archived" if archived else "unarchived", user_id)
        return ring

    async def delete(self, user_id: int, ring_id: int, typed: str) -> Ring:
        """Delete an archived ring once its link code was typed back; return what it was."""
        self._check_operator(user_id)
        now = self.clock()
        async with self.db.transaction() as tx:
            ring = await ring_store.get_ring(tx, ring_id)
            if ring is None:
                raise NotFound()
            if not ring.archived:
                raise NotArchived()
            check_confirmation(ring, typed)
            counts = await ring_store.delete_ring(tx, ring_id)
            await admin_store.audit(
                tx,
                ring_id=None,
                user_id=user_id,
                action="ring.deleted",
                detail={"ring_id": ring.id, "slug": ring.slug, "name": ring.name, **counts},
                now=now,
            )
        log.info("ring %s (%s) deleted by %s: %s", ring.id, ring.slug, user_id, counts)
        return ring
