"""Backups and restores: a live copy keeps every committed order; a restore is checked and safe."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers import backup_job
from rekobot.app import build_application
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage.backup import (
    RestoreRefused,
    backup_name,
    check_database,
    restore_database,
    take_backup,
)
from storage.instance_lock import DatabaseInUse, InstanceLock
from storage.migrations import load_migrations
from tests.conftest import MovableClock, World
from tests.engines import sqlite_file, sqlite_only
from tests.fakes.request import RecordingRequest
from tests.fakes.server import BotApiServer
from tests.process import rekobot, running

pytestmark = sqlite_only

FIRST_CUSTOMER = 3000


def _order_ids(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM orders WHERE status = 'placed'")}


def _integrity(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]


def _alone(path: Path) -> bool:
    """Whether a database file stands alone (rollback journal mode, no WAL beside it)."""
    with sqlite3.connect(path) as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    return mode == "delete" and not Path(f"{path}-wal").exists()


async def test_a_backup_taken_during_checkouts_holds_every_order_committed_before_it(
    services: Services, world: World, settings: Settings, tmp_path: Path
) -> None:
    committed: list[int] = []  # order ids, in the order their checkout returned
    progress = asyncio.Condition()
    stop = asyncio.Event()

    async def checkouts() -> None:
        buyer = FIRST_CUSTOMER
        while not stop.is_set():
            await services.members.register(user_id=buyer, first_name="Kunde", language_code="nb")
            await services.members.join(buyer, "testby")
            await services.carts.add(buyer, world.offer_ids["carrots"], 1)
            cart = await services.carts.view(buyer, world.pickup_id)
            placed = await services.ordering.checkout(buyer, world.pickup_id, cart.version)
            async with progress:
                committed.append(placed.order.id)
                progress.notify_all()
            buyer += 1

    async def until(count: int) -> None:
        async with progress:
            await progress.wait_for(lambda: len(committed) >= count)

    stream = asyncio.create_task(checkouts())
    await until(20)
    before_backup = set(committed)
    path = await asyncio.to_thread(
        take_backup, sqlite_file(settings.database), tmp_path / "backups", datetime.now(UTC)
    )
    during_or_after = len(committed)
    await until(during_or_after + 20)  # the stream goes on after the copy
    stop.set()
    await stream
    await services.close()

    in_backup = _order_ids(path)
    restored = restore_database(path, sqlite_file(settings.database), datetime.now(UTC))
    in_restored = _order_ids(sqlite_file(settings.database))
    assert restored.kept_aside is not None
    kept_aside = _order_ids(restored.kept_aside)

    assert before_backup <= in_backup  # nothing committed before the copy began is missing
    assert in_backup <= set(committed)  # and nothing half-done is in it
    assert len(in_backup) < len(committed)  # it is a snapshot, not the final state
    assert in_restored == in_backup
    assert kept_aside == set(committed)  # the file set aside still has every later order
    assert _integrity(path) == ["ok"] and _integrity(sqlite_file(settings.database)) == ["ok"]
    assert _alone(path)


async def test_the_restored_file_is_what_the_bot_runs_on_afterwards(
    services: Services, world: World, settings: Settings, tmp_path: Path
) -> None:
    await services.members.register(user_id=FIRST_CUSTOMER, first_name="Kari")
    path = take_backup(sqlite_file(settings.database), tmp_path / "backups", datetime.now(UTC))
    await services.members.register(user_id=FIRST_CUSTOMER + 1, first_name="Ola")
    await services.close()

    restore_database(path, sqlite_file(settings.database), datetime.now(UTC))
    async with Services.create(settings).db as db:
        names = [row[0] for row in await db.fetchall("SELECT first_name FROM users ORDER BY id")]

    assert "Kari" in names and "Ola" not in names


def test_a_restore_after_a_killed_bot_sets_its_unsaved_writes_aside_with_the_old_file(
    tmp_path: Path, settings: Settings
) -> None:
    assert rekobot(tmp_path, "migrate").returncode == 0
    path = take_backup(sqlite_file(settings.database), tmp_path / "b", datetime.now(UTC))
    # A writer killed before it could checkpoint leaves its last commits in rekobot.sqlite3-wal.
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sqlite3, sys\n"
            "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "conn.execute('PRAGMA journal_mode=WAL')\n"
            "conn.execute('PRAGMA wal_autocheckpoint=0')\n"
            "for n in range(200):\n"
            "    conn.execute('INSERT INTO users (id, first_name, created_at)"
            " VALUES (?, ?, ?)', (n + 1, 'Sist', 'x'))\n"
            "os._exit(0)\n",
            str(sqlite_file(settings.database)),
        ],
        check=False,
    )
    wal_left = Path(f"{sqlite_file(settings.database)}-wal").stat().st_size

    restored = restore_database(path, sqlite_file(settings.database), datetime.now(UTC))

    assert killed.returncode == 0 and wal_left > 0
    assert restored.kept_aside is not None
    assert _integrity(sqlite_file(settings.database)) == ["ok"]
    with sqlite3.connect(sqlite_file(settings.database)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    with sqlite3.connect(restored.kept_aside) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 200


def test_restore_refuses_a_file_that_is_not_a_sound_rekobot_database(
    tmp_path: Path, settings: Settings
) -> None:
    assert rekobot(tmp_path, "migrate").returncode == 0
    current = sqlite_file(settings.database).read_bytes()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all\n" * 100)
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    newer = tmp_path / "newer.sqlite3"
    take_backup(sqlite_file(settings.database), tmp_path, datetime.now(UTC)).rename(newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")

    refusals = {
        name: rekobot(tmp_path, "restore", str(tmp_path / name))
        for name in ("garbage.sqlite3", "foreign.sqlite3", "newer.sqlite3", "missing.sqlite3")
    }

    assert "is not a SQLite database" in refusals["garbage.sqlite3"].stderr
    assert "is not a rekobot database" in refusals["foreign.sqlite3"].stderr
    assert "newer rekobot" in refusals["newer.sqlite3"].stderr
    assert "does not exist" in refusals["missing.sqlite3"].stderr
    for result in refusals.values():
        assert result.returncode == 1 and "Traceback" not in result.stderr
    assert sqlite_file(settings.database).read_bytes() == current  # untouched
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_restore_refuses_while_the_bot_runs_and_backup_works_meanwhile(tmp_path: Path) -> None:
    assert rekobot(tmp_path, "demo-data").returncode == 0
    with (
        BotApiServer(lifetime=120) as server,
        running(tmp_path, server.url, server.file_url) as bot,
    ):
        server.wait_for("deleteWebhook", timeout=60)
        backed_up = rekobot(tmp_path, "backup", str(tmp_path / "live"))
        copies = list((tmp_path / "live").glob("rekobot-*.sqlite3"))
        restore = rekobot(tmp_path, "restore", str(copies[0])) if copies else None
        alive = bot.poll() is None

    assert backed_up.returncode == 0, backed_up.stderr
    assert "integrity check ok" in backed_up.stdout
    assert len(copies) == 1 and _integrity(copies[0]) == ["ok"]
    assert restore is not None and restore.returncode != 0
    assert f"(pid {bot.pid}) is already running" in restore.stderr
    assert alive
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rings WHERE slug = 'nittedal'").fetchone()[0]


def test_a_backup_is_named_by_the_utc_time_it_was_taken() -> None:
    oslo = datetime(2026, 12, 1, 4, 5, 6, tzinfo=ZoneInfo("Europe/Oslo"))
    assert backup_name(oslo) == "rekobot-20261201-030506.sqlite3"


def test_check_passes_a_migrated_database_and_fails_a_damaged_one(tmp_path: Path) -> None:
    before = rekobot(tmp_path, "check")
    assert rekobot(tmp_path, "demo-data").returncode == 0
    sound = rekobot(tmp_path, "check")
    quick = rekobot(tmp_path, "check", "--quick")
    database = tmp_path / "rekobot.sqlite3"
    data = bytearray(database.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data) - page, 2 * page):  # scribble over many pages
        data[offset + 100 : offset + 400] = b"\xff" * 300
    database.write_bytes(bytes(data))
    damaged = rekobot(tmp_path, "check")

    assert before.returncode == 1 and "does not exist" in before.stderr
    assert sound.returncode == 0 and "integrity check ok" in sound.stdout
    assert quick.returncode == 0 and "quick check ok" in quick.stdout
    assert damaged.returncode == 1 and "damaged" in damaged.stderr
    assert "Traceback" not in damaged.stderr


async def test_the_nightly_job_runs_at_the_set_hour_and_keeps_the_newest_copies(
    settings: Settings, clock: MovableClock, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in (26, 27, 28):
        (folder / f"rekobot-202611{day}-030000.sqlite3").write_bytes(b"old")
    keepsake = folder / "rekobot-20261101-120000-before-schema-2.sqlite3"
    keepsake.write_bytes(b"before an upgrade")
    nightly = settings.model_copy(update={"backup_dir": folder, "backup_keep": 2})
    application = build_application(
        nightly, request=RecordingRequest(clock=clock), clock=clock, rate_limit=False
    )
    jobs = application.job_queue
    assert jobs is not None
    await application.initialize()
    jobs.scheduler.start(paused=True)  # computes next run times, runs nothing by itself
    try:
        [job] = jobs.get_jobs_by_name(backup_job.JOB_NAME)
        next_run = job.next_t
        await job.run(application)
    finally:
        jobs.scheduler.shutdown(wait=False)
        await application.shutdown()

    assert next_run is not None
    assert next_run.astimezone(ZoneInfo("Europe/Oslo")).time().isoformat() == "03:00:00"
    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        keepsake.name,
        "rekobot-20261128-030000.sqlite3",
        backup_name(clock()),
    ]
    assert check_database(folder / backup_name(clock())).sound


async def test_without_a_backup_folder_no_nightly_job_is_scheduled(
    settings: Settings, clock: MovableClock
) -> None:
    application = build_application(
        settings, request=RecordingRequest(clock=clock), clock=clock, rate_limit=False
    )
    assert application.job_queue is not None
    assert not application.job_queue.get_jobs_by_name(backup_job.JOB_NAME)


def test_migrate_takes_a_backup_first_when_a_database_is_upgraded(tmp_path: Path) -> None:
    migrations = load_migrations()
    if len(migrations) < 2:
        pytest.skip("only one migration so far: there is no older schema to upgrade from")
    database = tmp_path / "rekobot.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.executescript(migrations[0].sql)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
            "VALUES ('gammel', 'REKO Gammel', 'Europe/Oslo', 'nb', 'NOK', '2026-01-01')"
        )
    (tmp_path / "not-a-folder").write_text("")
    refused = rekobot(tmp_path, "migrate", backup_dir=str(tmp_path / "not-a-folder"))
    with sqlite3.connect(database) as conn:
        version_after_refusal = conn.execute("PRAGMA user_version").fetchone()[0]
    upgraded = rekobot(tmp_path, "migrate", backup_dir=str(tmp_path / "backups"))
    again = rekobot(tmp_path, "migrate", backup_dir=str(tmp_path / "backups"))

    [copy] = (tmp_path / "backups").glob(f"*-before-schema-{len(migrations)}.sqlite3")
    assert refused.returncode == 1 and "no backup could be taken" in refused.stderr
    assert "Traceback" not in refused.stderr and version_after_refusal == 1
    assert upgraded.returncode == 0 and "before upgrading" in upgraded.stdout
    assert again.returncode == 0 and "before upgrading" not in again.stdout  # nothing to do
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT name FROM rings").fetchone()[0] == "REKO Gammel"


def test_the_lock_is_free_after_a_restore(tmp_path: Path, settings: Settings) -> None:
    assert rekobot(tmp_path, "migrate").returncode == 0
    path = take_backup(sqlite_file(settings.database), tmp_path / "b", datetime.now(UTC))
    restore_database(path, sqlite_file(settings.database), datetime.now(UTC))
    with InstanceLock(sqlite_file(settings.database)) as lock:
        assert lock.held
        with pytest.raises(DatabaseInUse):
            restore_database(path, sqlite_file(settings.database), datetime.now(UTC))
    with pytest.raises(RestoreRefused):
        database = sqlite_file(settings.database)
        restore_database(database, database, datetime.now(UTC))


def test_help_lists_the_backup_commands(tmp_path: Path) -> None:
    result = rekobot(tmp_path, "--help")
    for command in ("backup", "restore", "check"):
        assert command in result.stdout
