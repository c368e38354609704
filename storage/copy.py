"""Moving up: a SQLite database copied into an empty PostgreSQL one (``rekobot copy-to-postgres``).

The copy is all or nothing, so an operator can rerun it after any failure:

- The SQLite file is held by its ``InstanceLock`` for the whole copy (no bot can write to it
  meanwhile) and migrated first, so both sides are at the same schema version.
- On PostgreSQL everything happens in one transaction: the target is checked to be empty,
  migrated with the project's own migrations (they nest as savepoints), every table copied
  with ``COPY`` in foreign-key order, each identity sequence moved past the largest id, and
  the row count of every table compared with SQLite's. A refused target, a failed batch or
  a count that differs rolls it all back: nothing is committed.
- The tables come from the SQLite file's own schema (skipping SQLite's internal tables), so a
  table added by a later migration cannot be forgotten; a table one side has and the other
  has not stops the copy.
- Rows stream in batches (``BATCH`` rows read with ``fetchmany``, sent with
  ``copy_records_to_table``), so a 2 GB file never needs 2 GB of memory.

"Empty" means no table holds a row (the one-row ``rekobot_schema`` aside) and there is no
table rekobot does not know: a database a worker already migrated is fine, one that holds
anything else is refused unchanged.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import asyncpg

from storage.instance_lock import InstanceLock
from storage.migrations.postgresql import apply_migrations, schema_version
from storage.postgres import WRITE_LOCK, PostgresAddress, PostgresDatabase
from storage.sqlite import SqliteDatabase

log = logging.getLogger(__name__)

#: Rows read from SQLite and sent to PostgreSQL at a time.
BATCH = 5_000
#: Where rekobot's tables live on PostgreSQL, and the table of its schema version.
SCHEMA = "public"
VERSION_TABLE = "rekobot_schema"


class CopyRefused(RuntimeError):
    """The copy cannot start (the target is not empty, the schemas differ); nothing changed."""


class CopyFailed(RuntimeError):
    """The copy went wrong part way (a batch, a count); it was rolled back."""

    def __init__(self, message: str, counts: Sequence[TableCount] = ()) -> None:
        super().__init__(message)
        self.counts = list(counts)


@dataclass(frozen=True)
class TableCount:
    """One table's rows on each side after the copy."""

    table: str
    sqlite: int
    postgresql: int

    @property
    def matches(self) -> bool:
        """Whether PostgreSQL holds as many rows as SQLite."""
        return self.sqlite == self.postgresql


@dataclass(frozen=True)
class SourceTable:
    """A table of the SQLite file: its name and its columns in order."""

    name: str
    columns: tuple[str, ...]


async def copy_to_postgres(
    source: Path, target: PostgresAddress, *, batch: int = BATCH
) -> list[TableCount]:
    """Copy every row of the SQLite file into the empty PostgreSQL database; return the counts.

    Raises ``CopyRefused`` or ``CopyFailed``, with nothing committed in either case, and
    ``DatabaseInUse`` while a bot runs on the file.
    """
    _refuse_missing(source)
    with InstanceLock(source):
        # Opening migrates the file (and checks it), so it is at this rekobot's schema.
        await (await SqliteDatabase(source).connect()).close()
        with _snapshot(source) as reader:
            tables = source_tables(reader)
            version = int(reader.execute("PRAGMA user_version").fetchone()[0])
            db = await PostgresDatabase(target, pool_size=1).connect(migrate=False)
            try:
                async with db.pool.acquire() as conn:
                    counts = await _copy_all(conn, reader, tables, version, target, batch)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise CopyFailed(
                    f"The copy into {target} failed (PostgreSQL says: {exc}). It was rolled "
                    "back: nothing was committed."
                ) from exc
            finally:
                await db.close()
    log.info("copied %s into %s", source, target)
    return counts


async def _copy_all(
    conn: Any,
    reader: sqlite3.Connection,
    tables: list[SourceTable],
    version: int,
    target: PostgresAddress,
    batch: int,
) -> list[TableCount]:
    """Check, migrate, copy, move the sequences and count, all in one transaction."""
    async with conn.transaction():
        await _refuse_unless_empty(conn, target, {t.name for t in tables})
        await apply_migrations(conn, str(target))
        await _refuse_other_schema(conn, target, tables, version)
        # No worker may write while the rows go in (one started early, say).
        await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
        for table in tables:
            started = time.perf_counter()
            rows = await _copy_table(conn, reader, table, batch)
            took = time.perf_counter() - started
            log.info("copied %s: %d rows in %.1f s", table.name, rows, took)
        await _move_sequences(conn, [t.name for t in tables])
        counts = await _counts(conn, reader, [t.name for t in tables])
        differ = [c for c in counts if not c.matches]
        if differ:
            names = ", ".join(c.table for c in differ)
            raise CopyFailed(
                f"The row counts differ in {names}: the copy was rolled back and {target} "
                "is as it was.",
                counts,
            )
    return counts


def _refuse_missing(source: Path) -> None:
    """Refuse a file that does not exist: opening it would create an empty database."""
    if not source.is_file():
        raise CopyRefused(
            f"There is no SQLite database at {source}: set REKOBOT_DATABASE to the file to copy."
        )


@contextmanager
def _snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection inside one read transaction: every count sees the same rows."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")


