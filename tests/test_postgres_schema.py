"""The PostgreSQL baseline has exactly the schema SQLite has after migration 0011.

A PostgreSQL database starts at storage/migrations/postgresql/0011_schema.sql instead of running
0001..0011, so nothing else keeps the two in step: a column, key, default, CHECK or index that
one engine has and the other lacks would only show as a failure in production. Both schemas are
read back from the real engines (SQLite's pragmas, PostgreSQL's catalogs) into the same shape
and compared, fact by fact. The mutation tests prove the comparison notices a difference.

Needs a PostgreSQL server: REKOBOT_TEST_POSTGRES, a URL such as
postgresql://postgres@127.0.0.1:55431/postgres (``python -m tests.postgres_server start DIR``
prints one). Each check runs in a database of its own, created and dropped here.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from storage.migrations import apply_migrations, load_migrations

SERVER = os.environ.get("REKOBOT_TEST_POSTGRES", "")

pytestmark = pytest.mark.skipif(
    not SERVER,
    reason="REKOBOT_TEST_POSTGRES is not set (python -m tests.postgres_server start DIR "
    "prints a URL for it)",
)

#: The SQLite version the baseline stands for.
BASELINE_VERSION = 11
BASELINE = resources.files("storage.migrations") / "postgresql" / "0011_schema.sql"

#: SQLite's declared types and the PostgreSQL types the baseline gives them.
TYPES = {"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision", "BLOB": "bytea"}

#: Tables with an INTEGER PRIMARY KEY that the code always fills in itself (a Telegram id, a
#: hash, the user or ring a row belongs to): a plain key, not an identity column.
KEYED_BY_CODE = {
    "users",
    "inbox",
    "sent_keys",
    "questions",
    "ring_post_rules",
    "producer_post_optouts",
}

_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@dataclass(frozen=True)
class Column:
    """One column as both engines can say it."""

    name: str
    type: str
    not_null: bool
    default: str | None


@dataclass(frozen=True)
class ForeignKey:
    """A reference from ``columns`` to ``target``'s ``target_columns``, with its actions."""

    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]
    on_update: str
    on_delete: str


@dataclass(frozen=True)
class Index:
    """A named index (not one that backs a PRIMARY KEY or UNIQUE constraint)."""

    table: str
    columns: tuple[str, ...]
    unique: bool
    where: str | None


@dataclass
class Schema:
    """Everything compared, per table or per index name."""

    columns: dict[str, list[Column]]
    primary_keys: dict[str, tuple[str, ...]]
    uniques: dict[str, set[tuple[str, ...]]]
    foreign_keys: dict[str, set[ForeignKey]]
    indexes: dict[str, Index]


def condition(text: str | None) -> str | None:
    """An index's WHERE clause with the spelling each engine adds taken out."""
    if text is None:
        return None
    text = re.sub(r"::\w+", "", text)  # PostgreSQL's casts of literals: 'placed'::text
    return re.sub(r"[\s()]+", "", text).lower()


def default(text: str | None) -> str | None:
    """A column default with PostgreSQL's cast of the literal taken out."""
    return None if text is None else re.sub(r"::\w+( \w+)?$", "", text)


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_file(folder: Path) -> Path:
    """A new SQLite database migrated to exactly the baseline's version."""
    path = folder / "schema.sqlite3"

    async def migrate() -> None:
        async with aiosqlite.connect(path) as conn:
            await apply_migrations(conn, load_migrations()[:BASELINE_VERSION])

    asyncio.run(migrate())
    return path


