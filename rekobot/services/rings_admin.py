"""Ring admins: who may run a ring, creating rings, their settings, admins and invite link.

Only the operator's ``REKOBOT_ADMIN_IDS`` may create rings here; they are admins of every
ring. Anyone else sets one up through an invitation (``services/invitations.py``), which
shares ``insert_ring``.
A ring's own admins are its members marked ``is_admin``. Every method takes the acting user's
id and checks it again, so a forged or stale button changes nothing. Every change is written
to the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time
from typing import Any

from rekobot.clock import Clock, utcnow
from rekobot.errors import LastAdmin, NotAllowed, NotFound, SlugTaken
from rekobot.i18n import N_, use_locale
from rekobot.models import Ring, RingField, Role
from rekobot.models.running import MemberRow
from rekobot.parsing import (
    parse_categories,
    parse_currency,
    parse_locale,
    parse_name,
    parse_ring_field,
    parse_slug,
    parse_time_of_day,
    parse_timezone,
)
from rekobot.services import notices
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.roles import Roles
from rekobot.services.windows import follow_ring_setting
from storage import admin as admin_store
from storage import rings as ring_store
from storage import users as user_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: The zones offered as buttons; any other IANA zone can be typed.
TIMEZONES = ("Europe/Oslo", "Europe/Stockholm", "Europe/Helsinki", "Europe/Copenhagen")
#: The currency that usually goes with a zone, for a new ring's default.
ZONE_CURRENCY = {
    "Europe/Oslo": "NOK",
    "Europe/Stockholm": "SEK",
    "Europe/Helsinki": "EUR",
    "Europe/Copenhagen": "DKK",
}
#: The usual REKO categories, offered when a ring is created (translated when shown).
USUAL_CATEGORIES = (
    N_("Vegetables"),
    N_("Fruit and berries"),
    N_("Meat"),
    N_("Fish"),
    N_("Eggs and dairy"),
    N_("Bakery"),
    N_("Honey and preserves"),
    N_("Other"),
)


# --- what admins type ------------------------------------------------------------------------


# --- rings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RingDraft:
    """A ring being created: what the admin has said so far."""

    name: str = ""
    slug: str = ""
    timezone: str = "Europe/Oslo"
    locale: str = "nb"
    currency: str = "NOK"
    deadline_hours: int = 36
    evening_reminder_time: str = "19:00"
    description: str = ""
    categories: list[str] = field(default_factory=list)
    cart_reminder_hours: int = 3
    orders_open_days: int = 7
    anonymise_after_days: int = 90

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-able data (kept in the user's persisted data)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RingDraft:
        """Read a draft back."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def with_value(self, ring_field: RingField, value: object) -> RingDraft:
        """Return the draft with one setting changed (times are kept as "HH:MM")."""
        if isinstance(value, time):
            value = value.strftime("%H:%M")
        changes: dict[str, Any] = {ring_field.value: value}
        return replace(self, **changes)


@dataclass(frozen=True)
class RingSettings:
    """A ring with its categories, as the settings screen shows it."""

    ring: Ring
    categories: list[str]


