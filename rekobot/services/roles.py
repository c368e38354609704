"""Who holds which role, and telling the chat layer when that changes.

Everyone is a customer. A user is a producer once approved in some ring, and an admin when
they run some ring (marked admin of it, or an operator in ``REKOBOT_ADMIN_IDS``). The services
that grant or take a role (``Producers.decide``, ``RingAdmin.set_admin``) compare the roles
before and after inside their transaction and, once it is committed, hand the change to the
listeners: the chat layer sets that user's command menu from it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from rekobot.models import Role
from rekobot.services.members import Members
from storage import admin as admin_store
from storage import users as user_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: Rows of (label, callback data) that open a role's menu, in the current locale. The chat
#: layer supplies it (the codec stays in handlers/); the welcome messages carry the button.
MenuButtons = Callable[[Role], list[list[tuple[str, str]]]]


@dataclass(frozen=True)
class RoleChange:
    """A user's roles before and after one decision, and the language to tell them in."""

    user_id: int
    before: frozenset[Role]
    after: frozenset[Role]
    locale: str

    @property
    def gained(self) -> frozenset[Role]:
        """The roles the user did not have before."""
        return self.after - self.before

    @property
    def lost(self) -> frozenset[Role]:
        """The roles the user no longer has."""
        return self.before - self.after


#: Called after the change is committed; a failing listener is logged, the change stands.
RoleListener = Callable[[RoleChange], Awaitable[None]]


def in_order(roles: frozenset[Role]) -> tuple[Role, ...]:
    """Return the roles in menu order: customer, producer, admin."""
    return tuple(role for role in Role if role in roles)


async def may_run_ring(
    tx: Transaction, user_id: int, ring_id: int, operators: frozenset[int]
) -> bool:
    """The one rule of who may run a ring: an operator (``REKOBOT_ADMIN_IDS``) runs them all;
    anyone else must be marked admin of that ring and not blocked in it."""
    return user_id in operators or await admin_store.is_admin(tx, user_id, ring_id)


def no_buttons(role: Role) -> list[list[tuple[str, str]]]:
    """The welcome messages' button when no chat layer supplied one (scripts, tests)."""
    return []


@dataclass
class Roles:
    """Reads a user's roles, and announces changes to them."""

    db: Database
    members: Members
    admin_ids: frozenset[int] = frozenset()
    listeners: list[RoleListener] = field(default_factory=list)
    menu_buttons: MenuButtons = no_buttons

    async def held(self, tx: Transaction, user_id: int) -> frozenset[Role]:
        """Return the roles the user holds, inside a transaction that may be changing them."""
        sells, runs = await user_store.sells_or_runs(tx, user_id)
        roles = {Role.CUSTOMER}
        if sells:
            roles.add(Role.PRODUCER)
        if runs or user_id in self.admin_ids:
            roles.add(Role.ADMIN)
        return frozenset(roles)

    async def may_run(self, tx: Transaction, user_id: int, ring_id: int) -> bool:
        """Whether the user may run the ring (``may_run_ring`` with this bot's operators)."""
        return await may_run_ring(tx, user_id, ring_id, self.admin_ids)

    async def of(self, user_id: int) -> tuple[Role, ...]:
        """Return the user's roles in menu order."""
        async with self.db.read() as tx:
            return in_order(await self.held(tx, user_id))

    async def locale_of(self, tx: Transaction, user_id: int) -> str:
        """Return the language the user reads (ours when we never met them)."""
        return await self.members.recipient_locale(tx, user_id)

    async def change(
        self, tx: Transaction, user_id: int, before: frozenset[Role]
    ) -> RoleChange | None:
        """Compare the user's roles now with ``before``; None when they are the same."""
        after = await self.held(tx, user_id)
        if after == before:
            return None
        return RoleChange(user_id, before, after, await self.locale_of(tx, user_id))

    async def announce(self, change: RoleChange | None) -> None:
        """Tell every listener about a committed change (nothing when there is none)."""
        if change is None:
            return
        log.info(
            "user %s roles %s -> %s",
            change.user_id,
            ",".join(in_order(change.before)),
            ",".join(in_order(change.after)),
        )
        for listener in self.listeners:
            try:
                await listener(change)
            except Exception:
                # The role is granted or taken either way; a menu left stale is logged.
                log.exception("a role listener failed for user %s", change.user_id)
