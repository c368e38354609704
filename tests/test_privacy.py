"""Privacy: what Kari (nb) and Emma (en) see in /privacy, their data as a file, deleting it, and
orders that lose the customer's name some days after the pickup while producers keep their books.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers.customer.privacy import ConfirmErase
from rekobot import digest_csv
from rekobot.digest import digest_messages
from rekobot.errors import NotAllowed, StillAdmin
from rekobot.i18n import use_locale
from rekobot.scheduling import run_due_work
from rekobot.services import privacy as privacy_service
from rekobot.services.outbox import OutMessage, enqueue
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import offers as offer_store
from storage import pickups as pickup_store
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, check_out, labels, last, running_bot
from tests.fakes.calls import Call, plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.producer_support import customer, make_admin, order, queued
from tests.test_languages import commands_of

FARMER = TgUser(FARMER_ID, "Berg", None, None, language_code="nb")
OPERATOR = TgUser(ADMIN_ID, "Ola", None, None, language_code="nb")


async def stored(services: Services, sql: str, *params: object) -> int:
    """Count rows."""
    row = await services.db.fetchone(sql, params)
    assert row is not None
    return int(row[0])


async def traces_of(services: Services, user_id: int) -> dict[str, int]:
    """Count every row that still points at a person."""
    return {
        # Keys and JSON are text: the id is compared as text there (PostgreSQL types it).
        table: await stored(
            services, sql, *([str(user_id) if "AS TEXT" in sql else user_id] * sql.count("?"))
        )
        for table, sql in {
            "users": "SELECT COUNT(*) FROM users WHERE id = ?",
            "memberships": "SELECT COUNT(*) FROM memberships WHERE user_id = ?",
            "carts": "SELECT COUNT(*) FROM carts WHERE user_id = ?",
            "cart_items": "SELECT COUNT(*) FROM cart_items WHERE user_id = ?",
            "orders": "SELECT COUNT(*) FROM orders WHERE user_id = ?",
            "checkouts": "SELECT COUNT(*) FROM checkouts WHERE key LIKE CAST(? AS TEXT) || ':%'",
            "deliveries": "SELECT COUNT(*) FROM deliveries WHERE chat_id = ?",
            "questions": "SELECT COUNT(*) FROM questions WHERE user_id = ?",
            "bot_state": "SELECT COUNT(*) FROM bot_state WHERE key = CAST(? AS TEXT) "
            "OR key LIKE '%' || CAST(? AS TEXT) || '%'",
        }.items()
    }


async def second_pickup(services: Services, world: World, clock: MovableClock) -> tuple[int, int]:
    """Add a pickup a week after now with potatoes on offer; return (pickup id, offer id)."""
    starts = clock() + timedelta(days=7)
    async with services.db.transaction() as tx:
        pickup_id = await pickup_store.create_pickup(
            tx,
            ring_id=world.ring_id,
            location_id=world.location_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            deadline=starts - timedelta(hours=36),
            now=clock(),
        )
        offer_id = await offer_store.create_offer(
            tx,
            pickup_id=pickup_id,
            product_id=world.product_ids["potatoes"],
            price=6000,
            quantity_total=10,
            max_per_customer=None,
            now=clock(),
        )
    return pickup_id, offer_id


async def open_delete(bot: BotDriver, user: TgUser) -> None:
    """Open /privacy and tap the delete button, in Bokmål or English."""
    await bot.send(user, "/privacy")
    await bot.press(user, "Slett dataene mine" if user.language_code == "nb" else "Delete my data")


# --- the /privacy screen ----------------------------------------------------------------------


async def test_privacy_lists_what_is_stored_with_the_statement_in_bokmal_and_english(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)
        await bot.send(KARI, "/privacy")
        norwegian, buttons = last(bot, KARI), labels(bot, KARI)
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/privacy")
        english, english_buttons = last(bot, EMMA), labels(bot, EMMA)
        menus = {
            call.params.get("language_code"): commands_of(call)
            for call in bot.request.calls("setMyCommands")
        }

    assert norwegian.startswith("🔒 Dataene dine")
    assert "• Navn fra Telegram-profilen din: Kari Nordmann (@kari)" in norwegian
    assert "• Ringer: REKO Testby" in norwegian
    assert "• Bestillinger: 1 (1 er ikke hentet ennå)" in norwegian
    assert "• Handlekurv: 0 varer" in norwegian
    assert "REKO Testby: navn fjernes fra bestillingene 90 dager etter utleveringen." in norwegian
    assert "Personvern" in norwegian and "Skriver du til boten igjen" in norwegian
    assert buttons == [
        "📞 Del telefonnummeret mitt med produsentene",
        "📄 Last ned dataene mine",
        "🗑 Slett dataene mine",
    ]
    assert english.startswith("🔒 Your data")
    assert "• Name from your Telegram profile: Emma (@emma)" in english
    assert "• Orders: 0" in english and "• Rings: REKO Testby" in english
    assert "REKO Testby: names are removed from orders 90 days after the pickup." in english
    assert english_buttons == [
        "📞 Share my phone with the producers",
        "📄 Download my data",
        "🗑 Delete my data",
    ]
    assert {"command": "privacy", "description": "Dine data og personvern"} in menus["nb"]
    assert {"command": "privacy", "description": "Your data and privacy"} in menus["en"]


async def test_download_sends_everything_stored_as_a_json_file(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)
        await bot.send(KARI, "/shop")
        for label in ("Berg Gård", "Poteter", "Skriv inn antall"):
            await bot.press(KARI, label)  # an open question, with its draft
        await bot.send(KARI, "/privacy")
        calls = await bot.press(KARI, "Last ned dataene mine")

    document = next(c for c in calls if c.method == "sendDocument")
    upload = document.files["document"]
    data = json.loads(bytes(upload))
    assert upload.filename == f"rekobot-data-{KARI.id}.json"
    assert document.params["caption"] == "Alt boten lagrer om deg, slik det er nå."
    assert data["user"]["telegram_id"] == KARI.id
    assert (data["user"]["first_name"], data["user"]["last_name"]) == ("Kari", "Nordmann")
    assert data["user"]["username"] == "kari" and data["user"]["reminders"] is True
    assert [ring["slug"] for ring in data["rings"]] == ["testby"]
    (placed,) = data["orders"]
    assert placed["number"] == 1 and placed["status"] == "placed" and placed["total"] == 12000
    assert placed["lines"] == [
        {
            "producer": "Berg Gård",
            "product": "Poteter",
            "unit": "2 kg",
            "quantity": 2,
            "unit_price": 6000,
            "amount": 12000,
        }
    ]
    question = data["conversation_state"]["open_question"]
    assert (question["form"], question["asking"]) == ("cqty", "quantity")
    assert question["draft"]["offer_id"] == world.offer_ids["potatoes"]


# --- deleting ---------------------------------------------------------------------------------


async def test_deleting_cancels_open_orders_keeps_the_books_and_forgets_the_person(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)  # order #1, at the pickup on Thursday
        clock.advance(days=4)  # the pickup is over: #1 is in the farmer's books
        later, offer_id = await second_pickup(services, world, clock)
        await order(services, KARI.id, later, {offer_id: 3})  # order #1 of next week: open
        await services.carts.set_quantity(KARI.id, offer_id, 1)  # and something in the cart
        await services.db.execute("DELETE FROM deliveries")
        async with services.db.transaction() as tx:  # an announcement still queued for Kari
            await enqueue(
                tx,
                chat_id=KARI.id,
                kind="broadcast",
                messages=[OutMessage(text="Hei Kari!")],
                now=clock(),
                dedupe_key=f"broadcast:1:{KARI.id}",
            )
        await bot.send(KARI, "/shop")
        for label in ("Berg Gård", "Poteter", "Skriv inn antall"):
            await bot.press(KARI, label)  # left open: the question and its draft
        await open_delete(bot, KARI)
        warning, buttons = last(bot, KARI), labels(bot, KARI)
        await bot.press(KARI, "Ja, slett dataene mine for godt")
        done = last(bot, KARI)
        traces = await traces_of(services, KARI.id)
        await bot.send(KARI, "/start testby")
        welcome = last(bot, KARI)
        await bot.send(KARI, "/orders")
        orders_now = last(bot, KARI)
        await bot.send(KARI, "4")  # no question is open for the new Kari
        typed = last(bot, KARI)

    assert "Slette dataene dine?" in warning and "Dette kan ikke angres." in warning
    assert "1 bestilling som ikke er hentet ennå, blir avbestilt" in warning
    assert buttons == ["Ja, slett dataene mine for godt", "⬅️ Tilbake"]
    assert "Dataene dine er slettet." in done
    assert "Bestilling #1 ble avbestilt, og produsentene har fått beskjed." in done
    assert traces == dict.fromkeys(traces, 0)
    # The farmer heard about the cancellation, under the customer's name as it was then.
    (note,) = await queued(services.db, "order_note", chat_id=FARMER_ID)
    assert "Bestilling <b>#1</b> fra Kari Nordmann er kansellert" in note.text
    # Both orders stay, with their lines and amounts, on tombstones that nobody can reach.
    rows = await services.db.fetchall(
        "SELECT o.id, o.user_id, o.status, u.first_name, u.username, u.unreachable_at, "
        "(SELECT SUM(quantity * unit_price) FROM order_lines WHERE order_id = o.id) AS amount "
        "FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id"
    )
    assert [(r["user_id"], r["status"], r["amount"]) for r in rows] == [
        (-rows[0]["id"], "placed", 12000),
        (-rows[1]["id"], "cancelled", 18000),
    ]
    assert all(
        r["first_name"] == "" and r["username"] is None and r["unreachable_at"] for r in rows
    )
    digest = await services.digests.digest(FARMER_ID, world.pickup_id)
    (kept,) = digest.orders
    assert (kept.number, kept.customer, kept.amount) == (1, "Kunde #1", 12000)
    # Kari comes back as somebody new.
    assert welcome.startswith("Velkommen til REKO Testby!")
    assert orders_now == "Du har ingen bestillinger ennå. Trykk /shop for å bestille."
    assert typed.startswith("Det forstod jeg ikke.")


async def test_a_second_tap_after_deletion_is_refused_politely(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await open_delete(bot, KARI)
        message, data = bot.request.find_button(KARI.id, "Ja, slett dataene mine for godt")
        await bot.feed(bot.factory.callback(KARI, data, message=message))
        again = await bot.feed(bot.factory.callback(KARI, data, message=message))

    alert = next(c for c in again if c.method == "answerCallbackQuery")
    assert alert.params["text"] == "Dataene dine er allerede slettet. Det er ikke mer å gjøre."
    assert not [c for c in again if c.method in {"sendMessage", "editMessageText"}]
    assert (
        await stored(services, "SELECT COUNT(*) FROM memberships WHERE user_id = ?", KARI.id) == 0
    )


async def test_a_confirm_button_forged_for_someone_else_or_stale_deletes_nothing(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(EMMA, "/start testby")
        await open_delete(bot, KARI)
        _message, data = bot.request.find_button(KARI.id, "Ja, slett dataene mine for godt")
        forged = await bot.feed(bot.factory.callback(EMMA, data))
        guessed = await bot.feed(bot.factory.callback(EMMA, ConfirmErase(EMMA.id, 1).pack()))
        await bot.send(KARI, "/privacy")  # the warning again would give a fresh code
        await bot.press(KARI, "Slett dataene mine")
        stale = await bot.feed(bot.factory.callback(KARI, data))

    def alert(calls: list[Call]) -> str:
        return str(next(c.params["text"] for c in calls if c.method == "answerCallbackQuery"))

    assert alert(forged) == "This button is not yours. Open /privacy to see your own data."
    assert alert(guessed) == "This button is out of date. Open /privacy again."
    assert alert(stale) == "Denne knappen er utdatert. Åpne /privacy igjen."
    for person in (KARI, EMMA):
        assert (
            await stored(services, "SELECT COUNT(*) FROM memberships WHERE user_id = ?", person.id)
            == 1
        )


async def test_a_producer_and_an_operator_are_told_what_to_do_first(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await open_delete(bot, FARMER)
        producer_says = last(bot, FARMER)
        await open_delete(bot, OPERATOR)
        operator_says = last(bot, OPERATOR)

    assert producer_says.startswith("Du driver Berg Gård.")
    assert "Be ringens administrator eller driftsansvarlig" in producer_says
    assert "REKOBOT_ADMIN_IDS" in operator_says
    assert (
        await stored(services, "SELECT COUNT(*) FROM users WHERE id IN (?, ?)", FARMER_ID, ADMIN_ID)
        == 2
    )


async def test_a_ring_admin_is_asked_to_hand_the_role_on_first(
    services: Services, world: World
) -> None:
    await customer(services, KARI.id)
    await make_admin(services, KARI.id, world.ring_id)

    with pytest.raises(StillAdmin) as refused:
        await services.privacy.erase(KARI.id)

    assert "Du er administrator for REKO Testby." in refused.value.message()
    assert await stored(services, "SELECT COUNT(*) FROM users WHERE id = ?", KARI.id) == 1


async def test_an_order_being_prepared_holds_deletion_until_after_the_pickup(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)
        clock.advance(days=2)  # past Wednesday's deadline, before Thursday's pickup
        await open_delete(bot, KARI)
        held = last(bot, KARI)
        clock.advance(days=2)  # the pickup is over
        await open_delete(bot, KARI)
        await bot.press(KARI, "Ja, slett dataene mine for godt")

    assert held.startswith("Bestilling #1 kan ikke lenger avbestilles")
    assert "torsdag 3. desember" in held and "fra 19:00" in held
    assert (await traces_of(services, KARI.id))["users"] == 0
    (kept,) = (await services.digests.digest(FARMER_ID, world.pickup_id)).orders
    assert kept.customer == "Kunde #1" and kept.amount == 12000


# --- anonymising old orders -------------------------------------------------------------------


async def test_the_sweep_anonymises_orders_90_days_after_the_pickup_and_producers_keep_them(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, KARI.id)
    await order(services, KARI.id, world.pickup_id, {world.offer_ids["potatoes"]: 2})
    clock.advance(days=3 + 90)  # the pickup ended 3 December 18:00; now 2 March 10:00
    before = await run_due_work(services.due_work)
    named = (await services.digests.digest(FARMER_ID, world.pickup_id)).orders[0].customer
    clock.advance(days=1)
    await run_due_work(services.due_work)
    digest = await services.digests.digest(FARMER_ID, world.pickup_id)
    sheet = await services.handover.sheet(FARMER_ID, world.pickup_id)
    again = await services.privacy.anonymise_due()

    assert services.privacy.anonymise_due in services.due_work
    assert before >= 0 and named == "Kari Nordmann"
    (kept,) = digest.orders
    assert (kept.number, kept.amount, kept.customer) == (1, 12000, "Kunde #1")
    assert "<b>#1</b> Kunde #1: 120,00 kr" in plain("\n".join(digest_messages(digest)))
    csv_text = digest_csv.digest_csv(digest, "nb").decode("utf-8-sig")
    assert "Kunde #1" in csv_text and "Kari" not in csv_text
    assert [(o.number, o.customer) for o in sheet.orders] == [(1, "Kunde #1")]
    with use_locale("en"):
        assert kept.customer == "Customer #1"
    assert again == 0
    # Kari is still a member; only the old order no longer points at her.
    assert (await traces_of(services, KARI.id))["orders"] == 0
    assert (await traces_of(services, KARI.id))["memberships"] == 1
    assert (
        await stored(
            services,
            "SELECT COUNT(*) FROM pickups WHERE id = ? AND anonymised_at IS NOT NULL",
            world.pickup_id,
        )
        == 1
    )


async def test_anonymising_goes_in_small_batches(
    services: Services, world: World, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for user_id in (KARI.id, EMMA.id, 1003):
        await customer(services, user_id)
        await order(services, user_id, world.pickup_id, {world.offer_ids["carrots"]: 1})
    monkeypatch.setattr(privacy_service, "BATCH", 2)
    clock.advance(days=100)

    runs = [await services.privacy.anonymise_due() for _ in range(3)]

    assert runs == [2, 1, 0]
    assert await stored(services, "SELECT COUNT(*) FROM orders WHERE user_id > 0") == 0


async def test_a_ring_set_to_0_keeps_names_and_only_its_admin_may_set_it(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, KARI.id)
    await order(services, KARI.id, world.pickup_id, {world.offer_ids["potatoes"]: 1})
    with pytest.raises(NotAllowed):
        await services.privacy.set_retention(KARI.id, world.ring_id, 0)
    await services.privacy.set_retention(ADMIN_ID, world.ring_id, 0)
    clock.advance(days=4000)

    await run_due_work(services.due_work)

    (kept,) = (await services.digests.digest(FARMER_ID, world.pickup_id)).orders
    assert kept.customer == "Kari Nordmann"
    ring = await services.ring_admin.ring(ADMIN_ID, world.ring_id)
    assert ring.anonymise_after_days == 0
