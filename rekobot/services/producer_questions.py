""" "Ask the producer": a customer's question relayed by the bot, and the producer's answer.

Both sides see whom they talk to: the producer gets the customer's name and @username, the
customer the producer's name. Questions are limited to ``QUESTIONS_PER_DAY`` per customer in
any 24 hours (a customer with a real question rarely needs more; a spammer is stopped early),
a member blocked in the ring cannot ask, and an answer can be given once, within
``ANSWER_DAYS``: after that the Reply button is stale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from rekobot.clock import Clock, utcnow
from rekobot.errors import AlreadyAnswered, NotAllowed, NotFound, TooManyQuestions
from rekobot.i18n import _, use_locale
from rekobot.models import Producer, Ring, User
from rekobot.models.voice import Question
from rekobot.parsing import clean_text
from rekobot.render import esc
from rekobot.services.deliveries import Deliveries
from rekobot.services.members import Members
from rekobot.services.outbox import OutMessage, enqueue
from storage import producer_questions as store
from storage import producers as producer_store
from storage import rings as ring_store
from storage import users as user_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

QUESTIONS_PER_DAY = 5
ANSWER_DAYS = 14
MAX_QUESTION = 1000
MAX_ANSWER = 2000


def reply_button(question_id: int) -> str:
    """The callback data of the producer's Reply (``ReplyToQuestion`` in handlers)."""
    return f"qrep:{question_id}"


def ask_button(ring_id: int, producer_id: int) -> str:
    """The callback data of "ask again" (``AskProducer`` in handlers)."""
    return f"cask:{ring_id}:{producer_id}"


def who(user: User) -> str:
    """A customer as the producer sees them: name, and @username if any (escaped)."""
    name = esc(user.display_name)
    if user.username and not name.startswith("@"):
        name += f" (@{esc(user.username)})"
    return name


@dataclass(frozen=True)
class Conversation:
    """Who a question is between: the ring, the producer and the customer."""

    ring: Ring
    producer: Producer
    customer: User


class ProducerQuestions:
    """Relaying customers' questions to producers and their answers back."""

    def __init__(
        self, db: Database, members: Members, deliveries: Deliveries, *, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.members = members
        self.deliveries = deliveries
        self.clock = clock

    async def _can_ask(
        self, tx: Transaction, user_id: int, ring_id: int, producer_id: int
    ) -> Conversation:
        ring = await ring_store.get_ring(tx, ring_id)
        member = await user_store.membership(tx, user_id, ring_id)
        customer = await user_store.get_user(tx, user_id)
        if ring is None or ring.archived or member is None or customer is None:
            raise NotFound()
        if member.blocked:
            raise NotAllowed()
        producer = await producer_store.get_producer(tx, producer_id)
        status = await producer_store.ring_status(tx, producer_id, ring_id)
        if producer is None or status != "approved":
            raise NotFound()
        if producer.owner_user_id == user_id:
            raise NotAllowed()
        since = self.clock() - timedelta(days=1)
        if await store.asked_since(tx, user_id, since) >= QUESTIONS_PER_DAY:
            raise TooManyQuestions(QUESTIONS_PER_DAY)
        return Conversation(ring=ring, producer=producer, customer=customer)

    async def can_ask(self, user_id: int, ring_id: int, producer_id: int) -> Conversation:
        """Check, before the customer types, that they may ask this producer."""
        async with self.db.read() as tx:
            return await self._can_ask(tx, user_id, ring_id, producer_id)

    async def ask(self, user_id: int, ring_id: int, producer_id: int, text: str) -> Conversation:
        """Relay the question to the producer, with the customer's name and a Reply button."""
        cleaned = clean_text(text, max_length=MAX_QUESTION, field=_("The question"))
        now = self.clock()
        async with self.db.transaction() as tx:
            talk = await self._can_ask(tx, user_id, ring_id, producer_id)
            question_id = await store.add_question(
                tx,
                ring_id=ring_id,
                producer_id=producer_id,
                customer_id=user_id,
                text=cleaned,
                now=now,
            )
            owner = talk.producer.owner_user_id
            with use_locale(await self.members.recipient_locale(tx, owner, talk.ring)):
                body = "\n".join(
                    [
                        _("❓ <b>A question from {customer}</b>").format(
                            customer=who(talk.customer)
                        ),
                        _("Customer in {ring}, to {producer}").format(
                            ring=esc(talk.ring.name), producer=esc(talk.producer.name)
                        ),
                        "",
                        esc(cleaned),
                    ]
                )
                message = OutMessage(
                    text=body, buttons=[[(_("↩️ Reply"), reply_button(question_id))]]
                )
            await enqueue(
                tx,
                chat_id=owner,
                kind="producer_question",
                messages=[message],
                now=now,
                dedupe_key=f"producer_question:{question_id}",
            )
        log.info("question %s from %s to producer %s", question_id, user_id, producer_id)
        self.deliveries.notify()
        return talk

    async def _answerable(
        self, tx: Transaction, user_id: int, question_id: int
    ) -> tuple[Question, Conversation]:
        question = await store.get_question(tx, question_id)
        if question is None:
            raise NotFound()
        producer = await producer_store.get_producer(tx, question.producer_id)
        if producer is None or producer.owner_user_id != user_id:
            raise NotAllowed()
        if question.answer is not None or (
            self.clock() - question.created_at > timedelta(days=ANSWER_DAYS)
        ):
            raise AlreadyAnswered()
        ring = await ring_store.get_ring(tx, question.ring_id)
        customer = await user_store.get_user(tx, question.customer_id)
        if ring is None or customer is None:
            raise NotFound()
        return question, Conversation(ring=ring, producer=producer, customer=customer)

    async def question(self, user_id: int, question_id: int) -> tuple[Question, Conversation]:
        """The question a producer is about to answer, and whom it is from."""
        async with self.db.read() as tx:
            return await self._answerable(tx, user_id, question_id)

    async def answer(self, user_id: int, question_id: int, text: str) -> Conversation:
        """Send the producer's answer to the customer, with the producer's name."""
        cleaned = clean_text(text, max_length=MAX_ANSWER, field=_("The answer"))
        now = self.clock()
        async with self.db.transaction() as tx:
            question, talk = await self._answerable(tx, user_id, question_id)
            if not await store.answer(tx, question.id, cleaned, now):
                raise AlreadyAnswered()
            customer = talk.customer
            with use_locale(await self.members.recipient_locale(tx, customer.id, talk.ring)):
                body = "\n".join(
                    [
                        _("💬 <b>{producer} answered you</b>").format(
                            producer=esc(talk.producer.name)
                        ),
                        _("You asked: {question}").format(question=esc(question.text)),
                        "",
                        esc(cleaned),
                    ]
                )
                message = OutMessage(
                    text=body,
                    buttons=[
                        [
                            (
                                _("❓ Ask {producer} again").format(
                                    producer=talk.producer.name[:40]
                                ),
                                ask_button(talk.ring.id, talk.producer.id),
                            )
                        ]
                    ],
                )
            await enqueue(
                tx,
                chat_id=customer.id,
                kind="producer_answer",
                messages=[message],
                now=now,
                dedupe_key=f"producer_answer:{question.id}",
            )
        self.deliveries.notify()
        return talk
