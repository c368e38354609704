"""The digest's files drawn in the worker process: the same files, and no process left behind.

The files are read back with pypdf and openpyxl as in tests/test_picklist.py and compared with
the ones drawn in this process; "today" is moved a year back so a worker that ignored the bot's
date clock would print the pickup without its year.
"""

from __future__ import annotations

import csv
import io
import logging
import multiprocessing
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from rekobot.digest_renderer import DigestRenderer, draw
from rekobot.i18n import set_date_clock
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import running_bot
from tests.producer_support import customer, order
from tests.test_picklist import BERG, KARI, digest_of, many_orders, pages, workbook

A_YEAR_BEFORE = datetime(2025, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
async def renderer() -> AsyncIterator[DigestRenderer]:
    drawing = DigestRenderer()
    yield drawing
    await drawing.close()


def cells(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet's rows of values, by sheet title."""
    book = workbook(data)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def rows(data: bytes) -> list[list[str]]:
    """The CSV's rows."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def worker_pids() -> set[int]:
    """The processes this test process has started and that still run."""
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


@pytest.mark.parametrize(
    ("locale", "currency", "timezone", "expected"),
    [
        ("nb", "NOK", "Europe/Oslo", "torsdag 3. desember 2026"),
        ("fi", "EUR", "Europe/Helsinki", "torstai 3. joulukuuta 2026"),
    ],
)
async def test_the_worker_draws_the_same_files_as_this_process(
    renderer: DigestRenderer, locale: str, currency: str, timezone: str, expected: str
) -> None:
    set_date_clock(lambda: A_YEAR_BEFORE)
    digest = digest_of(many_orders(60), currency=currency, timezone=timezone)

    drawn = await renderer.draw(digest, locale)
    here = draw(digest, locale)

    assert worker_pids() - {os.getpid()}, "the files were not drawn in a worker process"
    assert pages(drawn.pdf) == pages(here.pdf)
    assert len(pages(drawn.pdf)) > 2
    assert expected in pages(drawn.pdf)[0]
    assert cells(drawn.xlsx) == cells(here.xlsx)
    assert len(cells(drawn.xlsx)) == 2
    assert rows(drawn.csv) == rows(here.csv)
    assert len(rows(drawn.csv)) == 1 + 60 * 3
    assert drawn.messages == here.messages
    assert expected in drawn.messages[0]


async def test_without_a_worker_process_the_files_are_drawn_in_a_thread(
    renderer: DigestRenderer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr("rekobot.digest_renderer.ProcessPoolExecutor", no_processes)
    digest = digest_of(many_orders(3))

    with caplog.at_level(logging.WARNING, logger="rekobot.digest_renderer"):
        drawn = [await renderer.draw(digest, "nb") for _ in range(2)]

    here = draw(digest, "nb")
    assert drawn[0] == drawn[1]
    assert pages(drawn[1].pdf) == pages(here.pdf)
    assert rows(drawn[1].csv) == rows(here.csv)
    assert drawn[1].messages == here.messages
    assert [record.getMessage() for record in caplog.records] == [
        "digest files are drawn in a thread: no worker process (Resource temporarily unavailable)"
    ]
    assert not worker_pids()


async def test_the_bot_stops_the_worker_process_when_it_shuts_down(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await order(services, KARI, world.pickup_id, {world.offer_ids["potatoes"]: 1})
        await bot.send(BERG, "/digest")
        uploads = bot.request.uploads(BERG.id)
        workers = [child for child in multiprocessing.active_children()]

    assert [upload.filename.rsplit(".", 1)[1] for upload in uploads] == ["pdf", "xlsx", "csv"]
    assert "#1 Kari Nordmann 60,00 kr" in pages(bytes(uploads[0]))[1]
    assert len(workers) == 1
    assert not workers[0].is_alive()
    assert workers[0].exitcode == 0
    assert not multiprocessing.active_children()
