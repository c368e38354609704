"""The bot's PTB Application: the services in ``bot_data``, opened first and closed last.

It lives in handlers/ with everything else that speaks Telegram; ``rekobot/app.py`` (the
composition root) builds it, and handlers that need the application (the sweep, the nightly
backup) import it from here, not from the core.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application, ExtBot, JobQueue

from handlers.commands import RoleMenus, publish_commands
from handlers.context import BotData, Ctx
from handlers.intake import run_intake
from rekobot.services.registry import Services


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
        """Open and migrate the database, start PTB, and publish the command menus."""
        await self.services.open()
        try:
            await super().initialize()  # asks Telegram who we are: a refused token stops here
            await publish_commands(self.bot, self.services.settings.default_locale)
            await RoleMenus(self.bot, self.services.roles).publish_operators()
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
