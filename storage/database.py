"""What every repository in ``storage/`` talks to: a database and its transactions.

There are two engines behind this one interface: a SQLite file (``storage/sqlite.py``, the
default, one process) and PostgreSQL (``storage/postgres.py``, for several workers on one
shared store). The repositories are one set of functions written against ``Transaction``;
their SQL is written once, in SQLite's spelling, and ``storage/dialect.py`` turns it into
PostgreSQL's where the two differ. ``storage/engines.py`` picks the engine from the address.

The rules both engines keep, which the services rely on:

- one writer at a time: a write transaction never interleaves with another one, in this
  process or (on PostgreSQL) in any worker, so a read-then-write inside it is safe;
- a read (``read()``, ``fetchall``) sees one committed snapshot and never waits for a writer;
- a row comes back indexable by position and by column name (``Row``).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, TypeVar

Params = Sequence[Any] | dict[str, Any]


class Row(Protocol):
    """One row of a result: ``row[0]``, ``row["name"]``, ``row.keys()``, ``dict(row)``."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


E = TypeVar("E", bound=Enum)


def enum_member(kind: type[E], value: object) -> E:
    """The member of an enum that a column holds: ``kind(value)``, by one dict lookup.

    ``Enum(value)`` goes through the enum's metaclass and ``__new__``; for /orders with a long
    history (about 140 statuses and price bases a tap) that was a tenth of the tap.
    """
    found = _members(kind).get(value)
    return found if found is not None else kind(value)  # an unknown value raises ValueError


@functools.cache
def _members(kind: type[E]) -> dict[object, E]:
    return {item.value: item for item in kind}


@dataclass(frozen=True)
class Checkpointed:
    """What one ``Database.checkpoint()`` did: the WAL's frames, and how many reached the file."""

    frames: int
    copied: int
    truncated: bool

    @property
    def complete(self) -> bool:
        """Whether every committed frame is now in the database file."""
        return self.copied >= self.frames


class Transaction(ABC):
    """Statements inside one open transaction (or one read snapshot).

    The methods are coroutines so that callers read the same on either engine.
    """

    #: Whether the engine locks the rows a statement takes (PostgreSQL) or the whole store
    #: for the transaction (SQLite): a claim adds ``FOR UPDATE SKIP LOCKED`` only on the first.
    locks_rows: bool = False

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, if any."""

    @abstractmethod
    async def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Return every row as a plain tuple: cheaper than rows when there are thousands."""

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return the number of rows it changed."""

    @abstractmethod
    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT into a table keyed by ``id`` and return the new row's id."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per row."""


class Database(ABC):
    """A connected store: write transactions, read snapshots and single reads."""

    #: "sqlite" or "postgresql": for the few places that must say which (health, the CLI).
    engine: str

    @abstractmethod
    async def connect(self, *, migrate: bool = True, check: bool = True) -> Database:
        """Open the store, refuse it if rekobot cannot run on it, and migrate it."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection."""

    async def __aenter__(self) -> Database:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    @abstractmethod
    def is_connected(self) -> bool:
        """Whether the store is open."""

    @property
    @abstractmethod
    def label(self) -> str:
        """The store as an operator names it: the file's path, or the URL without a password."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Transaction]:
        """Several reads on one consistent snapshot; never waits for writes."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one read and return every row."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run one read and return the first row, if any."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; return the rows changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    @abstractmethod
    async def schema_version(self) -> int:
        """How many migrations the store has had."""

    @abstractmethod
    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with every statement run (None stops it): for counting them."""

    @abstractmethod
    async def checkpoint(self) -> Checkpointed:
        """Move committed work into the main store, outside the write lock (SQLite's WAL)."""