class RingAdmin:
    """Who runs which ring, creating rings, their settings and admins."""

    def __init__(
        self,
        db: Database,
        members: Members,
        roles: Roles,
        *,
        admin_ids: frozenset[int] = frozenset(),
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.members = members
        self.roles = roles
        self.admin_ids = admin_ids
        self.clock = clock

    def is_operator(self, user_id: int) -> bool:
        """Whether the user is one of REKOBOT_ADMIN_IDS (may create rings, runs them all)."""
        return user_id in self.admin_ids

    async def check(self, tx: Transaction, user_id: int, ring_id: int) -> Ring:
        """Return the ring if the user may run it; refuse otherwise (and log it)."""
        ring = await ring_store.get_ring(tx, ring_id)
        if ring is None:
            raise NotFound()
        if await self.roles.may_run(tx, user_id, ring_id):
            return ring
        log.warning("user %s tried to run ring %s without being its admin", user_id, ring_id)
        raise NotAllowed()

    async def ring(self, user_id: int, ring_id: int) -> Ring:
        """Return a ring the user runs."""
        async with self.db.read() as tx:
            return await self.check(tx, user_id, ring_id)

    async def admin_rings(self, user_id: int) -> list[Ring]:
        """Return the rings the user runs, by name."""
        async with self.db.read() as tx:
            rings = await ring_store.all_rings(tx)
            if self.is_operator(user_id):
                return rings
            mine = set(await admin_store.admin_ring_ids(tx, user_id))
        return [ring for ring in rings if ring.id in mine]

    async def settings(self, user_id: int, ring_id: int) -> RingSettings:
        """Return a ring's settings and categories."""
        async with self.db.read() as tx:
            ring = await self.check(tx, user_id, ring_id)
            categories = [name for _id, name in await ring_store.categories(tx, ring_id)]
        return RingSettings(ring=ring, categories=categories)

    async def create_ring(self, user_id: int, draft: RingDraft) -> Ring:
        """Create a ring from a finished draft; the creator becomes its admin."""
        if not self.is_operator(user_id):
            log.warning("user %s tried to create a ring", user_id)
            raise NotAllowed()
        async with self.db.transaction() as tx:
            ring = await insert_ring(tx, user_id=user_id, draft=draft, now=self.clock())
        log.info("ring %s (%s) created by %s", ring.id, ring.slug, user_id)
        return ring

    async def change(
        self, user_id: int, ring_id: int, ring_field: RingField, value: object
    ) -> Ring:
        """Change one setting of a ring (the value as parsed by ``parse_ring_field``)."""
        if ring_field is RingField.ANONYMISE_AFTER_DAYS:
            raise ValueError("the retention is Privacy.set_retention's")
        async with self.db.transaction() as tx:
            await self.check(tx, user_id, ring_id)
            if ring_field is RingField.CATEGORIES:
                names = value if isinstance(value, list) else parse_categories(str(value))
                await ring_store.set_categories(tx, ring_id, [str(n) for n in names])
            else:
                if isinstance(value, time):
                    value = value.strftime("%H:%M")
                checked = parse_ring_field(ring_field, str(value))
                if isinstance(checked, time):
                    checked = checked.strftime("%H:%M")
                if ring_field is RingField.SLUG and await admin_store.slug_taken(
                    tx, str(checked), except_ring=ring_id
                ):
                    raise SlugTaken()
                await admin_store.update_ring(tx, ring_id, {ring_field.value: checked})
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action=f"ring.{ring_field.value}",
                detail={"value": value},
                now=self.clock(),
            )
            ring = await ring_store.get_ring(tx, ring_id)
            assert ring is not None
            if ring_field is RingField.ORDERS_OPEN_DAYS:
                await follow_ring_setting(tx, ring, self.clock())
        return ring

    # -- admins

    async def admins(self, user_id: int, ring_id: int) -> list[MemberRow]:
        """Return the ring's admins."""
        async with self.db.read() as tx:
            await self.check(tx, user_id, ring_id)
            return await admin_store.ring_admins(tx, ring_id)

    async def set_admin(self, user_id: int, ring_id: int, target_id: int, admin: bool) -> None:
        """Make a member an admin of the ring, or take it away, and tell them in their language.

        The message of a new admin carries a button to the admin menu; the role listeners hear
        of it once committed when the member's roles changed (their first ring, or their last).
        """
        now = self.clock()
        async with self.db.transaction() as tx:
            ring = await self.check(tx, user_id, ring_id)
            roles_before = await self.roles.held(tx, target_id)
            member = await admin_store.member(tx, ring_id, target_id)
            if member is None or (admin and member.blocked):
                raise NotFound()
            if not admin and member.is_admin:
                others = [
                    a for a in await admin_store.ring_admins(tx, ring_id) if a.user.id != target_id
                ]
                if not others and not self.is_operator(user_id):
                    raise LastAdmin()
            await admin_store.set_admin(tx, ring_id, target_id, admin)
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action="admin.added" if admin else "admin.removed",
                detail={"user_id": target_id},
                now=now,
            )
            if admin != member.is_admin:
                await self._tell_admin(tx, ring, target_id, admin)
            change = await self.roles.change(tx, target_id, roles_before)
        log.info(
            "user %s %s admin %s of ring %s",
            user_id,
            "made" if admin else "removed",
            target_id,
            ring_id,
        )
        await self.roles.announce(change)

    async def _tell_admin(self, tx: Transaction, ring: Ring, target_id: int, admin: bool) -> None:
        """Queue the message that tells a member they now run the ring, or no longer do."""
        with use_locale(await self.roles.locale_of(tx, target_id)):
            text = notices.admin_role_text(ring, admin)
            buttons = (self.roles.menu_buttons(Role.ADMIN) or None) if admin else None
            message = OutMessage(text=text, buttons=buttons)
        await enqueue(
            tx, chat_id=target_id, kind="admin_role", messages=[message], now=self.clock()
        )


async def insert_ring(
    tx: Transaction,
    *,
    user_id: int,
    draft: RingDraft,
    now: datetime,
    audit_detail: dict[str, Any] | None = None,
) -> Ring:
    """Create a ring from a checked draft, its creator as its admin, and audit it."""
    name = parse_name(draft.name)
    slug = parse_slug(draft.slug)
    if await admin_store.slug_taken(tx, slug):
        raise SlugTaken()
    ring_id = await ring_store.create_ring(
        tx,
        slug=slug,
        name=name,
        timezone=parse_timezone(draft.timezone),
        locale=parse_locale(draft.locale),
        currency=parse_currency(draft.currency),
        deadline_hours=draft.deadline_hours,
        description=draft.description,
        now=now,
    )
    reminder = parse_time_of_day(draft.evening_reminder_time).strftime("%H:%M")
    await admin_store.update_ring(tx, ring_id, {"evening_reminder_time": reminder})
    if draft.categories:
        await ring_store.set_categories(tx, ring_id, draft.categories)
    await user_store.join_ring(tx, user_id=user_id, ring_id=ring_id, now=now)
    await admin_store.set_admin(tx, ring_id, user_id, True)
    await admin_store.audit(
        tx,
        ring_id=ring_id,
        user_id=user_id,
        action="ring.created",
        detail={**draft.to_json(), **(audit_detail or {})},
        now=now,
    )
    ring = await ring_store.get_ring(tx, ring_id)
    assert ring is not None
    return ring
