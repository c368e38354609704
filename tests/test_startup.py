"""Starting `rekobot run`: Telegram out of reach at first, and what the start-up log says."""

from __future__ import annotations

import asyncio
import gc
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from rekobot.app import build_application
from rekobot.settings import Settings
from tests.fakes.calls import BOT_USERNAME
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import rekobot, running
from tests.test_webhook import free_port

KARI = TgUser(8101, "Kari", None, "kari", "nb")
RETRY_LINE = re.compile(
    r"start-up: Telegram cannot be reached \(.+\); trying again in (\d+(\.\d+)?)s"
)


def _log(tmp_path: Path) -> str:
    return (tmp_path / "rekobot.log").read_text()


def test_an_unreachable_telegram_is_tried_again_until_it_answers(tmp_path: Path) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/bot"
    with running(tmp_path, api, f"http://127.0.0.1:{port}/file/bot") as bot:
        deadline = time.monotonic() + 60
        while len(RETRY_LINE.findall(_log(tmp_path))) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert bot.poll() is None, _log(tmp_path)
        with BotApiServer(port=port, lifetime=120) as server:
            server.wait_for("setMyCommands", timeout=60)
            server.push_message(KARI, "/start")
            server.wait_for("sendMessage", chat_id=KARI.id, timeout=30)
    log = _log(tmp_path)
    pauses = [float(match[0]) for match in RETRY_LINE.findall(log)]

    assert len(pauses) >= 3, log
    assert pauses[:3] == [1.0, 2.0, 4.0], log  # doubling from one second
    assert all(pause <= 60 for pause in pauses)
    retry_lines = [line for line in log.splitlines() if "cannot be reached" in line]
    assert len(retry_lines) == len(pauses)  # one line per try, nothing more
    assert "Traceback" not in log
    assert bot.returncode == 0, log


def test_a_stop_while_telegram_is_out_of_reach_is_clean(tmp_path: Path) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/bot"
    with running(tmp_path, api, f"http://127.0.0.1:{port}/file/bot") as bot:
        deadline = time.monotonic() + 60
        while not RETRY_LINE.search(_log(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.1)
    log = _log(tmp_path)

    assert RETRY_LINE.search(log), log
    assert bot.returncode == 0, log
    assert "Traceback" not in log and "rekobot stopped" in log


def test_the_start_up_log_names_the_bot_and_each_open_rings_link(tmp_path: Path) -> None:
    assert rekobot(tmp_path, "demo-data").returncode == 0
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as db:
        db.execute(
            "INSERT INTO rings (slug, name, timezone, locale, currency, created_at, archived_at)"
            " VALUES ('gamle', 'REKO Gamle', 'Europe/Oslo', 'nb', 'NOK', '2026-01-01T00:00:00',"
            " '2026-06-01T00:00:00')"
        )
    with BotApiServer(lifetime=120) as server, running(tmp_path, server.url, server.file_url):
        server.wait_for("setMyCommands", timeout=30)
        deadline = time.monotonic() + 30
        while "?start=" not in _log(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.1)
    log = _log(tmp_path)

    assert f"rekobot is @{BOT_USERNAME} (long polling)" in log
    assert f"ring REKO Nittedal: https://t.me/{BOT_USERNAME}?start=nittedal" in log
    assert "gamle" not in log  # archived: nobody can join it


@asynccontextmanager
async def serving_in_process(
    settings: Settings, server: BotApiServer, user: TgUser
) -> AsyncIterator[tuple[Settings, asyncio.Task[None]]]:
    """The bot serving ``server``'s updates in this process, as `rekobot run` does, once it
    answered ``user``'s /start; stopped on the way out. Yields its settings and its task."""
    urls = {"api_base_url": server.url, "api_file_url": server.file_url}
    local = settings.model_copy(update=urls)
    stopping = asyncio.Event()
    serving = asyncio.create_task(build_application(local).serve(stopping))
    try:
        server.push_message(user, "/start")
        await asyncio.to_thread(server.wait_for, "sendMessage", chat_id=user.id, timeout=30)
        yield local, serving
    finally:
        stopping.set()
        await asyncio.wait_for(serving, timeout=30)


async def test_a_started_bot_leaves_its_start_up_heap_out_of_full_collections(
    settings: Settings,
) -> None:
    """What start-up built lives as long as the process: no full collection scans it again.

    Frozen while the bot serves, and given back when ``serve`` returns (here, in-process).
    """
    assert gc.get_freeze_count() == 0
    with BotApiServer(lifetime=90) as server:
        async with serving_in_process(settings, server, KARI):
            frozen = gc.get_freeze_count()

    assert frozen > 50_000  # modules, catalogs, PTB's and pydantic's classes and schemas
    assert gc.get_freeze_count() == 0
