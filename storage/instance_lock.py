"""One rekobot per database file: a lock file next to the database, held while a command runs.

Two bots on one file would both poll Telegram (each stealing the other's updates) and both
drain the outbox. So ``rekobot run`` (and the commands that must not run beside it, such as
``migrate`` and ``restore``) hold ``flock(LOCK_EX | LOCK_NB)`` on ``<database>.lock`` for their
whole life. The kernel drops the lock when the process ends, however it ends, so a bot killed
with SIGKILL or by a power cut never blocks its restart. The holder writes its pid into the
file so a refusal can say who holds it.

The lock file is never deleted: a process could otherwise lock a file that another has just
unlinked and replaced, and two processes would each hold "the" lock. ``flock`` is per open file,
and does not work across machines on a network file system: keep the database on a local disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from storage import faults


class DatabaseInUse(RuntimeError):
    """Another process holds the database's lock."""

    def __init__(self, database: Path, pid: int | None) -> None:
        holder = "another rekobot" if pid is None else f"another rekobot (pid {pid})"
        super().__init__(
            f"{holder} is already running on {database}. Stop it first; only one may use a "
            f"database at a time (the lock is {lock_path(database)})."
        )
        self.database = database
        self.pid = pid


def lock_path(database: Path) -> Path:
    """Return the lock file that guards a database file."""
    return database.with_name(database.name + ".lock")


def lock_holder(database: Path) -> int | None:
    """Return the pid written by the last process that held the lock, if it can be read."""
    try:
        text = lock_path(database).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class InstanceLock:
    """The exclusive lock on one database file, as a context manager."""

    def __init__(self, database: Path) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock and write our pid into the file, or raise DatabaseInUse."""
        if self._fd is not None:
            return
        # A missing or read-only folder is the database's problem, told the database's way.
        faults.refuse_unwritable(self.database)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise faults.unwritable_folder(self.database) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(self.database, lock_holder(self.database)) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (the file stays, see the module docstring)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the only descriptor releases the flock

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
