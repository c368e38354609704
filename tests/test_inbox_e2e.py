"""End to end: `rekobot run` is killed (SIGKILL) while 60 customers' taps are in its hands.

Telegram forgets an update once getUpdates confirmed it, so whatever the killed process had
fetched is never delivered again: only what the bot stored itself can be finished.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import TOKEN
from tests.fakes.calls import Call
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import rekobot, running

CUSTOMERS = [TgUser(7000 + n, f"Kunde{n}", None, f"kunde{n}", "nb") for n in range(60)]
CONFIRM = "Ja, send bestillingen"
PLACED = "er mottatt"  # "✅ Bestilling #12 er mottatt", the head of the confirmation
JAM = "Bringebærsyltetøy"  # on offer without a limit, so 60 customers can all have it
#: Seconds each message of the bot takes on the wire, so the kill finds work in flight.
SEND_LATENCY = 0.02


def _latency(call: Call) -> float:
    return 0.0 if call.method.lower() == "getupdates" else SEND_LATENCY


async def _fill_carts(database: Path, customers: list[TgUser]) -> None:
    """Each customer joins the demo ring and puts a jar of jam in the cart for the next pickup."""
    services = Services.create(Settings(_env_file=None, token=TOKEN, database=database))
    await services.open()
    try:
        for customer in customers:
            await services.members.register(
                user_id=customer.id, first_name=customer.first_name, language_code="nb"
            )
            await services.members.join(customer.id, "nittedal")
            _ring, pickups = await services.shop.open_pickups(customer.id)
            offers = await services.shop.offers(customer.id, pickups[0].id)
            jam = next(offer for offer in offers if offer.product.name == JAM)
            await services.carts.add(customer.id, jam.id, 1)
    finally:
        await services.close()


def _confirmations(server: BotApiServer, customer: TgUser) -> list[int]:
    """The ids of the messages in the customer's chat that now show an order confirmation."""
    return [
        message["message_id"]
        for message in server.messages(customer.id)
        if PLACED in (message.get("text") or "")
    ]


def _confirmed_chats(server: BotApiServer) -> int:
    return sum(1 for customer in CUSTOMERS if _confirmations(server, customer))


def _has_button(server: BotApiServer, customer: TgUser, label: str) -> bool:
    try:
        server.find_button(customer.id, label)
    except AssertionError:
        return False
    return True


