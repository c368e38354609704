"""The bot's PTB Application: the services in ``bot_data``, opened first and closed last.

It lives in handlers/ with everything else that speaks Telegram; ``rekobot/app.py`` (the
composition root) builds it, and handlers that need the application (the sweep, the nightly
backup) import it from here, not from the core.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, ExtBot, JobQueue

from handlers.commands import RoleMenus, publish_commands
from handlers.context import BotData, Ctx
from handlers.health import Health
from handlers.intake import Receive, run_intake, until_reachable
from handlers.metrics import MetricsPage
from handlers.webhook import UpdateReceiver, WebhookIntake, routes, serving, webhook_path
from rekobot.services.registry import Services
from rekobot.settings import listen_address

if TYPE_CHECKING:
    from handlers.sweep import Sweeper

log = logging.getLogger(__name__)


class RekoApplication(
    Application[ExtBot[None], Ctx, dict[str, Any], dict[Any, Any], BotData, JobQueue[Ctx]]
):
    """PTB's Application that opens the database first and closes it last.

    Doing it in ``initialize``/``shutdown`` (not ``post_init``) means tests that call
    ``initialize()`` directly start the bot exactly as ``rekobot run`` does.
    """

    #: The sweep's job (set by the wiring); /healthz reads when it last ran.
    sweeper: Sweeper | None = None

    @property
    def services(self) -> Services:
        """The services this bot runs on."""
        return self.bot_data.services

    async def initialize(self) -> None:
        """Open and migrate the database, start PTB, and publish the command menus."""
        await self.services.open()
        try:
            await self._meet_telegram()
        except BaseException:
            await self.shutdown()  # PTB's part only if it got that far; the database always
            raise

    async def _meet_telegram(self) -> None:
        await super().initialize()  # asks Telegram who we are: a refused token stops here
        await publish_commands(self.bot, self.services.settings.default_locale)
        await RoleMenus(self.bot, self.services.roles).publish_operators()

    async def start_up(self, stopping: asyncio.Event) -> bool:
        """``initialize``, trying again while Telegram cannot be reached; False if stopped."""
        await self.services.open()
        try:
            met = await until_reachable("start-up", self._meet_telegram, stopping)
        except BaseException:
            await self.shutdown()
            raise
        if not met:
            await self.shutdown()
        return met

    async def process_update(self, update: object) -> None:
        """Handle one update and count it.

        The bot has no PTB persistence: whatever a flow keeps between two updates is written
        by its handler (``handlers/kept.py``, the open question in ``handlers/forms``).
        """
        await super().process_update(update)
        self.bot_data.update_counts.handled += 1

    async def shutdown(self) -> None:
        """Stop PTB, then close the database."""
        await super().shutdown()
        await self.services.close()

    async def serve(self, stopping: asyncio.Event) -> None:
        """Run the bot until ``stopping`` is set: updates come in through the inbox.

        What the last run stored but did not finish is processed first, then getUpdates is
        long-polled (see ``handlers/intake.py``), or with ``REKOBOT_WEBHOOK_URL`` set,
        Telegram POSTs them (``handlers/webhook.py``). Meanwhile the worker takes part in the
        election of the one that sweeps and sends (``rekobot/services/leadership.py``). PTB's
        own Updater is not used: it acknowledges updates before they are handled, so a kill
        would lose them.
        """
        if not await self.start_up(stopping):
            return
        try:
            await self._announce()
            await self.start()
            freeze_start_up_heap()
            election = asyncio.create_task(
                self.services.leadership.run(stopping), name="leader-election"
            )
            try:
                async with AsyncExitStack() as stack:
                    receive = await self._receiver(stack)
                    await run_intake(self, stopping, receive)
            finally:
                stopping.set()
                await election
                await self.stop()
        finally:
            gc.unfreeze()  # an in-process caller (a test) gets its heap back as it was
            await self.shutdown()

    async def _receiver(self, stack: AsyncExitStack) -> Receive | None:
        """The webhook's intake, or None for polling (with /healthz served if asked)."""
        settings = self.services.settings
        health = Health(self.services.db, self.sweeper, settings.sweep_interval)
        metrics = self.metrics_page() if settings.metrics else None
        if settings.webhook:
            secret = settings.webhook_secret.get_secret_value()
            receiver = UpdateReceiver(self.services.inbox, secret)
            app = routes(health, receiver, webhook_path(settings.webhook_url), metrics)
            listen = listen_address(settings.webhook_listen)
            return WebhookIntake(self.bot, app, listen, settings.webhook_url, secret).run
        if settings.metrics and not settings.health_listen:
            log.warning("REKOBOT_METRICS=1 needs REKOBOT_HEALTH_LISTEN with long polling: off")
        if settings.health_listen:
            host, port = listen_address(settings.health_listen)
            app = routes(health, None, "", metrics)
            await stack.enter_async_context(serving(app, host, port, "REKOBOT_HEALTH_LISTEN"))
        return None

    def metrics_page(self) -> MetricsPage:
        """GET /metrics of this bot: its update counts, the sweep and the outbox."""
        return MetricsPage(self.services.db, self.bot_data.update_counts, self.sweeper)

    async def _announce(self) -> None:
        """Log who the bot is and the link that joins each ring."""
        username = self.bot.username
        mode = "webhook" if self.services.settings.webhook else "long polling"
        log.info("rekobot is @%s (%s)", username, mode)
        for ring in await self.services.members.rings():
            log.info("ring %s: https://t.me/%s?start=%s", ring.name, username, ring.slug)


def freeze_start_up_heap() -> None:
    """Leave what start-up built out of every later full garbage collection.

    Modules, the catalogs, Babel's locale data, PTB's and pydantic's classes and schemas live
    as long as the process: some 140,000 objects once the demo ring answered /start and
    /shop, which every full collection scanned again, a pause of 40-60 ms (measured) on
    whichever customer's tap set it off; frozen, that collection takes 0.01 ms. Collected
    first, so no garbage is frozen.
    """
    gc.collect()
    gc.freeze()
