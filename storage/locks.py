"""Locks that workers on one shared PostgreSQL database hold to share the work out.

Two kinds, both PostgreSQL session-level advisory locks, each on a connection of its own
(outside the pool: a pooled connection is reset, and its locks let go, when it goes back):

- **A chat's lock** (``ChatLocks``), held while a worker processes one of that chat's
  updates, so one chat is handled by one worker at a time and its updates stay in order.
- **The leader's lock** (``LeaderLock``), held by the one worker that runs the sweep and the
  outbox sender. It lives as long as its connection: a worker that dies, however it dies,
  drops the connection, the server lets the lock go, and another worker can take it.

On SQLite there is one process (``storage/instance_lock.py`` refuses a second), so every lock
here is granted at once and never lost: the same code runs, and the locks cost nothing.

The keys cannot collide with the transaction locks of ``storage/postgres.py`` and the
migrations: those take one ``bigint`` key, a chat's lock takes two ``int4`` keys, and
PostgreSQL keeps the two forms apart. A chat id is folded into 32 bits; two chats that fold
alike only wait for each other now and then.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import asyncpg

from storage.database import Database
from storage.postgres import CONNECT_TIMEOUT, PostgresDatabase

log = logging.getLogger(__name__)

#: The leader's lock (one ``bigint`` key, like ``WRITE_LOCK`` and ``MIGRATION_LOCK``).
LEADER_KEY = 0x5245_4B4C  # "REKL"
#: The first key of every chat's lock (two ``int4`` keys: this, and the folded chat id).
CHAT_LOCKS = 0x5245_4B43  # "REKC"
#: The first key of the lock of an update that belongs to no chat (keyed by its update_id).
UPDATE_LOCKS = 0x5245_4B55  # "REKU"
#: Seconds a lock's statement may take before its connection counts as lost.
STATEMENT_TIMEOUT = 5.0
#: The server notices a worker's machine gone silent (no FIN, e.g. a cut cable) after about
#: idle + interval x count seconds, and lets its locks go; PostgreSQL's default is 2 hours.
_KEEPALIVES = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
    "application_name": "rekobot-locks",
}


def fold(number: int) -> int:
    """A 64-bit id as a signed 32-bit key: its two halves XORed."""
    folded = (number ^ (number >> 32)) & 0xFFFF_FFFF
    return folded - 0x1_0000_0000 if folded >= 0x8000_0000 else folded


class ChatLocks(ABC):
    """One chat at a time per worker: try a chat's lock, let it go when its update is done."""

    #: Whether other processes may hold these locks (PostgreSQL) or none can (SQLite).
    shared: bool = False

    @abstractmethod
    async def try_lock(self, chat_id: int | None, update_id: int) -> bool:
        """Take the lock of the update's chat (of the update itself, with no chat), or False."""

    @abstractmethod
    async def unlock(self, chat_id: int | None, update_id: int) -> None:
        """Let go of the lock ``try_lock`` took."""

    @abstractmethod
    async def close(self) -> None:
        """Close the lock's connection (letting go of anything held)."""


class LeaderLock(ABC):
    """The one lock that makes a worker the leader."""

    #: Called (at most once per holding) when the lock was lost with its connection.
    on_lost: Callable[[], None] | None = None
    #: Whether other processes may take it (PostgreSQL) or none can (SQLite).
    shared: bool = False

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this worker holds the lock now, as far as it knows."""

    @abstractmethod
    async def try_take(self) -> bool:
        """Take the lock if no worker holds it; True when this worker holds it now."""

    @abstractmethod
    async def confirm(self) -> bool:
        """Check that the lock's connection still answers; False (and lost) when it does not."""

    @abstractmethod
    async def release(self) -> None:
        """Let the lock go and close its connection."""


def chat_locks(db: Database) -> ChatLocks:
    """The chat locks for the database's engine."""
    if isinstance(db, PostgresDatabase):
        return PostgresChatLocks(db)
    return OneProcessChatLocks()


def leader_lock(db: Database) -> LeaderLock:
    """The leader's lock for the database's engine."""
    if isinstance(db, PostgresDatabase):
        return PostgresLeaderLock(db)
    return OneProcessLeaderLock()


class OneProcessChatLocks(ChatLocks):
    """SQLite: one process takes the updates one at a time, so no lock is needed."""

    async def try_lock(self, chat_id: int | None, update_id: int) -> bool:
        """Always granted."""
        return True

    async def unlock(self, chat_id: int | None, update_id: int) -> None:
        """Nothing to let go."""

    async def close(self) -> None:
        """Nothing to close."""


