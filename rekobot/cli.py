"""The ``rekobot`` command: run, migrate, demo data; back up, restore, check, copy to PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from rekobot.clock import utcnow
from rekobot.logs import setup_logging
from rekobot.settings import TOKEN_HELP, Settings
from storage import backup
from storage.copy import CopyFailed, CopyRefused, TableCount, copy_to_postgres
from storage.engines import open_database
from storage.faults import DatabaseProblem, DatabaseUnusable
from storage.instance_lock import DatabaseInUse, InstanceLock
from storage.postgres import PostgresAddress

if TYPE_CHECKING:
    from rekobot.app import RekoApplication

log = logging.getLogger("rekobot")


def cmd_run(settings: Settings) -> int:
    """Serve Telegram (polling or webhook) until SIGINT or SIGTERM; updates go via the inbox."""
    problem = settings.token_problem()
    if problem is not None:
        print(TOKEN_HELP.format(problem=problem), file=sys.stderr)
        return 2
    from telegram.error import InvalidToken

    from handlers.webhook import ListenFailed
    from rekobot.app import build_application

    application = build_application(settings)
    log.info("rekobot starting; database %s, API %s", settings.database, settings.api_base_url)
    try:
        asyncio.run(_serve_until_signalled(application))
    except InvalidToken:
        print(TOKEN_HELP.format(problem="Telegram refused it"), file=sys.stderr)
        return 2
    except ListenFailed as exc:
        print(f"rekobot: {exc}", file=sys.stderr)
        return 2
    log.info("rekobot stopped")
    return 0


async def _serve_until_signalled(application: RekoApplication) -> None:
    """Serve until SIGINT or SIGTERM: the update in hand is finished, then the bot stops."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stopping.set)
    await application.serve(stopping)


async def _migrate(settings: Settings) -> None:
    """Open the file (which checks and migrates it), then close it."""
    db = open_database(settings.database)
    await db.connect()
    await db.close()


def cmd_migrate(settings: Settings) -> int:
    """Bring the database file up to date (never under a running bot)."""
    with _alone(settings):
        _backup_before_migrating(settings)
        asyncio.run(_migrate(settings))
    print(f"Database {settings.database} is up to date.")
    return 0