def sqlite_schema(path: Path) -> Schema:
    """Read the schema of a SQLite file through its pragmas."""
    conn = sqlite3.connect(path)
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    schema = Schema({}, {}, {}, {}, {})
    for table in tables:
        info = conn.execute(f"PRAGMA table_info({table})").fetchall()
        schema.columns[table] = [
            # SQLite lets NULL into a non-INTEGER PRIMARY KEY column (a legacy quirk);
            # PostgreSQL never does, and rekobot never stores one.
            Column(name, TYPES[declared], bool(not_null) or pk > 0, dflt)
            for _, name, declared, not_null, dflt, pk in info
        ]
        schema.primary_keys[table] = tuple(
            name for _, name in sorted((pk, name) for _, name, _, _, _, pk in info if pk)
        )
        schema.uniques[table] = {
            index_columns(conn, index)
            for _, index, _, origin, _ in conn.execute(f"PRAGMA index_list({table})")
            if origin == "u"
        }
        references: dict[int, list[tuple[str, str, str, str, str]]] = {}
        for ref_id, _, target, column, target_column, on_update, on_delete, _ in conn.execute(
            f"PRAGMA foreign_key_list({table})"
        ):
            references.setdefault(ref_id, []).append(
                (column, target, target_column, on_update, on_delete)
            )
        schema.foreign_keys[table] = {
            ForeignKey(
                tuple(part[0] for part in parts),
                parts[0][1],
                tuple(part[2] for part in parts),
                parts[0][3],
                parts[0][4],
            )
            for parts in references.values()
        }
    for name, table, sql in conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ):
        where = re.search(r"\bWHERE\b(.*)$", sql, re.S | re.I)
        schema.indexes[name] = Index(
            table,
            index_columns(conn, name),
            sql.upper().startswith("CREATE UNIQUE"),
            condition(where[1]) if where else None,
        )
    conn.close()
    return schema


def index_columns(conn: sqlite3.Connection, index: str) -> tuple[str, ...]:
    """An index's columns in order (the baseline has no expression index: each has a name)."""
    names = [name for _, _, name in conn.execute(f"PRAGMA index_info({index})")]
    assert None not in names, f"{index} indexes an expression: compare its text too"
    return tuple(names)


