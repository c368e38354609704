"""Moving a ring's SQLite file to PostgreSQL: every row arrives, or nothing is committed.

Each test needs both engines whichever one the suite runs on: a SQLite file in tmp_path, the
source, and a fresh PostgreSQL database, the target.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from rekobot.models.running import OpenQuestion
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import questions
from storage.copy import CopyFailed, CopyRefused, copy_to_postgres
from storage.instance_lock import DatabaseInUse, InstanceLock
from storage.postgres import PostgresAddress
from tests import engines
from tests.conftest import ADMIN_ID, TOKEN, MovableClock, World, build_world
from tests.process import rekobot

needs_postgres = pytest.mark.skipif(
    not engines.ON_POSTGRES,
    reason="needs a PostgreSQL server: set REKOBOT_TEST_POSTGRES to its URL",
)

ALICE = 1001
BOB = 1002
CAROL = 1003


@dataclass
class Source:
    """The populated SQLite file and what was put in it."""

    path: Path
    world: World
    order_ids: list[int]


def settings_on(database: Path | PostgresAddress) -> Settings:
    """Settings on one of the two databases."""
    return Settings(
        _env_file=None,
        token=TOKEN,
        database=database,
        admin_ids=frozenset({ADMIN_ID}),
        default_locale="nb",
    )


async def customer(services: Services, user_id: int, name: str) -> None:
    """Register a customer in the test ring."""
    await services.members.register(user_id=user_id, first_name=name, language_code="nb")
    await services.members.join(user_id, "testby")


async def order(services: Services, user_id: int, world: World, **items: int) -> int:
    """Fill the customer's cart and check out; return the order's id."""
    for key, quantity in items.items():
        await services.carts.add(user_id, world.offer_ids[key], quantity)
    cart = await services.carts.view(user_id, world.pickup_id)
    result = await services.ordering.checkout(user_id, world.pickup_id, cart.version)
    return result.order.id


@pytest.fixture
async def source(tmp_path: Path, clock: MovableClock) -> Source:
    """A ring's file: two orders (with their deliveries), an open cart and an open question."""
    path = tmp_path / "rekobot.sqlite3"  # where tests/process.py points REKOBOT_DATABASE
    services = Services.create(settings_on(path), clock=clock)
    await services.open()
    try:
        world = await build_world(services, clock)
        await customer(services, ALICE, "Kari")
        await customer(services, BOB, "Ola")
        order_ids = [
            await order(services, ALICE, world, potatoes=2, bread=1),
            await order(services, BOB, world, eggs=1),
        ]
        await services.carts.add(BOB, world.offer_ids["carrots"], 3)  # not confirmed yet
        await questions.put(
            services.db,
            OpenQuestion(
                user_id=ALICE,
                kind="comment",
                ring_id=world.ring_id,
                target_id=order_ids[0],
                asking="text",
                draft="{}",
                token=7,
            ),
            clock(),
        )
    finally:
        await services.close()
    return Source(path, world, order_ids)


@pytest.fixture
async def target() -> AsyncIterator[PostgresAddress]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    address = await engines.fresh_postgres()
    yield address
    await engines.drop_postgres(address)


def sqlite_counts(path: Path) -> dict[str, int]:
    """Every table of the file (SQLite's own aside) and its rows."""
    with sqlite3.connect(path) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            )
        ]
        return {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in names}