def cmd_demo_data(settings: Settings, force: bool = False) -> int:
    """Create (or refresh) the demo ring "REKO Nittedal", refusing a database with real rings."""
    from rekobot.demo import OtherRingsPresent, load_demo

    try:
        summary = asyncio.run(load_demo(settings, force=force))
    except OtherRingsPresent as exc:
        print(f"rekobot: {exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


class UpgradeNotBackedUp(RuntimeError):
    """The copy taken before migrations failed; nothing was migrated."""


def cmd_run_alone(settings: Settings) -> int:
    """Run the bot while holding the database's lock, so a second one refuses to start."""
    with _alone(settings):
        _backup_before_migrating(settings)
        return cmd_run(settings)


class FileOnly(DatabaseProblem):
    """A command that works on a SQLite file was given a PostgreSQL database."""


def sqlite_file(settings: Settings, what: str) -> Path:
    """The SQLite file of the settings; PostgreSQL has its own tools for ``what``."""
    if isinstance(settings.database, PostgresAddress):
        raise FileOnly(
            f"`rekobot {what}` works on a SQLite file, and REKOBOT_DATABASE is PostgreSQL "
            f"({settings.database}). Use PostgreSQL's own tools: pg_dump for a backup, "
            "pg_restore to restore one, and a standby for the rest (docs/scaling.md)."
        )
    return settings.database


def _alone(settings: Settings) -> contextlib.AbstractContextManager[object]:
    """The SQLite file's lock, so a second bot on it refuses to start.

    PostgreSQL is shared on purpose: several workers run on it, and the migrations and the
    sweep coordinate through advisory locks instead.
    """
    if isinstance(settings.database, PostgresAddress):
        return contextlib.nullcontext()
    return InstanceLock(settings.database)


def _backup_before_migrating(settings: Settings) -> None:
    """With a backup folder set, copy a database that is about to be upgraded."""
    if settings.backup_dir is None:
        return
    if isinstance(settings.database, PostgresAddress):
        log.warning("REKOBOT_BACKUP_DIR is ignored on PostgreSQL: back it up with pg_dump")
        return
    try:
        taken = backup.backup_before_migrating(settings.database, settings.backup_dir, utcnow())
    except (backup.BackupFailed, OSError) as exc:
        raise UpgradeNotBackedUp(
            f"no backup could be taken before upgrading, so {settings.database} was left as it "
            f"is: {exc}. Free some space or fix REKOBOT_BACKUP_DIR, or unset it to upgrade "
            "without a backup."
        ) from exc
    if taken is not None:
        print(f"Backed up {settings.database} to {taken} before upgrading it.")


def backup_target(settings: Settings, path: Path | None) -> tuple[Path, Path | None]:
    """Where `rekobot backup [PATH]` writes: (folder, exact file or None for a dated name)."""
    if path is None:
        return settings.backup_dir or sqlite_file(settings, "backup").parent / "backups", None
    if path.suffix in {".sqlite3", ".sqlite", ".db"} and not path.is_dir():
        return path.parent, path
    return path, None


def cmd_backup(settings: Settings, path: Path | None = None) -> int:
    """Copy the database, running or not, to PATH (a folder or a .sqlite3 file) and check it."""
    database = sqlite_file(settings, "backup")
    folder, exact = backup_target(settings, path)
    try:
        if exact is None:
            taken = backup.take_backup(database, folder, utcnow())
        elif exact.exists():
            print(f"rekobot: {exact} already exists; choose another name.", file=sys.stderr)
            return 1
        else:
            backup.copy_database(database, exact)
            taken = exact
    except (backup.BackupFailed, OSError) as exc:
        print(f"rekobot: no backup taken: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {settings.database} to {taken}; integrity check ok.")
    return 0


def cmd_restore(settings: Settings, path: Path) -> int:
    """Replace the database by a checked backup, keeping the current file aside."""
    try:
        done = backup.restore_database(path, sqlite_file(settings, "restore"), utcnow())
    except (backup.RestoreRefused, OSError) as exc:
        print(f"rekobot: not restored: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {done.database} from {path} (schema version {done.source.schema_version}).")
    if done.kept_aside is not None:
        print(f"The previous file is kept as {done.kept_aside}.")
    if done.source.needs_migrations:
        print(f"It is upgraded to schema version {done.source.known_version} when rekobot starts.")
    return 0


def cmd_check(settings: Settings, quick: bool = False) -> int:
    """Open the database read-only; exit 0 if it is sound and fully migrated, else 1."""
    found = backup.check_database(sqlite_file(settings, "check"), quick=quick)
    problems = list(found.problems)
    if found.sound and found.needs_migrations:
        problems.append(
            f"{settings.database} is at schema version {found.schema_version} of "
            f"{found.known_version}: run `rekobot migrate` (or start the bot)"
        )
    if problems:
        for problem in problems:
            print(f"rekobot: {problem}", file=sys.stderr)
        return 1
    kind = "quick check" if quick else "integrity check"
    print(f"{settings.database}: schema version {found.schema_version}, {kind} ok.")
    return 0


def cmd_copy_to_postgres(settings: Settings, url: str) -> int:
    """Copy the SQLite database into an empty PostgreSQL one and compare every table's rows."""
    target = PostgresAddress.parse(url)
    if target is None:
        print(
            f"rekobot: {url} is not a PostgreSQL URL; write postgresql://USER:PASSWORD@HOST/NAME",
            file=sys.stderr,
        )
        return 2
    source = sqlite_file(settings, "copy-to-postgres")
    print(f"Copying {source} into {target} ...", flush=True)

    def show(counts: list[TableCount]) -> None:
        width = max(len(c.table) for c in counts)
        print(f"{'table':<{width}}  {'SQLite':>12}  {'PostgreSQL':>12}")
        for c in counts:
            mark = "" if c.matches else "  differs"
            print(f"{c.table:<{width}}  {c.sqlite:>12,}  {c.postgresql:>12,}{mark}")

    try:
        counts = asyncio.run(copy_to_postgres(source, target))
    except CopyRefused as exc:
        print(f"rekobot: not copied: {exc}", file=sys.stderr)
        return 1
    except CopyFailed as exc:
        if exc.counts:
            show(exc.counts)
        print(f"rekobot: not copied: {exc}", file=sys.stderr)
        return 1
    show(counts)
    total = sum(c.sqlite for c in counts)
    print(
        f"Every count matches: {total:,} rows in {len(counts)} tables. To run on PostgreSQL, "
        f"set REKOBOT_DATABASE to {target} (docs/scaling.md)."
    )
    return 0


COMMANDS = {"run": cmd_run_alone, "migrate": cmd_migrate, "demo-data": cmd_demo_data}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rekobot`` console script."""
    parser = argparse.ArgumentParser(
        prog="rekobot",
        description="A Telegram bot for REKO rings. Settings come from REKOBOT_* variables "
        "or a .env file (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "run",
        help="run the bot (long polling, or a webhook with REKOBOT_WEBHOOK_URL); stop with "
        "Ctrl-C or SIGTERM",
    )
    sub.add_parser("migrate", help="create or upgrade the database")
    demo_parser = sub.add_parser(
        "demo-data",
        help="create the demo ring REKO Nittedal (safe to repeat); refuses a database that "
        "holds other rings",
    )
    demo_parser.add_argument(
        "--force", action="store_true", help="add the demo ring even beside other rings"
    )
    backup_parser = sub.add_parser(
        "backup", help="copy the database, even while the bot runs, and check the copy"
    )
    backup_parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="a folder (the copy is named by date) or a .sqlite3 file; "
        "default REKOBOT_BACKUP_DIR, else backups/ beside the database",
    )
    restore_parser = sub.add_parser(
        "restore", help="replace the database by a backup (the bot must be stopped)"
    )
    restore_parser.add_argument("path", type=Path, help="the backup file")
    check_parser = sub.add_parser(
        "check", help="check the database read-only: schema and integrity (exit 0 or 1)"
    )
    check_parser.add_argument(
        "--quick", action="store_true", help="quick_check instead of the full integrity_check"
    )
    copy_parser = sub.add_parser(
        "copy-to-postgres",
        help="copy the SQLite database into an empty PostgreSQL database and compare the "
        "row counts (docs/scaling.md)",
    )
    copy_parser.add_argument("url", help="the PostgreSQL database: postgresql://USER@HOST/NAME")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"REKOBOT_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        print(f"rekobot: the settings are not valid: {problems}", file=sys.stderr)
        return 2
    setup_logging(settings)
    # A database problem needs a person, not a restart: say what to do and exit non-zero.
    try:
        if args.command == "backup":
            return cmd_backup(settings, args.path)
        if args.command == "restore":
            return cmd_restore(settings, args.path)
        if args.command == "check":
            return cmd_check(settings, args.quick)
        if args.command == "demo-data":
            return cmd_demo_data(settings, args.force)
        if args.command == "copy-to-postgres":
            return cmd_copy_to_postgres(settings, args.url)
        return COMMANDS[args.command](settings)
    except DatabaseProblem as exc:
        print(f"rekobot: {exc}", file=sys.stderr)
        return 3
    except DatabaseInUse as exc:
        print(f"rekobot: {exc}", file=sys.stderr)
        return 4
    except UpgradeNotBackedUp as exc:
        print(f"rekobot: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # the file failed while in use, after it opened fine
        problem = DatabaseUnusable.because(sqlite_file(settings, args.command), exc)
        print(f"rekobot: {problem}", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