class OneProcessLeaderLock(LeaderLock):
    """SQLite: the one process is always the leader."""

    def __init__(self) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        """Held from the first ``try_take`` on."""
        return self._held

    async def try_take(self) -> bool:
        """Always granted."""
        self._held = True
        return True

    async def confirm(self) -> bool:
        """Never lost."""
        return self._held

    async def release(self) -> None:
        """Nothing to let go."""
        self._held = False


async def _connect(db: PostgresDatabase) -> Any:
    """A connection of its own, outside the pool, that the server watches for silence."""
    return await asyncpg.connect(
        db.address.url, timeout=CONNECT_TIMEOUT, server_settings=_KEEPALIVES
    )


def _keys(chat_id: int | None, update_id: int) -> tuple[int, int]:
    if chat_id is None:
        return UPDATE_LOCKS, fold(update_id)
    return CHAT_LOCKS, fold(chat_id)


class PostgresChatLocks(ChatLocks):
    """Chat locks on one connection of this worker's (it handles one update at a time)."""

    shared = True

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._conn: Any = None
        #: The keys this worker holds: PostgreSQL grants a session a lock it holds again,
        #: and a chat in this worker's hands must not be taken a second time either.
        self._held: set[tuple[int, int]] = set()

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            # A lost connection took its locks with it; a new one starts with none.
            self._conn = await _connect(self.db)
            self._held.clear()
        return self._conn

    async def try_lock(self, chat_id: int | None, update_id: int) -> bool:
        """``pg_try_advisory_lock`` on the chat's two keys: never waits."""
        keys = _keys(chat_id, update_id)
        if keys in self._held and self._conn is not None and not self._conn.is_closed():
            return False
        try:
            got = await (await self._connection()).fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", *keys, timeout=STATEMENT_TIMEOUT
            )
        except (OSError, asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError):
            # A connection that died unnoticed (the server restarted): once more on a new one.
            log.warning("chat lock: the lock's connection is gone; opening a new one")
            await self._drop()
            got = await (await self._connection()).fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", *keys, timeout=STATEMENT_TIMEOUT
            )
        if got:
            self._held.add(keys)
        return bool(got)

    async def unlock(self, chat_id: int | None, update_id: int) -> None:
        """``pg_advisory_unlock``; a connection lost meanwhile has let go already."""
        keys = _keys(chat_id, update_id)
        conn = self._conn
        if keys not in self._held:
            return
        self._held.discard(keys)
        if conn is None or conn.is_closed():
            return
        try:
            await conn.fetchval(
                "SELECT pg_advisory_unlock($1, $2)", *keys, timeout=STATEMENT_TIMEOUT
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("chat lock: the lock's connection is gone; opening a new one next time")
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        """Close the connection; the server lets go of its locks."""
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None and not conn.is_closed():
            await conn.close(timeout=STATEMENT_TIMEOUT)


class PostgresLeaderLock(LeaderLock):
    """The leader's lock on a connection of its own, watched for loss.

    A follower keeps the connection between its tries, so trying costs one statement.
    """

    shared = True

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._conn: Any = None
        self._held = False

    @property
    def held(self) -> bool:
        """Held while the connection that took it is open."""
        return self._held and self._conn is not None and not self._conn.is_closed()

    async def try_take(self) -> bool:
        """``pg_try_advisory_lock(LEADER_KEY)``: True when this worker holds it now."""
        if self.held:
            return True
        if self._conn is None or self._conn.is_closed():
            self._held = False
            self._conn = await _connect(self.db)
            self._conn.add_termination_listener(self._terminated)
        conn = self._conn
        try:
            got = await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", LEADER_KEY, timeout=STATEMENT_TIMEOUT
            )
        except BaseException:
            self._forget(conn)
            raise
        self._held = bool(got)
        return self._held

    def _forget(self, conn: Any) -> None:
        if self._conn is conn:
            self._conn, self._held = None, False
        conn.terminate()

    def _terminated(self, conn: Any) -> None:
        """The connection closed under us (the server went, or the network): the lock is gone."""
        if conn is not self._conn:
            return
        held = self._held
        self._conn, self._held = None, False
        if held:
            log.error("leader: the connection holding the leader's lock is lost")
            if self.on_lost is not None:
                self.on_lost()

    async def confirm(self) -> bool:
        """Ask the lock's connection a trivial question; a silent or broken one loses the lock."""
        conn = self._conn
        if not self.held:
            return False
        try:
            await conn.fetchval("SELECT 1", timeout=STATEMENT_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.error("leader: the leader's lock connection does not answer (%s)", exc)
            self._terminated(conn)  # tells on_lost now; the listener then finds it done
            conn.terminate()
            return False
        return True

    async def release(self) -> None:
        """Let the lock go by closing its connection."""
        conn = self._conn
        self._conn, self._held = None, False
        if conn is None or conn.is_closed():
            return
        try:
            await conn.close(timeout=STATEMENT_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            conn.terminate()
