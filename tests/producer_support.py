"""Helpers for the producer tests: customers who order, and what the outbox holds."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from rekobot.services.outbox import OutMessage, load_messages
from rekobot.services.registry import Services
from storage import users as user_store
from storage.database import Database
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver


@dataclass(frozen=True)
class Queued:
    """One delivery row of the outbox, decoded."""

    chat_id: int
    kind: str
    messages: list[OutMessage]
    dedupe_key: str | None

    @property
    def text(self) -> str:
        """The texts of the delivery, joined (no-break spaces folded)."""
        return plain("\n".join(m.text or m.caption or "" for m in self.messages))


async def queued(db: Database, kind: str | None = None, chat_id: int | None = None) -> list[Queued]:
    """Return the outbox rows, oldest first, optionally of one kind and recipient."""
    rows = await db.fetchall(
        "SELECT chat_id, kind, payload, dedupe_key FROM deliveries ORDER BY id"
    )
    return [
        Queued(row["chat_id"], row["kind"], load_messages(row["payload"]), row["dedupe_key"])
        for row in rows
        if (kind is None or row["kind"] == kind) and (chat_id is None or row["chat_id"] == chat_id)
    ]


async def customer(
    services: Services, user_id: int, name: str = "Kari", language: str = "nb"
) -> None:
    """Register a customer and join the test ring."""
    await services.members.register(
        user_id=user_id, first_name=name, last_name="Nordmann", language_code=language
    )
    await services.members.join(user_id, "testby")


async def order(services: Services, user_id: int, pickup_id: int, lines: dict[int, int]) -> int:
    """Put {offer_id: quantity} in the customer's cart and check out; return the order id."""
    for offer_id, quantity in lines.items():
        await services.carts.set_quantity(user_id, offer_id, quantity)
    cart = await services.carts.view(user_id, pickup_id)
    result = await services.ordering.checkout(user_id, pickup_id, cart.version)
    return result.order.id


async def register(services: Services, user_id: int, name: str, language: str = "nb") -> None:
    """Record a Telegram user without joining a ring."""
    async with services.db.transaction() as tx:
        await user_store.upsert_user(
            tx,
            user_id=user_id,
            first_name=name,
            last_name=None,
            username=None,
            language_code=language,
            now=services.clock(),
        )


async def make_admin(services: Services, user_id: int, ring_id: int) -> None:
    """Make a user an admin of a ring through its membership."""
    await services.members.join_by_id(user_id, ring_id)
    await services.db.execute(
        "UPDATE memberships SET is_admin = 1 WHERE user_id = ? AND ring_id = ?",
        (user_id, ring_id),
    )


async def deliver(bot: BotDriver) -> list[Queued]:
    """Hand the pending outbox rows to the fake Telegram, as the sender would; return them."""
    services = bot.app.bot_data.services
    rows = await services.db.fetchall(
        "SELECT id, chat_id, kind, payload, dedupe_key FROM deliveries "
        "WHERE status = 'pending' ORDER BY id"
    )
    sent = []
    for row in rows:
        messages = load_messages(row["payload"])
        for message in messages:
            markup = (
                InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(t, callback_data=d) for t, d in r]
                        for r in message.buttons
                    ]
                )
                if message.buttons
                else None
            )
            if message.text is not None:
                await bot.app.bot.send_message(row["chat_id"], message.text, reply_markup=markup)
            elif message.document_b64 is not None:
                await bot.app.bot.send_document(
                    row["chat_id"],
                    InputFile(message.document_bytes, filename=message.document_name or "file"),
                    caption=message.caption,
                )
        await services.db.execute(
            "UPDATE deliveries SET status = 'sent' WHERE id = ?", (row["id"],)
        )
        sent.append(Queued(row["chat_id"], row["kind"], messages, row["dedupe_key"]))
    return sent
