"""`RecordingRequest`: a PTB request that answers from a `FakeBotApi`, in-process."""

from __future__ import annotations

import asyncio
import json
from typing import IO, Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from tests.fakes.api import FakeBotApi
from tests.fakes.calls import Clock, Latency, UploadedFile
from tests.fakes.failures import LOST


def decode_request_data(
    request_data: RequestData | None,
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Turn PTB's RequestData into plain JSON parameters and the uploaded files."""
    if request_data is None:
        return {}, {}
    params = {key: json.loads(json.dumps(value)) for key, value in request_data.parameters.items()}
    files: dict[str, UploadedFile] = {}
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        files[name] = UploadedFile(_read(content), filename, mimetype)
    return params, files


def _read(content: bytes | IO[bytes]) -> bytes:
    if isinstance(content, bytes):
        return content
    data = content.read()
    if content.seekable():
        content.seek(0)
    return data


class RecordingRequest(FakeBotApi, BaseRequest):
    """A PTB request that never touches the network: it records and answers every call."""

    def __init__(
        self,
        *,
        latency: Latency = None,
        strict: bool = True,
        clock: Clock | None = None,
        seed: int = 0,
    ) -> None:
        """Create the fake; pass it to ApplicationBuilder().request() and get_updates_request()."""
        FakeBotApi.__init__(self, latency=latency, strict=strict, clock=clock, seed=seed)

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout PTB adds to long polls."""
        return 5.0

    async def initialize(self) -> None:
        """Open nothing: there is no connection."""

    async def shutdown(self) -> None:
        """Close nothing: there is no connection."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one Bot API request (POST) or file download (GET) from the fake."""
        if method.upper() == "GET":
            upload = self.file(url.rsplit("/files/", 1)[-1])
            if upload is None:
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
            return 200, bytes(upload)
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params, files = decode_request_data(request_data)
        status, body, delay = self.handle(api_method, params, files)
        if status == LOST:
            raise TimedOut(f"no answer to {api_method} (scripted)")
        if api_method.lower() == "getupdates" and not body.get("result"):
            delay = max(delay, 0.05)  # an idle long poll must not let a polling loop spin
        # A real request always suspends its caller for the round trip, so other tasks (the
        # sweep, the sender) run meanwhile; an answer at once must not let a loop of updates
        # starve them.
        await asyncio.sleep(max(delay, 0))
        return status, json.dumps(body).encode()


# --- updates as Telegram sends them ------------------------------------------------------------
