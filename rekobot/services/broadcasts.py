"""Broadcasts and pickup announcements: one delivery row per recipient, drained by the outbox.

A broadcast is what an admin wrote (text, an optional photo, an optional place as a map pin)
to an audience: every member, the customers with an order for a pickup, those without one, or
the ring's producers. An announcement tells the members who want announcements that a pickup
takes orders. Both keep a progress message for the admin, and a running one can be stopped.
Members who blocked the bot or were blocked from the ring are left out.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from typing import Any

from rekobot.clock import Clock, utcnow
from rekobot.errors import AlreadyAnnounced, InvalidInput, NoRecipients, NotFound
from rekobot.i18n import _, use_locale
from rekobot.models import Location, Ring, User
from rekobot.models.messaging import Audience, Broadcast, BroadcastStatus
from rekobot.parsing import MAX_BROADCAST_TEXT, parse_broadcast_text
from rekobot.render import esc, pickup_block
from rekobot.services.deliveries import BroadcastProgress, Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, dump_messages
from rekobot.services.reminders import ANNOUNCEMENTS_OFF
from rekobot.services.rings_admin import RingAdmin
from storage import admin as admin_store
from storage import broadcasts as store
from storage import deliveries as delivery_store
from storage import pickups as pickup_store
from storage import places as place_store
from storage import schedule as schedule_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

MAX_TEXT = MAX_BROADCAST_TEXT
CAPTION_LIMIT = 1024
#: Audiences that are about one pickup.
PICKUP_AUDIENCES = (Audience.ORDERED, Audience.NOT_ORDERED)


@dataclass(frozen=True)
class BroadcastDraft:
    """A broadcast being written."""

    text: str = ""
    photo_file_id: str | None = None
    place_id: int | None = None
    audience: str = Audience.ALL.value
    pickup_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-able data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BroadcastDraft:
        """Read a draft back."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def changed(self, **changes: Any) -> BroadcastDraft:
        """Return the draft with some parts changed."""
        return replace(self, **changes)

    @property
    def audience_kind(self) -> Audience:
        """Who it goes to."""
        return Audience(self.audience)


@dataclass(frozen=True)
class AudienceSize:
    """How many an audience reaches, and how many of it blocked the bot."""

    reachable: int
    unreachable: int


def broadcast_messages(
    ring: Ring, text: str, photo: str | None, place: Location | None
) -> list[OutMessage]:
    """What each recipient gets: the ring's name and the text, the photo, the map pin."""
    body = f"📣 <b>{esc(ring.name)}</b>\n\n{esc(text)}"
    messages: list[OutMessage] = []
    if photo and len(body) <= CAPTION_LIMIT:
        messages.append(OutMessage(photo_file_id=photo, caption=body))
    elif photo:
        messages += [OutMessage(photo_file_id=photo), OutMessage(text=body)]
    else:
        messages.append(OutMessage(text=body))
    if place is not None and place.latitude is not None and place.longitude is not None:
        messages.append(
            OutMessage(
                venue_latitude=place.latitude,
                venue_longitude=place.longitude,
                venue_title=place.name,
                venue_address=place.address or place.directions or place.name,
            )
        )
    return messages


