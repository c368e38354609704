"""Becoming a producer: the profile, applying to rings, and the admins' decision.

A user runs one producer profile and applies with it to any number of rings; each ring's
admins (members marked admin, plus the operator's REKOBOT_ADMIN_IDS) approve it separately.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rekobot.clock import Clock, utcnow
from rekobot.errors import (
    AlreadyApplied,
    AlreadyDecided,
    NotAllowed,
    NotApproved,
    NotAProducer,
    NotFound,
)
from rekobot.i18n import N_, _, use_locale
from rekobot.models import Producer, Ring, Role
from rekobot.parsing import clean_text
from rekobot.services import notices as texts
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.roles import Roles
from storage import admin as admin_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage import users as user_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: Buttons for the admins' copy of an application: (producer_id, ring_id) -> rows of
#: (label, callback data). The chat layer supplies it, so the codec stays in handlers/.
ReviewButtons = Callable[[int, int], list[list[tuple[str, str]]]]


class ProfileField(StrEnum):
    """A part of the producer profile that can be typed in."""

    NAME = "name"
    DESCRIPTION = "description"
    PAYMENT_INFO = "payment_info"
    CONTACT = "contact"


#: (label for messages, longest accepted text) per profile field.
PROFILE_LIMITS: dict[ProfileField, tuple[str, int]] = {
    ProfileField.NAME: (N_("The name"), 60),
    ProfileField.DESCRIPTION: (N_("The description"), 500),
    ProfileField.PAYMENT_INFO: (N_("The payment instructions"), 200),
    ProfileField.CONTACT: (N_("The contact"), 200),
}


def clean_profile_field(field: ProfileField, text: str) -> str:
    """Check one typed profile answer; refuse empty or too long text with the reason."""
    label, limit = PROFILE_LIMITS[field]
    return clean_text(text, max_length=limit, field=_(label))


@dataclass(frozen=True)
class ApplicationForm:
    """What an applicant tells the ring's admins about their farm or business."""

    name: str
    description: str
    payment_info: str
    contact: str

    def cleaned(self) -> ApplicationForm:
        """Return the form with every answer checked and normalised."""
        return ApplicationForm(
            name=clean_profile_field(ProfileField.NAME, self.name),
            description=clean_profile_field(ProfileField.DESCRIPTION, self.description),
            payment_info=clean_profile_field(ProfileField.PAYMENT_INFO, self.payment_info),
            contact=clean_profile_field(ProfileField.CONTACT, self.contact),
        )


class RingStatus(StrEnum):
    """Where a producer stands with a ring."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ProducerRing:
    """A ring a producer applied to, and the admins' answer so far."""

    ring: Ring
    status: RingStatus


@dataclass(frozen=True)
class ProducerProfile:
    """A producer and the rings they applied to."""

    producer: Producer
    rings: tuple[ProducerRing, ...]

    @property
    def approved_rings(self) -> list[Ring]:
        """The rings the producer may sell in."""
        return [r.ring for r in self.rings if r.status is RingStatus.APPROVED]


@dataclass(frozen=True)
class Decision:
    """An admin's answer to an application."""

    producer: Producer
    ring: Ring
    approved: bool


async def own_producer(tx: Transaction, user_id: int) -> Producer:
    """Return the producer the user runs, or refuse."""
    producer = await producer_store.producer_of_user(tx, user_id)
    if producer is None:
        raise NotAProducer()
    return producer


async def approved_ring(tx: Transaction, producer: Producer, ring_id: int) -> Ring:
    """Return the ring if the producer is approved in it, or refuse with the reason."""
    ring = await ring_store.get_ring(tx, ring_id)
    if ring is None:
        raise NotFound()
    if await producer_store.ring_status(tx, producer.id, ring_id) != RingStatus.APPROVED:
        raise NotApproved(ring.name)
    return ring


