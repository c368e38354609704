"""Ring admins in the chat: the real Application, fed real updates, faked only at HTTP."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import segno

from rekobot.app import RekoApplication, build_application
from rekobot.models import PickupStatus
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.fakes.calls import Call, plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory
from tests.test_outbox import drain_all
from tests.test_reminders import EMMA, KARI, order

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="nb")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") * 2 + b"rest"


@asynccontextmanager
async def admin_bot(
    settings: Settings, clock: MovableClock, request: RecordingRequest | None = None
) -> AsyncIterator[BotDriver]:
    """The whole bot on the settings' database, driven like a person in a chat."""
    request = request or RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    async with BotDriver(application, request, UpdateFactory(request, clock=clock)) as driver:
        yield driver


def app_of(bot: BotDriver) -> RekoApplication:
    """The application under the driver."""
    assert isinstance(bot.app, RekoApplication)
    return bot.app


def last(bot: BotDriver, user: TgUser) -> str:
    """The last text the user saw, with Babel's no-break spaces as plain ones."""
    return plain(bot.last_text(user))


def sends(calls: list[Call], method: str) -> list[Call]:
    """The successful calls of one method."""
    return [c for c in calls if c.ok and c.method.lower() == method.lower()]


async def test_an_operator_sets_up_a_ring_with_a_place_and_a_pickup_in_norwegian(
    settings: Settings, clock: MovableClock
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        empty = last(bot, ANNE)
        await bot.press(ANNE, "Ny ring")
        asked_name = last(bot, ANNE)
        await bot.send(ANNE, "REKO <Testdal>")
        await bot.press(ANNE, "testdal")
        summary = last(bot, ANNE)
        await bot.press(ANNE, "Opprett ringen")
        created = last(bot, ANNE)

        await bot.press(ANNE, "Legg til et utleveringssted")
        await bot.send(ANNE, "Coop Extra")
        await bot.send(ANNE, "Storgata 1, 1482 Testdal")
        await bot.share_location(ANNE, 60.05, 10.87)
        await bot.send(ANNE, "Bakerst på parkeringen")
        await bot.send_photo(ANNE, PNG)
        place_summary = last(bot, ANNE)
        await bot.press(ANNE, "Lagre stedet")
        place_card = last(bot, ANNE)
        calls = await bot.press(ANNE, "Kartnål og bilde")
        venue = sends(calls, "sendVenue")[0]
        photo = sends(calls, "sendPhoto")[0]
        photo_buttons = [label for row in bot.buttons(ANNE) for label, _ in row]

        await bot.press(ANNE, "Tilbake")  # from the photo back to the place's card
        await bot.press(ANNE, "Steder")
        await bot.press(ANNE, "Meny")
        await bot.press(ANNE, "Utleveringer")
        await bot.press(ANNE, "Én utlevering")
        await bot.press(ANNE, "Coop Extra")
        await bot.send(ANNE, "3.12")
        await bot.send(ANNE, "17-18")
        pickup_summary = last(bot, ANNE)
        await bot.press(ANNE, "Planlegg utleveringen")
        planned = last(bot, ANNE)
        services = app_of(bot).services
        pickups = await services.pickup_admin.pickups(ADMIN_ID, 1)

    assert empty.endswith("Det finnes ingen ring ennå. Opprett den første:")
    assert asked_name == "Hva heter ringen? For eksempel: REKO Nittedal"
    assert "Navn: REKO <Testdal>" in summary
    assert "Lenkekode: testdal (t.me/rekotestbot?start=testdal)" in summary
    assert "Bestillingsfrist: 36 timer før utleveringen" in summary
    assert created.startswith("✅ REKO <Testdal> er opprettet.")
    assert "Kartnål: 60.05000, 10.87000" in place_summary
    assert photo_buttons == ["⬅️ Tilbake"]
    assert "Bilde: ja" in place_summary
    assert place_card.startswith("✅ Stedet er lagret.")
    assert (venue.params["title"], venue.params["address"]) == (
        "Coop Extra",
        "Storgata 1, 1482 Testdal",
    )
    assert (float(venue.params["latitude"]), float(venue.params["longitude"])) == (60.05, 10.87)
    assert photo.params["photo"].startswith("fake-file-")
    assert "torsdag 3. desember, 17:00–18:00" in pickup_summary
    assert "Bestill innen onsdag 2. desember kl. 05:00 (36 timer før)" in pickup_summary
    assert planned.startswith("✅ 1 utlevering er planlagt:")
    assert [p.starts_at for p in pickups] == [datetime(2026, 12, 3, 16, tzinfo=UTC)]


async def test_an_english_admin_reads_english_and_a_bad_answer_keeps_the_draft(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await services.members.register(user_id=EMMA.id, first_name="Emma", language_code="en")
        await services.members.join(EMMA.id, "testby")
        await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, EMMA.id, True)

        await bot.send(EMMA, "/admin")
        menu = last(bot, EMMA)
        await bot.press(EMMA, "Pickups")
        await bot.press(EMMA, "One pickup")
        await bot.press(EMMA, "Coop Extra parkering")
        await bot.send(EMMA, "31.2")
        bad_date = last(bot, EMMA)
        await bot.send(EMMA, "4.12")
        await bot.send(EMMA, "18-17")
        bad_time = last(bot, EMMA)
        await bot.send(EMMA, "17:30-18:30")
        summary = last(bot, EMMA)

    assert menu.startswith("⚙️ REKO Testby — admin")  # one ring: straight to its menu
    assert bad_date == (
        "Send a date like 4.12 or 4.12.2026.\n\n"
        "Which day? Tap one, or type a date like 4.12 or 4.12.2026."
    )
    assert bad_time.startswith("The end must be after the start, e.g. 17:00-18:00.")
    assert "📍 Coop Extra parkering" in summary
    assert "Friday, December 4, 5:30 PM–6:30 PM" in summary


async def test_the_invite_link_comes_with_a_qr_code_to_print(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        calls = await bot.press(ANNE, "Invitasjonslenke og QR-kode")

    text = plain(bot.texts(ANNE)[-2])
    photo = sends(calls, "sendPhoto")[0]
    image = photo.files["photo"]
    expected = io.BytesIO()
    link = "https://t.me/rekotestbot?start=testby"
    segno.make(link, error="m").save(expected, kind="png", scale=12, border=3)
    assert link in text
    assert "Skriv ut QR-koden under til plakater på utleveringsstedet." in text
    assert image.filename == "reko-testby-qr.png"
    assert bytes(image) == expected.getvalue()  # the PNG encodes exactly the deep link
    assert link in str(photo.params["caption"])


async def test_a_member_who_is_no_admin_gets_nowhere_even_with_forged_buttons(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await services.members.register(user_id=KARI.id, first_name="Kari", language_code="nb")
        await services.members.join(KARI.id, "testby")
        await bot.send(KARI, "/admin")
        refused = last(bot, KARI)
        alerts = []
        for forged in (
            "amenu:1",
            "apick:1:cancelok",
            "amact:1:1001:admin",
            "aring:1:set",
            "astart:pickup:1:0",
            "abstop:1",
        ):
            calls = await bot.feed(bot.factory.callback(KARI, forged))
            alerts += [c.params.get("text") for c in sends(calls, "answerCallbackQuery")]
        info = await services.pickup_admin.info(ADMIN_ID, world.pickup_id)
        kari = await services.member_admin.member(ADMIN_ID, world.ring_id, KARI.id)

    assert refused.startswith("Du er ikke administrator for noen REKO-ring.")
    assert alerts[:5] == ["Det har du ikke tilgang til."] * 5
    assert alerts[5] == "Dette finnes ikke lenger. Åpne menyen på nytt."
    assert info.pickup.status is PickupStatus.SCHEDULED
    assert not kari.is_admin


async def test_a_broadcast_with_a_photo_and_a_pin_is_previewed_sent_and_followed(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        application = app_of(bot)
        services = application.services
        await order(services, world, KARI, potatoes=1)
        await order(services, world, EMMA, bread=1)
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Send melding")
        await bot.send(ANNE, "Utleveringen flytter til låven <3")
        await bot.send_photo(ANNE, PNG)
        await bot.press(ANNE, "Coop Extra parkering")
        await bot.press(ANNE, "Alle medlemmer")
        summary = last(bot, ANNE)
        preview = await bot.press(ANNE, "Forhåndsvis")
        question = last(bot, ANNE)
        await bot.press(ANNE, "Send den")
        sending = last(bot, ANNE)
        await drain_all(application, clock)
        progress = plain(bot.texts(ANNE)[-1])
        kari_calls = bot.request.calls(chat_id=KARI.id, ok=True)

    assert "Til: Alle medlemmer" in summary and "Det er 2 personer." in summary
    assert "Utleveringen flytter til låven <3" in summary
    assert [c.method for c in preview if c.method.startswith("send")] == [
        "sendPhoto",
        "sendVenue",
        "sendMessage",
    ]
    assert question == "Sende dette til 2 personer nå?"
    assert sending.startswith("📣 Sender meldingen …")
    assert progress.startswith("✅ Meldingen er sendt.\nSendt: 2 av 2")
    assert [c.method for c in kari_calls] == ["sendPhoto", "sendVenue"]
    assert kari_calls[0].text == "📣 REKO Testby\n\nUtleveringen flytter til låven <3"
    assert kari_calls[1].params["title"] == "Coop Extra parkering"


async def test_a_running_broadcast_can_be_stopped(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        application = app_of(bot)
        await order(application.services, world, KARI, potatoes=1)
        await order(application.services, world, EMMA, bread=1)
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Send melding")
        await bot.send(ANNE, "Test")
        await bot.press(ANNE, "Hopp over")
        await bot.press(ANNE, "Hopp over")
        await bot.press(ANNE, "Alle medlemmer")
        await bot.press(ANNE, "Forhåndsvis")
        await bot.press(ANNE, "Send den")
        await bot.press(ANNE, "Stopp utsendingen")
        stopped = last(bot, ANNE)
        await drain_all(application, clock)

    assert stopped.startswith("⏹ Utsendingen er stoppet.\nSendt: 0 av 2")
    assert "Ikke sendt (stoppet): 2" in stopped
    assert bot.request.calls(chat_id=KARI.id) == []


async def test_cancelling_a_pickup_in_the_chat_tells_its_customers(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        application = app_of(bot)
        number = await order(application.services, world, KARI, potatoes=1)
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Utleveringer")
        await bot.press(ANNE, "Coop Extra parkering")
        await bot.press(ANNE, "Avlys utleveringen")
        question = last(bot, ANNE)
        await bot.press(ANNE, "Ja, avlys utleveringen")
        done = last(bot, ANNE)
        await drain_all(application, clock)
        told = plain(bot.texts(KARI)[-1])

    assert "1 bestilling blir avbestilt." in question
    assert "1 kunde og 2 produsenter får beskjed." in question
    assert done.startswith("✅ Utleveringen er avlyst.")
    assert told.startswith("❌ Denne utleveringen er avlyst.")
    assert f"Bestillingen din #{number} er avbestilt." in told


async def test_a_half_filled_form_survives_a_restart(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as before:
        await before.send(ANNE, "/admin")
        await before.press(ANNE, "REKO Testby")
        await before.press(ANNE, "Steder")
        await before.press(ANNE, "Nytt sted")
        await before.send(ANNE, "Låven")
        asked = last(before, ANNE)

    async with admin_bot(settings, clock) as after:
        await after.send(ANNE, "Gårdsveien 2")
        next_question = last(after, ANNE)
        await after.send(ANNE, "here")
        refused = last(after, ANNE)
        await after.send(ANNE, "60.1, 10.9")
        await after.press(ANNE, "Hopp over")
        await after.press(ANNE, "Hopp over")
        summary = last(after, ANNE)

    assert asked == "Hva er gateadressen?"
    assert next_question.startswith("Hvor er det helt nøyaktig?")
    assert refused.startswith("Send nålen som en posisjon")
    assert "Navn: Låven\nAdresse: Gårdsveien 2\nKartnål: 60.10000, 10.90000" in summary


async def test_a_series_of_pickups_every_other_week_is_planned_in_one_go(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Utleveringer")
        await bot.press(ANNE, "Ukentlig serie")
        await bot.press(ANNE, "Coop Extra parkering")
        await bot.send(ANNE, "10.12")
        await bot.send(ANNE, "17-18")
        await bot.press(ANNE, "4")
        await bot.press(ANNE, "Gjenta")
        await bot.press(ANNE, "Annenhver uke")
        await bot.press(ANNE, "Bestillingsfrist")
        await bot.send(ANNE, "9.12 20:00")
        refused = last(bot, ANNE)
        await bot.send(ANNE, "48")
        summary = last(bot, ANNE)
        await bot.press(ANNE, "Planlegg utleveringene")
        planned = last(bot, ANNE)
        pickups = await app_of(bot).services.pickup_admin.pickups(ADMIN_ID, world.ring_id)

    assert refused.startswith("For en serie: send timene før hver utlevering, som 36.")
    assert "🗓 17:00–18:00, annenhver uke, 4 ganger:" in summary
    assert "• torsdag 24. desember" in summary
    assert "⏰ Bestillingen stenger 48 timer før hver utlevering." in summary
    assert planned.startswith("✅ 4 utleveringer er planlagt:")
    series = [p for p in pickups if p.id != world.pickup_id]
    assert [p.starts_at.date().isoformat() for p in series] == [
        "2026-12-10",
        "2026-12-24",
        "2027-01-07",
        "2027-01-21",
    ]
    assert all(p.starts_at - p.deadline == timedelta(hours=48) for p in series)
