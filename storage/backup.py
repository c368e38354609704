"""Copies of the database file: taken while the bot runs, checked, named by date, restored.

A copy goes through SQLite's online backup API in a single step, so it is one read transaction:
over the WAL the bot keeps writing meanwhile, and the copy is the database exactly as it was
when the copy began (every transaction committed by then, none after). Each copy is written to
a ``.partial`` file, checked with ``PRAGMA integrity_check`` and only then renamed to its name,
so a file with a backup's name is always a whole, sound database. Copies are in rollback-journal
mode: one self-contained file, nothing beside it.

These functions are blocking (the standard ``sqlite3`` module, not aiosqlite): the bot runs
them in a thread, the CLI directly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.instance_lock import InstanceLock
from storage.migrations import load_migrations

log = logging.getLogger(__name__)

#: What a backup is called: the UTC time it was taken. Only these are pruned.
BACKUP_NAME = re.compile(r"^rekobot-\d{8}-\d{6}(-\d+)?\.sqlite3$")
SQLITE_HEADER = b"SQLite format 3\x00"
#: The table every rekobot database has from its first migration.
MARKER_TABLE = "rings"


class BackupFailed(RuntimeError):
    """A copy could not be taken, or the copy is not sound."""


class RestoreRefused(RuntimeError):
    """The file offered for a restore is not a database this rekobot can run on."""


@dataclass(frozen=True)
class FileCheck:
    """What ``check_database`` found in a file."""

    path: Path
    schema_version: int | None
    known_version: int
    problems: tuple[str, ...]

    @property
    def sound(self) -> bool:
        """Whether the file is a whole rekobot database this code can open."""
        return not self.problems

    @property
    def needs_migrations(self) -> bool:
        """Whether migrations are still to be applied (``rekobot run`` applies them)."""
        return self.schema_version is not None and self.schema_version < self.known_version


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_database(path: Path, *, quick: bool = False) -> FileCheck:
    """Open a file read-only and say whether it is a sound rekobot database, and at what schema.

    ``quick`` runs ``quick_check`` instead of the full ``integrity_check``: it skips checking
    that the indexes match their tables, which is most of the work on a large file.
    """
    known = len(load_migrations())

    def found(*problems: str, version: int | None = None) -> FileCheck:
        return FileCheck(path, version, known, problems)

    if not path.is_file():
        return found(f"{path} does not exist")
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        return found(f"{path} cannot be read: {exc}")
    if header != SQLITE_HEADER:
        return found(f"{path} is not a SQLite database")
    try:
        conn = _open_read_only(path)
    except sqlite3.Error as exc:
        return found(f"{path} cannot be opened: {exc}")
    try:
        pragma = "quick_check" if quick else "integrity_check"
        verdict = [row[0] for row in conn.execute(f"PRAGMA {pragma}(20)")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        marked = conn.execute(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (MARKER_TABLE,)
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        return found(f"{path} is damaged: {exc}")
    except UnicodeDecodeError:  # a damaged page handed back text that is not UTF-8
        return found(f"{path} is damaged: it holds text that is not UTF-8")
    finally:
        conn.close()
    problems = []
    if verdict != ["ok"]:
        problems.append(f"{path} is damaged: " + "; ".join(verdict))
    if version == 0 or marked is None:
        problems.append(f"{path} is not a rekobot database (schema version {version})")
    elif version > known:
        problems.append(
            f"{path} is at schema version {version}, written by a newer rekobot "
            f"(this one knows {known})"
        )
    return found(*problems, version=version)


def backup_name(now: datetime, *, suffix: str = "") -> str:
    """Name a backup after the UTC time it is taken: ``rekobot-20261201-030000.sqlite3``."""
    if now.tzinfo is None:
        raise ValueError("a backup is named after an aware datetime")
    return f"rekobot-{now.astimezone(UTC):%Y%m%d-%H%M%S}{suffix}.sqlite3"


def free_name(directory: Path, name: str) -> Path:
    """Return ``directory/name``, or the name with ``-2``, ``-3``… when that file exists."""
    stem, ext = (
        (name.removesuffix(".sqlite3"), ".sqlite3") if name.endswith(".sqlite3") else (name, "")
    )
    candidate = directory / name
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = directory / f"{stem}-{counter}{ext}"
    return candidate


def copy_database(source: Path, target: Path) -> FileCheck:
    """Copy a database (live or not) to ``target`` in one consistent step, and check the copy.

    Raises BackupFailed, leaving nothing at ``target``, when the source cannot be read or the
    copy is not sound.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = _open_read_only(source)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # pages=-1: the whole file inside one read transaction
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"could not copy {source}: {exc}") from exc
    check = check_database(partial)
    if not check.sound:
        partial.unlink(missing_ok=True)
        raise BackupFailed("the copy is not sound: " + "; ".join(check.problems))
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    partial.replace(target)
    return FileCheck(target, check.schema_version, check.known_version, ())


