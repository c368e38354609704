"""Three `rekobot run` workers on one PostgreSQL database, with Telegram played by the tests.

Updates are posted to the workers in turn, as a load balancer would spread them; each worker
stores what it is given and any worker may process it. One of them leads: it alone sweeps and
sends the outbox. Each test prints its figures (run with ``-s`` to see them).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from handlers.outbox import MAX_IN_FLIGHT
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage.postgres import PostgresAddress
from tests import engines
from tests.conftest import ADMIN_ID, TOKEN
from tests.fakes.calls import Call
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import rekobot
from tests.worker_pool import Workers, in_parallel, kill, query, three_workers, wait_until

pytestmark = pytest.mark.skipif(
    not engines.ON_POSTGRES,
    reason="several workers share one database only on PostgreSQL: set REKOBOT_TEST_POSTGRES "
    "to a server's URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) to run them",
)

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", "nb")
PLACED = "er mottatt"  # "✅ Bestilling #12 er mottatt", the head of the confirmation
SOLD_OUT = "ble Rugbrød utsolgt"  # "Mens du handlet, ble Rugbrød utsolgt."
CONFIRM = "Ja, send bestillingen"
BROADCAST = "Dugnad på lørdag: ta med arbeidshansker!"


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database with the demo ring, for the workers to share."""
    address = asyncio.run(engines.fresh_postgres())
    yield address.url
    asyncio.run(engines.drop_postgres(address))


def demo_ring(tmp_path: Path, database: str) -> None:
    done = rekobot(tmp_path, "demo-data", database=database)
    assert done.returncode == 0, done.stderr


def customers(first: int, count: int) -> list[TgUser]:
    return [TgUser(first + n, f"Kunde{n}", None, f"kunde{first + n}", "nb") for n in range(count)]


async def _join(database: str, people: list[TgUser], rye_bread_in_cart: bool) -> None:
    """Each joins the demo ring (and, if asked, puts one rye bread in the cart)."""
    services = Services.create(
        Settings(_env_file=None, token=TOKEN, database=PostgresAddress(database))
    )
    await services.open()
    try:
        for person in people:
            await services.members.register(
                user_id=person.id, first_name=person.first_name, language_code="nb"
            )
            await services.members.join(person.id, "nittedal")
            if rye_bread_in_cart:
                _ring, pickups = await services.shop.open_pickups(person.id)
                offers = await services.shop.offers(person.id, pickups[0].id)
                bread = next(offer for offer in offers if offer.product.name == "Rugbrød")
                await services.carts.add(person.id, bread.id, 1)
    finally:
        await services.close()


def join(database: str, people: list[TgUser], *, rye_bread_in_cart: bool = False) -> None:
    asyncio.run(_join(database, people, rye_bread_in_cart))


def assert_every_update_processed_once(pool: Workers) -> tuple[int, int]:
    """Every stored update is done, each started exactly once; return (updates, starts)."""
    rows = query(pool.database, "SELECT done_at IS NOT NULL AS done, attempts FROM inbox")
    assert rows and all(row["done"] for row in rows), "an update is still pending"
    assert {row["attempts"] for row in rows} == {1}, "an update was started twice"
    return len(rows), sum(row["attempts"] for row in rows)


