"""End to end, for a producer: `rekobot run` as a process against the loopback Bot API server.

Liv applies to sell in REKO Testby, the operator's admin approves her, she adds honey and
offers it; Kari orders it; Liv gets the note, then the digest with its CSV at the deadline
(the sweep runs every second), and ticks Kari's order off at the pickup; Kari sees it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rekobot.clock import to_db
from storage import pickups as pickup_store
from storage import rings as ring_store
from storage.sqlite import SqliteDatabase
from tests.fakes.calls import Call, plain
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import running

ADMIN = TgUser(4100, "Ada", "Admin", language_code="nb")
LIV = TgUser(4200, "Liv", "Li", "livli", language_code="nb")
KARI = TgUser(4300, "Kari", "Nordmann", "kari", language_code="nb")


def says(fragment: str) -> Callable[[Call], bool]:
    """Match a call whose text, as the user sees it, contains ``fragment``."""
    return lambda call: fragment in plain(call.text)


async def seed(path: Path) -> int:
    """A ring with categories, a place and a pickup an hour ahead; return the pickup id."""
    now = datetime.now(UTC)
    async with SqliteDatabase(path) as db, db.transaction() as tx:
        ring_id = await ring_store.create_ring(
            tx,
            slug="testby",
            name="REKO Testby",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=now,
        )
        await ring_store.set_categories(tx, ring_id, ["Grønnsaker", "Honning og sylteti"])
        location_id = await ring_store.add_location(
            tx, ring_id=ring_id, name="Torget", address="Storgata 1", latitude=60.0, longitude=10.9
        )
        return await pickup_store.create_pickup(
            tx,
            ring_id=ring_id,
            location_id=location_id,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            deadline=now + timedelta(minutes=30),
            now=now,
        )


def move_deadline(path: Path, pickup_id: int, seconds: float) -> None:
    """Bring the order deadline to a few seconds from now, as an admin moving it would."""
    with sqlite3.connect(path, timeout=10) as conn:
        conn.execute(
            "UPDATE pickups SET deadline = ? WHERE id = ?",
            (to_db(datetime.now(UTC) + timedelta(seconds=seconds)), pickup_id),
        )


def test_a_producer_applies_offers_gets_the_note_and_digest_and_hands_over(
    tmp_path: Path,
) -> None:
    database = tmp_path / "rekobot.sqlite3"
    pickup_id = asyncio.run(seed(database))
    with (
        BotApiServer(lifetime=180) as server,
        running(
            tmp_path,
            server.url,
            server.file_url,
            admin_ids=str(ADMIN.id),
            sweep_interval="1",
        ) as bot,
    ):
        server.wait_for("setMyCommands", timeout=30)
        server.push_message(ADMIN, "/start testby")
        server.wait_for("sendMessage", chat_id=ADMIN.id)

        # Liv applies; the only ring is picked for her.
        server.push_message(LIV, "/producer")
        server.wait_for(says("(1/4)"), chat_id=LIV.id)
        for step, answer in enumerate(
            ["Li Gård", "Honning fra lia", "Vipps 123456", "99 88 77 66"], start=2
        ):
            server.push_message(LIV, answer)
            if step <= 4:
                server.wait_for(says(f"({step}/4)"), chat_id=LIV.id)
        server.press(LIV, "✅ Send søknad", timeout=10)
        server.wait_for(says("Takk! Søknaden din ligger hos"), chat_id=LIV.id)

        # The admin gets it through the outbox, with the buttons, and approves.
        application = server.wait_for(says("Ny produsentsøknad"), chat_id=ADMIN.id, timeout=15)
        server.press(ADMIN, "✅ Godkjenn", timeout=10)
        server.wait_for(says("er godkjent for REKO Testby (av Ada Admin)"), chat_id=ADMIN.id)
        approved = server.wait_for(says("Gode nyheter"), chat_id=LIV.id, timeout=15)

        # Liv adds honey and offers ten jars.
        server.push_message(LIV, "/producer")
        server.wait_for(says("REKO Testby: ✅ godkjent"), chat_id=LIV.id)
        server.press(LIV, "🧺 Mine produkter", timeout=10)
        server.press(LIV, "➕ Legg til et produkt", timeout=10)
        server.wait_for(says("(1/6)"), chat_id=LIV.id)
        server.push_message(LIV, "Lynghonning")
        server.press(LIV, "Hopp over", timeout=10)
        server.wait_for(says("(3/6)"), chat_id=LIV.id)
        server.push_message(LIV, "129,50 kr per glass")  # says what the price is per
        server.wait_for(says("(4/6)"), chat_id=LIV.id)
        server.push_message(LIV, "glass 350 g")
        server.press(LIV, "Honning og sylteti", timeout=10)
        server.press(LIV, "Hopp over", timeout=10)
        server.wait_for(says("Lagret."), chat_id=LIV.id)
        server.press(LIV, "🏠 Produsentmeny", timeout=10)
        server.press(LIV, "📦 Tilbud", timeout=10)
        server.press(LIV, "⬜ Lynghonning", timeout=10)
        server.wait_for(says("Hvor mange «Lynghonning»"), chat_id=LIV.id)
        server.push_message(LIV, "10")
        server.wait_for(says("10 ute for salg, 0 bestilt"), chat_id=LIV.id)

        # Kari orders two jars.
        server.push_message(KARI, "/start testby")
        server.wait_for("sendMessage", chat_id=KARI.id)  # the greeting lists the producers
        server.press(KARI, "Li Gård", timeout=10)
        server.press(KARI, "Lynghonning", timeout=10)
        server.press(KARI, "Legg til", timeout=10)
        server.wait_for(says("I handlekurven: 1"), chat_id=KARI.id)
        server.press(KARI, "Legg til", timeout=10)
        server.wait_for(says("I handlekurven: 2"), chat_id=KARI.id)
        server.press(KARI, "Handlekurv (2)", timeout=10)
        server.press(KARI, "Til kassen", timeout=10)
        server.press(KARI, "Ja, send bestillingen", timeout=10)
        server.wait_for(says("Bestilling #1 er mottatt"), chat_id=KARI.id)

        # Liv's note comes through the outbox.
        note = server.wait_for(
            says("Ny bestilling #1 fra Kari Nordmann"), chat_id=LIV.id, timeout=15
        )

        # The deadline passes: the sweep sends the digest and its file, once.
        move_deadline(database, pickup_id, 2)
        digest = server.wait_for(says("Hvem får hva"), chat_id=LIV.id, timeout=20)
        files = server.wait_for("sendDocument", chat_id=LIV.id, count=3, timeout=15)
        sheet = files[-1]  # the pick list, the workbook, then the CSV

        # At the pickup Liv ticks Kari's order off; Kari sees it in /orders.
        server.push_message(LIV, "/producer")
        server.wait_for(says("REKO Testby: ✅ godkjent"), chat_id=LIV.id)
        server.press(LIV, "📋 Bestillinger, oversikt og utlevering", timeout=10)
        server.press(LIV, "✅ Utleveringsliste", timeout=10)
        server.press(LIV, "⬜ #1 Kari Nordmann", timeout=10)
        ticked = server.wait_for(says("✅ #1 Kari Nordmann"), chat_id=LIV.id)
        server.push_message(KARI, "/orders")
        server.press(KARI, "#1", timeout=10)
        kari_sees = server.wait_for(says("Li Gård"), chat_id=KARI.id)
        server.push_message(LIV, "/start")  # a last update, so the sweep has run again
        server.wait_for("sendMessage", chat_id=LIV.id)
        digests = [
            c
            for c in server.calls("sendMessage", chat_id=LIV.id)
            if "Hvem får hva" in plain(c.text)
        ]
    log = (tmp_path / "rekobot.log").read_text()

    assert "Sendt av: Liv Li (@livli)" in plain(application[0].text)
    assert "Åpne /producer" in plain(approved[0].text)
    assert "2 × Lynghonning (glass 350 g)" in plain(note[0].text)
    assert "Å kreve inn: 259,00 kr" in plain(note[0].text)
    text = plain(digest[0].text)
    assert "Foreløpig" not in text
    assert "2 × Lynghonning (glass 350 g): 259,00 kr" in text
    assert "#1 Kari Nordmann: 259,00 kr" in text
    rows = list(
        csv.reader(io.StringIO(bytes(sheet.files["document"]).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[1] == [
        "1",
        "Kari Nordmann",
        "Lynghonning",
        "glass 350 g",
        "2",
        "129,50",
        "259,00",
        "",
        "",  # not an estimate,
        "",  # priced per item,
        "",  # so nothing to weigh
        "'@kari",  # her Telegram username, kept from running as a formula
        "",
    ]
    assert "Hentet: 1 av 1." in plain(ticked[0].text)
    assert "hentet" in plain(kari_sees[-1].text)
    assert len(digests) == 1  # exactly once, though the sweep ran many times
    assert bot.returncode == 0, log
