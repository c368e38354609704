"""Benchmark: a broadcast to many members through the outbox, with a kill in the middle.

Two parts, both against a fake Bot API that answers each call after 30–80 ms:

1. In process: the real application (with PTB's AIORateLimiter) and the outbox sender send a
   broadcast to N members at the configured rate. At a random point the sender is killed
   (its task and every request in flight are cancelled, nothing more is written), a new
   application starts on the same database file, and it finishes the broadcast.
   Reported: the achieved rate as a share of the configured one, calls over Telegram's limits
   (over 30 a second overall, two messages to one private chat within a second, over 20 a
   minute to a group), and after the kill the recipients who got it twice or never.
2. As processes (skip with --no-process): ``rekobot run`` against the loopback Bot API
   server; SIGKILL at a random point and a restart, then SIGTERM at a random point and a
   restart. Same figures.

    python benchmarks/broadcast.py                      # 10,000 members at 25/s (~7 min)
    python benchmarks/broadcast.py --members 1000 --rate 30 --process-members 300
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.outbox import OutboxSender  # noqa: E402
from rekobot.app import build_application  # noqa: E402
from rekobot.services.broadcasts import BroadcastDraft  # noqa: E402
from rekobot.services.registry import Services  # noqa: E402
from rekobot.services.rings_admin import RingDraft  # noqa: E402
from rekobot.settings import Settings  # noqa: E402
from tests.fakes.calls import Call  # noqa: E402
from tests.fakes.request import RecordingRequest  # noqa: E402
from tests.fakes.server import BotApiServer  # noqa: E402

TOKEN = "123456789:AAHbenchTOKENbenchTOKENbenchTOKEN12"
ADMIN = 77
FIRST_MEMBER = 100_000
OVERALL_LIMIT = 30  # messages a second
GROUP_LIMIT = 20  # messages a minute


@dataclass
class Figures:
    """What one run measured."""

    label: str
    members: int
    rate: float
    achieved: list[float]
    over_limits: int
    duplicates: int
    misses: int
    in_flight_at_kill: int
    seconds: float

    def show(self) -> None:
        """Print the figures."""
        shares = ", ".join(f"{r:.2f}/s = {r / self.rate:.1%}" for r in self.achieved)
        print(f"\n== {self.label}")
        print(f"members               {self.members}")
        print(f"configured rate       {self.rate:g} messages/s")
        print(f"achieved rate         {shares or '-'}  (per stretch between stops)")
        print(f"calls over limits     {self.over_limits}")
        print(f"in flight at the kill {self.in_flight_at_kill}")
        print(f"duplicates            {self.duplicates}")
        print(f"misses                {self.misses}")
        print(f"wall time             {self.seconds:.0f} s")


def over_limits(calls: Iterable[Call]) -> int:
    """Count calls that broke Telegram's limits: 30/s overall, 1/s a chat, 20/min a group."""
    ordered = sorted(calls, key=lambda call: call.at)
    times = [call.at for call in ordered]
    broken = 0
    for index, at in enumerate(times):
        if index - bisect.bisect_right(times, at - 1.0) + 1 > OVERALL_LIMIT:
            broken += 1
    per_chat: dict[object, list[float]] = defaultdict(list)
    for call in ordered:
        if call.chat_id is not None and call.method.lower().startswith("send"):
            per_chat[call.chat_id].append(call.at)
    for chat, stamps in per_chat.items():
        if isinstance(chat, int) and chat > 0:
            broken += sum(1 for a, b in itertools.pairwise(stamps) if b - a < 1.0)
        else:
            broken += sum(
                1
                for i, at in enumerate(stamps)
                if i - bisect.bisect_right(stamps, at - 60.0) + 1 > GROUP_LIMIT
            )
    return broken


def rate_of(stamps: list[float]) -> float:
    """Messages a second over a stretch of sends."""
    if len(stamps) < 2:
        return 0.0
    return (len(stamps) - 1) / (max(stamps) - min(stamps))


