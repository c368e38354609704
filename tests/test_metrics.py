"""GET /metrics: updates handled, handler errors, the outbox and the sweep, when asked for."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from handlers.health import Health
from handlers.webhook import routes
from rekobot.app import build_application
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.settings import Settings
from tests.conftest import MovableClock
from tests.customer_bot import KARI
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.server import BotApiServer
from tests.fakes.updates import UpdateFactory
from tests.process import running
from tests.test_webhook import free_port


def samples(text: str) -> dict[str, float]:
    """Every sample of a scrape, by name."""
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_updates_errors_and_the_queue(
    settings: Settings, clock: MovableClock
) -> None:
    request = RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    factory = UpdateFactory(request, clock=clock)
    async with BotDriver(application, request, factory, raise_errors=False) as bot:
        await bot.send(KARI, "/help")
        bot.request.fail(400, "Bad Request: message is too long", method="sendMessage")
        await bot.send(KARI, "/help")  # the handler's send fails: the error handler gets it
        services = application.services
        async with services.db.transaction() as tx:
            await enqueue(
                tx, chat_id=KARI.id, kind="test", messages=[OutMessage(text="hei")], now=clock()
            )
        health = Health(services.db, application.sweeper, 20.0)
        with_metrics = routes(health, None, "", application.metrics_page())
        async with TestClient(TestServer(with_metrics)) as client:
            scraped = await client.get("/metrics")
            text = await scraped.text()
        async with TestClient(TestServer(routes(health, None, ""))) as client:
            absent = await client.get("/metrics")

    found = samples(text)
    assert scraped.status == 200
    assert scraped.headers["Content-Type"].startswith("text/plain; version=")
    assert found["rekobot_updates_handled_total"] == 2
    assert found["rekobot_handler_errors_total"] == 1
    assert found["rekobot_outbox_queue_length"] == 1
    assert found["rekobot_outbox_sent_messages_total"] == 0
    assert found["rekobot_sweep_duration_seconds_count"] == 0
    assert absent.status == 404  # off unless REKOBOT_METRICS=1


def _scrape(url: str, timeout: float) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(url, timeout=10) as response:
                text = response.read().decode()
                found = samples(text)
                if found.get("rekobot_sweep_duration_seconds_count", 0) >= 1:
                    return int(response.status), text
        except HTTPError as error:
            return int(error.code), ""
        except OSError:  # not listening yet
            pass
        if time.monotonic() > deadline:
            return 0, ""
        time.sleep(0.2)


def test_a_running_bot_serves_metrics_beside_healthz(tmp_path: Path) -> None:
    port = free_port()
    with (
        BotApiServer(lifetime=120) as server,
        running(
            tmp_path,
            server.url,
            server.file_url,
            health_listen=f"127.0.0.1:{port}",
            metrics="1",
            sweep_interval="0.5",
        ) as bot,
    ):
        server.wait_for("setMyCommands", timeout=30)
        server.push_message(KARI, "/help")
        server.wait_for("sendMessage", timeout=30)
        status, text = _scrape(f"http://127.0.0.1:{port}/metrics", 60)
        assert bot.poll() is None
    found = samples(text)

    assert status == 200, (tmp_path / "rekobot.log").read_text()
    assert found["rekobot_updates_handled_total"] >= 1
    assert found["rekobot_handler_errors_total"] == 0
    assert found["rekobot_outbox_queue_length"] == 0
    assert found["rekobot_sweep_duration_seconds_count"] >= 1
    assert found["rekobot_sweep_duration_seconds_sum"] > 0