async def postgres_counts(address: PostgresAddress) -> dict[str, int]:
    """Every table of the public schema and its rows."""
    conn = await asyncpg.connect(address.url)
    try:
        names = [
            row[0]
            for row in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        return {name: await conn.fetchval(f"SELECT COUNT(*) FROM {name}") for name in names}
    finally:
        await conn.close()


@needs_postgres
async def test_every_table_is_copied_and_every_count_matches(
    source: Source, target: PostgresAddress
) -> None:
    counts = await copy_to_postgres(source.path, target)

    expected = sqlite_counts(source.path)
    assert {c.table: c.sqlite for c in counts} == expected
    assert all(c.matches for c in counts)
    assert expected["orders"] == 2 and expected["cart_items"] >= 1  # BOB's carrots
    assert expected["deliveries"] > 0 and expected["questions"] == 1
    copied = await postgres_counts(target)
    assert {name: copied[name] for name in expected} == expected
    # Every referenced table went in before the tables referring to it.
    order = [c.table for c in counts]
    assert order.index("rings") < order.index("pickups") < order.index("offers")
    assert order.index("orders") < order.index("order_lines")


@needs_postgres
async def test_services_on_postgresql_see_the_copied_ring_and_number_on_after_it(
    source: Source, target: PostgresAddress, clock: MovableClock
) -> None:
    before = Services.create(settings_on(source.path), clock=clock)
    await before.open()
    try:
        alice_before = await before.ordering.orders(ALICE)
        bob_cart_before = await before.carts.view(BOB, source.world.pickup_id)
    finally:
        await before.close()

    await copy_to_postgres(source.path, target)

    after = Services.create(settings_on(target), clock=clock)
    await after.open()
    try:
        alice = await after.ordering.orders(ALICE)
        assert [(o.id, o.number, o.total, o.status) for o in alice] == [
            (o.id, o.number, o.total, o.status) for o in alice_before
        ]
        assert alice[0].total == 2 * 6000 + 8900
        bob_cart = await after.carts.view(BOB, source.world.pickup_id)
        # BOB's cart changes his order: his eggs, and the carrots not yet confirmed.
        assert bob_cart.total == bob_cart_before.total == 7500 + 3 * 3500
        assert bob_cart.editing_order_number == bob_cart_before.editing_order_number == 2
        question = await questions.get(after.db, ALICE)
        assert question is not None and question.target_id == source.order_ids[0]
        # A new customer's order: the sequences were moved past the copied ids.
        await customer(after, CAROL, "Siri")
        new_id = await order(after, CAROL, source.world, potatoes=1)
        assert new_id > max(source.order_ids)
        new_order = await after.ordering.order(CAROL, new_id)
        assert new_order.number == 3
    finally:
        await after.close()


@needs_postgres
async def test_a_name_sqlite_kept_as_bytes_arrives_as_text(
    source: Source, target: PostgresAddress
) -> None:
    # SQLite never refuses a value: a TEXT column keeps a BLOB a BLOB, which COPY refuses.
    with sqlite3.connect(source.path) as file:
        file.execute("UPDATE users SET last_name = CAST('Nordmann' AS BLOB) WHERE id = ?", (ALICE,))

    await copy_to_postgres(source.path, target)

    conn = await asyncpg.connect(target.url)
    try:
        names = await conn.fetch("SELECT id, last_name FROM users ORDER BY id")
    finally:
        await conn.close()
    assert (ALICE, "Nordmann") in [tuple(row) for row in names]


@needs_postgres
async def test_a_target_holding_rows_is_refused_and_left_unchanged(
    source: Source, target: PostgresAddress
) -> None:
    await copy_to_postgres(source.path, target)
    held = await postgres_counts(target)

    with pytest.raises(CopyRefused, match="is not empty: it has rows in"):
        await copy_to_postgres(source.path, target)

    assert await postgres_counts(target) == held


@needs_postgres
async def test_a_target_with_tables_of_another_program_is_refused_unchanged(
    source: Source, target: PostgresAddress
) -> None:
    conn = await asyncpg.connect(target.url)
    try:
        await conn.execute("CREATE TABLE invoices (id BIGINT PRIMARY KEY)")
    finally:
        await conn.close()

    with pytest.raises(CopyRefused, match=r"tables rekobot does not know \(public.invoices\)"):
        await copy_to_postgres(source.path, target)

    counts = await postgres_counts(target)
    assert counts.pop("invoices") == 0
    assert counts.pop("rekobot_schema") == 1
    assert set(counts.values()) == {0}


@needs_postgres
async def test_rows_lost_on_the_way_roll_the_whole_copy_back(
    source: Source, target: PostgresAddress
) -> None:
    # A trigger that silently drops every cart line: COPY succeeds, the counts do not.
    conn = await asyncpg.connect(target.url)
    try:
        await conn.execute(
            "CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NULL; END $$"
        )
        await conn.execute(
            "CREATE TRIGGER lose_cart_items BEFORE INSERT ON cart_items "
            "FOR EACH ROW EXECUTE FUNCTION drop_row()"
        )
    finally:
        await conn.close()

    with pytest.raises(CopyFailed, match="The row counts differ in cart_items") as failed:
        await copy_to_postgres(source.path, target)

    assert [c.table for c in failed.value.counts if not c.matches] == ["cart_items"]
    counts = await postgres_counts(target)
    assert counts.pop("rekobot_schema") == 1
    assert set(counts.values()) == {0}, "nothing may be committed"


@needs_postgres
async def test_a_batch_postgresql_refuses_rolls_the_whole_copy_back(
    source: Source, target: PostgresAddress
) -> None:
    conn = await asyncpg.connect(target.url)
    try:
        await conn.execute(
            "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no space left on device'; END $$"
        )
        await conn.execute(
            "CREATE TRIGGER refuse_order_lines BEFORE INSERT ON order_lines "
            "FOR EACH ROW EXECUTE FUNCTION refuse_row()"
        )
    finally:
        await conn.close()

    with pytest.raises(CopyFailed, match="Copying table order_lines failed after 0 rows"):
        await copy_to_postgres(source.path, target)

    counts = await postgres_counts(target)
    assert counts.pop("rekobot_schema") == 1
    assert set(counts.values()) == {0}, "the tables copied before it are rolled back too"


@needs_postgres
async def test_a_file_a_bot_runs_on_is_not_copied(source: Source, target: PostgresAddress) -> None:
    with InstanceLock(source.path), pytest.raises(DatabaseInUse):
        await copy_to_postgres(source.path, target)

    assert set((await postgres_counts(target)).values()) == {0, 1}


@needs_postgres
async def test_the_command_prints_the_counts_and_refuses_a_second_copy(
    source: Source, target: PostgresAddress, tmp_path: Path
) -> None:
    done = rekobot(tmp_path, "copy-to-postgres", target.url)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.split() == ["orders", "2", "2"] for line in lines), done.stdout
    assert any(line.split() == ["cart_items", "2", "2"] for line in lines), done.stdout
    expected = sqlite_counts(source.path)
    summary = f"Every count matches: {sum(expected.values()):,} rows in {len(expected)} tables"
    assert summary in done.stdout

    again = rekobot(tmp_path, "copy-to-postgres", target.url)

    assert again.returncode == 1
    assert "is not empty" in again.stderr


def test_the_command_refuses_an_address_that_is_not_postgresql(tmp_path: Path) -> None:
    done = rekobot(tmp_path, "copy-to-postgres", "/var/lib/rekobot/other.sqlite3")

    assert done.returncode == 2
    assert "is not a PostgreSQL URL" in done.stderr
    assert not (tmp_path / "rekobot.sqlite3").exists(), "nothing is created"


def test_the_command_refuses_when_the_database_already_is_postgresql(tmp_path: Path) -> None:
    url = "postgresql://rekobot@127.0.0.1:1/rekobot"
    done = rekobot(tmp_path, "copy-to-postgres", url, database=url)

    assert done.returncode == 3
    assert "works on a SQLite file, and REKOBOT_DATABASE is PostgreSQL" in done.stderr