def tally(calls: list[Call], marker: str, members: list[int]) -> tuple[int, int]:
    """(recipients who got the broadcast more than once, recipients who never got it)."""
    got = Counter(
        call.chat_id
        for call in calls
        if call.ok and call.method.lower() == "sendmessage" and marker in (call.text or "")
    )
    return sum(1 for m in members if got[m] > 1), sum(1 for m in members if got[m] == 0)


async def populate(services: Services, members: int) -> tuple[int, list[int]]:
    """A ring with an admin and ``members`` members; return its id and the member ids."""
    ids = list(range(FIRST_MEMBER, FIRST_MEMBER + members))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    await services.members.register(user_id=ADMIN, first_name="Admin")
    ring = await services.ring_admin.create_ring(ADMIN, RingDraft(name="REKO Bench", slug="bench"))
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, language_code, created_at) VALUES (?, ?, 'nb', ?)",
            [(uid, f"Member {uid}", now) for uid in ids],
        )
        await tx.executemany(
            "INSERT INTO memberships (ring_id, user_id, joined_at) VALUES (?, ?, ?)",
            [(ring.id, uid, now) for uid in ids],
        )
    return ring.id, ids


async def in_process(members: int, rate: float, latency: tuple[float, float], seed: int) -> Figures:
    """Part 1: the application in this process, killed once at a random point."""
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="rekobot-bench-"))
    settings = Settings(
        _env_file=None,
        token=TOKEN,
        database=folder / "bench.sqlite3",
        admin_ids=frozenset({ADMIN}),
    )
    request = RecordingRequest(latency=latency, seed=seed)
    application = build_application(settings, request=request)
    await application.initialize()
    services = application.services
    ring_id, ids = await populate(services, members)
    marker = "Bench broadcast"
    progress = await application.bot.send_message(ADMIN, "…")
    _broadcast, count = await services.broadcasts.send(
        ADMIN,
        ring_id,
        BroadcastDraft(text=f"{marker}: pickup moved to Saturday"),
        progress=(ADMIN, progress.message_id),
    )
    started = time.monotonic()
    sender = OutboxSender(application.bot, services, rate=rate)
    task = asyncio.create_task(sender.run(lambda: True))
    await asyncio.sleep(rng.uniform(0.2, 0.8) * count / rate)
    task.cancel()  # the kill: requests in flight are abandoned, nothing more is recorded
    await asyncio.gather(task, return_exceptions=True)
    killed_at = time.monotonic()
    row = await services.db.fetchone("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'")
    in_flight = int(row[0]) if row else 0
    await services.db.close()  # no clean shutdown, as after a kill

    restarted = build_application(settings, request=request)
    await restarted.initialize()
    await OutboxSender(restarted.bot, restarted.services, rate=rate).drain()
    await restarted.shutdown()
    calls = request.calls()
    stamps = [
        call.at
        for call in calls
        if call.method.lower() == "sendmessage" and marker in (call.text or "")
    ]
    duplicates, misses = tally(calls, marker, ids)
    return Figures(
        label="in process: kill (task cancelled) at a random point, restart",
        members=members,
        rate=rate,
        achieved=[
            rate_of([s for s in stamps if s < killed_at]),
            rate_of([s for s in stamps if s >= killed_at]),
        ],
        over_limits=over_limits(calls),
        duplicates=duplicates,
        misses=misses,
        in_flight_at_kill=in_flight,
        seconds=time.monotonic() - started,
    )


def open_rows(database: Path) -> int:
    """Deliveries still to go, read from the file like an operator would."""
    with sqlite3.connect(database, timeout=10) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return int(row[0])


def start_bot(folder: Path, server: BotApiServer, rate: float) -> subprocess.Popen[bytes]:
    """Start ``rekobot run`` against the loopback server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REKOBOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        NO_PROXY="127.0.0.1,localhost",
        REKOBOT_TOKEN=TOKEN,
        REKOBOT_DATABASE=str(folder / "bench.sqlite3"),
        REKOBOT_API_BASE_URL=server.url,
        REKOBOT_API_FILE_URL=server.file_url,
        REKOBOT_OUTBOX_RATE=str(min(rate, 30)),
        REKOBOT_SWEEP_INTERVAL="1",
        REKOBOT_ADMIN_IDS=str(ADMIN),
        REKOBOT_LOG_LEVEL="WARNING",
    )
    log = (folder / "bot.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "rekobot", "run"], cwd=folder, env=env, stdout=log, stderr=log
    )


def wait_for(predicate: object, timeout: float, what: str) -> None:
    """Poll until ``predicate()`` is true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


