"""The composition root: settings, services and handlers wired into one PTB Application."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from handlers import admin, backup_job, customer, middleware, outbox, producer
from handlers.commands import publish_commands
from handlers.context import BotData, Ctx
from handlers.customer import start
from handlers.errors import on_error
from handlers.intake import run_intake
from handlers.replies import stale_button
from rekobot.clock import Clock, utcnow
from rekobot.persistence import SqlitePersistence
from rekobot.services.registry import Services
from rekobot.settings import Settings

log = logging.getLogger(__name__)


class RekoApplication(
    Application[ExtBot[None], Ctx, dict[str, Any], dict[Any, Any], BotData, JobQueue[Ctx]]
):
    """PTB's Application that opens the database first and closes it last.

    Doing it in ``initialize``/``shutdown`` (not ``post_init``) means tests that call
    ``initialize()`` directly start the bot exactly as ``rekobot run`` does.
    """

    @property
    def services(self) -> Services:
        """The services this bot runs on."""
        return self.bot_data.services

    async def initialize(self) -> None:
        """Open and migrate the database, start PTB, and publish the command menu."""
        await self.services.open()
        try:
            await super().initialize()  # asks Telegram who we are: a refused token stops here
            await publish_commands(self.bot, self.services.settings.default_locale)
        except BaseException:
            await self.shutdown()  # PTB's part only if it got that far; the database always
            raise

    async def process_update(self, update: object) -> None:
        """Handle one update, then write its conversation state and user data at once.

        PTB would otherwise persist them on a timer; writing through means a process killed
        right after answering still remembers the half-finished conversation.
        """
        try:
            await super().process_update(update)
        finally:
            if self.persistence is not None:
                await self.update_persistence()

    async def shutdown(self) -> None:
        """Stop PTB (flushing persistence), then close the database."""
        await super().shutdown()
        await self.services.close()

    async def serve(self, stopping: asyncio.Event) -> None:
        """Run the bot until ``stopping`` is set: updates come in through the inbox.

        What the last run stored but did not finish is processed first, then getUpdates is
        long-polled (see ``handlers/intake.py``). PTB's own Updater is not used: it
        acknowledges updates before they are handled, so a kill would lose them.
        """
        await self.initialize()
        try:
            await self.start()
            try:
                await run_intake(self, stopping)
            finally:
                await self.stop()
        finally:
            await self.shutdown()


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock = utcnow,
    rate_limit: bool = True,
) -> RekoApplication:
    """Build the bot: services over the settings' database, every handler, the persistence.

    ``request`` replaces the HTTP edge (tests pass a recording fake).
    """
    services = Services.create(settings, clock=clock)
    builder = (
        ApplicationBuilder()
        .application_class(RekoApplication)
        .token(settings.token.get_secret_value())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .context_types(ContextTypes(bot_data=BotData))
        .persistence(SqlitePersistence(services.db))
        .updater(None)  # updates come in through the inbox (serve), never PTB's Updater
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(HTTPXRequest(connection_pool_size=16)).get_updates_request(
            HTTPXRequest(read_timeout=40)
        )
    application = builder.build()
    assert isinstance(application, RekoApplication)
    application.bot_data.services = services
    middleware.register(application)  # before group 0: identity, private chats only
    customer.register(application)
    admin.register(application)
    producer.register(application)
    outbox.register(application)  # the sweep (due work) and the outbox sender
    backup_job.schedule(application)  # the nightly copy, when REKOBOT_BACKUP_DIR is set
    # Last in group 0: /cancel outside any conversation, and buttons nobody recognised.
    application.add_handler(CommandHandler("cancel", start.cancel))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, start.not_understood
        )
    )
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(on_error)
    return application
