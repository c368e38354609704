"""Migrations: released files never change, and an upgrade never loses a row.

The rebuild and foreign-key tests add a migration of their own after the shipped ones, in a
folder of their own, exactly as a future release would.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage.migrations import MigrationFailed, apply_migrations, load_migrations
from storage.migrations.postgresql import postgres_migrations
from storage.sqlite import SqliteDatabase
from tests.conftest import TOKEN
from tests.engines import sqlite_only

pytestmark = sqlite_only

#: sha256 of every released migration file. A released file is never edited: a change is a
#: new file. When a new migration is released, add its line here (the failure prints it).
RELEASED = {
    1: "adae6b686b75b9411aa1da3612a44fc0929d3a21f6717971991b289e47da9ff6",
    2: "c70f9d44831df2a973d3c6357c1c40652e447e934c44c6257931bfa1dfdd8abe",  # first_run
    3: "1f19221418bfd403b0def5860337aeefa576f36ed40d62732340d169d05e4df0",  # inbox
    4: "5d95014b740ca8f9aa20b33987ea788b83b4ad2de22998da865569caa30c445e",  # privacy
    5: "6645c755e33d8181df0c2c0d68717d36456b995bed245ca136b5efa841b095fe",  # due_work
    6: "903dee488ddf6a9ccd818a2755e02d2d4c9136e470c1e190e990265f19ff6442",  # cart_reminders
    7: "d9c0256a51c9326d9ad2668d8fc0d40b6fd481082dd59488df32814b10242476",  # forms
    8: "5fd8af70ef2162048652951086466665496d8b9c216f4070e1eceda24b2c76bf",  # voice
    9: "4799db859582342c910b545e60e9f7e0a20b9813d2c7c71a8da36795c2896ab5",  # windows
    10: "62fffceb5c7f48b824f4841ee365c68779a3e15ef77acb1ba23ddd7837475a81",  # weight
    11: "9da94fd3b331ccf65dcefefd6b448c1347919ec4a772d342661e238aa2eb6634",  # reach
    12: "bbc546a0ea4cbf46020599e08a81b433e49564cbe4c95128cebda9a5401fe965",  # workers
    13: "e4c8199f77f4d545ac2a426c8637ca15a87e2d5226f98863ed92c8fc7cfc34c7",  # idlesweep
}

#: Columns a migration changes on purpose, and why; every other value must survive as it was.
INTENDED_CHANGES = {
    "users.unreachable_at": "0002 marks made-up users (negative ids, the demo's) unreachable",
}

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED = resources.files("storage.migrations")

# Rebuilding a table the way SQLite documents it (https://sqlite.org/lang_altertable.html):
# create the new shape, copy, drop the old, rename the new. Here rings gains a column.
REBUILD_RINGS = """
CREATE TABLE rings_new (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL,
    locale          TEXT NOT NULL,
    currency        TEXT NOT NULL CHECK (currency IN ('NOK', 'SEK', 'EUR', 'DKK')),
    deadline_hours  INTEGER NOT NULL DEFAULT 36 CHECK (deadline_hours >= 0),
    evening_reminder_time TEXT NOT NULL DEFAULT '19:00',
    created_at      TEXT NOT NULL,
    website         TEXT
);
INSERT INTO rings_new (id, slug, name, description, timezone, locale, currency,
                       deadline_hours, evening_reminder_time, created_at)
    SELECT id, slug, name, description, timezone, locale, currency,
           deadline_hours, evening_reminder_time, created_at FROM rings;
