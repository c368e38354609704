"""The SQLite engine: one file, one writer, readers over the WAL, checks that refuse a bad file.

Writes go through one connection guarded by an asyncio lock, so there is one writer and a
write transaction is never interleaved with another coroutine's statements. Reads go to
separate read-only connections (a pool, of one by default): in WAL mode a reader sees the last
committed snapshot and never waits for the writer, so browsing never competes with checkouts
for the write lock.

Statements run on the event loop's thread, not one thread hop each: an indexed statement
costs tens of microseconds, while handing it to aiosqlite's thread and back cost more than
that plus two wake-ups, which on a loaded machine was most of an update's time. In WAL mode
with ``synchronous=NORMAL`` a ``COMMIT`` appends to the WAL without syncing it (only a
checkpoint syncs, and the writer never checkpoints), so a small one runs on the loop too: the
hop cost a checkout a tenth of its time (122 -> 137 checkouts/s, A/B in one process). Steps
that can wait go to the writer's aiosqlite thread: the ``BEGIN IMMEDIATE`` when another
process holds the write lock (it may wait up to the busy timeout), the ``COMMIT`` of a
transaction that changed many rows (a chunk of a sweep, a broadcast or a prune: many pages to
write, and a busy disk can make that slow), and every ``COMMIT`` of a file that could not
enter WAL mode (it syncs the journal). A read in WAL mode never waits for a lock, and the
statements here are index searches (``tests/test_due_work.py`` checks the plans of the big
ones), so the loop is never held long.

The writer never checkpoints the WAL itself. SQLite's autocheckpoint runs inside the
``COMMIT`` of whichever write crosses 1,000 WAL pages, copying them into the database file
and syncing it: measured at national scale it made one ``COMMIT`` of the reminder sweep
hold the write lock for a second while every customer's write queued behind it.
``checkpoint()`` does that work on a connection of its own, in its own thread, outside the
write lock; the sweep calls it after each round of due work (``handlers/sweep.py``).

Opening refuses a file rekobot could not run on (read-only, not a database, damaged) with a
``DatabaseUnusable`` that tells the operator what to do, and first closes whatever it opened:
each aiosqlite connection runs a non-daemon thread, and one left behind keeps the process
alive forever after the error.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import Checkpointed, Database, Params, Row, Transaction
from storage.faults import DatabaseUnusable, check_pages, check_writable, refuse_unwritable
from storage.migrations import apply_migrations

log = logging.getLogger(__name__)

#: How long a write waits for another connection's write (a second process, a backup)
#: before SQLite gives up with "database is locked". A write that waits succeeds; one that
#: gives up loses what the customer tapped. Writers within one process queue on the lock.
BUSY_TIMEOUT_MS = 10_000
READERS = 1
#: How much of the file each connection keeps in memory, in KiB (SQLite's default: 2,000).
CACHE_KIB = 16_384
#: A write transaction that changed at most this many rows commits on the loop's thread (a
#: checkout changes about a dozen); a bigger one commits on the writer's thread.
SMALL_COMMIT_ROWS = 64
#: Past this size, a WAL that a passive checkpoint could not empty (a reader held an old
#: snapshot) is truncated as soon as nothing holds it; below it, once it is fully copied.
WAL_LIMIT_BYTES = 64 * 2**20

_EVERY_CONNECTION = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA cache_size=-{CACHE_KIB}",
)


class SqliteDatabase(Database):
    """The rekobot SQLite file: a writer connection and a small pool of readers."""

    engine = "sqlite"

    def __init__(self, path: Path | str, *, readers: int = READERS) -> None:
        if readers < 1:
            raise ValueError("a database needs at least one reader")
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._checkpointer: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        #: In WAL mode a COMMIT does not sync, so it need not leave the loop's thread.
        self._commit_on_loop = False
        self._reader_count = readers
        self._readers: list[sqlite3.Connection] = []
        self._idle: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()

    async def connect(self, *, migrate: bool = True, check: bool = True) -> SqliteDatabase:
        """Open the file, refuse it if rekobot cannot run on it, migrate it, open the readers.

        ``check`` runs ``PRAGMA quick_check``, which reads every page: a damaged file is
        refused at start-up instead of failing in the middle of a pickup.
        """
        if self._writer is not None:
            return self
        refuse_unwritable(self.path)
        opened: list[aiosqlite.Connection] = []
        readers: list[sqlite3.Connection] = []
        try:
            writer = await _open(self.path, opened)
            mode = await _scalar(writer, "PRAGMA journal_mode=WAL")
            if mode != "wal":
                log.warning("%s stays in journal mode %s: reads wait for writes", self.path, mode)
            await writer.execute("PRAGMA synchronous=NORMAL")
            await writer.execute("PRAGMA wal_autocheckpoint=0")  # checkpoint() does it
            if check:
                await check_pages(writer, self.path)
            await check_writable(writer)
            if migrate:
                await apply_migrations(writer)
            for _ in range(self._reader_count):
                readers.append(_open_reader(self.path))
            checkpointer = await _open(self.path, opened)
            # It never waits: a checkpoint that would have to is tried again next sweep.
            await checkpointer.execute("PRAGMA busy_timeout=0")
        except BaseException as exc:
            for reader in readers:
                reader.close()
            for conn in reversed(opened):
                await _close_quietly(conn)
            if isinstance(exc, sqlite3.Error):
                raise DatabaseUnusable.because(self.path, exc) from exc
            raise
        self._writer, self._readers, self._checkpointer = writer, readers, checkpointer
        self._commit_on_loop = mode == "wal"
        if self._commit_on_loop:  # the loop never waits on a lock (see _begin)
            await writer.execute("PRAGMA busy_timeout=0")
        self._idle = asyncio.Queue()
        for reader in self._readers:
            self._idle.put_nowait(reader)
        return self

    async def close(self) -> None:
        """Close the readers and the writer."""
        readers, writer, checkpointer = self._readers, self._writer, self._checkpointer
        self._writer, self._readers, self._checkpointer = None, [], None
        failures = []
        for reader in readers:
            try:
                reader.close()
            except Exception as exc:  # close the others all the same
                failures.append(exc)
        # The writer closes last: closing the last connection checkpoints and removes the WAL.
        for conn in [c for c in (checkpointer, writer) if c is not None]:
            try:
                await conn.close()
            except Exception as exc:  # close the others all the same
                failures.append(exc)
        if failures:
            raise failures[0]

    @property
    def is_connected(self) -> bool:
        """Whether the file is open."""
        return self._writer is not None

    @property
    def label(self) -> str:
        """The file's path."""
        return str(self.path)

    async def schema_version(self) -> int:
        """The file's ``PRAGMA user_version``: how many migrations it has had."""
        async with self.read() as tx:
            return int(await tx.scalar("PRAGMA user_version"))

    @property
    def conn(self) -> aiosqlite.Connection:
        """The writer connection (migrations use it directly)."""
        if self._writer is None:
            raise RuntimeError("Database is not connected")
        return self._writer

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with every statement any connection runs (None stops it).

        Benchmarks and tests count statements per update with it.
        """
        await self.conn.set_trace_callback(callback)  # type: ignore[arg-type] # None stops it
        for reader in self._readers:
            reader.set_trace_callback(callback)

    async def checkpoint(self) -> Checkpointed:
        """Copy the WAL into the database file, outside the write lock, in a thread of its own.

        A passive checkpoint copies what no reader still needs and never blocks a writer or a
        reader. When it copied everything, or the WAL grew past ``WAL_LIMIT_BYTES``, a
        ``TRUNCATE`` checkpoint follows, which empties the file; it needs the write lock for
        a moment and gives up at once (busy timeout 0) if a write or a reader is in the way.
        """
        if self._checkpointer is None:
            raise RuntimeError("Database is not connected")
        frames, copied = await _wal_checkpoint(self._checkpointer, "PASSIVE")
        wal = self.path.with_name(self.path.name + "-wal")
        size = wal.stat().st_size if wal.exists() else 0
        truncated = False
        if size and (copied >= frames or size > WAL_LIMIT_BYTES):
            busy = await _scalar(self._checkpointer, "PRAGMA wal_checkpoint(TRUNCATE)")
            truncated = busy == 0
            if truncated:
                copied = frames
            elif size > WAL_LIMIT_BYTES:
                log.warning("the WAL of %s is %d MiB and still in use", self.path, size >> 20)
        return Checkpointed(frames, copied, truncated)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run a write transaction: BEGIN IMMEDIATE, then COMMIT or ROLLBACK.

        After a COMMIT on the loop the loop runs once before the caller goes on: a loop of
        small writes with nothing else to wait for would otherwise never let a customer's
        update (or a writer queued on the lock) in between two of them.
        """
        async with self._lock:
            conn = self.conn
            raw = _raw(conn)
            await self._begin(conn, raw)
            changes_before = raw.total_changes
            try:
                yield SqliteTransaction(raw)
                on_loop = (
                    self._commit_on_loop
                    and raw.total_changes - changes_before <= SMALL_COMMIT_ROWS
                )
                if on_loop:
                    raw.execute("COMMIT")
                else:
                    await conn.execute("COMMIT")
            except BaseException:
                # SQLite rolls back by itself on some errors (a full disk): a second ROLLBACK
                # would raise "no transaction is active" and hide the real error.
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
        if on_loop:
            await asyncio.sleep(0)

    async def _begin(self, conn: aiosqlite.Connection, raw: sqlite3.Connection) -> None:
        """Take the write lock: at once on the loop when no other process holds it.

        Within this process the asyncio lock already makes writers queue, so in WAL mode the
        lock is free unless a second process (a CLI command, a backup restore) or a truncating
        checkpoint holds it. The writer's busy timeout is 0 in WAL mode, so the ``BEGIN`` on
        the loop fails at once instead of waiting, and only then is it tried again, waiting up
        to the busy timeout, on the writer's own thread. (A file outside WAL mode keeps its
        busy timeout and always begins on the thread: its ``COMMIT`` waits for readers too.)
        """
        if not self._commit_on_loop:
            await conn.execute("BEGIN IMMEDIATE")
            return
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            await _begin_waiting(conn)

    def read(self) -> AbstractAsyncContextManager[Transaction]:
        """Run several reads on one consistent snapshot, on a reader: never waits for writes."""
        return _Snapshot(self)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one read on a reader and return every row (one statement: its own snapshot)."""
        conn = await self._borrow()
        try:
            return await SqliteTransaction(conn).fetchall(sql, params)
        finally:
            self._idle.put_nowait(conn)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run one read on a reader and return the first row, if any."""
        conn = await self._borrow()
        try:
            return await SqliteTransaction(conn).fetchone(sql, params)
        finally:
            self._idle.put_nowait(conn)

    async def _borrow(self) -> sqlite3.Connection:
        """An idle reader, waiting for one when all are in use; give it back to ``_idle``."""
        if self._writer is None:
            raise RuntimeError("Database is not connected")
        if not self._idle.empty():
            return self._idle.get_nowait()
        return await self._idle.get()


