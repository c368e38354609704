"""Webhook mode end to end: `rekobot run` with REKOBOT_WEBHOOK_URL, Telegram played by tests.

The loopback Bot API server answers the bot's calls (setWebhook included, and getUpdates is
refused while a webhook is set, as Telegram does); the test POSTs updates to the bot's own
server as Telegram would, with or without the secret header.
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from rekobot.settings import Settings
from tests.conftest import TOKEN
from tests.fakes.calls import Call
from tests.fakes.server import BotApiServer, post_update
from tests.fakes.updates import TgUser
from tests.process import rekobot, running

SECRET = "s3cret-" + "x" * 40
KARI = TgUser(8001, "Kari", None, "kari", "nb")
CUSTOMERS = [TgUser(9000 + n, f"Kunde{n}", None, f"kunde{n}", "nb") for n in range(200)]
BLOCKER = TgUser(8999, "Treig", None, "treig", "nb")
#: Seconds the first answer to BLOCKER takes: the bot is in the middle of it at the kill.
HOLD = 4.0


def free_port() -> int:
    """A port nothing listens on (the bot binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(port: int) -> dict[str, str]:
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_secret": SECRET,
        "webhook_listen": f"127.0.0.1:{port}",
    }


def inbox_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])


def http_get(url: str) -> tuple[int, dict[str, Any]]:
    from urllib.error import HTTPError
    from urllib.request import urlopen

    try:
        with urlopen(url, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except HTTPError as error:
        return int(error.code), json.loads(error.read())


def _wait_until(condition_met: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition_met():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_secret_header_decides_whether_an_update_is_taken_in(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    with (
        BotApiServer(lifetime=120) as server,
        running(tmp_path, server.url, server.file_url, **webhook_settings(port)) as bot,
    ):
        server.wait_for("setWebhook", timeout=30)
        assert server.webhook is not None
        assert server.webhook["url"] == url
        assert server.webhook["secret_token"] == SECRET
        assert server.webhook["drop_pending_updates"] is False
        assert server.webhook["allowed_updates"] == [
            "message",
            "edited_message",
            "callback_query",
            "my_chat_member",
        ]
        server.note_update()
        without = post_update(url, server.factory.message(KARI, "/start"), None)
        wrong = post_update(url, server.factory.message(KARI, "/start"), SECRET[:-1] + "y")
        not_an_update = post_update(url, b'{"hello": "world"}', SECRET)
        not_json = post_update(url, b"<html>", SECRET)
        time.sleep(1.0)  # anything processed would have been answered by now
        refused_rows = inbox_rows(tmp_path)
        refused_replies = server.calls("sendMessage", KARI.id)

        accepted = post_update(url, server.factory.message(KARI, "/start"), SECRET)
        server.wait_for("sendMessage", chat_id=KARI.id, timeout=30)
        health = http_get(f"http://127.0.0.1:{port}/healthz")
        assert bot.poll() is None
    log = (tmp_path / "rekobot.log").read_text()

    assert without[0] == 401 and wrong[0] == 401
    assert not_an_update[0] == 400 and not_json[0] == 400
    assert refused_rows == 0 and refused_replies == []
    assert accepted == (200, b'{"ok": true}')
    assert health == (200, {"ok": True})
    assert "(webhook)" in log and "Traceback" not in log
    assert SECRET not in log


def _slow_first_blocker_answer() -> Callable[[Call], float]:
    held: list[Call] = []

    def latency(call: Call) -> float:
        if call.method == "sendMessage" and call.chat_id == BLOCKER.id and not held:
            held.append(call)
            return HOLD
        return 0.0

    return latency


def test_two_hundred_updates_survive_a_kill_after_their_200s_each_answered_once(
    tmp_path: Path,
) -> None:
    """Half are answered before the kill, half only stored; the kill finds one in hand."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    first_half, second_half = CUSTOMERS[:100], CUSTOMERS[100:]
    with BotApiServer(lifetime=240, latency=_slow_first_blocker_answer()) as server:
        with running(tmp_path, server.url, server.file_url, **webhook_settings(port)) as first:
            server.wait_for("setWebhook", timeout=30)
            updates = {c.id: server.factory.message(c, "hei") for c in CUSTOMERS}
            blocker = server.factory.message(BLOCKER, "hei")
            with ThreadPoolExecutor(8) as pool:
                statuses = list(
                    pool.map(lambda c: post_update(url, updates[c.id], SECRET)[0], first_half)
                )
                assert _wait_until(lambda: all(server.messages(c.id) for c in first_half), 60), (
                    "the first half was not answered"
                )
                server.note_update()
                statuses.append(post_update(url, blocker, SECRET)[0])
                server.wait_for("sendMessage", chat_id=BLOCKER.id, timeout=30)  # held
                held_at = time.monotonic()
                statuses += pool.map(
                    lambda c: post_update(url, updates[c.id], SECRET)[0], second_half
                )
            first.send_signal(signal.SIGKILL)  # right after the last 200
            posted_in = time.monotonic() - held_at
            first.wait(timeout=10)
            answered_at_kill = sum(1 for c in CUSTOMERS if server.messages(c.id))
        first_log = (tmp_path / "rekobot.log").read_text()

        with running(tmp_path, server.url, server.file_url, **webhook_settings(port)) as second:
            _wait_until(lambda: all(server.messages(c.id) for c in CUSTOMERS), 120)
            time.sleep(1.0)  # anything sent twice would come now
        second_log = (tmp_path / "rekobot.log").read_text()

    answers = {c.id: len(server.calls("sendMessage", c.id)) for c in CUSTOMERS}
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as db:
        stored, done = db.execute("SELECT COUNT(*), COUNT(done_at) FROM inbox").fetchone()
    figures = (
        f"answered at the kill {answered_at_kill} of 200, second half posted in "
        f"{posted_in:.2f}s, answers {sum(answers.values())}, "
        f"unanswered {sum(1 for n in answers.values() if n == 0)}, "
        f"answered twice {sum(1 for n in answers.values() if n > 1)}"
    )
    print(figures)

    assert statuses == [200] * 201
    assert first.returncode == -signal.SIGKILL, first_log
    assert posted_in < HOLD, f"the bot finished the held update before the kill: {figures}"
    assert answered_at_kill == 100, figures
    assert answers == {c.id: 1 for c in CUSTOMERS}, figures
    assert (stored, done) == (201, 201)
    assert "left from the last run" in second_log
    assert second.returncode == 0, second_log


def test_back_to_polling_deletes_the_webhook_first(tmp_path: Path) -> None:
    port = free_port()
    with BotApiServer(lifetime=120) as server:
        with running(tmp_path, server.url, server.file_url, **webhook_settings(port)):
            server.wait_for("setWebhook", timeout=30)
        assert server.webhook is not None  # a stop keeps it: Telegram holds updates meanwhile
        with running(tmp_path, server.url, server.file_url) as bot:
            server.push_message(KARI, "/start")
            server.wait_for("sendMessage", chat_id=KARI.id, timeout=30)
            assert bot.poll() is None
        calls = [call.method for call in server.calls() if "Webhook" in call.method]

    assert server.webhook is None
    assert calls == ["setWebhook", "deleteWebhook"]


def test_a_webhook_url_without_a_secret_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="required when REKOBOT_WEBHOOK_URL is set"):
        Settings(_env_file=None, token=TOKEN, webhook_url="https://bot.example.org/telegram")
    with pytest.raises(ValidationError, match="1 to 256 letters"):
        Settings(_env_file=None, webhook_url="https://b.example/t", webhook_secret="a b")

    done = rekobot(tmp_path, "run", token=TOKEN, webhook_url="https://bot.example.org/hook")

    assert done.returncode == 2
    assert "REKOBOT_WEBHOOK_SECRET" in done.stderr
    assert "required when REKOBOT_WEBHOOK_URL is set" in done.stderr
    assert "Traceback" not in done.stderr