DROP TABLE rings;
ALTER TABLE rings_new RENAME TO rings;
"""


def shipped_files() -> dict[int, tuple[str, bytes]]:
    """{number: (file name, bytes)} of the migration files in the package."""
    found = {}
    for entry in SHIPPED.iterdir():
        if re.fullmatch(r"\d{4}_.*\.sql", entry.name):
            found[int(entry.name[:4])] = (entry.name, entry.read_bytes())
    return found


def test_no_released_migration_was_edited() -> None:
    files = shipped_files()
    for number, pinned in RELEASED.items():
        assert number in files, f"released migration {number:04d} is gone from the package"
        name, data = files[number]
        assert hashlib.sha256(data).hexdigest() == pinned, (
            f"{name} was edited after its release. Databases in use already ran the old "
            "text and will never run the new one: restore the file and put the change in a "
            "new migration."
        )


#: PostgreSQL's own files (storage/migrations/postgresql/), pinned the same way.
RELEASED_POSTGRES = {
    11: "eb1dc9be89577701f1902625bdec946693f0fef1b44a4090f183a7af5fb7474b",  # the baseline
}


def test_postgres_files_are_pinned_and_end_where_sqlite_s_do() -> None:
    own = {m.number: m for m in postgres_migrations()}
    for number, pinned in RELEASED_POSTGRES.items():
        data = (SHIPPED / "postgresql" / f"{number:04d}_{own[number].name}.sql").read_bytes()
        assert hashlib.sha256(data).hexdigest() == pinned, f"PostgreSQL's {number:04d} was edited"
    assert postgres_migrations()[-1].number == load_migrations()[-1].number
    assert set(RELEASED_POSTGRES) <= set(own)


def test_every_shipped_migration_is_pinned() -> None:
    unpinned = {n: f for n, f in shipped_files().items() if n not in RELEASED}
    lines = "\n".join(
        f'    {number}: "{hashlib.sha256(data).hexdigest()}",  # {name}'
        for number, (name, data) in sorted(unpinned.items())
    )
    assert not unpinned, f"pin the new migrations: add to RELEASED in {__file__}:\n{lines}"


def load_v1_fixture(path: Path) -> None:
    """Write the version-1 database of tests/fixtures/schema_v1.sql (demo ring, 3 orders)."""
    with sqlite3.connect(path) as conn:
        conn.executescript((FIXTURES / "schema_v1.sql").read_text("utf-8"))
    conn.close()


def columns_of(path: Path) -> dict[str, list[str]]:
    """{table: its columns} of a database file."""
    with sqlite3.connect(path) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = {
            name: [c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')] for name in names
        }
    conn.close()
    return found


def contents(
    path: Path, tables: dict[str, list[str]] | None = None
) -> dict[str, Counter[tuple[object, ...]]]:
    """Every row of every table (or of the given tables and columns), as multisets."""
    tables = columns_of(path) if tables is None else tables
    with sqlite3.connect(path) as conn:
        found = {
            name: Counter(
                tuple(row)
                for row in conn.execute(
                    "SELECT " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{name}"'
                )
            )
            for name, columns in tables.items()
        }
    conn.close()
    return found


def schema(path: Path) -> set[tuple[str, str, str]]:
    """(type, name, normalised SQL) of every table, index and trigger."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    conn.close()
    return {(kind, name, " ".join(sql.split())) for kind, name, sql in rows}


async def test_the_first_release_database_with_orders_is_upgraded_without_losing_a_row(
    tmp_path: Path,
) -> None:
    old = tmp_path / "v1.sqlite3"
    load_v1_fixture(old)
    before_columns = columns_of(old)
    before = contents(old, before_columns)
    kept = {
        table: [c for c in columns if f"{table}.{c}" not in INTENDED_CHANGES]
        for table, columns in before_columns.items()
    }
    kept_before = contents(old, kept)
    assert sum(before["orders"].values()) == 3 and sum(before["pickups"].values()) == 3

    db = SqliteDatabase(old)
    await db.connect(migrate=False)
    try:
        applied = await apply_migrations(db.conn)
        version = await db.fetchone("PRAGMA user_version")
    finally:
        await db.close()

    assert [m.number for m in applied] == [m.number for m in load_migrations()][1:]
    assert version is not None and version[0] == len(load_migrations())
    after_columns = columns_of(old)
    for table, columns in before_columns.items():
        assert table in after_columns, f"a migration dropped the table {table}"
        missing = set(columns) - set(after_columns[table])
        assert not missing, f"a migration dropped {table}.{missing}: check no data was lost"
    assert contents(old, kept) == kept_before
    made_up = sqlite3.connect(old).execute(
        "SELECT count(*) FROM users WHERE id < 0 AND unreachable_at IS NULL"
    )
    assert made_up.fetchone()[0] == 0, "0002 marks the demo's made-up users unreachable"
    fresh = tmp_path / "fresh.sqlite3"
    await (await SqliteDatabase(fresh).connect()).close()
    assert schema(old) == schema(fresh), "an upgraded file must end like a new one"


