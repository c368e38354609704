"""GET /healthz: the database answers, its schema is current, and the sweep ran recently."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from aiohttp.test_utils import TestClient, TestServer

from handlers.health import MISSED_SWEEPS, SWEEP_MARGIN, Health
from handlers.webhook import routes
from rekobot.app import build_application
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.engines import sqlite_database
from tests.fakes.request import RecordingRequest
from tests.fakes.server import BotApiServer
from tests.process import running
from tests.test_webhook import free_port

INTERVAL = 20.0
LIMIT = MISSED_SWEEPS * INTERVAL + SWEEP_MARGIN


@dataclass
class SweepStub:
    last_run: float | None = None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def opened(settings: Settings) -> AsyncIterator[Services]:
    services = Services.create(settings)
    await services.open()
    try:
        yield services
    finally:
        await services.close()


def health_of(services: Services, sweep: SweepStub, clock: Clock) -> Health:
    return Health(services.db, sweep, INTERVAL, clock=clock)


async def test_a_fresh_bot_is_healthy_during_the_grace_period_and_not_after(
    opened: Services,
) -> None:
    clock, sweep = Clock(), SweepStub()
    health = health_of(opened, sweep, clock)

    clock.now += LIMIT - 1
    in_grace = await health.check()
    clock.now += 2
    late = await health.check()

    assert in_grace.ok
    assert not late.ok
    assert late.reason == f"the sweep has not completed a run in {LIMIT + 1:.0f}s"


async def test_a_sweep_that_stopped_running_makes_the_bot_unhealthy(opened: Services) -> None:
    clock, sweep = Clock(), SweepStub()
    health = health_of(opened, sweep, clock)
    clock.now += 500
    sweep.last_run = clock.now - INTERVAL

    recent = await health.check()
    clock.now += LIMIT  # no run since
    stale = await health.check()

    assert recent.ok
    assert not stale.ok
    assert stale.reason == f"the sweep last completed a run {LIMIT + INTERVAL:.0f}s ago"


async def test_a_database_file_replaced_or_removed_under_the_bot_is_unhealthy(
    opened: Services, tmp_path: Path
) -> None:
    clock = Clock()
    health = health_of(opened, SweepStub(last_run=clock.now), clock)
    path = sqlite_database(opened.db).path
    kept = tmp_path / "kept.sqlite3"
    os.link(path, kept)  # the bot's connection goes on reading the old file

    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a database at all " * 200)
    garbage.replace(path)
    replaced = await health.check()
    path.unlink()
    removed = await health.check()

    assert not replaced.ok and "is not a SQLite database any more" in replaced.reason
    assert not removed.ok and "cannot be read" in removed.reason
    assert await opened.members.rings() == []  # the bot's own connection still answers


async def test_a_schema_behind_the_code_is_unhealthy(opened: Services) -> None:
    clock = Clock()
    health = health_of(opened, SweepStub(last_run=clock.now), clock)
    healthy = await health.check()
    with sqlite3.connect(sqlite_database(opened.db).path) as db:
        known = int(db.execute("PRAGMA user_version").fetchone()[0])
        db.execute(f"PRAGMA user_version = {known - 1}")

    behind = await health.check()

    assert healthy.ok
    assert not behind.ok
    assert behind.reason == (
        f"the database is at schema version {known - 1} (in use: {known - 1}), "
        f"this rekobot needs {known}"
    )


async def test_a_closed_database_is_unhealthy(opened: Services) -> None:
    clock = Clock()
    health = health_of(opened, SweepStub(last_run=clock.now), clock)
    await opened.db.close()

    verdict = await health.check()

    assert not verdict.ok and verdict.reason.startswith("the database does not answer")


async def test_healthz_answers_200_or_503_with_a_one_line_reason(opened: Services) -> None:
    clock, sweep = Clock(), SweepStub()
    health = health_of(opened, sweep, clock)
    async with TestClient(TestServer(routes(health, None, ""))) as client:
        ok = await client.get("/healthz")
        ok_body = await ok.json()
        clock.now += LIMIT + 1
        stuck = await client.get("/healthz")
        stuck_body = await stuck.json()
        post = await client.post("/healthz")  # polling mode serves no webhook

    assert (ok.status, ok_body) == (200, {"ok": True})
    assert stuck.status == 503
    assert stuck_body == {"ok": False, "reason": stuck_body["reason"]}
    assert "sweep" in stuck_body["reason"] and "\n" not in stuck_body["reason"]
    assert post.status == 405


async def test_the_sweep_records_when_it_last_completed(settings: Settings) -> None:
    application = build_application(settings, request=RecordingRequest())
    sweeper = application.sweeper
    assert sweeper is not None and sweeper.last_run is None
    before = time.monotonic()
    await application.initialize()
    await application.start()  # the job queue runs the first sweep at once
    try:
        for _ in range(400):  # the sweeper has no event to wait on; 20 s at most
            if sweeper.last_run is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        await application.stop()
        await application.shutdown()

    assert sweeper.last_run is not None and sweeper.last_run >= before


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urlopen(url, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except HTTPError as error:
        return int(error.code), json.loads(error.read())


def _wait_for_status(url: str, status: int, timeout: float) -> tuple[int, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = _get(url)
        except OSError:  # not listening yet
            answer = (0, {})
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_polling_serves_healthz_which_turns_503_when_the_file_is_replaced(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    with (
        BotApiServer(lifetime=120) as server,
        running(tmp_path, server.url, server.file_url, health_listen=f"127.0.0.1:{port}") as bot,
    ):
        server.wait_for("setMyCommands", timeout=30)
        healthy = _wait_for_status(url, 200, 30)
        garbage = tmp_path / "garbage"
        garbage.write_bytes(b"\x00garbage" * 1000)
        garbage.replace(tmp_path / "rekobot.sqlite3")
        broken = _get(url)
        assert bot.poll() is None
    log = (tmp_path / "rekobot.log").read_text()

    assert healthy == (200, {"ok": True})
    assert broken[0] == 503
    assert broken[1]["ok"] is False
    assert broken[1]["reason"].endswith("rekobot.sqlite3 is not a SQLite database any more")
    assert "healthz: " in log and "Traceback" not in log


def test_a_health_address_in_use_stops_the_bot_with_what_to_change(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            BotApiServer(lifetime=120) as server,
            running(
                tmp_path, server.url, server.file_url, health_listen=f"127.0.0.1:{port}"
            ) as bot,
        ):
            bot.wait(timeout=60)
    log = (tmp_path / "rekobot.log").read_text()

    assert bot.returncode == 2, log
    assert f"rekobot: cannot listen on 127.0.0.1:{port}" in log
    assert "choose another address in REKOBOT_HEALTH_LISTEN" in log
    assert "Traceback" not in log
