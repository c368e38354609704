"""End to end: `rekobot run` as a process against a Bot API test server on loopback.

A customer joins the demo ring, shops, checks out, looks at the order and cancels it.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TOKEN
from tests.fakes.calls import plain
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import rekobot, running

KARI = TgUser(4242, "Kari", "Nordmann", "kari", language_code="nb")


def test_a_customer_orders_from_the_demo_ring_and_cancels(tmp_path: Path) -> None:
    assert rekobot(tmp_path, "demo-data").returncode == 0
    with (
        BotApiServer(lifetime=120) as server,
        running(tmp_path, server.url, server.file_url) as bot,
    ):
        server.wait_for("setMyCommands", timeout=30)
        server.push_message(KARI, "/start nittedal")
        greeting = server.wait_for("sendMessage", chat_id=KARI.id)[0]
        assert plain(greeting.text).startswith("Velkommen til REKO Nittedal!")

        # The greeting offers the open pickups itself: no /shop to type.
        server.press(KARI, lambda label: " · " in label, timeout=10)  # the soonest pickup
        server.press(KARI, "Berg Gård", timeout=10)
        server.press(KARI, "Poteter", timeout=10)
        server.press(KARI, "Legg til", timeout=10)
        server.wait_for(lambda c: "I handlekurven: 1" in plain(c.text), chat_id=KARI.id)
        server.press(KARI, "Handlekurv (1)", timeout=10)
        server.press(KARI, "Til kassen", timeout=10)
        server.press(KARI, "Ja, send bestillingen", timeout=10)
        document = server.wait_for("sendDocument", chat_id=KARI.id)[0]
        venue = server.calls("sendVenue", chat_id=KARI.id)
        confirmation = [t for t in server.texts(KARI.id) if "Bestilling #1 er mottatt" in t]

        server.push_message(KARI, "/orders")
        server.press(KARI, "#1", timeout=10)
        server.press(KARI, "Avbestill", timeout=10)
        server.press(KARI, "Ja, avbestill #1", timeout=10)
        cancelled = server.wait_for(lambda c: "er avbestilt" in plain(c.text), chat_id=KARI.id)[0]
    log = (tmp_path / "rekobot.log").read_text()

    assert confirmation and "Vipps 123456" in confirmation[0]
    assert venue and venue[0].params["title"].startswith(("Nittedal", "Hakadal"))
    assert b"BEGIN:VEVENT" in bytes(document.files["document"])
    assert plain(cancelled.text).startswith("Bestilling #1 er avbestilt.")
    assert bot.returncode == 0, log  # SIGTERM is a clean stop
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