def source_tables(conn: sqlite3.Connection) -> list[SourceTable]:
    """The file's tables (not SQLite's own), every referenced table before those referring to it."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    graph: TopologicalSorter[str] = TopologicalSorter()
    for name in names:
        references = conn.execute('SELECT "table" FROM pragma_foreign_key_list(?)', (name,))
        parents = {row[0] for row in references}
        graph.add(name, *(parents - {name}))
    columns = {
        name: tuple(
            row[0]
            for row in conn.execute("SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,))
        )
        for name in names
    }
    return [SourceTable(name, columns[name]) for name in graph.static_order()]


async def _refuse_unless_empty(conn: Any, target: PostgresAddress, known: set[str]) -> None:
    """Refuse a database holding rows, or tables that are not rekobot's."""
    found = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY table_schema, table_name"
    )
    foreign, holding = [], []
    for schema, name in found:
        qualified = f"{_quote(schema)}.{_quote(name)}"
        if schema != SCHEMA or name not in known | {VERSION_TABLE}:
            foreign.append(f"{schema}.{name}")
        elif name != VERSION_TABLE and await conn.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {qualified})"
        ):
            holding.append(name)
    if holding or foreign:
        what = []
        if holding:
            what.append(f"rows in {_some(holding)}")
        if foreign:
            what.append(f"tables rekobot does not know ({_some(foreign)})")
        raise CopyRefused(
            f"{target} is not empty: it has {' and '.join(what)}. copy-to-postgres only "
            "copies into an empty database, so that nothing is mixed or overwritten: create "
            "a new one (createdb) and name it instead. Nothing was changed."
        )


async def _refuse_other_schema(
    conn: Any, target: PostgresAddress, tables: list[SourceTable], version: int
) -> None:
    """Stop unless PostgreSQL, migrated, has the file's schema version and the same tables."""
    migrated = await schema_version(conn)
    if migrated != version:
        raise CopyRefused(
            f"The SQLite file is at schema version {version} and {target} at {migrated} "
            "after migrating: run the same rekobot on both. Nothing was changed."
        )
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = $1 AND table_name <> $2",
        SCHEMA,
        VERSION_TABLE,
    )
    theirs: dict[str, set[str]] = {}
    for name, column in rows:
        theirs.setdefault(name, set()).add(column)
    ours = {t.name: set(t.columns) for t in tables}
    if theirs != ours:
        differ = sorted(
            name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)
        )
        raise CopyRefused(
            f"The tables of the SQLite file and of {target} differ ({_some(differ)}) although "
            f"both are at schema version {version}: report this to rekobot's developers. "
            "Nothing was changed."
        )


async def _copy_table(conn: Any, reader: sqlite3.Connection, table: SourceTable, batch: int) -> int:
    """Stream one table's rows into PostgreSQL with COPY, ``batch`` rows at a time."""
    texts = {
        row[0]
        for row in await conn.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = $1 AND table_name = $2 AND data_type = 'text'",
            SCHEMA,
            table.name,
        )
    }
    convert = _as_text([column in texts for column in table.columns])
    names = ", ".join(_quote(c) for c in table.columns)
    cursor = reader.execute(f"SELECT {names} FROM {_quote(table.name)}")
    copied = 0
    while rows := cursor.fetchmany(batch):
        try:
            try:
                # A savepoint: a batch that binary COPY cannot encode is sent again, converted.
                async with conn.transaction():
                    await _copy_rows(conn, table, rows)
            except TypeError:
                await _copy_rows(conn, table, [convert(row) for row in rows])
        except Exception as exc:
            raise CopyFailed(
                f"Copying table {table.name} failed after {copied} rows (PostgreSQL says: "
                f"{exc}). The copy was rolled back; nothing was committed."
            ) from exc
        copied += len(rows)
    return copied


async def _copy_rows(conn: Any, table: SourceTable, rows: Sequence[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table(
        table.name, records=rows, columns=list(table.columns), schema_name=SCHEMA
    )


def _as_text(is_text: Sequence[bool]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """What turns the values of a row's TEXT columns into ``str``.

    SQLite never refuses a value: a TEXT column turns numbers into text, but keeps a BLOB a
    BLOB, and binary COPY wants a ``str`` there. Integers and floats COPY takes as they come.
    """

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            _to_text(value) if text else value for text, value in zip(is_text, row, strict=True)
        )

    return convert


def _to_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")  # not UTF-8: the copy fails, naming the table
    return str(value)


async def _move_sequences(conn: Any, tables: list[str]) -> None:
    """Move each identity column's sequence past its largest copied value."""
    identities = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = $1 AND is_identity = 'YES'",
        SCHEMA,
    )
    for table, column in identities:
        if table not in tables:
            continue
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), MAX({_quote(column)})) "
            f"FROM {_quote(table)} HAVING MAX({_quote(column)}) IS NOT NULL",
            f"{SCHEMA}.{table}",
            column,
        )


async def _counts(conn: Any, reader: sqlite3.Connection, tables: list[str]) -> list[TableCount]:
    """Every table's rows on both sides, in copy order."""
    counts = []
    for table in tables:
        sqlite_rows = int(reader.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0])
        pg_rows = int(await conn.fetchval(f"SELECT COUNT(*) FROM {SCHEMA}.{_quote(table)}"))
        counts.append(TableCount(table, sqlite_rows, pg_rows))
    return counts


def _quote(name: str) -> str:
    """An identifier, double-quoted (the names come from the schemas, never from a user)."""
    return '"' + name.replace('"', '""') + '"'


def _some(names: Sequence[str], shown: int = 5) -> str:
    """A few names, and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