class _Snapshot(AbstractAsyncContextManager[Transaction]):
    """A read block: a reader borrowed, ``BEGIN``, its reads, ``ROLLBACK``, the reader back.

    A class, not a generator-based context manager: every update runs a few of these, and a
    generator's frame and the ``contextlib`` machinery around it cost more than the BEGIN.
    """

    __slots__ = ("_conn", "_db")

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._conn: sqlite3.Connection | None = None

    async def __aenter__(self) -> Transaction:
        conn = await self._db._borrow()
        try:
            conn.execute("BEGIN")
        except BaseException:
            self._db._idle.put_nowait(conn)
            raise
        self._conn = conn
        return SqliteTransaction(conn)

    async def __aexit__(self, *exc_info: object) -> None:
        conn, self._conn = self._conn, None
        assert conn is not None
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            self._db._idle.put_nowait(conn)


class SqliteTransaction(Transaction):
    """Statements inside one open transaction (or one snapshot of a reader).

    The methods are coroutines so that callers read the same on either engine; here they run
    the statement at once, on the calling thread.
    """

    #: ``BEGIN IMMEDIATE`` locks the whole file: there are no row locks to take or skip.
    locks_rows = False

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query."""
        return list(self.conn.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, if any."""
        rows = self.conn.execute(sql, params).fetchmany(1)
        return rows[0] if rows else None

    async def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Return every row as a plain tuple: cheaper than rows when there are thousands."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return list(cursor.execute(sql, params).fetchall())

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return the number of rows it changed."""
        return self.conn.execute(sql, params).rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row id."""
        row_id = self.conn.execute(sql, params).lastrowid
        if row_id is None:  # pragma: no cover - sqlite always sets it after INSERT
            raise RuntimeError("INSERT did not return a row id")
        return int(row_id)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per row."""
        self.conn.executemany(sql, rows)


def _raw(conn: aiosqlite.Connection) -> sqlite3.Connection:
    """The writer's sqlite3 connection, to run a transaction's statements without a hop.

    Safe because the connection is opened with ``check_same_thread=False`` and, inside
    ``transaction()``, nothing else uses it: its aiosqlite thread is idle between the BEGIN
    and the COMMIT it ran.
    """
    return conn._conn  # aiosqlite has no public accessor


async def _begin_waiting(conn: aiosqlite.Connection) -> None:
    """``BEGIN IMMEDIATE`` on the writer's thread, waiting up to the busy timeout for the lock."""
    await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        await conn.execute("BEGIN IMMEDIATE")
    finally:
        await conn.execute("PRAGMA busy_timeout=0")


