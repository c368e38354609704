"""A database file rekobot cannot run on: run, migrate and demo-data say so, and exit.

Each case is a real ``python -m rekobot`` process with a time limit: the failure this guards
against is a process that printed the SQLite error and then never exited (aiosqlite's
connection thread kept it alive), so a supervisor never restarted it and nobody was told.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rekobot.demo import seed
from storage.faults import DatabaseUnusable
from storage.sqlite import SqliteDatabase
from tests.conftest import TOKEN, MovableClock
from tests.engines import sqlite_only
from tests.process import rekobot_env

pytestmark = sqlite_only

#: The rule is an answer within 5 s; on an idle machine it takes well under one. The bound is
#: generous for a loaded test machine: what it catches is a process that never ends.
LIMIT_S = 20.0
COMMANDS = ("run", "migrate", "demo-data")
#: Nothing listens here: the database must be refused before Telegram is ever asked.
NOWHERE = "http://127.0.0.1:9/bot"
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good database holding the demo ring, made once for the module."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"

    async def make() -> None:
        db = await SqliteDatabase(path).connect()
        try:
            await seed(db, MovableClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC)))
        finally:
            await db.close()

    asyncio.run(make())
    return path


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder read-only for this process, also when the tests run as root.

    Root ignores permission bits, so for root the file is made immutable instead.
    """
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip(f"root needs chattr +i to make {path.name} read-only: {made.stderr!r}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def offers_page(path: Path) -> tuple[int, int]:
    """(page size, number of the page) of the b-tree page holding the offers."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'offers'").fetchone()
    conn.close()
    return size, root[0]


def not_a_database(path: Path, stack: ExitStack) -> None:
    path.write_bytes(b"Pickup list for Thursday: eggs, bread, honey.\n" * 100)


def truncated(path: Path, stack: ExitStack) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def eight_bytes_overwritten(path: Path, stack: ExitStack) -> None:
    """Overwrite the first four cell pointers of the offers page: it still opens fine."""
    size, page = offers_page(path)
    with path.open("r+b") as file:
        file.seek((page - 1) * size)
        assert file.read(1) == b"\x0d", "the offers page should be a table leaf"
        file.seek((page - 1) * size + 8)
        file.write(b"\xff" * 8)


def read_only_file(path: Path, stack: ExitStack) -> None:
    stack.enter_context(read_only(path))


def read_only_folder(path: Path, stack: ExitStack) -> None:
    stack.enter_context(read_only(path.parent))


@dataclass(frozen=True)
class Case:
    """One way to spoil the demo database, and what the operator must be told."""

    spoil: Callable[[Path, ExitStack], None]
    says: str


CASES = {
    "not a database": Case(not_a_database, "is not a SQLite database"),
    "truncated": Case(truncated, "is damaged"),
    "eight bytes overwritten": Case(eight_bytes_overwritten, "is damaged"),
    "read-only file": Case(read_only_file, "is read-only"),
    "read-only folder": Case(read_only_folder, "is not writable"),
}


@dataclass(frozen=True)
class Outcome:
    """How one command ended."""

    command: str
    code: int
    stderr: str
    seconds: float


def run_commands(tmp_path: Path, database: Path) -> list[Outcome]:
    """Run every command on the file in turn, each bounded by LIMIT_S.

    In turn, not at once: they take the database's instance lock, so a second command beside
    a first would be refused for that reason instead of for the file.
    """
    env = rekobot_env(tmp_path, database=str(database), token=TOKEN, api_base_url=NOWHERE)
    outcomes = []
    for command in COMMANDS:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "rekobot", command],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _out, err = process.communicate(timeout=LIMIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"rekobot {command} did not exit within {LIMIT_S:.0f}s: it hangs")
        outcomes.append(Outcome(command, process.returncode, err, time.monotonic() - started))
    return outcomes


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_command_refuses_the_file_in_one_paragraph_and_exits(
    tmp_path: Path, demo_file: Path, case: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "rekobot.sqlite3"
    shutil.copy(demo_file, database)
    with ExitStack() as stack:
        CASES[case].spoil(database, stack)
        before = hashlib.sha256(database.read_bytes()).hexdigest()
        outcomes = run_commands(tmp_path, database)
        after = hashlib.sha256(database.read_bytes()).hexdigest()

    for outcome in outcomes:
        lines = outcome.stderr.splitlines()
        told = [line for line in lines if line.startswith("rekobot: ")]
        assert outcome.code == 3, f"{outcome.command}: exit {outcome.code}\n{outcome.stderr}"
        assert "Traceback" not in outcome.stderr, f"{outcome.command}:\n{outcome.stderr}"
        assert len(told) == 1, f"{outcome.command} should say it once:\n{outcome.stderr}"
        # One paragraph: besides it, only the log lines of `run` (which start with a time).
        assert [line for line in lines if line not in told and not LOG_LINE.match(line)] == []
        assert str(database) in told[0] and CASES[case].says in told[0], told[0]
        assert outcome.seconds < LIMIT_S
    assert after == before, "a refused file must be left exactly as it was"


def test_a_missing_folder_is_named_and_not_created(tmp_path: Path) -> None:
    database = tmp_path / "no such folder" / "rekobot.sqlite3"
    for outcome in run_commands(tmp_path, database):
        assert outcome.code == 3, outcome.stderr
        assert "Traceback" not in outcome.stderr
        assert f"The folder {database.parent} for the database" in outcome.stderr
    assert not database.parent.exists()


async def test_a_file_that_fails_to_open_leaves_no_connection_thread_behind(
    tmp_path: Path, demo_file: Path
) -> None:
    """The root of the hang: each aiosqlite connection runs a non-daemon thread."""
    before = set(threading.enumerate())
    for name, case in CASES.items():
        if "read-only" in name:
            continue  # refused before SQLite is asked: no thread to leave
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(demo_file, path)
        with ExitStack() as stack:
            case.spoil(path, stack)
        with pytest.raises(DatabaseUnusable, match=case.says):
            await SqliteDatabase(path).connect()
    left = [thread for thread in threading.enumerate() if thread not in before]
    for thread in left:
        thread.join(timeout=5)  # a stopped connection's thread ends a moment after close
    assert [thread for thread in left if thread.is_alive()] == []