def _wait_until(condition_met: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition_met() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_sixty_taps_on_send_the_order_survive_a_kill_with_one_order_each(tmp_path: Path) -> None:
    assert rekobot(tmp_path, "demo-data").returncode == 0
    asyncio.run(_fill_carts(tmp_path / "rekobot.sqlite3", CUSTOMERS))
    with BotApiServer(lifetime=240, latency=_latency) as server:
        with running(tmp_path, server.url, server.file_url) as first:
            server.wait_for("setMyCommands", timeout=30)
            for customer in CUSTOMERS:
                server.push_message(customer, "/cart")
            for customer in CUSTOMERS:
                server.press(customer, "Til kassen", timeout=30)
            for customer in CUSTOMERS:  # every confirm screen is up before anyone taps
                _wait_until(partial(_has_button, server, customer, CONFIRM), 30)
            taps = [server.press(customer, CONFIRM, timeout=5) for customer in CUSTOMERS]
            server.wait_until_confirmed(taps[-1]["update_id"], timeout=30)
            _wait_until(lambda: _confirmed_chats(server) >= 10, 60)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            at_kill = _confirmed_chats(server)
        first_log = (tmp_path / "rekobot.log").read_text()

        with running(tmp_path, server.url, server.file_url) as second:
            _wait_until(lambda: _confirmed_chats(server) == len(CUSTOMERS), 90)
            time.sleep(1.0)  # anything sent twice would come now
        second_log = (tmp_path / "rekobot.log").read_text()

    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as db:
        orders = dict(
            db.execute(
                "SELECT user_id, COUNT(*) FROM orders WHERE status = 'placed' GROUP BY user_id"
            ).fetchall()
        )
        pending = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    confirmations = {customer.id: _confirmations(server, customer) for customer in CUSTOMERS}
    calendars = [len(server.calls("sendDocument", customer.id)) for customer in CUSTOMERS]
    figures = (
        f"taps sent {len(taps)}, confirmed chats at the kill {at_kill}, "
        f"orders {sum(orders.values())}, "
        f"confirmations {sum(len(ids) for ids in confirmations.values())}, "
        f"customers with two orders {sum(1 for n in orders.values() if n > 1)}, "
        f"with two confirmations {sum(1 for ids in confirmations.values() if len(ids) > 1)}, "
        f"calendar files {sum(calendars)} (missing {calendars.count(0)}, "
        f"twice {sum(1 for n in calendars if n > 1)})"
    )
    print(figures)

    assert first.returncode == -signal.SIGKILL, first_log
    assert 0 < at_kill < len(CUSTOMERS), f"the kill came too late to test anything: {figures}"
    assert orders == {customer.id: 1 for customer in CUSTOMERS}, figures
    assert all(len(ids) == 1 for ids in confirmations.values()), figures
    assert pending == 0
    assert "left from the last run" in second_log
    assert second.returncode == 0, second_log  # SIGTERM is still a clean stop


def test_run_stops_with_the_token_help_when_telegram_refuses_the_token(tmp_path: Path) -> None:
    with (
        BotApiServer(token="654321:" + "B" * 35, lifetime=60) as server,
        running(tmp_path, server.url, server.file_url) as bot,
    ):
        bot.wait(timeout=60)
    log = (tmp_path / "rekobot.log").read_text()

    assert bot.returncode == 2, log
    assert "Telegram refused it" in log and "@BotFather" in log
    assert "Traceback" not in log


def test_a_token_revoked_while_polling_stops_the_bot_with_the_token_help(tmp_path: Path) -> None:
    kari = CUSTOMERS[0]
    with (
        BotApiServer(lifetime=90) as server,
        running(tmp_path, server.url, server.file_url) as bot,
    ):
        server.push_message(kari, "/start")
        server.wait_for("sendMessage", chat_id=kari.id, timeout=30)
        server.fail(401, "Unauthorized", times=None)  # revoked in @BotFather just now
        server.push_message(kari, "/start")  # ends the long poll that was waiting
        bot.wait(timeout=60)
    log = (tmp_path / "rekobot.log").read_text()

    assert bot.returncode == 2, log
    assert "getUpdates: Telegram refused the bot token" in log
    assert "Telegram refused it" in log and "@BotFather" in log


def _slow_confirmation(call: Call) -> float:
    """The edit that shows the confirmation takes 1.5 s: long enough to stop the bot during it."""
    return 1.5 if PLACED in str(call.params.get("text", "")) else 0.0


def test_ctrl_c_lets_the_update_in_hand_finish_then_stops_cleanly(tmp_path: Path) -> None:
    kari = CUSTOMERS[0]
    assert rekobot(tmp_path, "demo-data").returncode == 0
    asyncio.run(_fill_carts(tmp_path / "rekobot.sqlite3", [kari]))
    with (
        BotApiServer(lifetime=90, latency=_slow_confirmation) as server,
        running(tmp_path, server.url, server.file_url) as bot,
    ):
        server.push_message(kari, "/cart")
        server.press(kari, "Til kassen", timeout=30)
        server.press(kari, CONFIRM, timeout=30)
        server.wait_for(lambda call: PLACED in str(call.params.get("text", "")), timeout=30)
        bot.send_signal(signal.SIGINT)  # while Telegram is still answering that edit
        bot.wait(timeout=30)
    log = (tmp_path / "rekobot.log").read_text()
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as db:
        pending = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]

    assert bot.returncode == 0, log
    assert len(_confirmations(server, kari)) == 1
    assert server.calls("sendDocument", kari.id)  # the rest of the update went out too
    assert pending == 0