def sqlite_checks(path: Path) -> dict[str, list[str]]:
    """The text of every CHECK in each table's CREATE TABLE statement."""
    conn = sqlite3.connect(path)
    found = {
        table: check_expressions(sql)
        for table, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    conn.close()
    return found


def check_expressions(sql: str) -> list[str]:
    """The parenthesised expression after each CHECK keyword (comments skipped)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    found = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, re.I):
        depth, quoted, start = 1, False, match.end()
        for at in range(start, len(sql)):
            char = sql[at]
            if char == "'":
                quoted = not quoted
            elif not quoted and char in "()":
                depth += 1 if char == "(" else -1
                if depth == 0:
                    found.append(sql[start:at].strip())
                    break
    return found


# --- PostgreSQL ------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_database() -> AsyncIterator[asyncpg.Connection]:
    """A connection to a new, empty database on the test server, dropped afterwards."""
    name = f"rekobot_schema_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(SERVER)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            conn = await asyncpg.connect(SERVER, database=name)
            try:
                yield conn
            finally:
                await conn.close()
        finally:
            await admin.execute(f'DROP DATABASE "{name}"')
    finally:
        await admin.close()


async def run_baseline(conn: asyncpg.Connection, sql: str) -> None:
    """Run the baseline file as the migration runner does: in one transaction."""
    assert not re.search(r"^\s*(BEGIN|COMMIT|ROLLBACK)\b", sql, re.I | re.M), (
        "the baseline must not manage its own transaction"
    )
    async with conn.transaction():
        await conn.execute(sql)


async def postgres_schema(conn: asyncpg.Connection) -> Schema:
    """Read the schema of the public schema through information_schema and pg_catalog."""
    schema = Schema({}, {}, {}, {}, {})
    for row in await conn.fetch(
        """SELECT table_name, column_name, data_type, is_nullable, column_default
           FROM information_schema.columns WHERE table_schema = 'public'
           ORDER BY table_name, ordinal_position"""
    ):
        schema.columns.setdefault(row["table_name"], []).append(
            Column(
                row["column_name"],
                row["data_type"],
                row["is_nullable"] == "NO",
                default(row["column_default"]),
            )
        )
    for table in schema.columns:
        schema.primary_keys[table] = ()
        schema.uniques[table] = set()
        schema.foreign_keys[table] = set()
    for row in await conn.fetch(
        """SELECT t.relname AS tbl, c.contype::text, r.relname AS target,
                  c.confupdtype::text, c.confdeltype::text,
                  ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                        ORDER BY k.i)::text[] AS cols,
                  ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                        ORDER BY k.i)::text[] AS target_cols
           FROM pg_constraint c
           JOIN pg_class t ON t.oid = c.conrelid
           LEFT JOIN pg_class r ON r.oid = c.confrelid
           WHERE t.relnamespace = 'public'::regnamespace AND c.contype IN ('p', 'u', 'f')"""
    ):
        columns = tuple(row["cols"])
        if row["contype"] == "p":
            schema.primary_keys[row["tbl"]] = columns
        elif row["contype"] == "u":
            schema.uniques[row["tbl"]].add(columns)
        else:
            schema.foreign_keys[row["tbl"]].add(
                ForeignKey(
                    columns,
                    row["target"],
                    tuple(row["target_cols"]),
                    _ACTIONS[row["confupdtype"]],
                    _ACTIONS[row["confdeltype"]],
                )
            )
    for row in await conn.fetch(
        """SELECT i.relname AS name, t.relname AS tbl, x.indisunique,
                  pg_get_expr(x.indpred, x.indrelid) AS pred,
                  ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                        FROM generate_series(1, x.indnatts) AS k ORDER BY k) AS cols
           FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relnamespace = 'public'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                             WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))"""
    ):
        schema.indexes[row["name"]] = Index(
            row["tbl"], tuple(row["cols"]), row["indisunique"], condition(row["pred"])
        )
    return schema


async def check_definitions(conn: asyncpg.Connection, table: str) -> list[str]:
    """PostgreSQL's own text of the table's CHECK constraints, sorted."""
    rows = await conn.fetch(
        """SELECT pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c
           WHERE c.conrelid = $1::regclass AND c.contype = 'c'""",
        table,
    )
    return sorted(row["definition"] for row in rows)


async def normalised_checks(conn: asyncpg.Connection, table: str, checks: list[str]) -> list[str]:
    """SQLite's CHECK expressions as PostgreSQL writes them, on a copy of ``table``.

    PostgreSQL rewrites an expression (``x IN (...)`` becomes ``x = ANY (ARRAY[...])``); adding
    SQLite's text to a table of the same columns and reading it back spells both alike.
    """
    probe = f"probe_{table}"
    async with conn.transaction():
        await conn.execute(f"CREATE TEMP TABLE {probe} (LIKE public.{table})")
        for expression in checks:
            await conn.execute(f"ALTER TABLE {probe} ADD CHECK ({expression})")
        found = await check_definitions(conn, probe)
        await conn.execute(f"DROP TABLE {probe}")
    return found


def baseline_text() -> str:
    """The baseline file as shipped in the package."""
    return BASELINE.read_text("utf-8")


async def differences(sql: str, sqlite: Schema, checks: dict[str, list[str]]) -> list[str]:
    """Every way the schema ``sql`` makes on PostgreSQL differs from SQLite's, as sentences."""
    found: list[str] = []
    async with fresh_database() as conn:
        await run_baseline(conn, sql)
        postgres = await postgres_schema(conn)
        for field in ("columns", "primary_keys", "uniques", "foreign_keys"):
            ours, theirs = getattr(sqlite, field), getattr(postgres, field)
            for table in sorted(set(ours) | set(theirs)):
                if ours.get(table) != theirs.get(table):
                    found.append(
                        f"{table} {field}: SQLite {ours.get(table)} != PostgreSQL "
                        f"{theirs.get(table)}"
                    )
        for name in sorted(set(sqlite.indexes) | set(postgres.indexes)):
            if sqlite.indexes.get(name) != postgres.indexes.get(name):
                found.append(
                    f"index {name}: SQLite {sqlite.indexes.get(name)} != PostgreSQL "
                    f"{postgres.indexes.get(name)}"
                )
        for table in sorted(set(checks) & set(postgres.columns)):
            expected = await normalised_checks(conn, table, checks[table])
            actual = await check_definitions(conn, table)
            if expected != actual:
                found.append(f"{table} CHECKs: SQLite {expected} != PostgreSQL {actual}")
    return found


@pytest.fixture(scope="module")
def sqlite_reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Schema, dict[str, list[str]]]:
    """SQLite's schema and CHECKs at the baseline's version, read once for the module."""
    path = sqlite_file(tmp_path_factory.mktemp("sqlite"))
    return sqlite_schema(path), sqlite_checks(path)


