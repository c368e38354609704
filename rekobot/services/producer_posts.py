"""A producer's weekly post for a pickup: to followers, or to every member where the ring says.

The ring's rule (``PostRule``) decides whether a post may reach every member: not at all, at
once, or once an admin approved it. Posts to followers never wait. One post per producer and
pickup: while a post waits for an admin, or after it was rejected, writing again replaces it;
once it has gone out a second one is refused (what was sent cannot be taken back, and a weekly
post a day is how big Facebook groups drown).

Posts go out like broadcasts (one delivery row per recipient, in the broadcast lane, so a post
to 12,000 members never holds up an order note), rendered in each recipient's language, and
never to members who turned producers' posts off in /notifications.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from rekobot.clock import Clock, utcnow
from rekobot.errors import AlreadyPosted, NotAllowed, NotAllowedToAll, NotFound, PostDecided
from rekobot.i18n import _, use_locale
from rekobot.models import Pickup, Producer, Ring, User
from rekobot.models.messaging import Audience
from rekobot.models.voice import Post, PostRule, PostStatus
from rekobot.parsing import parse_post_text
from rekobot.render import esc, pickup_when
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, dump_messages, enqueue
from rekobot.services.post_texts import decision_button, post_messages
from rekobot.services.rings_admin import RingAdmin
from storage import admin as admin_store
from storage import broadcasts as broadcast_store
from storage import follows as follow_store
from storage import pickups as pickup_store
from storage import producer_posts as store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostSlot:
    """An open pickup a producer may post for, with the ring's rule and the post so far."""

    ring: Ring
    pickup: Pickup
    rule: PostRule
    post: Post | None
    followers: int


@dataclass(frozen=True)
class PendingPost:
    """A post waiting for an admin, with whose it is and which pickup it is for."""

    post: Post
    producer: Producer
    pickup: Pickup


