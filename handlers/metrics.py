"""GET /metrics: how the bot is doing, in Prometheus' text format (``REKOBOT_METRICS=1``).

Served by the same small server as /healthz (``handlers/webhook.routes``), and only when
asked for: with a webhook the server sits behind a public reverse proxy, and the figures are
nobody's business but the operator's.

Nothing is counted twice and nothing is kept in a global registry: the figures live where they
arise (``UpdateCounts`` in the bot data, the sweep's and the sender's own counts), and a
collector of this bot's own registry reads them at each scrape. The outbox's queue length is
one count of the pending deliveries, by the ``deliveries_due`` index.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from handlers.context import Ctx, UpdateCounts
from storage import health as store
from storage.database import Database

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


class SweepCounts(Protocol):
    """What the metrics read of the sweep (``handlers.sweep.Sweeper``)."""

    @property
    def runs(self) -> int:
        """Completed runs since start."""
        ...

    @property
    def seconds_total(self) -> float:
        """Their duration, summed."""
        ...

    @property
    def last_duration(self) -> float | None:
        """How long the last completed run took."""
        ...

    def sent_messages(self) -> int:
        """Messages the outbox sent since start."""
        ...


class BotCollector(Collector):
    """Reads the bot's figures at each scrape (the queue length from the database)."""

    def __init__(self, updates: UpdateCounts, sweep: SweepCounts | None) -> None:
        self.updates = updates
        self.sweep = sweep
        self.queue_length: int | None = None  # read before each scrape (it needs a query)

    def collect(self) -> Iterable[Metric]:
        """The metric families, as they stand."""
        yield CounterMetricFamily(
            "rekobot_updates_handled", "Updates handed to the handlers.", self.updates.handled
        )
        yield CounterMetricFamily(
            "rekobot_handler_errors",
            "Updates whose handling raised (and reached the error handler).",
            self.updates.errors,
        )
        if self.queue_length is not None:
            yield GaugeMetricFamily(
                "rekobot_outbox_queue_length",
                "Deliveries waiting in the outbox.",
                self.queue_length,
            )
        if self.sweep is not None:
            yield CounterMetricFamily(
                "rekobot_outbox_sent_messages",
                "Messages the outbox sent; its rate is the send rate.",
                self.sweep.sent_messages(),
            )
            yield SummaryMetricFamily(
                "rekobot_sweep_duration_seconds",
                "How long the sweep's runs took.",
                count_value=self.sweep.runs,
                sum_value=self.sweep.seconds_total,
            )
            last = self.sweep.last_duration
            if last is not None:
                yield GaugeMetricFamily(
                    "rekobot_sweep_last_duration_seconds", "How long the last sweep took.", last
                )


async def count_error(update: object, context: Ctx) -> None:
    """Count a handler's error (``on_error`` logs it and answers the user)."""
    if update is not None:
        context.bot_data.update_counts.errors += 1


class MetricsPage:
    """Answer GET /metrics from this bot's own registry."""

    def __init__(self, db: Database, updates: UpdateCounts, sweep: SweepCounts | None) -> None:
        self.db = db
        self.collector = BotCollector(updates, sweep)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.collector)

    async def answer(self, request: web.Request) -> web.Response:
        """Answer GET /metrics."""
        try:
            self.collector.queue_length = await store.pending_deliveries(self.db)
        except store.Unhealthy as problem:  # the other figures still help: leave the gauge out
            log.warning("metrics: %s", problem)
            self.collector.queue_length = None
        body = await asyncio.to_thread(generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
