"""The PostgreSQL engine: one shared store for several bot workers, through asyncpg.

It keeps the rules of ``storage/database.py`` that the services rely on:

- **One writer at a time, across every worker.** Each write transaction first takes one
  transaction-level advisory lock (``WRITE_LOCK``), so write transactions run one after
  another exactly as SQLite's ``BEGIN IMMEDIATE`` makes them, and a read-then-write inside
  one (a stock check, the next order number) is as safe as it is on a file. Write
  transactions here are index look-ups of a few milliseconds; row locks per table would let
  more run at once but would make every such read-then-write a place to get wrong.
- **Reads never wait for writes**: a read runs on a pooled connection in a ``REPEATABLE READ
  READ ONLY`` transaction, which sees one committed snapshot (PostgreSQL's MVCC).
- **Rows** are asyncpg ``Record`` objects, indexable by position and name like
  ``sqlite3.Row``; ``NUMERIC`` (what ``SUM`` of a ``BIGINT`` gives) comes back as an ``int``
  when whole and a ``float`` otherwise, as SQLite gives them.

The SQL is the repositories' own, rewritten by ``storage/dialect.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage import dialect
from storage.database import Checkpointed, Database, Params, Row, Transaction
from storage.faults import DatabaseUnusable
from storage.migrations.postgresql import apply_migrations, schema_version

log = logging.getLogger(__name__)

#: The advisory lock every write transaction holds: one writer at a time across workers.
WRITE_LOCK = 0x5245_4B4F  # "REKO"
#: Connections one worker keeps open at most (reads run in parallel, writes one at a time).
POOL_SIZE = 10
#: Seconds to wait for a pooled connection or a new one before giving up.
CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class PostgresAddress:
    """A ``postgresql://`` URL; printed without its password."""

    url: str

    SCHEMES = ("postgresql", "postgres")

    @classmethod
    def parse(cls, text: str) -> PostgresAddress | None:
        """The address in ``text`` if it is a PostgreSQL URL, else None (a file name)."""
        return cls(text) if urlsplit(text).scheme in cls.SCHEMES else None

    def __str__(self) -> str:
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
        return urlunsplit(parts._replace(netloc=netloc))