async def test_baseline_matches_sqlite_schema_at_its_version(
    sqlite_reference: tuple[Schema, dict[str, list[str]]],
) -> None:
    sqlite, checks = sqlite_reference
    assert len(sqlite.columns) > 30 and sum(map(len, checks.values())) > 30  # it read something
    assert await differences(baseline_text(), sqlite, checks) == []


@pytest.mark.parametrize(
    ("original", "changed", "noticed"),
    [
        ("ON DELETE SET NULL,\n    reminders", ",\n    reminders", "users foreign_keys"),
        ("phone           TEXT", "telephone       TEXT", "users columns"),
        ("NOT NULL DEFAULT 36", "NOT NULL DEFAULT 48", "rings columns"),
        ("BETWEEN 0 AND 60", "BETWEEN 0 AND 61", "rings CHECKs"),
        ("WHERE done_at IS NULL", "WHERE done_at IS NOT NULL", "index inbox_pending"),
        ("UNIQUE (pickup_id, number)", "CHECK (number > 0)", "orders uniques"),
        ("PRIMARY KEY (order_id, producer_id)\n);\n\nCREATE TABLE broadcasts", "UNIQUE "
         "(order_id, producer_id)\n);\n\nCREATE TABLE broadcasts", "handovers primary_keys"),
    ],
)  # fmt: skip
async def test_a_baseline_that_differs_is_caught(
    sqlite_reference: tuple[Schema, dict[str, list[str]]],
    original: str,
    changed: str,
    noticed: str,
) -> None:
    sql = baseline_text()
    assert sql.count(original) == 1, f"the mutation's text {original!r} is not in the baseline"
    found = await differences(sql.replace(original, changed), *sqlite_reference)
    assert any(difference.startswith(noticed) for difference in found), found


async def test_baseline_pins_sqlite_semantics_the_code_relies_on() -> None:
    """Byte-order text, ids the database numbers where the code does not, NOCASE for queries."""
    async with fresh_database() as conn:
        await run_baseline(conn, baseline_text())
        collations = await conn.fetch(
            """SELECT table_name, column_name, collation_name FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type = 'text'"""
        )
        assert {row["collation_name"] for row in collations} == {"C"}, [
            tuple(row) for row in collations if row["collation_name"] != "C"
        ]
        identities = {
            row["table_name"]
            for row in await conn.fetch(
                """SELECT table_name FROM information_schema.columns
                   WHERE table_schema = 'public' AND is_identity = 'YES'"""
            )
        }
        single_integer_keys = {
            row["tbl"]
            for row in await conn.fetch(
                """SELECT t.relname AS tbl FROM pg_constraint c
                   JOIN pg_class t ON t.oid = c.conrelid
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
                   WHERE c.contype = 'p' AND cardinality(c.conkey) = 1
                     AND a.atttypid = 'bigint'::regtype
                     AND t.relnamespace = 'public'::regnamespace"""
            )
        }
        assert identities == single_integer_keys - KEYED_BY_CODE
        # A copied ring keeps its id, and the next new one is numbered by the database.
        insert = (
            "INSERT INTO rings (id, slug, name, timezone, locale, currency, created_at) "
            "VALUES ({id}, $1, $1, 'Europe/Oslo', 'nb', 'NOK', '2026-12-01T00:00:00+00:00')"
        )
        await conn.execute(insert.format(id="7"), "Oslo")
        await conn.execute(insert.format(id="DEFAULT"), "bergen")
        assert await conn.fetchval("SELECT id FROM rings WHERE slug = 'bergen'") == 1
        # Queries spell the collation as SQLite does, and it ignores case.
        by_name = "SELECT count(*) FROM rings WHERE slug = $1 COLLATE NOCASE"
        assert await conn.fetchval(by_name, "OSLO") == 1
        # Without it, byte order, as SQLite's BINARY: upper case before lower case.
        slugs = await conn.fetch("SELECT slug FROM rings ORDER BY slug")
        assert [row["slug"] for row in slugs] == ["Oslo", "bergen"]
        # Telegram ids need 64 bits.
        await conn.execute(
            "INSERT INTO users (id, created_at) VALUES ($1, '2026-12-01T00:00:00+00:00')",
            2**53,
        )
