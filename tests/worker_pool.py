"""Three real `rekobot run` workers in webhook mode on one PostgreSQL database, for process tests.

Each worker listens on a port of its own; the test plays Telegram and posts every update to
the workers in turn, as a load balancer in front of them would. The fake Bot API server
(tests/fakes/server.py) answers their calls and records what each user was sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import asyncpg

from storage.locks import CHAT_LOCKS
from tests.conftest import ADMIN_ID
from tests.fakes.calls import JSON, ButtonQuery
from tests.fakes.server import BotApiServer, post_update
from tests.fakes.updates import TgUser
from tests.process import running

SECRET = "workers-" + "s" * 40
#: Seconds a step of a test may take on a loaded two-core machine.
WAIT = 60.0


def free_port() -> int:
    """A port nothing listens on (a worker binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition_met: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll until the condition holds; False when ``timeout`` came first."""
    deadline = time.monotonic() + timeout
    while not condition_met():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def health(port: int) -> tuple[int, dict[str, Any]]:
    """GET /healthz of a worker: (status, body), or (0, {}) while it does not listen yet."""
    try:
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except HTTPError as error:
        return int(error.code), json.loads(error.read())
    except (URLError, ConnectionError):
        return 0, {}


def query(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Run one statement on the shared database and return its rows."""

    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass
class Worker:
    """One `rekobot run` process and where it listens."""

    number: int
    port: int
    process: subprocess.Popen[str]
    folder: Path

    @property
    def url(self) -> str:
        """Where it takes Telegram's POSTs."""
        return f"http://127.0.0.1:{self.port}/telegram"

    def log(self) -> str:
        """What it logged so far."""
        return (self.folder / "rekobot.log").read_text()


class Workers:
    """The running workers, and Telegram's side: posting updates to them in turn."""

    def __init__(self, server: BotApiServer, workers: list[Worker], database: str) -> None:
        self.server = server
        self.workers = workers
        self.database = database
        self._turn = itertools.count()

    def post(self, update: JSON, worker: int | None = None) -> int:
        """POST one update to the given worker, or to the next in turn; return the status."""
        number = next(self._turn) % len(self.workers) if worker is None else worker
        target = self.workers[number % len(self.workers)]
        self.server.note_update()
        status, _body = post_update(target.url, update, SECRET, timeout=30)
        return status

    def send(self, user: TgUser, text: str, worker: int | None = None) -> JSON:
        """``user`` types ``text`` (or a /command); return the update."""
        update = self.server.factory.message(user, text)
        assert self.post(update, worker) == 200
        return update

    def tap(self, user: TgUser, button: ButtonQuery, worker: int | None = None) -> JSON:
        """``user`` taps a button of the latest keyboard in their chat, once it is there."""
        update = self.tap_update(user, button)
        assert self.post(update, worker) == 200
        return update

    def tap_update(self, user: TgUser, button: ButtonQuery) -> JSON:
        """The update of ``user`` tapping a button, waiting up to ``WAIT`` for the button."""
        found: list[tuple[JSON, str]] = []

        def shown() -> bool:
            try:
                found.append(self.server.find_button(user.id, button))
            except AssertionError:
                return False
            return True

        if not wait_until(shown):
            self.server.find_button(user.id, button)  # raises, naming what the chat shows
        message, data = found[-1]
        return self.server.factory.callback(user, data, message=message)

    @contextmanager
    def only(self, number: int) -> Iterator[None]:
        """Pause every worker but one (SIGSTOP) for the block, so that one does the work."""
        paused = [w for w in self.workers if w.number != number and w.process.poll() is None]
        for worker in paused:
            worker.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            for worker in paused:
                worker.process.send_signal(signal.SIGCONT)

    def wait_until_idle(self) -> None:
        """Wait until every update is done and no worker holds a chat's lock."""

        def idle() -> bool:
            pending = query(self.database, "SELECT 1 FROM inbox WHERE done_at IS NULL LIMIT 1")
            held = query(
                self.database,
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 "
                "AND objsubid = 2",
                CHAT_LOCKS,
            )
            return not pending and not held

        assert wait_until(idle), self.logs()

    def leader(self) -> Worker:
        """The worker that holds the lead now, as the ``leadership`` row names it."""
        rows: list[asyncpg.Record] = []

        def named() -> bool:
            rows[:] = query(self.database, "SELECT worker FROM leadership")
            return bool(rows)

        assert wait_until(named), "no worker was elected leader"
        pid = int(str(rows[0]["worker"]).rsplit(":", 1)[1])
        return next(w for w in self.workers if w.process.pid == pid)

    def logs(self) -> str:
        """Every worker's log, one after the other."""
        return "\n".join(f"--- worker {w.number}\n{w.log()}" for w in self.workers)


@contextmanager
def three_workers(
    tmp_path: Path, server: BotApiServer, database: str, **settings: str
) -> Iterator[Workers]:
    """Start three workers in webhook mode on ``database``; SIGTERM them when the block ends."""
    ports = [free_port() for _ in range(3)]
    with ExitStack() as stack:
        workers: list[Worker] = []
        for number, port in enumerate(ports):
            folder = tmp_path / f"worker{number}"
            folder.mkdir()
            process = stack.enter_context(
                running(
                    folder,
                    server.url,
                    server.file_url,
                    database=database,
                    admin_ids=str(ADMIN_ID),
                    # One public address for all of them, as behind a load balancer.
                    webhook_url=f"http://127.0.0.1:{ports[0]}/telegram",
                    webhook_secret=SECRET,
                    webhook_listen=f"127.0.0.1:{port}",
                    sweep_interval="2",
                    **settings,
                )
            )
            workers.append(Worker(number, port, process, folder))
        pool = Workers(server, workers, database)
        for worker in workers:
            assert wait_until(partial(_healthy, worker.port)), pool.logs()
        yield pool


def _healthy(port: int) -> bool:
    return health(port)[0] == 200


def kill(worker: Worker) -> float:
    """SIGKILL a worker; return ``time.monotonic()`` of the kill."""
    worker.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    worker.process.wait(timeout=10)
    return killed_at


def in_parallel(work: Sequence[Callable[[], object]], threads: int = 16) -> list[object]:
    """Run the callables at once on a thread pool; return their results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda job: job(), work))