class PostgresDatabase(Database):
    """A PostgreSQL database: a pool of connections, one writer at a time."""

    engine = "postgresql"

    def __init__(self, address: PostgresAddress | str, *, pool_size: int = POOL_SIZE) -> None:
        self.address = address if isinstance(address, PostgresAddress) else PostgresAddress(address)
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()
        self._tracer: Callable[[str], object] | None = None

    async def connect(self, *, migrate: bool = True, check: bool = True) -> PostgresDatabase:
        """Open the pool and migrate; an unreachable server is refused with what to do."""
        del check  # PostgreSQL checks its own pages; there is no file to read through
        if self._pool is not None:
            return self
        try:
            pool = await asyncpg.create_pool(
                self.address.url,
                min_size=1,
                max_size=self._pool_size,
                init=_prepare,
                reset=_reset,
                timeout=CONNECT_TIMEOUT,
                statement_cache_size=1024,
            )
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            raise DatabaseUnusable(
                f"PostgreSQL at {self.address} cannot be reached ({exc}). Check that the "
                "server runs, that REKOBOT_DATABASE names it with the right user, password and "
                "database, and that the database exists (createdb)."
            ) from exc
        try:
            if migrate:
                async with pool.acquire() as conn:
                    await apply_migrations(conn, str(self.address))
        except BaseException:
            await pool.close()
            raise
        self._pool = pool
        return self

    async def close(self) -> None:
        """Close the pool, waiting for borrowed connections to come back."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @property
    def is_connected(self) -> bool:
        """Whether the pool is open."""
        return self._pool is not None

    @property
    def label(self) -> str:
        """The URL without its password."""
        return str(self.address)

    @property
    def pool(self) -> asyncpg.Pool:
        """The connection pool (the inbox's claims and the leader's lock hold their own)."""
        if self._pool is None:
            raise RuntimeError("Database is not connected")
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction holding ``WRITE_LOCK`` from its first statement to COMMIT."""
        async with self._lock, self.pool.acquire() as conn:
            # One round trip for both: a simple query may hold several statements.
            await self._run(conn, f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            try:
                yield PostgresTransaction(conn, self._tracer)
            except BaseException:
                if conn.is_in_transaction():
                    await self._run(conn, "ROLLBACK")
                raise
            await self._run(conn, "COMMIT")

    async def _run(self, conn: Any, statement: str) -> None:
        """Run a statement of the transaction itself, traced like SQLite's own."""
        if self._tracer is not None:
            self._tracer(statement)
        await conn.execute(statement)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Transaction]:
        """Several reads on one snapshot; never waits for a writer."""
        async with self.pool.acquire() as conn, conn.transaction(
            isolation="repeatable_read", readonly=True
        ):
            yield PostgresTransaction(conn, self._tracer)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one read on a pooled connection and return every row."""
        async with self.pool.acquire() as conn:
            return await PostgresTransaction(conn, self._tracer).fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run one read on a pooled connection and return the first row, if any."""
        async with self.pool.acquire() as conn:
            return await PostgresTransaction(conn, self._tracer).fetchone(sql, params)

    async def schema_version(self) -> int:
        """The version recorded by the migrations."""
        async with self.pool.acquire() as conn:
            return await schema_version(conn)

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with every statement the repositories run (None stops it)."""
        self._tracer = callback

    async def checkpoint(self) -> Checkpointed:
        """Nothing to do: PostgreSQL checkpoints by itself, outside every transaction."""
        return Checkpointed(0, 0, False)


class PostgresTransaction(Transaction):
    """Statements on one borrowed connection, inside its transaction (or none, for one read)."""

    #: Rows a statement takes ``FOR UPDATE`` stay locked to other workers until COMMIT.
    locks_rows = True

    def __init__(self, conn: Any, tracer: Callable[[str], object] | None = None) -> None:
        self.conn = conn
        self._tracer = tracer

    def _statement(self, sql: str, params: Params) -> tuple[str, list[Any]]:
        if self._tracer is not None:
            self._tracer(sql)
        return dialect.postgres(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query."""
        text, args = self._statement(sql, params)
        return list(await self.conn.fetch(text, *args))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, if any."""
        text, args = self._statement(sql, params)
        row: Row | None = await self.conn.fetchrow(text, *args)
        return row

    async def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Return every row as a plain tuple."""
        text, args = self._statement(sql, params)
        return [tuple(row) for row in await self.conn.fetch(text, *args)]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return the number of rows it changed (from its status)."""
        text, args = self._statement(sql, params)
        status: str = await self.conn.execute(text, *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT with ``RETURNING id`` and return the id."""
        text, args = self._statement(f"{sql.rstrip().rstrip(';')} RETURNING id", params)
        row_id = await self.conn.fetchval(text, *args)
        if row_id is None:
            raise RuntimeError("INSERT did not return a row id")
        return int(row_id)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per row, in one round trip."""
        batch = [dialect.postgres(sql, row) for row in rows]
        if batch:
            if self._tracer is not None:
                self._tracer(sql)
            await self.conn.executemany(batch[0][0], [args for _, args in batch])


def _numeric(text: str) -> int | float:
    """``NUMERIC`` as SQLite would give it: an int when whole, else a float."""
    try:
        return int(text)
    except ValueError:
        return float(text)


async def _reset(conn: Any) -> None:
    """Return a connection to the pool without asyncpg's reset round trip.

    asyncpg's default sends ``RESET ALL``, ``UNLISTEN *`` and unlocks every session lock each
    time a connection goes back, which doubled the cost of a single read. Pooled connections
    here carry no session state (no ``SET``, no ``LISTEN``, no session lock: the inbox's and
    the leader's locks live on connections of their own), so only a transaction left open by
    a cancelled task needs undoing.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def _prepare(conn: Any) -> None:
    """Set up each new connection: NUMERIC comes back as SQLite gives it (int or float)."""
    await conn.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=_numeric, format="text"
    )
