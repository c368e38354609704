"""The nightly backup: a JobQueue job that copies the database while the bot keeps running.

Only scheduled when ``REKOBOT_BACKUP_DIR`` is set, on a SQLite file (PostgreSQL is backed up
with its own tools). The copy itself (consistent, checked, named
by date, pruned to ``REKOBOT_BACKUP_KEEP``) is ``storage.backup``; it blocks, so it runs in a
thread and the bot goes on answering meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Job

from handlers.application import RekoApplication
from handlers.context import Ctx
from storage.backup import BackupFailed, nightly_backup

log = logging.getLogger(__name__)

JOB_NAME = "nightly-backup"


async def take_nightly_backup(context: Ctx) -> None:
    """Copy the database into the backup folder and drop the oldest copies beyond those kept."""
    services = context.bot_data.services
    settings = services.settings
    database = settings.database
    if settings.backup_dir is None or not isinstance(database, Path):  # pragma: no cover
        return  # the job is only scheduled with a folder, on a file
    try:
        path = await asyncio.to_thread(
            nightly_backup,
            database,
            settings.backup_dir,
            settings.backup_keep,
            services.clock(),
        )
    except (BackupFailed, OSError):
        # Loud, but the bot goes on: tomorrow's attempt may succeed (a full disk emptied).
        log.exception("The nightly backup of %s failed", settings.database)
        return
    log.info("Nightly backup written to %s", path)


def schedule(application: RekoApplication) -> Job[Ctx] | None:
    """Run the backup every day at ``REKOBOT_BACKUP_AT`` in ``REKOBOT_TIMEZONE``, if enabled."""
    settings = application.services.settings
    if settings.backup_dir is None or application.job_queue is None:
        return None
    if not isinstance(settings.database, Path):
        log.warning("REKOBOT_BACKUP_DIR is ignored on PostgreSQL: back it up with pg_dump")
        return None
    at = settings.backup_at.replace(tzinfo=ZoneInfo(settings.timezone))
    return application.job_queue.run_daily(
        take_nightly_backup,
        time=at,
        name=JOB_NAME,
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
