"""The producer's side: applying, the catalog, offers, digests and the handover at the pickup."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from handlers.commands import EXTRA_COMMANDS
from handlers.producer import apply, orders
from handlers.producer.conversation import BUTTONS, producer_conversation
from rekobot.i18n import N_

EXTRA_COMMANDS.extend(
    [
        ("producer", N_("Sell your products as a producer")),
        ("digest", N_("Producers: your orders for a pickup")),
    ]
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the producer handlers: the conversation first, so typed answers reach it."""
    application.add_handler(producer_conversation())
    application.add_handler(CommandHandler("digest", orders.digest_command))
    application.add_handler(apply.on_review)
    for handler in BUTTONS:
        application.add_handler(handler)