def take_backup(database: Path, directory: Path, now: datetime, *, suffix: str = "") -> Path:
    """Copy the database into ``directory`` (created if need be) under a dated name."""
    if not database.is_file():
        raise BackupFailed(f"{database} does not exist")
    directory.mkdir(parents=True, exist_ok=True)
    target = free_name(directory, backup_name(now, suffix=suffix))
    copy_database(database, target)
    log.info("Backed up %s to %s", database, target)
    return target


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete the oldest dated backups in ``directory`` beyond the newest ``keep``."""
    dated = sorted(
        (path for path in directory.iterdir() if BACKUP_NAME.match(path.name)),
        key=lambda path: path.name,
    )
    removed = dated[:-keep] if keep > 0 else dated
    for path in removed:
        path.unlink(missing_ok=True)
        log.info("Removed the old backup %s", path)
    return removed


def nightly_backup(database: Path, directory: Path, keep: int, now: datetime) -> Path:
    """Take the night's backup, then keep only the newest ``keep`` of them."""
    path = take_backup(database, directory, now)
    prune_backups(directory, keep)
    return path


def backup_before_migrating(database: Path, directory: Path, now: datetime) -> Path | None:
    """Copy a database that has data and pending migrations; return the copy, or None.

    The copy is named ``rekobot-<time>-before-schema-<n>.sqlite3`` and is never pruned: it is
    the way back if an upgrade goes wrong.
    """
    if not database.is_file() or database.stat().st_size == 0:
        return None
    conn = _open_read_only(database)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"could not read {database}: {exc}") from exc
    finally:
        conn.close()
    known = len(load_migrations())
    if version == 0 or version >= known:
        return None
    return take_backup(database, directory, now, suffix=f"-before-schema-{known}")


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    database: Path
    source: FileCheck
    kept_aside: Path | None


def restore_database(source: Path, database: Path, now: datetime) -> Restored:
    """Put a checked copy of ``source`` in place of ``database``, keeping the current file aside.

    Takes the database's lock for the whole operation, so it raises DatabaseInUse while a bot
    runs on the file (and no bot can start half-way). The current file, with its WAL, is renamed
    to ``<database>.before-restore-<time>``; the new file is first copied next to it and checked,
    then renamed into place, so the database is missing for no more than two renames.
    """
    with InstanceLock(database):
        if source.resolve() == database.resolve():
            raise RestoreRefused(f"{source} is the database itself")
        check = check_database(source)
        if not check.sound:
            raise RestoreRefused("; ".join(check.problems))
        incoming = database.with_name(database.name + ".restoring")
        try:
            copy_database(source, incoming)
        except BackupFailed as exc:
            raise RestoreRefused(str(exc)) from exc
        aside = None
        if database.exists():
            aside = free_name(
                database.parent,
                f"{database.name}.before-restore-{now.astimezone(UTC):%Y%m%d-%H%M%S}",
            )
            database.replace(aside)
            wal = database.with_name(database.name + "-wal")
            if wal.exists():
                # Its WAL goes with the file it belongs to; left here it would be replayed
                # into the restored file and corrupt it.
                wal.replace(aside.with_name(aside.name + "-wal"))
        with contextlib.suppress(FileNotFoundError):
            database.with_name(database.name + "-shm").unlink()
        incoming.replace(database)
        log.info("Restored %s from %s; the previous file is %s", database, source, aside)
        return Restored(database, check, aside)
