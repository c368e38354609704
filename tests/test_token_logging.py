"""The bot token never reaches the log: not in a line, not in a traceback, on any path.

Telegram puts the token in every URL, httpx logs URLs at DEBUG, and PTB quotes the token in the
text of ``InvalidToken`` when Telegram answers 401. Each path is run for real and the whole
output is searched for the token, its URL-encoded form, its bot id and its secret part.
"""

from __future__ import annotations

import asyncio
import io
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from rekobot.app import build_application
from rekobot.logs import REDACTED, RedactingFormatter, setup_logging
from rekobot.settings import TOKEN_HELP, Settings
from tests.conftest import TOKEN
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import rekobot, running
from tests.test_startup import serving_in_process

KARI = TgUser(4242, "Kari", "Nordmann", "kari", language_code="nb")
BOT_ID, SECRET = TOKEN.split(":")
HELP_START = TOKEN_HELP.split("(")[0]


def assert_no_token(output: str) -> None:
    """Fail when any form of the token is in the output."""
    assert output.strip(), "nothing was logged: the test would prove nothing"
    # The bot id alone is public (TOKEN_HELP's example even starts with it); next to a
    # separator, or in a URL, it is the token.
    for form in (TOKEN, SECRET, SECRET[:12], f"{BOT_ID}%3A", f"bot{BOT_ID}", f"{BOT_ID}:AAHt"):
        where = output.find(form)
        assert where < 0, f"{form!r} is in the log: ...{output[max(0, where - 300) : where + 100]}"


def wait_for_exit(bot: subprocess.Popen[str], timeout: float = 60) -> int:
    """Wait until the bot process stops by itself; return its exit status."""
    try:
        return bot.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("the bot kept running after Telegram refused its token")


def wait_for_log(
    tmp_path: Path, text: str, bot: subprocess.Popen[str], timeout: float = 60
) -> None:
    """Wait until the bot's log says ``text``."""
    deadline = time.monotonic() + timeout
    while text not in (tmp_path / "rekobot.log").read_text():
        assert time.monotonic() < deadline, f"the bot never logged {text!r}"
        time.sleep(0.2)


def test_a_refused_token_at_start_up_stops_with_the_help_and_no_traceback(
    tmp_path: Path,
) -> None:
    with (
        BotApiServer(lifetime=90, token="987654321:another-bot-entirely-xxxxxxxxxxxxx") as server,
        running(tmp_path, server.url, server.file_url, log_level="DEBUG") as bot,
    ):
        status = wait_for_exit(bot)
    log = (tmp_path / "rekobot.log").read_text()

    assert status == 2
    assert HELP_START in log and "Telegram refused it" in log
    assert "Traceback" not in log
    assert_no_token(log)


def test_a_token_revoked_while_polling_is_logged_without_leaking_it(tmp_path: Path) -> None:
    with (
        BotApiServer(lifetime=90) as server,
        running(tmp_path, server.url, server.file_url) as bot,
    ):
        server.push_message(KARI, "/start")
        server.wait_for("sendMessage", chat_id=KARI.id, timeout=30)
        server.fail(401, "Unauthorized", times=None)  # @BotFather revoked it just now
        # The poller stops the bot: it cannot do anything useful without its token.
        status = wait_for_exit(bot)
    log = (tmp_path / "rekobot.log").read_text()

    assert status == 2
    assert "Telegram refused the bot token" in log and HELP_START in log
    assert "Traceback" not in log
    assert_no_token(log)


def test_dropped_connections_are_survived_and_logged_without_the_token(tmp_path: Path) -> None:
    with (
        BotApiServer(lifetime=90) as server,
        running(tmp_path, server.url, server.file_url, log_level="DEBUG") as bot,
    ):
        server.wait_for("setMyCommands", timeout=30)
        server.time_out(method="getUpdates", times=2)
        server.time_out(method="sendMessage", times=1)
        server.push_message(KARI, "/start")
        greeting = server.wait_for(
            lambda call: call.method == "sendMessage" and call.ok, chat_id=KARI.id, timeout=60
        )
        assert bot.poll() is None
    log = (tmp_path / "rekobot.log").read_text()

    assert greeting
    assert "HTTP Request: POST" in log and f"/bot{REDACTED}/getMe" in log  # httpx at DEBUG
    assert_no_token(log)


def test_a_bad_token_on_the_command_line_is_not_echoed(tmp_path: Path) -> None:
    result = rekobot(tmp_path, "run", token="123456789:short")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "short" not in result.stderr


@pytest.fixture
def captured(settings: Settings) -> Iterator[io.StringIO]:
    """Everything the bot logs, httpx and httpcore at DEBUG included, into a string."""
    stream = io.StringIO()
    debug = settings.model_copy(update={"log_level": "DEBUG"})
    setup_logging(debug, stream)
    for name in ("httpx", "httpcore", "telegram", "rekobot"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)
    sys.excepthook, threading.excepthook = sys.__excepthook__, threading.__excepthook__


async def test_every_path_in_process_at_debug_keeps_the_token_out(
    settings: Settings, captured: io.StringIO
) -> None:
    with BotApiServer(lifetime=90) as server:
        async with serving_in_process(settings, server, KARI) as (local, serving):
            server.time_out(method="sendMessage", times=1)  # the connection drops
            server.fail(502, "Bad Gateway", method="sendMessage", times=1)
            server.fail(401, "Unauthorized", method="sendMessage", times=1)
            for _ in range(3):
                server.push_message(KARI, "hei")
            deadline = time.monotonic() + 30
            while len(server.calls("sendMessage", chat_id=KARI.id)) < 4:
                assert time.monotonic() < deadline, "the bot stopped answering"
                assert not serving.done(), "the bot stopped serving"
                await asyncio.sleep(0.1)
        refused = build_application(local)
        server.token = "987654321:another-bot-entirely-xxxxxxxxxxxxx"
        try:
            await refused.initialize()  # PTB quotes the token in this InvalidToken
        except InvalidToken as error:
            # Any code path that logs it wrapped, with its chained traceback.
            logging.getLogger("rekobot").error("start-up failed", exc_info=RuntimeError(error))
            logging.getLogger("rekobot").exception("start-up failed", exc_info=error)
        else:
            pytest.fail("the bot started with a token the server refuses")
        finally:
            await refused.services.close()
    output = captured.getvalue()

    assert "HTTP Request: POST" in output
    assert output.count("start-up failed") == 2 and f"token `{REDACTED}`" in output
    assert "Unauthorized" in output  # the 401 of a send was logged, without the token
    assert_no_token(output)


def test_the_formatter_redacts_exception_text_and_tracebacks() -> None:
    formatter = RedactingFormatter(TOKEN)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected; url /bot{BOT_ID}%3A{SECRET}/getMe")
    except RuntimeError as error:
        record = logging.LogRecord(
            "telegram",
            logging.ERROR,
            __file__,
            1,
            "failed: %s",
            (SECRET,),
            (type(error), error, None),
        )
    line = formatter.format(record)
    assert "RuntimeError" in line and line.count(REDACTED) == 3
    assert_no_token(line)


def test_uncaught_exceptions_go_through_the_redaction(captured: io.StringIO) -> None:
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/getMe failed")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    output = captured.getvalue()

    assert "Traceback" in output and f"/bot{REDACTED}/getMe" in output
    assert_no_token(output)
