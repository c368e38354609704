"""The ``rekobot`` command: run the bot, migrate the database, load the demo ring."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from rekobot.settings import TOKEN_HELP, Settings
from storage.database import Database
from storage.migrations import DatabaseTooNew

if TYPE_CHECKING:
    from rekobot.app import RekoApplication

log = logging.getLogger("rekobot")


class RedactToken(logging.Filter):
    """Keep the bot token out of every log line (httpx logs request URLs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the token in the message and its arguments."""
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = None
        return True


def setup_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, with the token redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(settings.token.get_secret_value()))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def cmd_run(settings: Settings) -> int:
    """Long-poll Telegram until SIGINT or SIGTERM; every update goes through the inbox."""
    problem = settings.token_problem()
    if problem is not None:
        print(TOKEN_HELP.format(problem=problem), file=sys.stderr)
        return 2
    from telegram.error import InvalidToken

    from rekobot.app import build_application

    application = build_application(settings)
    log.info("rekobot starting; database %s, API %s", settings.database, settings.api_base_url)
    try:
        asyncio.run(_serve_until_signalled(application))
    except InvalidToken:
        print(TOKEN_HELP.format(problem="Telegram refused it"), file=sys.stderr)
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
    db = Database(settings.database)
    await db.connect()
    await db.close()


def cmd_migrate(settings: Settings) -> int:
    """Bring the database file up to date."""
    asyncio.run(_migrate(settings))
    print(f"Database {settings.database} is up to date.")
    return 0


def cmd_demo_data(settings: Settings) -> int:
    """Create (or refresh) the demo ring "REKO Nittedal"."""
    from rekobot.demo import load_demo

    summary = asyncio.run(load_demo(settings))
    print(summary)
    return 0


COMMANDS = {"run": cmd_run, "migrate": cmd_migrate, "demo-data": cmd_demo_data}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rekobot`` console script."""
    parser = argparse.ArgumentParser(
        prog="rekobot",
        description="A Telegram bot for REKO rings. Settings come from REKOBOT_* variables "
        "or a .env file (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (long polling); stop with Ctrl-C or SIGTERM")
    sub.add_parser("migrate", help="create or upgrade the database")
    sub.add_parser("demo-data", help="create the demo ring REKO Nittedal (safe to repeat)")
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
    try:
        return COMMANDS[args.command](settings)
    except DatabaseTooNew as exc:
        print(f"rekobot: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
