"""The one connection to the SQLite file, and the transactions on it.

All work goes through a single aiosqlite connection guarded by an asyncio lock, so there is
one writer and a transaction is never interleaved with another coroutine's statements.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import apply_migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
Params = Sequence[Any] | dict[str, Any]


class Database:
    """A connection to the rekobot SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def connect(self, *, migrate: bool = True) -> Database:
        """Open the file, set the pragmas and bring the schema up to date."""
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA synchronous=NORMAL")
        if migrate:
            try:
                await apply_migrations(conn)
            except BaseException:
                await conn.close()
                raise
        self._conn = conn
        return self

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def is_connected(self) -> bool:
        """Whether the file is open."""
        return self._conn is not None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise RuntimeError("Database is not connected")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run a write transaction: BEGIN IMMEDIATE, then COMMIT or ROLLBACK."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Transaction]:
        """Run several reads on one consistent snapshot."""
        async with self._lock:
            await self.conn.execute("BEGIN")
            try:
                yield Transaction(self.conn)
            finally:
                await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a read and return every row."""
        async with self._lock:
            return await Transaction(self.conn).fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Run a read and return the first row, if any."""
        async with self._lock:
            return await Transaction(self.conn).fetchone(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; return the rows changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)


class Transaction:
    """Statements inside one open transaction (or one locked read)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    # execute_fetchall is one trip to aiosqlite's thread; execute + fetch + close would be three.
    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Return every row of a query."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Return the first row of a query, if any."""
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return the number of rows it changed."""
        async with self.conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row id."""
        row = await self.conn.execute_insert(sql, params)
        if row is None:  # pragma: no cover - sqlite always sets it after INSERT
            raise RuntimeError("INSERT did not return a row id")
        return int(row[0])

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per row."""
        await self.conn.executemany(sql, rows)
