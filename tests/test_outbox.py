"""The outbox sender: exactly once, in order, under Telegram's limits, through 429s and 403s."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from handlers.outbox import OutboxSender
from handlers.sweep import Sweeper
from rekobot.app import RekoApplication, build_application
from rekobot.models.messaging import Audience
from rekobot.services.outbox import CLAIM_LEASE, OutMessage, enqueue
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import broadcasts as broadcast_store
from storage import rings as ring_store
from storage import users as user_store
from tests.conftest import MovableClock
from tests.engines import sqlite_database
from tests.fakes.calls import Call
from tests.fakes.request import RecordingRequest

FIRST_USER = 2000


@dataclass
class Wire:
    """The fake Bot API, with the virtual time each call reached it."""

    request: RecordingRequest
    at: dict[int, float] = field(default_factory=dict)

    def sends(self, chat_id: int | None = None) -> list[Call]:
        """Messages Telegram accepted, oldest first."""
        return [
            call
            for call in self.request.calls(chat_id=chat_id, ok=True)
            if call.method.lower().startswith("send")
        ]


def virtual_sleep(clock: MovableClock) -> Callable[[float], object]:
    """A sleep that moves the test's clock instead of waiting."""

    async def sleep(seconds: float) -> None:
        clock.advance(microseconds=max(math.ceil(seconds * 1e6), 1))
        await asyncio.sleep(0)

    return sleep


@asynccontextmanager
async def outbox_bot(
    settings: Settings, clock: MovableClock, *, rate_limit: bool = True
) -> AsyncIterator[tuple[RekoApplication, Wire]]:
    """The real application over the fake Bot API, initialised (no polling)."""
    wire = Wire(RecordingRequest(clock=clock))
    wire.request.latency = lambda call: wire.at.setdefault(call.index, clock().timestamp()) * 0
    application = build_application(
        settings, request=wire.request, clock=clock, rate_limit=rate_limit
    )
    await application.initialize()
    try:
        yield application, wire
    finally:
        await application.shutdown()


