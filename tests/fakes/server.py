"""A Bot API test server on loopback, for end-to-end tests that run the real bot as a process.

It owns the HTTP side only: it serves `POST {url}{token}/{method}` (form, multipart or JSON
bodies), long-polled getUpdates fed by the test, and file downloads under `{file_url}`. What
each method answers, what gets recorded and how failures are scripted all come from
`tests.fakes.api.FakeBotApi`, so the server and the in-process `RecordingRequest` agree.

Start the bot with `REKOBOT_API_BASE_URL=server.url` (and `REKOBOT_API_FILE_URL=server.file_url`).
setWebhook and deleteWebhook are kept as Telegram keeps them: while a webhook is set,
getUpdates is refused with 409 Conflict. The server does not POST to the webhook itself;
tests do, with `post_update`.
The server stops by itself after `lifetime` seconds, so a forgotten one cannot hang a test run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.error import HTTPError
from urllib.parse import unquote, urlsplit
from urllib.request import Request, urlopen

from tests.fakes.api import FakeBotApi
from tests.fakes.calls import JSON, ButtonQuery, Clock, Latency, UploadedFile, copy_json
from tests.fakes.failures import LOST
from tests.fakes.updates import TgUser, UpdateFactory
from tests.fakes.wire import decode_body

_LOG = logging.getLogger(__name__)

MAX_POLL_SECONDS = 30.0
# What Telegram sends a bot that never chose: everything but these (see getUpdates).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


def post_update(
    url: str, update: JSON | bytes, secret: str | None, *, timeout: float = 10.0
) -> tuple[int, bytes]:
    """POST one update to a webhook as Telegram does; return (status, body)."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = Request(url, data=body, headers=headers, method="POST")
    try:
        with urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except HTTPError as error:
        return int(error.code), bytes(error.read())


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: BotApiServer) -> None:
        super().__init__(address, _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    """One HTTP connection from the bot under test."""

    server: _HttpServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (about 40 ms) on every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        _LOG.debug("botapi %s - " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        api = self.server.api
        split = urlsplit(self.path)
        path = unquote(split.path)
        body = self._read_body()
        if path.startswith("/file/bot"):
            upload = api.file(path.rsplit("/files/", 1)[-1])
            if upload is None:
                self._reply_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._reply(200, bytes(upload), upload.mimetype)
            return
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not method:
            self._reply_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if api.token is not None and token != api.token:
            self._reply_json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            params, files = decode_body(self.headers.get("Content-Type", ""), body, split.query)
        except ValueError as error:
            self._reply_json(
                400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
            )
            return
        status, answer, delay = api.handle(method, params, files)
        if delay > 0:
            time.sleep(delay)
        if status == LOST:  # a scripted time_out: hang up without an answer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply_json(status, answer)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply_json(self, status: int, body: JSON) -> None:
        self._reply(status, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def _reply(self, status: int, payload: bytes, content_type: str) -> None:
        try:
            self.send_response(status, HTTPStatus(status).phrase)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except ConnectionError:
            _LOG.debug("botapi: the client went away before the answer to %s", self.path)


class BotApiServer(FakeBotApi):
    """A fake Bot API on 127.0.0.1 that a real bot process can long-poll and talk to."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        latency: Latency = None,
        strict: bool = True,
        clock: Clock | None = None,
        lifetime: float | None = 300.0,
    ) -> None:
        """Prepare a server on a free port; `token`, if given, must match the bot's."""
        super().__init__(latency=latency, strict=strict, clock=clock)
        self.token = token
        self.lifetime = lifetime
        self.factory = UpdateFactory(self)
        self._address = (host, port)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._stopping = False
        self._updates: list[JSON] = []
        self._last_pushed = 0
        self._last_fetched = 0
        self._allowed: frozenset[str] | None = None  # None: Telegram's default
        self._confirmed = 0  # every update up to this id is confirmed, and gone
        #: The parameters of the last setWebhook, until deleteWebhook; None: no webhook.
        self.webhook: dict[str, Any] | None = None

    # -- life cycle

    def start(self) -> Self:
        """Start serving in a background thread; return self."""
        if self._httpd is not None:
            raise RuntimeError("the Bot API test server is already started")
        self._httpd = _HttpServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"botapi-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        if self.lifetime is not None:
            self._timer = threading.Timer(self.lifetime, self._expire)
            self._timer.daemon = True
            self._timer.start()
        _LOG.debug("botapi: serving on %s", self.url)
        return self

    def _expire(self) -> None:
        _LOG.warning("botapi: stopping after its lifetime of %ss", self.lifetime)
        self.stop()

    def stop(self) -> None:
        """Stop serving; pending long polls return at once. Safe to call twice."""
        with self._changed:
            httpd, self._httpd = self._httpd, None
            self._stopping = True
            self._changed.notify_all()
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.cancel()
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("the Bot API test server is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Return the Bot API base URL for the bot, ending in "/bot"."""
        return f"http://{self._address[0]}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """Return the file download base URL for the bot, ending in "/file/bot"."""
        return f"http://{self._address[0]}:{self.port}/file/bot"

    # -- what users do

    def push(self, update: JSON) -> JSON:
        """Queue an Update for the bot's next getUpdates; return it."""
        with self._changed:
            self._updates.append(update)
            self._last_pushed = max(self._last_pushed, int(update["update_id"]))
            self._changed.notify_all()
        self.note_update()
        return update

    def push_message(self, user: TgUser, text: str, *, chat_id: int | None = None) -> JSON:
        """Queue `user` sending a text or "/command args"."""
        return self.push(self.factory.message(user, text, chat_id=chat_id))

    def push_callback(
        self, user: TgUser, data: str, message_id: int, *, chat_id: int | None = None
    ) -> JSON:
        """Queue `user` pressing a button with `data` on a bot message."""
        return self.push(self.factory.callback(user, data, message_id=message_id, chat_id=chat_id))

    def press(
        self,
        user: TgUser,
        button: ButtonQuery,
        *,
        message_id: int | None = None,
        timeout: float = 5.0,
    ) -> JSON:
        """Queue a press of a button on the latest keyboard in `user`'s chat, once it is there."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                try:
                    message, data = self.find_button(user.id, button, message_id=message_id)
                    break
                except AssertionError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise
                    self._changed.wait(min(remaining, 0.2))
        return self.push(self.factory.callback(user, data, message=message))

    async def press_async(
        self,
        user: TgUser,
        button: ButtonQuery,
        *,
        message_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the wait runs in a thread, bounded by this
    ) -> JSON:
        """Like press, without blocking the event loop (the bot may run in it)."""
        return await asyncio.to_thread(
            self.press, user, button, message_id=message_id, timeout=timeout
        )

    @property
    def pending(self) -> int:
        """Return how many pushed updates the bot has not fetched yet."""
        with self._lock:
            return sum(1 for update in self._updates if update["update_id"] > self._last_fetched)

    def wait_until_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        """Block until the bot has confirmed `update_id` (a getUpdates with a higher offset)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._confirmed < update_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"the bot has not confirmed update {update_id} in {timeout}s "
                        f"(confirmed up to {self._confirmed})"
                    )
                self._changed.wait(remaining)

    def wait_until_fetched(self, timeout: float = 10.0) -> None:
        """Block until the bot has fetched every pushed update, or raise AssertionError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._last_fetched < self._last_pushed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"the bot has not fetched update {self._last_pushed} in {timeout}s "
                        f"(fetched up to {self._last_fetched}); is it polling {self.url}?"
                    )
                self._changed.wait(remaining)

    # -- webhook

    def handle(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> tuple[int, JSON, float]:
        """Refuse getUpdates while a webhook is set, as Telegram does; else answer as usual."""
        if method.lower() == "getupdates":
            with self._lock:
                conflict = self.webhook is not None
            if conflict:
                body = {"ok": False, "error_code": 409, "description": _WEBHOOK_CONFLICT}
                return 409, body, 0.0
        return super().handle(method, params, files)

    def _answer(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        name = method.lower()
        if name == "setwebhook":
            self.webhook = dict(params)
            return True
        if name == "deletewebhook":
            self.webhook = None
            return True
        if name == "getwebhookinfo":
            url = "" if self.webhook is None else str(self.webhook.get("url", ""))
            return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}
        return super()._answer(method, params, files)

    # -- long polling

    def _get_updates(self, params: dict[str, Any]) -> list[JSON]:
        """Answer getUpdates as Telegram does.

        An update is confirmed, and gone for good, once a call carries an `offset` above its
        id; until then every call without an offset (or with a lower one) returns it again.
        `allowed_updates`, once given, holds for later calls too; updates of other types are
        never delivered. The call waits up to `timeout` seconds for something new.
        """
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
        limit = max(1, min(int(params.get("limit") or 100), 100))
        deadline = time.monotonic() + timeout
        with self._changed:
            if params.get("allowed_updates") is not None:
                self._allowed = frozenset(params["allowed_updates"]) or None
            if offset > 0:  # Telegram forgets every update below the offset
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if offset - 1 > self._confirmed:
                    self._confirmed = offset - 1
                    self._changed.notify_all()
            while True:
                self._updates = [u for u in self._updates if self._delivers(u)]
                ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if ready or self._stopping or remaining <= 0:
                    break
                self._changed.wait(remaining)
            if ready:
                self._last_fetched = max(self._last_fetched, ready[-1]["update_id"])
                self._changed.notify_all()
            return copy_json(ready)

    def _delivers(self, update: JSON) -> bool:
        kind = next(key for key in update if key != "update_id")
        return kind in self._allowed if self._allowed is not None else kind not in _NOT_BY_DEFAULT
