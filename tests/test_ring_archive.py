"""An operator archives a ring (hidden, no sweeps, data kept), brings it back, or deletes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from rekobot.demo import seed
from rekobot.errors import NotAllowed, NotArchived
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage.migrations import load_migrations
from storage.sqlite import SqliteDatabase
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.engines import dangling_references
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.test_admin_chat import admin_bot, app_of, last
from tests.test_reminders import KARI, OLA, WEDNESDAY_19_00_OSLO, order

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="nb")


async def sweep_deliveries(services: Services) -> int:
    """How many digests and reminders the outbox holds."""
    async with services.db.read() as tx:
        value = await tx.scalar(
            "SELECT COUNT(*) FROM deliveries WHERE kind = 'digest' OR kind LIKE 'reminder_%'"
        )
    return int(value)


async def archive_in_chat(bot: BotDriver, ring_name: str) -> str:
    """The operator archives a ring from its menu; return what they were told."""
    await bot.send(ANNE, "/admin")
    await bot.press(ANNE, ring_name)
    await bot.press(ANNE, "Arkiver denne ringen")
    await bot.press(ANNE, "Ja, arkiver")
    return last(bot, ANNE)


async def open_archived(bot: BotDriver, ring_name: str) -> None:
    """The operator opens an archived ring from /admin."""
    await bot.send(ANNE, "/admin")
    await bot.press(ANNE, "Arkiverte ringer (1)")
    await bot.press(ANNE, ring_name)


async def test_an_archived_ring_is_hidden_and_its_pickups_get_no_digest_or_reminder(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await order(services, world, KARI, potatoes=1)
        archived = await archive_in_chat(bot, "REKO Testby")
        await bot.send(OLA, "/start")
        stranger = last(bot, OLA)
        await bot.send(KARI, "/start")
        member = last(bot, KARI)
        await bot.send(OLA, "/start testby")
        by_link = last(bot, OLA)
        async with services.db.read() as tx:
            audit = await tx.fetchall("SELECT ring_id, user_id, action FROM audit_log")

        clock.now = WEDNESDAY_19_00_OSLO  # past the deadline, the evening reminder is due
        queued_while_archived = await services.digests.send_due()
        queued_while_archived += await services.reminders.run_due()
        outbox_while_archived = await sweep_deliveries(services)

        await open_archived(bot, "REKO Testby")
        await bot.press(ANNE, "Hent den tilbake")
        back = last(bot, ANNE)
        queued_when_back = await services.digests.send_due() + await services.reminders.run_due()

    assert archived.startswith("🗄 Ringen er arkivert.\n🗄 REKO Testby (arkivert)")
    assert stranger.startswith("Det finnes ingen REKO-ringer her ennå.")
    assert member.startswith("Det finnes ingen REKO-ringer her ennå.")
    assert by_link.startswith("Det finnes ingen REKO-ring som heter «testby».")
    assert (world.ring_id, ADMIN_ID, "ring.archived") in [tuple(row) for row in audit]
    assert queued_while_archived == 0 and outbox_while_archived == 0
    assert back.startswith("✅ REKO Testby er tilbake: kundene ser den igjen.")
    assert queued_when_back > 0  # the order and the pickup were kept


async def test_an_archived_ring_is_deleted_only_after_its_code_is_typed_back(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await order(services, world, KARI, potatoes=2, bread=1)
        await archive_in_chat(bot, "REKO Testby")
        await open_archived(bot, "REKO Testby")
        await bot.press(ANNE, "Slett for godt")
        warning, question = bot.texts(ANNE)[-2:]
        await bot.send(ANNE, "testbyen")
        wrong = last(bot, ANNE)
        kept = await services.ring_archive.ring(ADMIN_ID, world.ring_id)
        await bot.send(ANNE, "TESTBY")
        deleted = last(bot, ANNE)
        buttons = str(bot.buttons(ANNE))
        async with services.db.read() as tx:
            counts = {
                table: await tx.scalar(f"SELECT COUNT(*) FROM {table}")
                for table in (
                    "rings",
                    "locations",
                    "pickups",
                    "offers",
                    "orders",
                    "order_lines",
                    "carts",
                    "memberships",
                    "producer_rings",
                    "producers",
                    "products",
                )
            }
            problems = await dangling_references(services.db, tx)
            audit = await tx.fetchall("SELECT ring_id, user_id, action, detail FROM audit_log")
            kari = await tx.fetchone("SELECT current_ring_id FROM users WHERE id = ?", (KARI.id,))

    assert warning.startswith("🗑 Slette REKO Testby for godt?")
    assert "For å bekrefte, skriv ringens lenkekode: testby" in warning
    assert question.startswith("Skriv ringens lenkekode for å slette den")
    assert wrong.startswith("Det er ikke lenkekoden til denne ringen. Skriv testby for å slette")
    assert kept.archived
    assert deleted == "🗑 REKO Testby er slettet."
    assert "Alle ringer" in buttons
    assert counts == {
        "rings": 0,
        "locations": 0,
        "pickups": 0,
        "offers": 0,
        "orders": 0,
        "order_lines": 0,
        "carts": 0,
        "memberships": 0,
        "producer_rings": 0,
        "producers": 2,  # real producers belong to their owners and may join another ring
        "products": 4,
    }
    assert problems == []
    assert kari is not None and kari["current_ring_id"] is None
    entries = [(row["ring_id"], row["user_id"], row["action"]) for row in audit]
    assert entries == [(None, ADMIN_ID, "ring.deleted")]  # the ring's own entries went with it
    detail = json.loads(audit[0]["detail"])
    assert (detail["ring_id"], detail["slug"], detail["name"]) == (1, "testby", "REKO Testby")
    assert detail["orders"] == 1


async def test_a_ring_must_be_archived_first_and_only_operators_archive(
    services: Services, world: World
) -> None:
    with pytest.raises(NotArchived):
        await services.ring_archive.delete(ADMIN_ID, world.ring_id, "testby")
    with pytest.raises(NotAllowed):
        await services.ring_archive.set_archived(KARI.id, world.ring_id, True)
    await services.ring_archive.set_archived(ADMIN_ID, world.ring_id, True)
    with pytest.raises(NotAllowed):
        await services.ring_archive.delete(KARI.id, world.ring_id, "testby")
    assert (await services.ring_archive.ring(ADMIN_ID, world.ring_id)).archived


async def test_deleting_the_demo_ring_takes_its_made_up_producers_along(
    services: Services, clock: MovableClock, world: World
) -> None:
    await seed(services.db, clock, force=True)
    async with services.db.read() as tx:
        demo_id = await tx.scalar("SELECT id FROM rings WHERE slug = 'nittedal'")
    await services.ring_archive.set_archived(ADMIN_ID, demo_id, True)
    await services.ring_archive.delete(ADMIN_ID, demo_id, "nittedal")
    async with services.db.read() as tx:
        owners = await tx.fetchall("SELECT DISTINCT owner_user_id FROM producers ORDER BY 1")
        made_up = await tx.scalar("SELECT COUNT(*) FROM users WHERE id < 0")
        slugs = await tx.fetchall("SELECT slug FROM rings")
        problems = await dangling_references(services.db, tx)

    assert [row[0] for row in owners] == [500, 501]  # the test ring's real producers stay
    assert made_up == 0
    assert [row[0] for row in slugs] == ["testby"]
    assert problems == []


async def test_an_old_database_with_demo_data_stops_sending_to_the_made_up_producers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # as the first release left it, demo data and all
        conn.executescript(load_migrations()[0].sql)
        conn.execute("PRAGMA user_version = 1")
        conn.executemany(
            "INSERT INTO users (id, first_name, created_at) VALUES (?, ?, ?)",
            [(-101, "Berg Gård", "2025-01-01T00:00:00+00:00"), (1001, "Kari", "2025-01-01")],
        )
        conn.execute(
            "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
            "VALUES ('nittedal', 'REKO Nittedal', 'Europe/Oslo', 'nb', 'NOK', '2025-01-01')"
        )
    db = await SqliteDatabase(path).connect()
    try:
        users = await db.fetchall("SELECT id, unreachable_at IS NOT NULL FROM users ORDER BY id")
        archived = await db.fetchone("SELECT archived_at FROM rings")
    finally:
        await db.close()

    assert [tuple(row) for row in users] == [(-101, 1), (1001, 0)]
    assert archived is not None and archived[0] is None