def sender_for(application: RekoApplication, clock: MovableClock, **kwargs: float) -> OutboxSender:
    """A sender whose waits move the test's clock."""
    return OutboxSender(
        application.bot,
        application.services,
        clock=clock,
        sleep=virtual_sleep(clock),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


async def drain_all(application: RekoApplication, clock: MovableClock, **kwargs: float) -> None:
    """Send everything queued, bounded by real time.

    Waits move the virtual clock while sends take real time, so a bound in virtual seconds
    could run out on a busy machine before the queue is empty.
    """
    await asyncio.wait_for(sender_for(application, clock, **kwargs).drain(), timeout=60)


async def add_users(services: Services, clock: MovableClock, count: int) -> list[int]:
    """Create ``count`` users who have talked to the bot."""
    ids = list(range(FIRST_USER, FIRST_USER + count))
    async with services.db.transaction() as tx:
        for user_id in ids:
            await user_store.upsert_user(
                tx,
                user_id=user_id,
                first_name=f"User {user_id}",
                last_name=None,
                username=None,
                language_code="nb",
                now=clock(),
            )
    return ids


async def queue(
    services: Services, clock: MovableClock, chat_id: int, *texts: str, pin: bool = False
) -> None:
    """Queue one delivery of the given texts (and a map pin) for a chat."""
    messages = [OutMessage(text=text) for text in texts]
    if pin:
        messages.append(
            OutMessage(
                venue_latitude=60.05,
                venue_longitude=10.87,
                venue_title="Coop Extra",
                venue_address="Storgata 1",
            )
        )
    async with services.db.transaction() as tx:
        await enqueue(tx, chat_id=chat_id, kind="notice", messages=messages, now=clock())


async def statuses(services: Services) -> dict[int, str]:
    """Each delivery's status, by id."""
    rows = await services.db.fetchall("SELECT id, status FROM deliveries ORDER BY id")
    return {row["id"]: row["status"] for row in rows}


async def test_every_delivery_goes_out_once_in_order_through_flood_waits_and_blocks(
    settings: Settings, clock: MovableClock
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        users = await add_users(services, clock, 12)
        flooded, blocked = users[3], users[7]
        for user_id in users:
            await queue(services, clock, user_id, f"first for {user_id}", pin=True)
            await queue(services, clock, user_id, f"second for {user_id}")
        wire.request.rate_limit(flooded, retry_after=7, times=1)
        wire.request.rate_limit(users[5], retry_after=2, times=1, method="sendVenue")
        wire.request.block(blocked)

        await drain_all(application, clock)

        for user_id in users:
            texts = [call.text or call.method for call in wire.sends(user_id)]
            if user_id == blocked:
                assert texts == []
                continue
            assert texts == [f"first for {user_id}", "sendVenue", f"second for {user_id}"]
            times = [wire.at[call.index] for call in wire.sends(user_id)]
            assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
        refused = wire.request.calls(chat_id=flooded, ok=False)
        assert [call.status for call in refused] == [429]
        assert wire.at[wire.sends(flooded)[0].index] - wire.at[refused[0].index] >= 7
        final = await statuses(services)
        assert sorted(set(final.values())) == ["blocked", "sent"]
        assert list(final.values()).count("blocked") == 2
        user = await services.members.get_user(blocked)
        assert user is not None and user.unreachable
        attempts = await services.db.fetchall(
            "SELECT attempts FROM deliveries WHERE chat_id = ?", (flooded,)
        )
        assert [row["attempts"] for row in attempts] == [0, 0]  # a flood wait is no failure

        # From now on the blocked user is skipped without a call.
        before = len(wire.request.calls(chat_id=blocked))
        await queue(services, clock, blocked, "are you there?")
        await drain_all(application, clock)
        assert len(wire.request.calls(chat_id=blocked)) == before
        assert list((await statuses(services)).values())[-1] == "blocked"


async def test_the_overall_rate_is_kept_and_notes_jump_a_long_broadcast(
    settings: Settings, clock: MovableClock
) -> None:
    async with outbox_bot(settings, clock, rate_limit=False) as (application, wire):
        services = application.services
        users = await add_users(services, clock, 120)
        async with services.db.transaction() as tx:
            ring_id = await ring_store.create_ring(
                tx,
                slug="x",
                name="X",
                timezone="Europe/Oslo",
                locale="nb",
                currency="NOK",
                now=clock(),
            )
            broadcast_id = await broadcast_store.create_broadcast(
                tx,
                ring_id=ring_id,
                author_user_id=users[0],
                text="news",
                photo_file_id=None,
                location_id=None,
                audience=Audience.ALL,
                pickup_id=None,
                now=clock(),
            )
            for user_id in users[:100]:
                await enqueue(
                    tx,
                    chat_id=user_id,
                    kind="broadcast",
                    messages=[OutMessage(text=f"news for {user_id}")],
                    now=clock(),
                    broadcast_id=broadcast_id,
                )
        await queue(services, clock, users[110], "order note")

        await drain_all(application, clock, rate=20)

        sends = wire.sends()
        assert len(sends) == 101
        times = sorted(wire.at[call.index] for call in sends)
        span = times[-1] - times[0]
        assert 100 / 20 * 0.95 <= span <= 100 / 20 * 1.05
        for index, start in enumerate(times):  # on a grid: a late call may be one more
            assert sum(1 for t in times[index:] if t < start + 1.0) <= 20 + 1
        texts = [call.text for call in sends]
        assert texts.index("order note") < 5  # queued last, sent among the first
        texts.remove("order note")
        assert texts == [f"news for {u}" for u in users[:100]]


async def test_a_hard_kill_mid_broadcast_loses_nothing_and_repeats_only_what_was_in_flight(
    settings: Settings, clock: MovableClock
) -> None:
    async with outbox_bot(settings, clock, rate_limit=False) as (application, wire):
        services = application.services
        users = await add_users(services, clock, 60)
        for user_id in users:
            await queue(services, clock, user_id, f"hello {user_id}")
        reached = asyncio.Event()

        def latency(call: Call) -> float:
            if len(wire.sends()) >= 25:
                reached.set()
            return 0.01

        wire.request.latency = latency
        # Sends take real time here while waits move the virtual clock, so the bound on this
        # phase is the real 30 s below, not a virtual one.
        drain = asyncio.create_task(sender_for(application, clock).drain())
        waiting = asyncio.create_task(reached.wait())
        await asyncio.wait({drain, waiting}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert reached.is_set(), f"the sender stopped early: {drain}"
        drain.cancel()  # the process dies: nothing after this point is recorded
        await asyncio.gather(drain, return_exceptions=True)
        in_flight = {
            row["chat_id"]
            for row in await services.db.fetchall(
                "SELECT chat_id FROM deliveries WHERE status = 'sending'"
            )
        }

    wire.request.latency = None
    async with outbox_bot(settings, clock, rate_limit=False) as (restarted, wire_after):
        await drain_all(restarted, clock)

    for user_id in users:
        before = [c.text for c in wire.sends(user_id)]
        after = [c.text for c in wire_after.sends(user_id)]
        received = before + after
        assert received, f"user {user_id} never got the message"
        if len(received) > 1:
            assert user_id in in_flight and received == [f"hello {user_id}"] * 2
    assert len(in_flight) <= 8


async def test_a_stop_lets_requests_in_flight_finish_so_a_restart_repeats_nothing(
    settings: Settings, clock: MovableClock
) -> None:
    async with outbox_bot(settings, clock, rate_limit=False) as (application, wire):
        services = application.services
        users = await add_users(services, clock, 40)
        for user_id in users:
            await queue(services, clock, user_id, f"hello {user_id}", pin=True)
        wire.request.latency = lambda call: 0.02
        sender = sender_for(application, clock)
        await sender.run(lambda: len(wire.sends()) < 30)
        first = len(wire.sends())

    async with outbox_bot(settings, clock, rate_limit=False) as (restarted, wire_after):
        await drain_all(restarted, clock)

    assert 30 <= first < 80
    for user_id in users:
        received = [c.text or c.method for c in wire.sends(user_id) + wire_after.sends(user_id)]
        assert received == [f"hello {user_id}", "sendVenue"]


async def test_the_sweep_runs_every_piece_of_due_work_even_when_one_fails(
    settings: Settings, clock: MovableClock
) -> None:
    ran: list[str] = []

    async def broken() -> None:
        ran.append("broken")
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    async with outbox_bot(settings, clock, rate_limit=False) as (application, _wire):
        application.services.due_work[:] = [broken, fine]
        sweeper = Sweeper(application)
        await sweeper.tick()
        assert ran == ["broken", "fine"]
        assert sweeper.task is not None
        await sweeper.task  # the application is not running, so the sender stops at once


async def test_the_sweep_checkpoints_the_wal_its_due_work_wrote(
    settings: Settings, clock: MovableClock
) -> None:
    async with outbox_bot(settings, clock, rate_limit=False) as (application, _wire):
        db = application.services.db
        path = sqlite_database(db).path
        wal = path.with_name(path.name + "-wal")

        async def writes() -> None:
            async with db.transaction() as tx:
                await ring_store.create_ring(
                    tx,
                    slug="sweepby",
                    name="REKO Sweepby",
                    timezone="Europe/Oslo",
                    locale="nb",
                    currency="NOK",
                    now=clock(),
                )

        application.services.due_work[:] = [writes]
        sweeper = Sweeper(application)
        await sweeper.tick()
        assert sweeper.task is not None
        await sweeper.task
        emptied = wal.stat().st_size
        slugs = [row[0] for row in await db.fetchall("SELECT slug FROM rings")]
    assert emptied == 0  # the writer leaves the WAL to the sweep, which empties it
    assert "sweepby" in slugs


async def test_a_claim_a_dead_worker_left_is_sent_on_once_its_lease_ran_out(
    settings: Settings, clock: MovableClock
) -> None:
    """Another worker claimed a delivery, sent its first message and died: no restart of
    that worker releases its claim; the leader's sweep does, once the lease is over."""
    async with outbox_bot(settings, clock, rate_limit=False) as (application, wire):
        services = application.services
        [user] = await add_users(services, clock, 1)
        await queue(services, clock, user, "hello", "again")
        claimed = await services.deliveries.claim(1)  # the other worker's claim
        assert claimed is not None
        await services.deliveries.part_sent(claimed.id, 0, last=False)  # "hello" went out
        clock.advance(seconds=(CLAIM_LEASE - timedelta(seconds=1)).total_seconds())
        early = await services.deliveries.release_lapsed_claims()
        still = await statuses(services)
        clock.advance(seconds=2)
        late = await services.deliveries.release_lapsed_claims()
        await drain_all(application, clock)
        finally_ = await statuses(services)

    assert services.deliveries.release_lapsed_claims in services.due_work
    assert early == 0 and still == {1: "sending"}  # the lease runs from the last message sent
    assert late == 1 and finally_ == {1: "sent"}
    assert [call.text for call in wire.sends(user)] == ["again"]
