"""Running the real `rekobot` command as a process, as an operator would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent


def rekobot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """An environment with no REKOBOT_* of the machine, a test database and the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REKOBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["REKOBOT_DATABASE"] = str(tmp_path / "rekobot.sqlite3")
    env.update({f"REKOBOT_{key.upper()}": value for key, value in settings.items()})
    return env


def rekobot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run `rekobot ARGS` to completion in an empty folder (so no .env is read)."""
    return subprocess.run(
        [sys.executable, "-m", "rekobot", *args],
        cwd=tmp_path,
        env=rekobot_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def running(
    tmp_path: Path, api_url: str, file_url: str, **settings: str
) -> Iterator[subprocess.Popen[str]]:
    """Run `rekobot run` against a Bot API server until the block ends, then SIGTERM it."""
    env = rekobot_env(
        tmp_path, token=TOKEN, api_base_url=api_url, api_file_url=file_url, **settings
    )
    log = (tmp_path / "rekobot.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "rekobot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
