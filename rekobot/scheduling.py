"""The periodic sweep: run every piece of due work (digests, reminders, announcements).

The database is the source of truth, so the sweep only asks each service "is anything due?"
and each service does what is due idempotently. One failing piece is logged and does not stop
the others. The JobQueue side lives in ``handlers/sweep.py`` (``schedule``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger(__name__)

DueWork = Callable[[], Awaitable[object]]


def work_name(work: DueWork) -> str:
    """Name a piece of due work for the log, e.g. ``Reminders.run_due``."""
    return str(getattr(work, "__qualname__", None) or getattr(work, "__name__", None) or work)


async def run_due_work(work: Sequence[DueWork]) -> int:
    """Run each piece of due work once, isolated from the others; return how many failed."""
    failures = 0
    for item in list(work):
        try:
            await item()
        except Exception:
            failures += 1
            log.exception("sweep: %s failed; the other work goes on", work_name(item))
    return failures
