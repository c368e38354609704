"""A ring's members as its admins see them: list and search with roles, block and unblock."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import CannotBlockAdmin, NotFound
from rekobot.i18n import use_locale
from rekobot.models import Ring
from rekobot.models.running import MemberRow
from rekobot.parsing import one_line
from rekobot.services import notices
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.rings_admin import RingAdmin
from storage import admin as admin_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_SEARCH = 64


@dataclass(frozen=True)
class MemberPage:
    """One page of a ring's members."""

    members: list[MemberRow]
    total: int
    page: int
    search: str

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return max(1, -(-self.total // PAGE_SIZE))


class MemberAdmin:
    """Listing, finding and blocking a ring's members."""

    def __init__(self, db: Database, rings: RingAdmin, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.rings = rings
        self.clock = clock

    async def page(self, user_id: int, ring_id: int, page: int = 0, search: str = "") -> MemberPage:
        """Return a page of members, admins first; ``search`` matches name, @username or id."""
        search = one_line(search)[:MAX_SEARCH]  # also what a form kept: no control characters
        page = max(page, 0)
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            rows, total = await admin_store.members(
                tx, ring_id, search=search, limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
        return MemberPage(members=rows, total=total, page=page, search=search)

    async def member(self, user_id: int, ring_id: int, target_id: int) -> MemberRow:
        """Return one member of the ring."""
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            found = await admin_store.member(tx, ring_id, target_id)
        if found is None:
            raise NotFound()
        return found

    async def set_blocked(
        self, user_id: int, ring_id: int, target_id: int, blocked: bool
    ) -> MemberRow:
        """Block a member from the ring (no shopping, no messages, no rejoining) or lift it."""
        now = self.clock()
        async with self.db.transaction() as tx:
            ring = await self.rings.check(tx, user_id, ring_id)
            found = await admin_store.member(tx, ring_id, target_id)
            if found is None:
                raise NotFound()
            if blocked and (found.is_admin or self.rings.is_operator(target_id)):
                raise CannotBlockAdmin()
            await admin_store.set_blocked(tx, ring_id, target_id, blocked, now)
            if blocked != found.blocked:
                await self._tell_member(tx, ring, target_id, blocked)
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action="member.blocked" if blocked else "member.unblocked",
                detail={"user_id": target_id},
                now=now,
            )
            changed = await admin_store.member(tx, ring_id, target_id)
        assert changed is not None
        log.info(
            "user %s %s user %s in ring %s",
            user_id,
            "blocked" if blocked else "unblocked",
            target_id,
            ring_id,
        )
        return changed

    async def _tell_member(
        self, tx: Transaction, ring: Ring, target_id: int, blocked: bool
    ) -> None:
        """Queue the message that tells a member, in their language, they were (un)blocked."""
        with use_locale(await self.rings.roles.locale_of(tx, target_id)):
            text = notices.block_text(ring, blocked)
            message = OutMessage(text=text)
        kind = "member_blocked" if blocked else "member_unblocked"
        await enqueue(tx, chat_id=target_id, kind=kind, messages=[message], now=self.clock())
