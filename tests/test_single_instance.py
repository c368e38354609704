"""One bot per database: a second `rekobot run` refuses, a killed one does not block a restart."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from storage.instance_lock import DatabaseInUse, InstanceLock, lock_path
from tests.conftest import TOKEN
from tests.engines import sqlite_only
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import rekobot, running

pytestmark = sqlite_only

START_TIMEOUT = 60.0
KARI = TgUser(4242, "Kari", "Nordmann", "kari", language_code="nb")


def _log(tmp_path: Path) -> str:
    return (tmp_path / "rekobot.log").read_text()


def _answers(server: BotApiServer, bot: subprocess.Popen[str]) -> bool:
    """Whether the bot is up and answers a message (proof that it polls and holds the file)."""
    server.push_message(KARI, "/start")
    server.wait_for("sendMessage", chat_id=KARI.id, timeout=START_TIMEOUT)
    return bot.poll() is None


def test_a_second_bot_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    with (
        BotApiServer(lifetime=120) as server,
        running(tmp_path, server.url, server.file_url) as first,
    ):
        answered_before = _answers(server, first)
        second = rekobot(
            tmp_path, "run", token=TOKEN, api_base_url=server.url, api_file_url=server.file_url
        )
        migrate = rekobot(tmp_path, "migrate")
        answered_after = _answers(server, first)
        starts = len(server.calls("getMe"))

    assert second.returncode != 0
    assert f"another rekobot (pid {first.pid}) is already running" in second.stderr
    assert "rekobot.sqlite3" in second.stderr and "Traceback" not in second.stderr
    assert starts == 1  # the second one never got as far as Telegram
    assert migrate.returncode != 0 and "already running" in migrate.stderr
    assert answered_before and answered_after
    assert first.returncode == 0, _log(tmp_path)


def test_a_bot_killed_with_sigkill_does_not_block_the_next_start(tmp_path: Path) -> None:
    with BotApiServer(lifetime=120) as server:
        with running(tmp_path, server.url, server.file_url) as first:
            answered_first = _answers(server, first)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=20)
        assert lock_path(tmp_path / "rekobot.sqlite3").exists()  # a stale lock file stays
        with running(tmp_path, server.url, server.file_url) as second:
            answered_second = _answers(server, second)

    assert first.returncode == -signal.SIGKILL
    assert answered_first and answered_second
    assert second.returncode == 0, _log(tmp_path)


def test_the_lock_names_its_holder_and_is_free_again_once_released(tmp_path: Path) -> None:
    database = tmp_path / "rekobot.sqlite3"
    with InstanceLock(database):
        with pytest.raises(DatabaseInUse) as refused:
            InstanceLock(database).acquire()
        holder = refused.value.pid
    with InstanceLock(database) as again:
        held = again.held

    assert holder == os.getpid()
    assert held