def test_fifty_customers_check_out_ten_rye_breads_at_once_and_ten_get_one(
    tmp_path: Path, shared_database: str
) -> None:
    people = customers(20_000, 50)
    demo_ring(tmp_path, shared_database)
    query(
        shared_database,
        "UPDATE offers SET quantity_total = 10 "
        "WHERE product_id = (SELECT id FROM products WHERE name = 'Rugbrød')",
    )
    join(shared_database, people, rye_bread_in_cart=True)
    with (
        BotApiServer(lifetime=300) as server,
        three_workers(tmp_path, server, shared_database) as pool,
    ):
        # Each step of a customer goes to another worker than the step before.
        in_parallel([partial(pool.send, person, "/cart", n % 3) for n, person in enumerate(people)])
        in_parallel(
            [partial(pool.tap, person, "Til kassen", n + 1) for n, person in enumerate(people)]
        )
        taps = [pool.tap_update(person, CONFIRM) for person in people]
        began = time.monotonic()
        statuses = in_parallel(
            [partial(pool.post, tap, n + 2) for n, tap in enumerate(taps)], threads=50
        )

        def told(person: TgUser) -> str | None:
            for text in reversed(server.texts(person.id)):
                if PLACED in text or SOLD_OUT in text:
                    return "placed" if PLACED in text else "sold out"
            return None

        assert wait_until(lambda: all(told(p) for p in people)), pool.logs()
        took = time.monotonic() - began
        time.sleep(1.0)  # a second answer to anyone would come now
        outcomes = [told(person) for person in people]
        confirmations = [
            sum(PLACED in text for text in server.texts(person.id)) for person in people
        ]
        updates, starts = assert_every_update_processed_once(pool)
        logs = pool.logs()
    sold = query(
        shared_database,
        "SELECT o.quantity_reserved, COALESCE(SUM(l.quantity), 0) AS ordered, "
        "COUNT(DISTINCT r.user_id) AS buyers "
        "FROM offers o JOIN products p ON p.id = o.product_id "
        "LEFT JOIN order_lines l ON l.offer_id = o.id "
        "LEFT JOIN orders r ON r.id = l.order_id AND r.status = 'placed' "
        "WHERE p.name = 'Rugbrød' GROUP BY o.id, o.quantity_reserved ORDER BY ordered DESC",
    )[0]
    print(
        f"\n50 concurrent checkouts for 10 rye breads on three workers: "
        f"{outcomes.count('placed')} placed, {outcomes.count('sold out')} told sold out, "
        f"answered in {took:.2f}s ({len(people) / took:.1f} checkouts/s); "
        f"{updates} updates, {starts} starts"
    )

    assert statuses == [200] * len(people)
    assert outcomes.count("placed") == 10 and outcomes.count("sold out") == 40
    assert sorted(confirmations) == [0] * 40 + [1] * 10
    assert (sold["quantity_reserved"], sold["ordered"], sold["buyers"]) == (10, 10, 10)
    assert "Traceback" not in logs


def test_a_question_asked_by_one_worker_is_answered_through_another(
    tmp_path: Path, shared_database: str
) -> None:
    kari = customers(30_000, 1)[0]
    demo_ring(tmp_path, shared_database)
    join(shared_database, [kari])
    with (
        BotApiServer(lifetime=240) as server,
        three_workers(tmp_path, server, shared_database) as pool,
    ):
        pool.send(kari, "/shop", 0)
        pool.tap(kari, lambda label: " · " in label, 1)  # the first pickup
        pool.tap(kari, "Berg Gård", 2)
        pool.tap(kari, "🧑‍🌾 Om produsenten", 0)
        # Worker 0 must be done with that tap before it is paused: stopped while it holds the
        # chat's lock, it would keep the page (and the question's button) from ever coming.
        pool.wait_until_idle()
        # Only worker 1 runs while the question is asked, only worker 2 while it is answered.
        with pool.only(1):
            pool.tap(kari, "❓ Spør produsenten", 1)
            assert wait_until(lambda: any("Hva vil du spørre" in t for t in server.texts(kari.id)))
            pool.wait_until_idle()
        open_question = query(
            shared_database, "SELECT kind FROM questions WHERE user_id = $1", kari.id
        )
        with pool.only(2):
            pool.send(kari, "Har dere mandelpoteter neste uke?", 2)
            assert wait_until(
                lambda: any("Spørsmålet ditt er sendt til" in t for t in server.texts(kari.id))
            ), pool.logs()
            pool.wait_until_idle()
        asked = query(
            shared_database,
            "SELECT pq.text, p.name FROM producer_questions pq "
            "JOIN producers p ON p.id = pq.producer_id WHERE pq.customer_id = $1",
            kari.id,
        )
        still_open = query(shared_database, "SELECT 1 FROM questions WHERE user_id = $1", kari.id)
        assert_every_update_processed_once(pool)

    assert [row["kind"] for row in open_question] == ["cquestion"]
    assert [(row["text"], row["name"]) for row in asked] == [
        ("Har dere mandelpoteter neste uke?", "Berg Gård")
    ]
    assert still_open == []


