"""Which engine an address names: a ``postgresql://`` URL, or else a SQLite file's path."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from storage.postgres import PostgresAddress, PostgresDatabase
from storage.sqlite import SqliteDatabase

#: What REKOBOT_DATABASE holds once read: a file's path or a PostgreSQL URL.
Address = Path | PostgresAddress


def parse_address(value: str | Path | PostgresAddress) -> Address:
    """Read REKOBOT_DATABASE: a PostgreSQL URL stays a URL, anything else is a path."""
    if isinstance(value, (Path, PostgresAddress)):
        return value
    return PostgresAddress.parse(value) or Path(value)


def open_database(address: Address) -> Database:
    """The (not yet connected) database an address names."""
    if isinstance(address, PostgresAddress):
        return PostgresDatabase(address)
    return SqliteDatabase(address)