def _open_reader(path: Path) -> sqlite3.Connection:
    """Open one read-only connection; its statements run on the event loop's thread."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        for pragma in (*_EVERY_CONNECTION, "PRAGMA query_only=ON"):
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


async def _open(path: Path, opened: list[aiosqlite.Connection]) -> aiosqlite.Connection:
    """Open one connection, listed in ``opened`` at once so a failure after it closes it."""
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    opened.append(conn)
    conn.row_factory = aiosqlite.Row
    for pragma in _EVERY_CONNECTION:
        await conn.execute(pragma)
    return conn


async def _wal_checkpoint(conn: aiosqlite.Connection, mode: str) -> tuple[int, int]:
    """Run ``PRAGMA wal_checkpoint(mode)``; return the WAL's frames and how many are copied."""
    rows = await conn.execute_fetchall(f"PRAGMA wal_checkpoint({mode})")
    _busy, frames, copied = next(iter(rows))
    return max(0, int(frames)), max(0, int(copied))


async def _scalar(conn: aiosqlite.Connection, sql: str) -> Any:
    rows = await conn.execute_fetchall(sql)
    return next(iter(rows))[0]


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    """Close a connection after a failure; the failure, not this, is what gets reported."""
    try:
        await conn.close()
    except Exception:
        log.debug("closing %s after a failure failed too", conn, exc_info=True)