class ProducerPosts:
    """Writing, approving and sending producers' posts; the ring's rule; opting out."""

    def __init__(
        self,
        db: Database,
        members: Members,
        rings: RingAdmin,
        deliveries: Deliveries,
        *,
        admin_ids: frozenset[int] = frozenset(),
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.members = members
        self.rings = rings
        self.deliveries = deliveries
        self.admin_ids = admin_ids
        self.clock = clock

    # -- the producer -------------------------------------------------------------------------

    async def _producer(self, tx: Transaction, user_id: int) -> Producer:
        producer = await producer_store.producer_of_user(tx, user_id)
        if producer is None:
            raise NotAllowed()
        return producer

    async def _slot(self, tx: Transaction, producer: Producer, pickup_id: int) -> PostSlot:
        pickup = await pickup_store.get_pickup(tx, pickup_id)
        if pickup is None or not pickup.is_open(self.clock()):
            raise NotFound()
        status = await producer_store.ring_status(tx, producer.id, pickup.ring_id)
        ring = await ring_store.get_ring(tx, pickup.ring_id)
        if status != "approved" or ring is None or ring.archived:
            raise NotAllowed()
        return PostSlot(
            ring=ring,
            pickup=pickup,
            rule=await store.ring_rule(tx, ring.id),
            post=await store.post_for(tx, producer.id, pickup.id),
            followers=await follow_store.follower_count(tx, ring.id, producer.id),
        )

    async def slots(self, user_id: int) -> list[PostSlot]:
        """The open pickups of every ring the producer sells in, soonest first."""
        async with self.db.read() as tx:
            producer = await self._producer(tx, user_id)
            slots = []
            for ring, status in await producer_store.ring_statuses(tx, producer.id):
                if status != "approved" or ring.archived:
                    continue
                for pickup in await pickup_store.open_pickups(tx, ring.id, self.clock()):
                    slots.append(await self._slot(tx, producer, pickup.id))
        return sorted(slots, key=lambda slot: slot.pickup.starts_at)

    async def slot(self, user_id: int, pickup_id: int) -> PostSlot:
        """One pickup the producer may post for; refuses one that was posted for already."""
        async with self.db.read() as tx:
            slot = await self._slot(tx, await self._producer(tx, user_id), pickup_id)
        if slot.post is not None and slot.post.status is PostStatus.SENT:
            raise AlreadyPosted()
        return slot

    async def preview(
        self, user_id: int, pickup_id: int, text: str, photo: str | None
    ) -> list[OutMessage]:
        """The post as members will see it."""
        async with self.db.read() as tx:
            producer = await self._producer(tx, user_id)
            slot = await self._slot(tx, producer, pickup_id)
        post = _draft_post(producer, slot.pickup, parse_post_text(text), photo, self.clock())
        return post_messages(slot.ring, slot.pickup, producer, post, buttons=False)

    async def submit(
        self, user_id: int, pickup_id: int, text: str, photo: str | None, *, to_all: bool
    ) -> Post:
        """Send the post now, or hold it for an admin; return it as stored."""
        cleaned = parse_post_text(text)
        now = self.clock()
        async with self.db.transaction() as tx:
            producer = await self._producer(tx, user_id)
            slot = await self._slot(tx, producer, pickup_id)
            if slot.post is not None and slot.post.status is PostStatus.SENT:
                raise AlreadyPosted()
            if to_all and slot.rule is PostRule.OFF:
                raise NotAllowedToAll()
            waits = to_all and slot.rule is PostRule.APPROVAL
            post_id = await store.save_post(
                tx,
                producer_id=producer.id,
                pickup_id=pickup_id,
                text=cleaned,
                photo_file_id=photo,
                to_all=to_all,
                status=PostStatus.PENDING if waits else PostStatus.SENT,
                now=now,
            )
            post = await store.get_post(tx, post_id)
            assert post is not None
            if waits:
                await self._ask_admins(tx, slot, producer, post)
            else:
                post = await self._send(tx, slot.ring, slot.pickup, producer, post, user_id)
        log.info(
            "post %s by producer %s for pickup %s: %s",
            post.id,
            producer.id,
            pickup_id,
            post.status.value,
        )
        self.deliveries.notify()
        return post

    async def _send(
        self,
        tx: Transaction,
        ring: Ring,
        pickup: Pickup,
        producer: Producer,
        post: Post,
        author_id: int,
    ) -> Post:
        now = self.clock()
        recipients = await store.recipients(
            tx, ring.id, producer.id, to_all=post.to_all, owner_user_id=producer.owner_user_id
        )
        count = 0
        if recipients:
            broadcast_id = await broadcast_store.create_broadcast(
                tx,
                ring_id=ring.id,
                author_user_id=author_id,
                text=post.text,
                photo_file_id=post.photo_file_id,
                location_id=None,
                audience=Audience.PRODUCER_POST,
                pickup_id=pickup.id,
                now=now,
            )
            for locale, chat_ids in sorted(self._by_locale(recipients, ring).items()):
                with use_locale(locale):
                    payload = dump_messages(post_messages(ring, pickup, producer, post))
                count += await broadcast_store.enqueue_many(
                    tx,
                    broadcast_id=broadcast_id,
                    chat_ids=chat_ids,
                    kind="producer_post",
                    payload=payload,
                    now=now,
                )
        await store.mark_sent(tx, post.id, count, now)
        sent = await store.get_post(tx, post.id)
        assert sent is not None
        return sent

    def _by_locale(self, users: list[User], ring: Ring) -> dict[str, list[int]]:
        by_locale: dict[str, list[int]] = {}
        for user in users:
            by_locale.setdefault(self.members.locale_of(user, ring), []).append(user.id)
        return by_locale

    async def _admins(self, tx: Transaction, ring_id: int) -> list[int]:
        return sorted(set(await admin_store.ring_admin_ids(tx, ring_id)) | self.admin_ids)

    async def _ask_admins(
        self, tx: Transaction, slot: PostSlot, producer: Producer, post: Post
    ) -> None:
        now = self.clock()
        for admin_id in await self._admins(tx, slot.ring.id):
            with use_locale(await self.members.recipient_locale(tx, admin_id, slot.ring)):
                intro = _(
                    "📝 <b>{producer}</b> wants to post to all members of {ring}. "
                    "Approve it, or reject it?"
                ).format(producer=esc(producer.name), ring=esc(slot.ring.name))
                preview = post_messages(slot.ring, slot.pickup, producer, post, buttons=False)
                choice = OutMessage(
                    text=intro,
                    buttons=[
                        [
                            (_("✅ Approve"), decision_button(post.id, True)),
                            (_("❌ Reject"), decision_button(post.id, False)),
                        ]
                    ],
                )
            await enqueue(
                tx,
                chat_id=admin_id,
                kind="post_approval",
                messages=[*preview, choice],
                now=now,
                dedupe_key=f"post_approval:{post.id}:{post.created_at.isoformat()}:{admin_id}",
            )

    # -- the admin ----------------------------------------------------------------------------

    async def rule(self, user_id: int, ring_id: int) -> PostRule:
        """The ring's rule for posts to every member (for its admin)."""
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            return await store.ring_rule(tx, ring_id)

    async def set_rule(self, user_id: int, ring_id: int, rule: PostRule) -> None:
        """Choose the ring's rule for posts to every member."""
        async with self.db.transaction() as tx:
            await self.rings.check(tx, user_id, ring_id)
            await store.set_ring_rule(tx, ring_id, rule)
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action="posts.rule",
                detail={"rule": rule.value},
                now=self.clock(),
            )

    async def pending(self, user_id: int, ring_id: int) -> list[PendingPost]:
        """The ring's posts waiting for an admin, oldest first."""
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            waiting = []
            for post in await store.pending_posts(tx, ring_id):
                producer = await producer_store.get_producer(tx, post.producer_id)
                pickup = await pickup_store.get_pickup(tx, post.pickup_id)
                if producer is not None and pickup is not None:
                    waiting.append(PendingPost(post, producer, pickup))
        return waiting

    async def decide(self, user_id: int, post_id: int, *, approve: bool) -> Post:
        """Approve (send to every member) or reject a waiting post; tell the producer."""
        now = self.clock()
        async with self.db.transaction() as tx:
            post = await store.get_post(tx, post_id)
            pickup = await pickup_store.get_pickup(tx, post.pickup_id) if post else None
            if post is None or pickup is None:
                raise NotFound()
            ring = await self.rings.check(tx, user_id, pickup.ring_id)
            producer = await producer_store.get_producer(tx, post.producer_id)
            assert producer is not None
            if post.status is not PostStatus.PENDING:
                raise PostDecided(post.status)
            if approve and not pickup.is_open(now):
                raise NotFound()
            await store.decide(
                tx,
                post.id,
                PostStatus.SENT if approve else PostStatus.REJECTED,
                by=user_id,
                now=now,
            )
            if approve:
                post = await self._send(tx, ring, pickup, producer, post, user_id)
            else:
                post = post.model_copy(update={"status": PostStatus.REJECTED})
            await self._tell_producer(tx, ring, pickup, producer, post)
            await admin_store.audit(
                tx,
                ring_id=ring.id,
                user_id=user_id,
                action="posts.approved" if approve else "posts.rejected",
                detail={"post_id": post.id, "producer_id": producer.id},
                now=now,
            )
        self.deliveries.notify()
        return post

    async def _tell_producer(
        self, tx: Transaction, ring: Ring, pickup: Pickup, producer: Producer, post: Post
    ) -> None:
        owner = producer.owner_user_id
        with use_locale(await self.members.recipient_locale(tx, owner, ring)):
            when = pickup_when(pickup, ring.timezone)
            if post.status is PostStatus.SENT:
                text = _(
                    "✅ {ring} approved your post for the pickup on {when}. It is on its way "
                    "to all members."
                ).format(ring=esc(ring.name), when=when)
            else:
                text = _(
                    "❌ {ring} did not approve your post for the pickup on {when} for all "
                    "members. You can write it again, or send it to your followers."
                ).format(ring=esc(ring.name), when=when)
        await enqueue(
            tx,
            chat_id=owner,
            kind="post_decision",
            messages=[OutMessage(text=text)],
            now=self.clock(),
            dedupe_key=f"post_decision:{post.id}:{post.created_at.isoformat()}",
        )

    # -- the member ---------------------------------------------------------------------------

    async def posts_enabled(self, user_id: int) -> bool:
        """Whether the user gets producers' posts."""
        async with self.db.read() as tx:
            return await follow_store.posts_enabled(tx, user_id)

    async def set_posts_enabled(self, user_id: int, enabled: bool) -> None:
        """Turn producers' posts on or off."""
        async with self.db.transaction() as tx:
            await follow_store.set_posts_enabled(tx, user_id, enabled, self.clock())


def _draft_post(
    producer: Producer, pickup: Pickup, text: str, photo: str | None, now: datetime
) -> Post:
    return Post(
        id=0,
        producer_id=producer.id,
        pickup_id=pickup.id,
        text=text,
        photo_file_id=photo,
        to_all=False,
        status=PostStatus.PENDING,
        recipients=0,
        created_at=now,
    )