def as_processes(
    members: int, rate: float, latency: tuple[float, float], seed: int
) -> list[Figures]:
    """Part 2: ``rekobot run`` processes, stopped with SIGKILL and with SIGTERM."""
    rng = random.Random(seed + 1)
    rate = min(rate, 30)
    folder = Path(tempfile.mkdtemp(prefix="rekobot-bench-proc-"))
    settings = Settings(
        _env_file=None,
        token=TOKEN,
        database=folder / "bench.sqlite3",
        admin_ids=frozenset({ADMIN}),
    )

    async def prepare() -> tuple[int, list[int]]:
        services = Services.create(settings)
        await services.open()
        try:
            return await populate(services, members)
        finally:
            await services.close()

    async def queue(marker: str, ring_id: int) -> None:
        services = Services.create(settings)
        await services.open()
        try:
            await services.broadcasts.send(ADMIN, ring_id, BroadcastDraft(text=f"{marker}!"))
        finally:
            await services.close()

    ring_id, ids = asyncio.run(prepare())
    results = []
    with BotApiServer(latency=latency, lifetime=3600) as server:
        for how in (signal.SIGKILL, signal.SIGTERM):
            marker = f"Process broadcast {how.name}"
            asyncio.run(queue(marker, ring_id))
            started = time.monotonic()
            mark = server.mark()
            bot = start_bot(folder, server, rate)
            stop_after = int(rng.uniform(0.2, 0.8) * members)

            def sent(marker: str = marker, mark: int = mark) -> int:
                return sum(1 for c in server.calls_since(mark) if c.ok and marker in (c.text or ""))

            wait_for(lambda n=stop_after: sent() >= n, 120 + 3 * members / rate, "sends")
            bot.send_signal(how)
            bot.wait(timeout=60)
            stopped_at = time.monotonic()
            with sqlite3.connect(folder / "bench.sqlite3", timeout=10) as conn:
                row = conn.execute(
                    "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"
                ).fetchone()
            in_flight = int(row[0])
            bot = start_bot(folder, server, rate)
            wait_for(
                lambda: open_rows(folder / "bench.sqlite3") == 0,
                120 + 3 * members / rate,
                "the outbox to drain",
            )
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=60)
            calls = server.calls_since(mark)
            stamps = [c.at for c in calls if c.ok and marker in (c.text or "")]
            duplicates, misses = tally(calls, marker, ids)
            results.append(
                Figures(
                    label=f"processes: rekobot run stopped with {how.name}, then restarted",
                    members=members,
                    rate=rate,
                    achieved=[
                        rate_of([s for s in stamps if s < stopped_at]),
                        rate_of([s for s in stamps if s >= stopped_at]),
                    ],
                    over_limits=over_limits(calls),
                    duplicates=duplicates,
                    misses=misses,
                    in_flight_at_kill=in_flight,
                    seconds=time.monotonic() - started,
                )
            )
    return results


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="recipients (10,000)")
    parser.add_argument("--rate", type=float, default=25.0, help="messages a second (25)")
    parser.add_argument(
        "--latency", type=float, nargs=2, default=(0.03, 0.08), help="seconds a call takes"
    )
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--process-members", type=int, default=600)
    parser.add_argument("--no-process", action="store_true", help="skip the process part")
    args = parser.parse_args()
    print(
        f"seed {args.seed}; Telegram's limits: {OVERALL_LIMIT}/s overall, 1/s a chat, "
        f"{GROUP_LIMIT}/min a group"
    )
    latency = (args.latency[0], args.latency[1])
    asyncio.run(in_process(args.members, args.rate, latency, args.seed)).show()
    if not args.no_process:
        for figures in as_processes(args.process_members, args.rate, latency, args.seed):
            figures.show()


if __name__ == "__main__":
    main()
