"""Drawing a digest's files in a process of its own, so the bot keeps answering meanwhile.

fpdf2 and xlsxwriter are pure Python: a pick list of 2,000 orders is about a second of CPU. In
a worker thread that second competes with the event loop for the GIL, and customers waited
260–360 ms (p99) for a reply while digests were drawn. One worker process draws them instead.

The process is started when the first digest is drawn, with ``spawn``: a fresh interpreter,
so no event loop, sqlite connection or lock is inherited half-held (``fork`` would copy them),
and unlike ``forkserver`` no helper process outlives the pool. It gets the ``Digest`` (a
pydantic model), the locale and "today" (which decides whether a date shows its year) and
sends the messages' texts and the files back; it reads the same ``.po`` catalogs. If the
process cannot be started the digest is drawn in a thread as before (logged once).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime

from rekobot.digest import Digest, digest_messages
from rekobot.digest_csv import digest_csv
from rekobot.digest_xlsx import digest_xlsx
from rekobot.i18n import date_clock, set_date_clock, use_locale
from rekobot.picklist import pick_list_pdf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrawnDigest:
    """A digest drawn: its messages' texts, then its files (pick list, workbook, CSV) as bytes.

    The texts come along because a 2,000-order digest takes some 40 ms to word as well.
    """

    messages: tuple[str, ...]
    pdf: bytes
    xlsx: bytes
    csv: bytes


def draw(digest: Digest, locale: str) -> DrawnDigest:
    """Draw the digest's messages and files in ``locale``, in this process."""
    with use_locale(locale):
        return DrawnDigest(
            tuple(digest_messages(digest)),
            pick_list_pdf(digest),
            digest_xlsx(digest, locale),
            digest_csv(digest, locale),
        )


def _ignore_interrupts() -> None:
    """The worker leaves Ctrl-C to the bot, which shuts the pool down in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _draw_in_worker(digest: Digest, locale: str, today: datetime) -> DrawnDigest:
    """``draw`` in the worker process, with the bot's "today"."""
    set_date_clock(lambda: today)
    return draw(digest, locale)


class DigestRenderer:
    """Draws digests' files in one worker process, started on first use, stopped by ``close``."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._in_threads = False

    async def draw(self, digest: Digest, locale: str) -> DrawnDigest:
        """Draw the digest's messages and files in ``locale`` away from the event loop."""
        if not self._in_threads:
            try:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_ignore_interrupts,
                    )
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(
                    self._pool, _draw_in_worker, digest, locale, date_clock()()
                )
            except (OSError, BrokenProcessPool) as error:
                log.warning("digest files are drawn in a thread: no worker process (%s)", error)
                self._in_threads = True
                await self.close()
        return await asyncio.to_thread(draw, digest, locale)

    async def close(self) -> None:
        """Stop the worker process and wait for it to end; a later digest starts a new one."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