async def test_the_upgraded_orders_still_read_as_orders(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    load_v1_fixture(path)
    services = Services.create(Settings(_env_file=None, token=TOKEN, database=path))
    await services.open()
    try:
        kari = await services.ordering.orders(7001)
        per = await services.ordering.orders(7003)
    finally:
        await services.close()
    assert [(o.number, o.status.value, o.total) for o in kari] == [(1, "placed", 24500)]
    assert [(o.number, o.status.value) for o in per] == [(3, "cancelled")]


def with_extra_migration(tmp_path: Path, name: str, sql: str) -> Path:
    """A migrations folder: the shipped files plus one more, numbered after them."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for entry in SHIPPED.iterdir():
        if entry.name.endswith(".sql"):
            (folder / entry.name).write_bytes(entry.read_bytes())
    number = len(load_migrations()) + 1
    (folder / f"{number:04d}_{name}.sql").write_text(sql, encoding="utf-8")
    return folder


async def upgraded_v1(tmp_path: Path) -> SqliteDatabase:
    """The version-1 fixture brought up to the shipped schema, open."""
    path = tmp_path / "demo.sqlite3"
    load_v1_fixture(path)
    return await SqliteDatabase(path).connect()


async def test_a_migration_that_rebuilds_rings_loses_no_pickup_or_location(
    tmp_path: Path,
) -> None:
    folder = with_extra_migration(tmp_path, "rebuild_rings", REBUILD_RINGS)
    db = await upgraded_v1(tmp_path)
    try:
        before = contents(db.path)
        applied = await apply_migrations(db.conn, load_migrations(folder))
        async with db.transaction() as tx:
            enforced = await tx.scalar("PRAGMA foreign_keys")
            dangling = await tx.fetchall("PRAGMA foreign_key_check")
    finally:
        await db.close()

    assert [m.name for m in applied] == ["rebuild_rings"]
    after = contents(db.path)
    for table in ("locations", "pickups", "categories", "memberships", "orders", "offers"):
        assert after[table] == before[table], f"rebuilding rings changed {table}"
    assert sum(after["locations"].values()) > 0 and sum(after["pickups"].values()) == 3
    assert enforced == 1, "foreign keys must be enforced again after migrating"
    assert dangling == []


async def test_a_migration_that_would_break_a_foreign_key_is_rolled_back(
    tmp_path: Path,
) -> None:
    # The pickups still point at their places: deleting the places must not go through.
    folder = with_extra_migration(
        tmp_path, "forget_places", "ALTER TABLE rings ADD COLUMN note TEXT;\nDELETE FROM locations;"
    )
    db = await upgraded_v1(tmp_path)
    try:
        before = contents(db.path)
        with pytest.raises(MigrationFailed, match=r"forget_places.*rolled back") as failed:
            await apply_migrations(db.conn, load_migrations(folder))
        async with db.transaction() as tx:
            version = await tx.scalar("PRAGMA user_version")
            enforced = await tx.scalar("PRAGMA foreign_keys")
            columns = [row[1] for row in await tx.fetchall("PRAGMA table_info(rings)")]
    finally:
        await db.close()

    assert "pickups" in str(failed.value) and str(db.path) in str(failed.value)
    assert contents(db.path) == before
    assert version == len(load_migrations())
    assert "note" not in columns
    assert enforced == 1


async def test_a_migration_that_fails_halfway_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = with_extra_migration(
        tmp_path, "half", "ALTER TABLE rings ADD COLUMN note TEXT;\nINSERT INTO nowhere VALUES (1);"
    )
    db = await upgraded_v1(tmp_path)
    try:
        with pytest.raises(MigrationFailed, match=r"half failed.*no such table: nowhere"):
            await apply_migrations(db.conn, load_migrations(folder))
        async with db.transaction() as tx:
            version = await tx.scalar("PRAGMA user_version")
            columns = [row[1] for row in await tx.fetchall("PRAGMA table_info(rings)")]
    finally:
        await db.close()
    assert version == len(load_migrations())
    assert "note" not in columns


def test_a_gap_in_the_numbers_is_refused(tmp_path: Path) -> None:
    folder = with_extra_migration(tmp_path, "next", "SELECT 1;")
    shutil.move(next(folder.glob("0001_*.sql")), folder / "0009_late.sql")
    with pytest.raises(RuntimeError, match="migration 0001 is missing"):
        load_migrations(folder)
