"""Webhook mode: Telegram POSTs each update to us; we store it, then answer 200.

Telegram retries a POST that got no 200 (for up to a day), so answering only after ``take_in``
returned gives the same guarantee as polling's offset: a process killed after the 200 still
has the update in its inbox, one killed before it gets the update again. The processor
(``handlers/intake.py``) handles the inbox exactly as in polling mode.

A request must carry Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header with
``REKOBOT_WEBHOOK_SECRET`` (the secret_token given to setWebhook): without it anyone who found
the URL could act as any user. A wrong one gets 401 and changes nothing; a body that is not an
update gets 400, and Telegram does not send it again.

The same small server answers ``GET /healthz`` (``handlers/health.py``), and ``GET /metrics``
with ``REKOBOT_METRICS=1`` (``handlers/metrics.py``); with long polling it serves only those,
on ``REKOBOT_HEALTH_LISTEN``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot

from handlers.health import Health
from handlers.intake import set_webhook, take_in, until_reachable
from handlers.metrics import METRICS_PATH, MetricsPage
from rekobot.services.inbox import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
#: The largest body accepted; an update with a long message is a few kilobytes.
MAX_BODY = 1024 * 1024


class ListenFailed(RuntimeError):
    """The HTTP server could not listen where it was told (in use, not this machine's)."""


def webhook_path(url: str) -> str:
    """The path of the public URL, which the reverse proxy passes on unchanged."""
    return urlsplit(url).path or "/"


def as_update(body: bytes) -> dict[str, Any] | None:
    """Return the body as raw Update JSON, or None when it is not one."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(raw, dict) or len(raw) < 2:
        return None
    update_id = raw.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return None
    return raw


class UpdateReceiver:
    """Handle Telegram's POSTs: check the secret, store the update, then say 200."""

    def __init__(self, inbox: Inbox, secret: str) -> None:
        self.inbox = inbox
        self.secret = secret.encode()

    def authorised(self, request: web.Request) -> bool:
        """Whether the request carries the secret (compared in constant time)."""
        given = request.headers.get(SECRET_HEADER)
        return given is not None and hmac.compare_digest(given.encode(), self.secret)

    async def receive(self, request: web.Request) -> web.Response:
        """Answer one POST from Telegram."""
        if not self.authorised(request):
            log.warning("webhook: refused a request from %s without the secret", request.remote)
            return web.json_response({"ok": False, "reason": "unauthorised"}, status=401)
        raw = as_update(await request.read())
        if raw is None:
            log.warning("webhook: refused a body that is not an update")
            return web.json_response({"ok": False, "reason": "not an update"}, status=400)
        try:
            await take_in(self.inbox, [raw])
        except Exception:  # not stored: no 200, so Telegram sends it again
            log.exception("webhook: update %s could not be stored", raw["update_id"])
            return web.json_response({"ok": False, "reason": "not stored"}, status=500)
        return web.json_response({"ok": True})


def routes(
    health: Health,
    receiver: UpdateReceiver | None,
    path: str,
    metrics: MetricsPage | None = None,
) -> web.Application:
    """The HTTP application: /healthz always, the webhook path when a receiver is given, and
    /metrics when ``REKOBOT_METRICS`` asks for it."""
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get(HEALTH_PATH, health.answer)
    if metrics is not None:
        app.router.add_get(METRICS_PATH, metrics.answer)
    if receiver is not None:
        app.router.add_post(path, receiver.receive)
    return app


@asynccontextmanager
async def serving(
    app: web.Application, host: str, port: int, setting: str
) -> AsyncIterator[None]:
    """Listen on host:port (from ``setting``) while the block runs."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise ListenFailed(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                f"choose another address in {setting}"
            ) from exc
        log.info("http: listening on %s:%s", host, port)
        yield
    finally:
        await runner.cleanup()


class WebhookIntake:
    """The webhook as the intake's source: serve, tell Telegram where, wait for the stop."""

    def __init__(
        self, bot: Bot, app: web.Application, listen: tuple[str, int], url: str, secret: str
    ) -> None:
        self.bot = bot
        self.app = app
        self.listen = listen
        self.url = url
        self.secret = secret

    async def run(self, stopping: asyncio.Event) -> None:
        """Listen first (Telegram may POST at once), then setWebhook, until ``stopping``.

        The webhook stays set after a stop: Telegram keeps the updates that come meanwhile
        and delivers them when the bot listens again.
        """
        host, port = self.listen
        async with serving(self.app, host, port, "REKOBOT_WEBHOOK_LISTEN"):
            attempt = partial(set_webhook, self.bot, self.url, self.secret)
            if await until_reachable("setWebhook", attempt, stopping):
                log.info("webhook: Telegram sends updates to %s", self.url)
            await stopping.wait()