class Producers:
    """Producer profiles, applications to rings and the admins' approvals."""

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

    async def profile(self, user_id: int) -> ProducerProfile | None:
        """Return the user's producer profile with its rings, or None if they never applied."""
        async with self.db.read() as tx:
            producer = await producer_store.producer_of_user(tx, user_id)
            if producer is None:
                return None
            rings = await producer_store.ring_statuses(tx, producer.id)
        return ProducerProfile(
            producer=producer,
            rings=tuple(ProducerRing(ring, RingStatus(status)) for ring, status in rings),
        )

    async def rings_to_apply(self, user_id: int) -> list[tuple[Ring, RingStatus | None]]:
        """Return every ring with the user's standing in it (None: not applied yet)."""
        statuses: dict[int, str] = {}
        async with self.db.read() as tx:
            producer = await producer_store.producer_of_user(tx, user_id)
            if producer is not None:
                for ring, status in await producer_store.ring_statuses(tx, producer.id):
                    statuses[ring.id] = status
            rings = await ring_store.all_rings(tx)
        return [
            (ring, RingStatus(statuses[ring.id]) if ring.id in statuses else None) for ring in rings
        ]

    async def apply(
        self,
        user_id: int,
        ring_id: int,
        form: ApplicationForm | None,
        *,
        review_buttons: ReviewButtons,
    ) -> ProducerRing:
        """Apply to sell in a ring and put the application before the ring's admins.

        ``form`` creates or updates the profile; None applies with the profile as it is.
        """
        cleaned = form.cleaned() if form is not None else None
        now = self.clock()
        async with self.db.transaction() as tx:
            ring = await ring_store.get_ring(tx, ring_id)
            if ring is None:
                raise NotFound()
            producer = await producer_store.producer_of_user(tx, user_id)
            if producer is None and cleaned is None:
                raise NotAProducer()
            if producer is not None:
                status = await producer_store.ring_status(tx, producer.id, ring_id)
                if status in {RingStatus.PENDING, RingStatus.APPROVED}:
                    raise AlreadyApplied(ring.name, status == RingStatus.APPROVED)
            if producer is None:
                assert cleaned is not None
                producer_id = await producer_store.create_producer(
                    tx,
                    owner_user_id=user_id,
                    name=cleaned.name,
                    description=cleaned.description,
                    payment_info=cleaned.payment_info,
                    contact=cleaned.contact,
                    now=now,
                )
            else:
                producer_id = producer.id
                if cleaned is not None:
                    await producer_store.update_profile(
                        tx,
                        producer_id,
                        name=cleaned.name,
                        description=cleaned.description,
                        payment_info=cleaned.payment_info,
                        contact=cleaned.contact,
                    )
            await producer_store.apply_to_ring(tx, producer_id, ring_id, now)
            stored = await producer_store.get_producer(tx, producer_id)
            assert stored is not None
            await self._notify_admins(tx, stored, ring, user_id, review_buttons)
        log.info("producer %s (user %s) applied to ring %s", producer_id, user_id, ring_id)
        return ProducerRing(ring=ring, status=RingStatus.PENDING)

    async def _notify_admins(
        self,
        tx: Transaction,
        producer: Producer,
        ring: Ring,
        applicant_id: int,
        review_buttons: ReviewButtons,
    ) -> None:
        admins = sorted(set(await admin_store.ring_admin_ids(tx, ring.id)) | self.admin_ids)
        if not admins:
            log.warning("ring %s has no admins to approve producer %s", ring.id, producer.id)
        applicant = await user_store.get_user(tx, applicant_id)
        now = self.clock()
        for admin_id in admins:
            locale = await self.members.recipient_locale(tx, admin_id, ring)
            with use_locale(locale):
                message = OutMessage(
                    text=texts.application_text(producer, ring, applicant),
                    buttons=review_buttons(producer.id, ring.id),
                )
            await enqueue(
                tx, chat_id=admin_id, kind="producer_application", messages=[message], now=now
            )

    async def decide(
        self, admin_user_id: int, producer_id: int, ring_id: int, *, approve: bool
    ) -> Decision:
        """Approve or reject a pending application, and tell the applicant.

        A first approval makes the applicant a producer: their message carries a button to the
        producer menu, and the role listeners hear of it once the decision is committed.
        """
        now = self.clock()
        async with self.db.transaction() as tx:
            ring = await ring_store.get_ring(tx, ring_id)
            producer = await producer_store.get_producer(tx, producer_id)
            if ring is None or producer is None:
                raise NotFound()
            owner = producer.owner_user_id
            roles_before = await self.roles.held(tx, owner)
            if not await self.roles.may_run(tx, admin_user_id, ring_id):
                log.warning(
                    "user %s tried to decide on producer %s in ring %s without being admin",
                    admin_user_id,
                    producer_id,
                    ring_id,
                )
                raise NotAllowed()
            status = await producer_store.ring_status(tx, producer_id, ring_id)
            if status is None:
                raise NotFound()
            decided = await producer_store.decide_application(
                tx, producer_id, ring_id, approve=approve, by=admin_user_id, now=now
            )
            if not decided:
                raise AlreadyDecided(status == RingStatus.APPROVED)
            await producer_store.record_decision(
                tx,
                ring_id=ring_id,
                admin_user_id=admin_user_id,
                producer_id=producer_id,
                approved=approve,
                now=now,
            )
            locale = await self.members.recipient_locale(tx, owner, ring)
            with use_locale(locale):
                buttons = self.roles.menu_buttons(Role.PRODUCER) if approve else []
                message = OutMessage(
                    text=texts.decision_text(ring, approve), buttons=buttons or None
                )
            await enqueue(
                tx,
                chat_id=owner,
                kind="producer_decision",
                messages=[message],
                now=now,
            )
            change = await self.roles.change(tx, owner, roles_before)
        log.info(
            "admin %s %s producer %s for ring %s",
            admin_user_id,
            "approved" if approve else "rejected",
            producer_id,
            ring_id,
        )
        await self.roles.announce(change)
        return Decision(producer=producer, ring=ring, approved=approve)

    async def update_field(self, user_id: int, field: ProfileField, text: str) -> Producer:
        """Change one part of the user's producer profile."""
        value = clean_profile_field(field, text)
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            changed = producer.model_copy(update={field.value: value})
            await producer_store.update_profile(
                tx,
                producer.id,
                name=changed.name,
                description=changed.description,
                payment_info=changed.payment_info,
                contact=changed.contact,
            )
            return changed

    async def set_notes(self, user_id: int, enabled: bool) -> Producer:
        """Turn the per-order notes on or off."""
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            await producer_store.set_notes_enabled(tx, producer.id, enabled)
            return producer.model_copy(update={"notes_enabled": enabled})
