"""The ways a database file can be unusable, each told to the operator in one paragraph.

``check_pages`` and ``check_writable`` are the start-up checks that find the two a file can
only show once it is open (damaged pages; a file that opens but cannot be written).

These messages are for whoever runs rekobot, not for chat users, so they are English like the
rest of the command line. Each one names the file and says what to do about it: a supervisor
that restarts a crashing bot cannot fix a damaged file, a person can.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import aiosqlite


class DatabaseProblem(RuntimeError):
    """The database file cannot be used as it is; the message says why and what to do."""


class DatabaseUnusable(DatabaseProblem):
    """The file is missing its folder, read-only, not a database, damaged or failing."""

    @classmethod
    def because(cls, path: Path, error: sqlite3.Error) -> DatabaseUnusable:
        """Explain an error SQLite gave while opening or using the file."""
        name = getattr(error, "sqlite_errorname", "")
        if name == "SQLITE_NOTADB":
            return cls(
                f"{path} is not a SQLite database (SQLite says: {error}). Check that "
                "REKOBOT_DATABASE names rekobot's database file. If it does, the file is "
                f"damaged beyond opening: stop rekobot, move {path} (and any {path.name}-wal "
                "and -shm files next to it) aside, and restore your latest backup."
            )
        if name.startswith("SQLITE_CORRUPT"):
            return damaged(path, str(error))
        if name.startswith("SQLITE_READONLY"):
            return read_only_file(path)
        if name == "SQLITE_FULL":
            return cls(
                f"The disk that holds the database {path} is full (SQLite says: {error}). "
                "Free some space on it and start rekobot again; nothing was written."
            )
        if name == "SQLITE_BUSY":
            return cls(
                f"The database {path} stayed locked by another connection (SQLite says: "
                f"{error}). Another rekobot command may be using the same file, for example a "
                "migrate or a backup: let it finish, or stop it, and start again."
            )
        if name.startswith("SQLITE_IOERR"):
            return cls(
                f"Reading or writing the database {path} failed (SQLite says: {error}). The "
                "file may be truncated or the disk failing: stop rekobot, copy the file "
                "somewhere safe, check the disk, and restore your latest backup if the error "
                "comes back."
            )
        if name.startswith("SQLITE_CANTOPEN"):
            return cls(
                f"SQLite cannot open the database {path} (SQLite says: {error}). Check that it "
                "is a file, not a folder, and that the user that runs rekobot may read and "
                "write it and its folder."
            )
        return cls(
            f"The database {path} cannot be used (SQLite says: {error}). Check the file and "
            "its folder, or restore your latest backup."
        )


def damaged(path: Path, finding: str) -> DatabaseUnusable:
    """The file opens but its pages are inconsistent (what ``PRAGMA quick_check`` reports)."""
    return DatabaseUnusable(
        f"The database {path} is damaged ({finding}). rekobot refuses to run on it so that "
        f"nothing more is lost. Stop every rekobot process, move {path} (and any "
        f"{path.name}-wal and -shm files next to it) aside, keeping them, and restore your "
        "latest backup; the sqlite3 shell's .recover command can often rescue what the backup "
        "does not have."
    )


def read_only_file(path: Path) -> DatabaseUnusable:
    """The file exists but this user may not write it."""
    return DatabaseUnusable(
        f"The database {path} is read-only, but rekobot must write to it: carts, orders and "
        "the messages it sends are all kept there. Make the file writable for the user that "
        "runs rekobot (its owner, or chmod u+w), or point REKOBOT_DATABASE at a writable copy."
    )


def refuse_unwritable(path: Path) -> None:
    """Refuse a file or folder rekobot could not write, before SQLite creates anything.

    SQLite would open a read-only file read-only and fail only at the first write, long after
    start-up. The folder must be writable too: in WAL mode SQLite keeps two companion files
    (``NAME-wal`` and ``NAME-shm``) next to the database and creates them when it opens it.
    """
    folder = path.absolute().parent
    if not folder.is_dir():
        raise DatabaseUnusable(
            f"The folder {folder} for the database {path} does not exist. Create it, writable "
            "for the user that runs rekobot, or point REKOBOT_DATABASE at a file in an "
            "existing folder."
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise read_only_file(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise unwritable_folder(path)


def unwritable_folder(path: Path) -> DatabaseUnusable:
    """The folder of the database cannot take new files (the WAL companions, the lock)."""
    folder = path.absolute().parent
    return DatabaseUnusable(
        f"The folder {folder} that holds the database {path} is not writable. rekobot "
        "keeps the database in WAL mode, so that reading never waits for writing, and "
        f"SQLite then keeps two companion files ({path.name}-wal and {path.name}-shm) "
        "next to it, so the folder must be writable for the user that runs rekobot. Make "
        "it writable, or move the database to a folder that is and point REKOBOT_DATABASE "
        "there."
    )


async def check_pages(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse a file whose pages ``PRAGMA quick_check`` finds inconsistent."""
    rows = await conn.execute_fetchall("PRAGMA quick_check")
    # A row may hold several findings, one a line, under a "*** in database main ***" title.
    findings = [
        line.strip()
        for row in rows
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    if findings != ["ok"]:
        more = f", and {len(findings) - 1} more" if len(findings) > 1 else ""
        raise damaged(path, f"PRAGMA quick_check found: {findings[0]}{more}")


async def check_writable(conn: aiosqlite.Connection) -> None:
    """Write and roll back, so a file SQLite could only open read-only fails now.

    Taking the write lock is not enough: in WAL mode it lives in the ``-shm`` file, and only
    a change to a page finds out that the database file itself cannot be written.
    """
    version = next(iter(await conn.execute_fetchall("PRAGMA user_version")))[0]
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(f"PRAGMA user_version = {int(version)}")
    finally:
        await conn.execute("ROLLBACK")
