"""End to end: `rekobot run` as a process against the loopback Bot API server.

An admin creates a ring, a place and a pickup, and broadcasts to the members; a customer
orders and gets both reminders; the admin moves, then cancels the pickup, and the customer is
told each time. The bot's own clock is the real one, so the ring's reminder time is set to
now and the pickup is moved to within the hour, which makes both reminders due at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rekobot.clock import utcnow
from storage import offers as offer_store
from storage import producers as producer_store
from storage import users as user_store
from storage.sqlite import SqliteDatabase
from tests.conftest import ADMIN_ID, TOKEN
from tests.fakes.calls import Call, plain
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import running

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="nb")
KARI = TgUser(4242, "Kari", "Nordmann", "kari", language_code="nb")
FARMER = 777
OSLO = ZoneInfo("Europe/Oslo")
WAIT = 20.0


def says(fragment: str) -> Callable[[Call], bool]:
    """A predicate for a message (sent or edited) that contains ``fragment``."""
    return lambda call: fragment in plain(call.text)


async def add_offer(database: Path, pickup_id: int) -> None:
    """A producer with one product on offer at the pickup (the producer side is not tested here)."""
    db = SqliteDatabase(database)
    await db.connect()
    now = utcnow()
    try:
        async with db.transaction() as tx:
            ring_id = await tx.scalar("SELECT ring_id FROM pickups WHERE id = ?", (pickup_id,))
            await user_store.upsert_user(
                tx,
                user_id=FARMER,
                first_name="Berg",
                last_name=None,
                username=None,
                language_code="nb",
                now=now,
            )
            producer = await producer_store.create_producer(
                tx, owner_user_id=FARMER, name="Berg Gård", payment_info="Vipps 123456", now=now
            )
            await producer_store.set_ring_status(
                tx,
                producer_id=producer,
                ring_id=ring_id,
                status="approved",
                decided_by=None,
                now=now,
            )
            product = await producer_store.create_product(
                tx, producer_id=producer, name="Poteter", unit="2 kg", price=6000, now=now
            )
            await offer_store.create_offer(
                tx,
                pickup_id=pickup_id,
                product_id=product,
                price=6000,
                quantity_total=10,
                now=now,
            )
    finally:
        await db.close()


def moved_window(now: datetime) -> tuple[str, str, str]:
    """A day and a window that start within the hour (so the hour reminder is due)."""
    start = (now + timedelta(minutes=30)).replace(second=0, microsecond=0)
    if start.time() > time(23, 30):  # keep the window on one day
        start = datetime.combine(now.date() + timedelta(days=1), time(0, 0), tzinfo=OSLO)
    end = start + timedelta(minutes=20)
    return f"{start.day}.{start.month}.{start.year}", f"{start:%H:%M}", f"{end:%H:%M}"


def test_an_admin_runs_a_pickup_and_the_customer_is_reminded_and_told(tmp_path: Path) -> None:
    database = tmp_path / "rekobot.sqlite3"
    with (
        BotApiServer(lifetime=240) as server,
        running(
            tmp_path, server.url, server.file_url, admin_ids=str(ADMIN_ID), sweep_interval="1"
        ) as bot,
    ):
        server.wait_for("setMyCommands", timeout=30)

        # The ring, with the evening reminder at the current minute.
        server.push_message(ANNE, "/admin")
        server.press(ANNE, "Ny ring", timeout=WAIT)
        server.wait_for(says("Hva heter ringen?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, "REKO E2E")
        server.press(ANNE, "e2e", timeout=WAIT)
        server.press(ANNE, "Påminnelsestid", timeout=WAIT)
        server.wait_for(says("kvelden før"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, f"{datetime.now(OSLO):%H:%M}")
        server.press(ANNE, "Opprett ringen", timeout=WAIT)
        server.wait_for(says("REKO E2E er opprettet"), chat_id=ANNE.id, timeout=WAIT)

        # A place, with typed coordinates.
        server.press(ANNE, "Legg til et utleveringssted", timeout=WAIT)
        for answer, next_question in (
            ("Torget", "gateadressen"),
            ("Torget 1, 0150 Oslo", "helt nøyaktig"),
            ("59.9127, 10.7461", "Hvordan finner folk"),
        ):
            server.wait_for(says("?"), chat_id=ANNE.id, timeout=WAIT)
            server.push_message(ANNE, answer)
            server.wait_for(says(next_question), chat_id=ANNE.id, timeout=WAIT)
        server.press(ANNE, "Hopp over", timeout=WAIT)
        server.wait_for(says("Send et bilde"), chat_id=ANNE.id, timeout=WAIT)
        server.press(ANNE, "Hopp over", timeout=WAIT)
        server.press(ANNE, "Lagre stedet", timeout=WAIT)
        server.wait_for(says("Stedet er lagret"), chat_id=ANNE.id, timeout=WAIT)

        # A pickup tomorrow, ordering open until two hours before it.
        tomorrow = datetime.now(OSLO).date() + timedelta(days=1)
        server.press(ANNE, "Steder", timeout=WAIT)
        server.press(ANNE, "Meny", timeout=WAIT)
        server.press(ANNE, "Utleveringer", timeout=WAIT)
        server.press(ANNE, "Én utlevering", timeout=WAIT)
        server.press(ANNE, "Torget", timeout=WAIT)
        server.wait_for(says("Hvilken dag?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, f"{tomorrow.day}.{tomorrow.month}.{tomorrow.year}")
        server.wait_for(says("Fra når til når?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, "16:00-17:00")
        server.press(ANNE, "Bestillingsfrist", timeout=WAIT)
        server.wait_for(says("Når skal bestillingen stenge?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, "2")
        server.press(ANNE, "Planlegg utleveringen", timeout=WAIT)
        server.wait_for(says("1 utlevering er planlagt"), chat_id=ANNE.id, timeout=WAIT)
        asyncio.run(add_offer(database, pickup_id=1))

        # Kari joins; the admin broadcasts to the members.
        server.push_message(KARI, "/start e2e")
        server.wait_for(says("Velkommen til REKO E2E!"), chat_id=KARI.id, timeout=WAIT)
        server.push_message(ANNE, "/admin")
        server.press(ANNE, "REKO E2E", timeout=WAIT)
        server.press(ANNE, "Send melding", timeout=WAIT)
        server.wait_for(says("Hva vil du fortelle dem?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, "Velkommen! Første utlevering er i morgen.")
        server.press(ANNE, "Hopp over", timeout=WAIT)
        server.press(ANNE, "Torget", timeout=WAIT)
        server.press(ANNE, "Alle medlemmer", timeout=WAIT)
        server.press(ANNE, "Forhåndsvis", timeout=WAIT)
        server.press(ANNE, "Send den", timeout=WAIT)
        broadcast = server.wait_for(
            says("Første utlevering er i morgen"), chat_id=KARI.id, timeout=WAIT
        )[0]
        pin = server.wait_for("sendVenue", chat_id=KARI.id, timeout=WAIT)[0]
        server.wait_for(says("Meldingen er sendt."), chat_id=ANNE.id, timeout=WAIT)

        # Kari orders, and the evening reminder (due since this minute) arrives.
        server.push_message(KARI, "/shop")
        server.wait_for("sendMessage", chat_id=KARI.id, timeout=WAIT)  # its producers
        server.press(KARI, "Berg Gård", timeout=WAIT)
        server.press(KARI, "Poteter", timeout=WAIT)
        server.press(KARI, "Legg til", timeout=WAIT)
        server.press(KARI, "Handlekurv (1)", timeout=WAIT)
        server.press(KARI, "Til kassen", timeout=WAIT)
        server.press(KARI, "Ja, send bestillingen", timeout=WAIT)
        evening = server.wait_for(
            says("Påminnelse: REKO-utleveringen din er i morgen."), chat_id=KARI.id, timeout=WAIT
        )[0]

        # The admin moves the pickup to within the hour: Kari is told and reminded again.
        day, start, end = moved_window(datetime.now(OSLO))
        server.push_message(ANNE, "/admin")
        server.press(ANNE, "REKO E2E", timeout=WAIT)
        server.press(ANNE, "Utleveringer", timeout=WAIT)
        server.press(ANNE, "Torget", timeout=WAIT)
        server.press(ANNE, "Endre eller flytt", timeout=WAIT)
        server.press(ANNE, "Dato", timeout=WAIT)
        server.wait_for(says("Hvilken dag?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, day)
        server.press(ANNE, "Tid", timeout=WAIT)
        server.wait_for(says("Fra når til når?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, f"{start}-{end}")
        server.press(ANNE, "Bestillingsfrist", timeout=WAIT)
        server.wait_for(says("Når skal bestillingen stenge?"), chat_id=ANNE.id, timeout=WAIT)
        server.push_message(ANNE, "0")
        server.press(ANNE, "Lagre", timeout=WAIT)
        server.press(ANNE, "Lagre og gi beskjed", timeout=WAIT)
        moved = server.wait_for(says("Utleveringen er endret."), chat_id=KARI.id, timeout=WAIT)[0]
        hour = server.wait_for(says("starter om omtrent en time"), chat_id=KARI.id, timeout=WAIT)[0]

        # The admin cancels it: Kari is told her order is cancelled.
        server.wait_for(says("Lagret."), chat_id=ANNE.id, timeout=WAIT)
        server.press(ANNE, "Avlys utleveringen", timeout=WAIT)
        server.press(ANNE, "Ja, avlys utleveringen", timeout=WAIT)
        cancelled = server.wait_for(
            says("Denne utleveringen er avlyst."), chat_id=KARI.id, timeout=WAIT
        )[0]
    log = (tmp_path / "rekobot.log").read_text()

    assert plain(broadcast.text) == "📣 REKO E2E\n\nVelkommen! Første utlevering er i morgen."
    assert pin.params["title"] == "Torget"
    assert "Bestillingsnummeret ditt er #1." in plain(evening.text)
    assert "Betaling: Vipps 123456" in plain(evening.text)
    assert f"{start}–{end}" in plain(moved.text) and "#1 gjelder fortsatt" in plain(moved.text)
    assert "Bestillingsnummeret ditt er #1." in plain(hour.text)
    assert "Bestillingen din #1 er avbestilt." in plain(cancelled.text)
    reminders = [
        c
        for c in server.calls(chat_id=KARI.id, ok=True)
        if "REKO-utleveringen din" in plain(c.text)
    ]
    assert len(reminders) == 2  # each exactly once
    assert bot.returncode == 0, log
    assert TOKEN not in log
