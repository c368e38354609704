"""A person's data: what the bot stores about them, a copy of it, erasing it; old orders' names.

Erasing keeps what producers and the ring need for their books (order numbers, lines, amounts)
and removes the person: their orders move to tombstone users (see ``storage.privacy``), and
their name, username, settings, carts, memberships and conversation state are deleted. Orders
not picked up yet are cancelled first through the ordinary cancel rule, so producers get the
usual note. Someone who runs a producer or admins a ring is refused: the ring's books and its
other members depend on that record, and the role has to be handed on first.

Each ring also anonymises its orders a set number of days after the pickup
(``Ring.anonymise_after_days``; 0 = never). The sweep does it in small batches, idempotently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rekobot.clock import Clock, to_db, utcnow
from rekobot.errors import (
    NotAllowed,
    NotFound,
    OrderBeingPrepared,
    Refusal,
    StillAdmin,
    StillProducer,
)
from rekobot.i18n import _, ngettext
from rekobot.models import Membership, Order, OrderStatus, PickupStatus, User
from rekobot.services.members import Members
from rekobot.services.ordering import Ordering
from rekobot.services.roles import may_run_ring
from storage import admin as admin_store
from storage import carts as cart_store
from storage import contacts as contact_store
from storage import orders as order_store
from storage import privacy as store
from storage import rings as ring_store
from storage import users as user_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: Orders anonymised per sweep at most: the sweep writes in short transactions.
BATCH = 200
#: The longest retention a ring may set (ten years); 0 means never.
MAX_DAYS = 3650


@dataclass(frozen=True)
class PrivacyOverview:
    """What the bot stores about one person, counted for the /privacy screen."""

    user: User
    memberships: tuple[Membership, ...]
    orders: int
    open_orders: int
    cart_units: int
    producers: tuple[str, ...]
    #: The phone number shared with the producers of the user's orders, if any.
    phone: str | None = None

    @property
    def has_data(self) -> bool:
        """Whether anything beyond the profile Telegram sends with every message is stored."""
        return bool(
            self.memberships or self.orders or self.cart_units or self.producers or self.phone
        )


@dataclass(frozen=True)
class Erasure:
    """What deleting a person did."""

    cancelled: tuple[Order, ...]  # orders cancelled first, their producers told
    orders_kept: int  # orders left for the producers' books, now on tombstones


class Privacy:
    """Showing, exporting and erasing a person's data; anonymising old orders."""

    def __init__(
        self,
        db: Database,
        members: Members,
        ordering: Ordering,
        *,
        admin_ids: frozenset[int] = frozenset(),
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.members = members
        self.ordering = ordering
        self.admin_ids = admin_ids
        self.clock = clock

    async def overview(self, user_id: int) -> PrivacyOverview:
        """Count what is stored about the user."""
        now = self.clock()
        async with self.db.read() as tx:
            user = await user_store.get_user(tx, user_id)
            if user is None:
                raise NotFound()
            orders = await self._orders(tx, user_id)
            return PrivacyOverview(
                user=user,
                memberships=tuple(await user_store.memberships(tx, user_id)),
                orders=len(orders),
                open_orders=sum(1 for order in orders if _not_picked_up(order, now)),
                cart_units=sum((await cart_store.cart_counts(tx, user_id)).values()),
                producers=tuple(await store.owned_producer_names(tx, user_id)),
                phone=await contact_store.phone_of(tx, user_id),
            )

    async def export(self, user_id: int) -> dict[str, Any]:
        """Return everything stored about the user, as JSON-able data."""
        async with self.db.read() as tx:
            user = await user_store.get_user(tx, user_id)
            if user is None:
                raise NotFound()
            created = await store.user_created_at(tx, user_id)
            joined = await store.membership_dates(tx, user_id)
            memberships = await user_store.memberships(tx, user_id)
            orders = await self._orders(tx, user_id)
            return {
                "exported_at": to_db(self.clock()),
                "user": {
                    "telegram_id": user.id,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "username": user.username,
                    "phone_shared_with_producers": await contact_store.phone_of(tx, user_id),
                    "telegram_language": user.language_code,
                    "chosen_language": user.locale,
                    "current_ring": user.current_ring_id,
                    "reminders": user.reminders_enabled,
                    "announcements": user.announcements_enabled,
                    "orders_open": user.orders_open_enabled,
                    "producer_posts": not await store.posts_turned_off(tx, user_id),
                    "first_seen": to_db(created) if created else None,
                },
                "rings": [
                    {
                        "id": member.ring.id,
                        "slug": member.ring.slug,
                        "name": member.ring.name,
                        "joined_at": to_db(joined[member.ring.id])
                        if member.ring.id in joined
                        else None,
                        "admin": member.is_admin,
                        "blocked": member.blocked,
                    }
                    for member in memberships
                ],
                "orders": [_order_json(order) for order in orders],
                "cart": await store.cart_items(tx, user_id),
                "cart_comments": await store.cart_comments(tx, user_id),
                "follows": await store.follows(tx, user_id),
                "questions_to_producers": await store.questions_asked(tx, user_id),
                "producers": await store.owned_producer_names(tx, user_id),
                "conversation_state": await store.bot_state_of_user(tx, user_id),
            }

    async def check_erasable(self, user_id: int) -> PrivacyOverview:
        """Refuse when the user holds a role or an order being prepared; else the overview."""
        overview = await self.overview(user_id)
        now = self.clock()
        async with self.db.read() as tx:
            self._refuse_roles(user_id, overview)
            await self._refuse_prepared(tx, user_id, now)
        return overview

    async def erase(self, user_id: int) -> Erasure:
        """Cancel the user's open orders, then erase them for good."""
        await self.check_erasable(user_id)
        cancelled = []
        async with self.db.read() as tx:
            orders = await self._orders(tx, user_id)
        now = self.clock()
        for order in orders:
            if order.status is OrderStatus.PLACED and order.pickup.is_open(now):
                cancelled.append(await self.ordering.cancel(user_id, order.id))
        async with self.db.transaction() as tx:
            if await store.owned_producer_names(tx, user_id) or await admin_store.admin_ring_ids(
                tx, user_id
            ):
                raise NotAllowed()  # a role taken on since the check; /privacy again says which
            for order in await self._orders(tx, user_id):
                if order.status is OrderStatus.PLACED and _not_picked_up(order, self.clock()):
                    raise Refusal()  # an order placed meanwhile; trying again cancels it
            kept = await store.erase_user(tx, user_id, self.clock())
        log.info(
            "user %s erased: %s orders cancelled, %s kept on tombstones",
            user_id,
            len(cancelled),
            kept,
        )
        return Erasure(cancelled=tuple(cancelled), orders_kept=kept)

    async def anonymise_due(self) -> int:
        """Anonymise one batch of orders whose pickup ended long enough ago; return how many.

        Whether anything is due is asked on a reader, in one statement for every ring: the
        sweep takes the write lock only when there is something to anonymise.
        """
        now = self.clock()
        done = 0
        async with self.db.read() as tx:
            cutoffs = await self._cutoffs(tx, now)
            if not await store.pickups_to_anonymise(tx, cutoffs, 1):
                return 0
        async with self.db.transaction() as tx:
            cutoffs = await self._cutoffs(tx, now)
            for pickup_id in await store.pickups_to_anonymise(tx, cutoffs, BATCH):
                room = BATCH - done
                if room <= 0:
                    break
                order_ids = await store.identified_orders(tx, pickup_id, room)
                done += await store.detach_orders(tx, order_ids, now)
                if len(order_ids) < room:
                    await store.finish_pickup(tx, pickup_id, now)
        if done:
            log.info("anonymised %s orders", done)
        return done

    @staticmethod
    async def _cutoffs(tx: Transaction, now: datetime) -> dict[int, datetime]:
        """The cutoff of each number of days rings anonymise after: older pickups are due."""
        return {days: now - timedelta(days=days) for days in await store.anonymising_days(tx)}

    async def set_retention(self, admin_id: int, ring_id: int, days: int) -> None:
        """Set after how many days a ring's orders lose the customers' names (0 = never)."""
        if not 0 <= days <= MAX_DAYS:
            raise NotAllowed()
        async with self.db.transaction() as tx:
            if not await may_run_ring(tx, admin_id, ring_id, self.admin_ids):
                raise NotAllowed()
            if await ring_store.get_ring(tx, ring_id) is None:
                raise NotFound()
            await ring_store.set_anonymise_after_days(tx, ring_id, days)
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=admin_id,
                action="ring.anonymise_after_days",
                detail={"days": days},
                now=self.clock(),
            )

    async def _orders(self, tx: Transaction, user_id: int) -> list[Order]:
        orders = []
        for order_id in await store.order_ids_of_user(tx, user_id):
            order = await order_store.load_order(tx, order_id)
            if order is not None:
                orders.append(order)
        return orders

    def _refuse_roles(self, user_id: int, overview: PrivacyOverview) -> None:
        if overview.producers:
            raise StillProducer(list(overview.producers))
        admin_of = [m.ring.name for m in overview.memberships if m.is_admin]
        if admin_of:
            raise StillAdmin(admin_of)
        if user_id in self.admin_ids:
            raise StillAdmin([])

    async def _refuse_prepared(self, tx: Transaction, user_id: int, now: datetime) -> None:
        prepared = []
        for order in await self._orders(tx, user_id):
            if (
                order.status is OrderStatus.PLACED
                and _not_picked_up(order, now)
                and not order.pickup.is_open(now)
            ):
                ring = await ring_store.get_ring(tx, order.pickup.ring_id)
                prepared.append((order, ring.timezone if ring else "UTC"))
        if prepared:
            raise OrderBeingPrepared(prepared)


def _not_picked_up(order: Order, now: datetime) -> bool:
    """Whether a placed order still waits for its pickup (a cancelled pickup never comes)."""
    return (
        order.status is OrderStatus.PLACED
        and order.pickup.status is PickupStatus.SCHEDULED
        and order.pickup.ends_at > now
    )


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "ring": order.ring_name,
        "pickup_starts_at": to_db(order.pickup.starts_at),
        "place": order.pickup.location.name,
        "status": order.status.value,
        "currency": order.currency,
        "total": order.total,
        "placed_at": to_db(order.created_at),
        "changed_at": to_db(order.updated_at),
        "comments": {part.producer_name: part.comment for part in order.parts if part.comment},
        "lines": [
            {
                "producer": part.producer_name,
                "product": line.product_name,
                "unit": line.unit,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
            }
            for part in order.parts
            for line in part.lines
        ],
    }


def retention_text(days: int) -> str:
    """Say how long a ring keeps customers' names on orders, in the current locale."""
    if days == 0:
        return _("names stay on orders until you delete your data")
    return ngettext(
        "names are removed from orders {n} day after the pickup",
        "names are removed from orders {n} days after the pickup",
        days,
    ).format(n=days)