class Broadcasts:
    """Writing, sending, following and stopping broadcasts and announcements."""

    def __init__(
        self,
        db: Database,
        rings: RingAdmin,
        members: Members,
        deliveries: Deliveries,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.rings = rings
        self.members = members
        self.deliveries = deliveries
        self.clock = clock

    async def _check_draft(
        self, tx: Transaction, ring_id: int, draft: BroadcastDraft
    ) -> Location | None:
        """Check that the draft's place and pickup belong to the ring; return the place."""
        audience = draft.audience_kind
        if audience in PICKUP_AUDIENCES:
            pickup = (
                await pickup_store.get_pickup(tx, draft.pickup_id)
                if draft.pickup_id is not None
                else None
            )
            if pickup is None or pickup.ring_id != ring_id:
                raise InvalidInput(_("Choose the pickup the audience is about."))
        place = None
        if draft.place_id is not None:
            place = await place_store.get_place(tx, draft.place_id)
            if place is None or place.ring_id != ring_id:
                raise NotFound()
        return place

    async def audience_size(
        self, user_id: int, ring_id: int, draft: BroadcastDraft
    ) -> AudienceSize:
        """Count who the broadcast would reach."""
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            await self._check_draft(tx, ring_id, draft)
            pickup_id = draft.pickup_id if draft.audience_kind in PICKUP_AUDIENCES else None
            ids = await store.audience_ids(tx, ring_id, draft.audience_kind, pickup_id)
            blocked = await store.unreachable_count(tx, ring_id, draft.audience_kind, pickup_id)
        return AudienceSize(reachable=len(ids), unreachable=blocked)

    async def preview(self, user_id: int, ring_id: int, draft: BroadcastDraft) -> list[OutMessage]:
        """The messages exactly as the recipients will get them."""
        async with self.db.read() as tx:
            ring = await self.rings.check(tx, user_id, ring_id)
            place = await self._check_draft(tx, ring_id, draft)
        return broadcast_messages(
            ring, parse_broadcast_text(draft.text), draft.photo_file_id, place
        )

    async def send(
        self,
        user_id: int,
        ring_id: int,
        draft: BroadcastDraft,
        *,
        progress: tuple[int, int] | None = None,
    ) -> tuple[Broadcast, int]:
        """Queue the broadcast for its audience; return it and how many it goes to.

        ``progress`` is (chat id, message id) of the admin's progress message, sent before
        the broadcast so that the sender keeps a second between it and the admin's own copy.
        """
        text = parse_broadcast_text(draft.text)
        now = self.clock()
        async with self.db.transaction() as tx:
            ring = await self.rings.check(tx, user_id, ring_id)
            place = await self._check_draft(tx, ring_id, draft)
            audience = draft.audience_kind
            pickup_id = draft.pickup_id if audience in PICKUP_AUDIENCES else None
            recipients = await store.audience_ids(tx, ring_id, audience, pickup_id)
            if not recipients:
                raise NoRecipients()
            broadcast_id = await store.create_broadcast(
                tx,
                ring_id=ring_id,
                author_user_id=user_id,
                text=text,
                photo_file_id=draft.photo_file_id,
                location_id=place.id if place else None,
                audience=audience,
                pickup_id=pickup_id,
                now=now,
                progress_chat_id=progress[0] if progress else None,
                progress_message_id=progress[1] if progress else None,
            )
            payload = dump_messages(broadcast_messages(ring, text, draft.photo_file_id, place))
            count = await store.enqueue_many(
                tx,
                broadcast_id=broadcast_id,
                chat_ids=recipients,
                kind="broadcast",
                payload=payload,
                now=now,
            )
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action="broadcast.sent",
                detail={"broadcast_id": broadcast_id, "recipients": count, **draft.to_json()},
                now=now,
            )
            broadcast = await store.get_broadcast(tx, broadcast_id)
        assert broadcast is not None
        log.info("broadcast %s by %s to %s recipients", broadcast_id, user_id, count)
        self.deliveries.notify()
        return broadcast, count

    async def announcement_size(self, user_id: int, pickup_id: int) -> AudienceSize:
        """Count the members an announcement of the pickup would reach."""
        async with self.db.read() as tx:
            ring, _pickup = await self._announceable(tx, user_id, pickup_id)
            recipients = await self._announcement_recipients(tx, ring)
            blocked = await store.unreachable_count(tx, ring.id, Audience.ALL, None)
        return AudienceSize(reachable=len(recipients), unreachable=blocked)

    async def _announceable(
        self, tx: Transaction, user_id: int, pickup_id: int
    ) -> tuple[Ring, Any]:
        pickup = await pickup_store.get_pickup(tx, pickup_id)
        if pickup is None:
            raise NotFound()
        ring = await self.rings.check(tx, user_id, pickup.ring_id)
        if not pickup.is_open(self.clock()):
            raise NotFound()
        if await schedule_store.announced_at(tx, pickup_id) is not None:
            raise AlreadyAnnounced()
        return ring, pickup

    async def _announcement_recipients(self, tx: Transaction, ring: Ring) -> list[User]:
        return await store.announcement_audience(tx, ring.id)

    async def announce(
        self, user_id: int, pickup_id: int, *, progress: tuple[int, int] | None = None
    ) -> tuple[Broadcast, int]:
        """Tell the members who want announcements that the pickup takes orders."""
        now = self.clock()
        async with self.db.transaction() as tx:
            ring, pickup = await self._announceable(tx, user_id, pickup_id)
            recipients = await self._announcement_recipients(tx, ring)
            if not recipients:
                raise NoRecipients()
            broadcast_id = await store.create_broadcast(
                tx,
                ring_id=ring.id,
                author_user_id=user_id,
                text="",
                photo_file_id=None,
                location_id=pickup.location.id,
                audience=Audience.ANNOUNCEMENT,
                pickup_id=pickup_id,
                now=now,
                progress_chat_id=progress[0] if progress else None,
                progress_message_id=progress[1] if progress else None,
            )
            by_locale: dict[str, list[int]] = {}
            for user in recipients:
                by_locale.setdefault(self.members.locale_of(user, ring), []).append(user.id)
            count = 0
            for locale, chat_ids in sorted(by_locale.items()):
                with use_locale(locale):
                    text = "\n\n".join(
                        [
                            _("🧺 <b>A new pickup takes orders!</b>"),
                            pickup_block(ring, pickup),
                            _("Tap /shop to see what the producers offer."),
                        ]
                    )
                    button = _("🔕 No more announcements")
                payload = dump_messages(
                    [OutMessage(text=text, buttons=[[(button, ANNOUNCEMENTS_OFF)]])]
                )
                count += await store.enqueue_many(
                    tx,
                    broadcast_id=broadcast_id,
                    chat_ids=chat_ids,
                    kind="announcement",
                    payload=payload,
                    now=now,
                )
            await schedule_store.mark_announced(tx, pickup_id, now)
            # Announcing opens a pickup that is not open yet (orders_open_days 0, or later).
            await pickup_store.open_now(tx, pickup_id, now)
            await admin_store.audit(
                tx,
                ring_id=ring.id,
                user_id=user_id,
                action="pickup.announced",
                detail={"pickup_id": pickup_id, "broadcast_id": broadcast_id, "recipients": count},
                now=now,
            )
            broadcast = await store.get_broadcast(tx, broadcast_id)
        assert broadcast is not None
        self.deliveries.notify()
        return broadcast, count

    async def _own(self, tx: Transaction, user_id: int, broadcast_id: int) -> Broadcast:
        broadcast = await store.get_broadcast(tx, broadcast_id)
        if broadcast is None:
            raise NotFound()
        await self.rings.check(tx, user_id, broadcast.ring_id)
        return broadcast

    async def set_progress_message(
        self, user_id: int, broadcast_id: int, chat_id: int, message_id: int
    ) -> None:
        """Remember the admin's progress message, which the sender keeps up to date."""
        async with self.db.transaction() as tx:
            await self._own(tx, user_id, broadcast_id)
            await store.set_progress_message(tx, broadcast_id, chat_id, message_id)

    async def progress(self, user_id: int, broadcast_id: int) -> BroadcastProgress:
        """Return how far a broadcast has come."""
        async with self.db.read() as tx:
            await self._own(tx, user_id, broadcast_id)
        progress = await self.deliveries.broadcast_progress(broadcast_id)
        if progress is None:
            raise NotFound()
        return progress

    async def stop(self, user_id: int, broadcast_id: int) -> BroadcastProgress:
        """Stop a running broadcast: what has not gone out yet is not sent."""
        async with self.db.transaction() as tx:
            broadcast = await self._own(tx, user_id, broadcast_id)
            if broadcast.status is BroadcastStatus.SENDING:
                cancelled = await delivery_store.cancel_broadcast_deliveries(tx, broadcast_id)
                await store.set_status(tx, broadcast_id, BroadcastStatus.STOPPED)
                await admin_store.audit(
                    tx,
                    ring_id=broadcast.ring_id,
                    user_id=user_id,
                    action="broadcast.stopped",
                    detail={"broadcast_id": broadcast_id, "cancelled": cancelled},
                    now=self.clock(),
                )
                log.info(
                    "broadcast %s stopped by %s (%s not sent)", broadcast_id, user_id, cancelled
                )
        progress = await self.deliveries.broadcast_progress(broadcast_id)
        assert progress is not None
        return progress
