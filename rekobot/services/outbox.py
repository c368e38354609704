"""The outbox: everything the bot sends unprompted is first written here, one row per recipient.

Rows are written inside the transaction that decided to send them (an order, a digest being
due, a broadcast), so nothing is lost and nothing is queued twice (``dedupe_key``). A sender
drains the rows under Telegram's limits; see ``handlers/outbox.py``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, TypeAdapter

from rekobot.models.messaging import ClaimedDelivery
from storage import deliveries as store
from storage.database import Transaction


class OutMessage(BaseModel):
    """One Telegram message of a delivery, already rendered in the recipient's language.

    Exactly one of text, photo, venue or document is the message's body.
    """

    model_config = ConfigDict(frozen=True)

    text: str | None = None
    photo_file_id: str | None = None
    caption: str | None = None
    venue_latitude: float | None = None
    venue_longitude: float | None = None
    venue_title: str | None = None
    venue_address: str | None = None
    document_name: str | None = None
    document_b64: str | None = None
    buttons: list[list[tuple[str, str]]] | None = None  # rows of (text, callback_data)
    #: Rows of (text, text to copy): Telegram's copy buttons, shown above ``buttons``.
    copy_buttons: list[list[tuple[str, str]]] | None = None

    @classmethod
    def document(cls, filename: str, content: bytes, caption: str | None = None) -> OutMessage:
        """A file to attach, e.g. the digest CSV or a calendar entry."""
        return cls(
            document_name=filename,
            document_b64=base64.b64encode(content).decode("ascii"),
            caption=caption,
        )

    @property
    def document_bytes(self) -> bytes:
        """The attached file's content."""
        return base64.b64decode(self.document_b64 or "")


#: A delivery's messages as its ``payload`` column holds them: a JSON array, by pydantic's
#: own (compiled) serializer, the same objects as ``json.dumps`` of each model's dump.
_PAYLOAD = TypeAdapter(list[OutMessage])


def dump_messages(messages: list[OutMessage]) -> str:
    """Serialise a delivery's messages for the ``payload`` column."""
    return _PAYLOAD.dump_json(messages, exclude_none=True).decode("utf-8")


def load_messages(payload: str) -> list[OutMessage]:
    """Read a delivery's messages back."""
    return _PAYLOAD.validate_json(payload)


async def enqueue(
    tx: Transaction,
    *,
    chat_id: int,
    kind: str,
    messages: list[OutMessage],
    now: datetime,
    dedupe_key: str | None = None,
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue messages for one recipient; return False when ``dedupe_key`` was queued before.

    A key is remembered (hashed) in ``sent_keys`` after its delivery was pruned
    (``storage/retention``), so a reminder or digest is not sent twice however old it is.
    """
    queued = await store.insert(
        tx,
        chat_id=chat_id,
        kind=kind,
        payload=dump_messages(messages),
        dedupe_key=dedupe_key,
        broadcast_id=broadcast_id,
        not_before=not_before or now,
        now=now,
    )
    return queued is not None


#: How long a claim on a delivery lasts without news from whoever claimed it: far longer
#: than sending one (a message a second, seconds of timeouts), and past it the sweep sends it
#: again (``Deliveries.release_lapsed_claims``) rather than lose it with a dead worker.
CLAIM_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Handover:
    """A delivery claimed by the transaction that queued it, for its caller to send at once.

    The row exists (``sending``) exactly when the transaction commits, so a process killed
    before the caller sent it leaves a claim that the next start requeues
    (``Deliveries.release_claims``); the messages come along as rendered, not read back.
    """

    delivery: ClaimedDelivery
    messages: list[OutMessage]


async def enqueue_claimed(
    tx: Transaction,
    *,
    chat_id: int,
    kind: str,
    messages: list[OutMessage],
    now: datetime,
    dedupe_key: str,
    unreachable: bool,
) -> Handover | None:
    """Queue messages that the caller sends itself right after the commit, claimed for it.

    None when ``dedupe_key`` was queued before: that row is someone else's to send. Claiming
    in the same transaction saves the claim's own write, which a customer's tap waits for.
    """
    payload = dump_messages(messages)
    delivery_id = await store.insert(
        tx,
        chat_id=chat_id,
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        broadcast_id=None,
        not_before=now + CLAIM_LEASE,  # the claim's lease
        now=now,
        claimed=True,
    )
    if delivery_id is None:
        return None
    delivery = ClaimedDelivery(
        id=delivery_id,
        chat_id=chat_id,
        kind=kind,
        broadcast_id=None,
        payload=payload,
        sent_parts=0,
        attempts=0,
        unreachable=unreachable,
    )
    return Handover(delivery, messages)
