"""The composition root: settings, services and handlers wired into one PTB Application."""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from handlers.application import RekoApplication
from handlers.context import BotData
from handlers.wiring import add_handlers
from rekobot.clock import Clock, utcnow
from rekobot.i18n import set_date_clock
from rekobot.services.registry import Services
from rekobot.settings import Settings

# RekoApplication lives in handlers/application.py; named here too for callers that build the
# bot from this module (tests, benchmarks).
__all__ = ["RekoApplication", "build_application"]

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock = utcnow,
    rate_limit: bool = True,
) -> RekoApplication:
    """Build the bot: services over the settings' database and every handler.

    ``request`` replaces the HTTP edge (tests pass a recording fake).
    """
    services = Services.create(settings, clock=clock)
    set_date_clock(clock)  # "today", for whether a date shows its year
    builder = (
        ApplicationBuilder()
        .application_class(RekoApplication)
        .token(settings.token.get_secret_value())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .context_types(ContextTypes(bot_data=BotData))
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
    add_handlers(application)
    return application