def test_every_update_posted_to_any_worker_is_answered_once_in_order(
    tmp_path: Path, shared_database: str
) -> None:
    """Sixty people write three times each, each message to another worker, all at once."""
    people = customers(40_000, 60)
    with (
        BotApiServer(lifetime=240) as server,
        three_workers(tmp_path, server, shared_database) as pool,
    ):

        def conversation(n: int, person: TgUser) -> None:
            for step in range(3):  # each to the next worker, without waiting for the answer
                pool.send(person, f"hei {step}", n + step)

        in_parallel([partial(conversation, n, person) for n, person in enumerate(people)])
        assert wait_until(
            lambda: all(len(server.calls("sendMessage", p.id)) >= 3 for p in people)
        ), pool.logs()
        time.sleep(1.0)  # a second answer to anyone would come now
        answers = {p.id: len(server.calls("sendMessage", p.id)) for p in people}
        updates, starts = assert_every_update_processed_once(pool)
        logs = pool.logs()
    print(f"\n{updates} updates on three workers, {starts} starts, {sum(answers.values())} answers")

    assert answers == {p.id: 3 for p in people}
    assert updates == starts == 180
    assert "Traceback" not in logs


def asked(server: BotApiServer, user: TgUser, question: str) -> None:
    """Wait until the last thing shown to ``user`` asks ``question``."""
    assert wait_until(lambda: question in (server.texts(user.id) or [""])[-1]), server.texts(
        user.id
    )[-1:]


def _broadcast_call(call: Call) -> bool:
    return call.method.lower() == "sendmessage" and BROADCAST in str(call.params.get("text", ""))


def _latency(call: Call) -> float:
    return 0.05 if _broadcast_call(call) else 0.0


def test_the_leader_killed_during_a_broadcast_another_worker_finishes_it(
    tmp_path: Path, shared_database: str
) -> None:
    members = customers(50_000, 500)
    demo_ring(tmp_path, shared_database)
    join(shared_database, members)
    with (
        BotApiServer(lifetime=300, latency=_latency) as server,
        three_workers(tmp_path, server, shared_database) as pool,
    ):
        leader = pool.leader()
        pool.send(ANNE, "/admin")
        pool.tap(ANNE, "REKO Nittedal")
        pool.tap(ANNE, "Send melding")
        pool.send(ANNE, BROADCAST)  # processed after the tap: one chat's updates keep order
        asked(server, ANNE, "legge ved et bilde")
        pool.tap(ANNE, "Hopp over")  # no photo
        asked(server, ANNE, "som kartnål")
        pool.tap(ANNE, "Hopp over")  # no map pin
        asked(server, ANNE, "Hvem skal få den?")
        pool.tap(ANNE, "Alle medlemmer")
        pool.tap(ANNE, "Forhåndsvis")
        pool.tap(ANNE, "Send den")

        def sent() -> list[Call]:
            return [call for call in server.calls() if _broadcast_call(call)]

        assert wait_until(lambda: len(sent()) >= 150), pool.logs()
        killed_at = kill(leader)
        at_kill = len(sent())
        assert wait_until(lambda: any(c.at > killed_at for c in sent()), 30), pool.logs()
        takeover = min(c.at for c in sent() if c.at > killed_at) - killed_at
        assert wait_until(lambda: {c.chat_id for c in sent()} >= {m.id for m in members}, 120), (
            pool.logs()
        )
        time.sleep(1.0)  # anything sent twice would come now
        copies = {m.id: [c for c in sent() if c.chat_id == m.id] for m in members}
        new_leader = pool.leader()
        logs = pool.logs()
    twice = {chat: calls for chat, calls in copies.items() if len(calls) > 1}
    duplicates = sum(len(calls) - 1 for calls in twice.values())
    released = [int(n) for n in re.findall(r"outbox: (\d+) deliveries were in flight", logs)]
    print(
        f"\nleader (worker {leader.number}) SIGKILLed after {at_kill} of 500 messages: "
        f"worker {new_leader.number} sent the next message {takeover:.2f}s after the kill; "
        f"duplicates {duplicates} (in flight at the kill, requeued: {released}), "
        f"missed {sum(1 for calls in copies.values() if not calls)}"
    )

    assert new_leader is not leader
    assert all(copies.values()), "a member never got the broadcast"
    assert released and duplicates <= released[-1] <= MAX_IN_FLIGHT
    # A duplicate is a message the killed leader had on the wire: its first copy went
    # before the kill, unrecorded, and the new leader sent it again.
    assert all(calls[0].at < killed_at < calls[1].at for calls in twice.values())
    assert takeover < 10.0
    assert "leads now" in new_leader.log()
