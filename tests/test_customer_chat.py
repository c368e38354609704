"""The customer's chat, through the real PTB Application: what Kari (nb) and Emma (en) see."""

from __future__ import annotations

import pytest

from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import (
    EMMA,
    KARI,
    buy_potatoes,
    check_out,
    labels,
    last,
    running_bot,
    texts,
)
from tests.fakes.updates import TgUser


async def test_start_with_a_slug_joins_the_ring_and_says_what_to_do(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        greeting = last(bot, KARI)
        producers = labels(bot, KARI)
        await bot.send(EMMA, "/start TESTBY")
        english = last(bot, EMMA)

    # The one open pickup is right under the greeting, producers first: no /shop to type.
    assert greeting.splitlines()[0] == "Velkommen til REKO Testby!"
    assert "Tap /shop" not in greeting and greeting.endswith("Velg produsent:")
    assert "🗓 torsdag 3. desember, 18:00–19:00" in greeting
    assert producers == [
        "Berg Gård (3)",
        "Solbakken Bakeri (1)",
        "🏷 Etter kategori",
        "🛒 Handlekurv",
    ]
    assert english.splitlines()[0] == "Welcome to REKO Testby!"
    assert english.endswith("Choose a producer:")


async def test_an_unknown_ring_is_answered_with_the_list_of_rings(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start nowhere")
        text = last(bot, KARI)
        rows = bot.buttons(KARI)
        await bot.press(KARI, "REKO Testby")
        joined = last(bot, KARI)

    assert "Det finnes ingen REKO-ring som heter «nowhere»." in text
    assert [label for row in rows for label, _ in row] == ["REKO Testby"]
    assert joined.startswith("Velkommen til REKO Testby!")


async def test_start_without_a_slug_joins_the_only_ring(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, "/start")
        assert last(bot, EMMA).startswith("Welcome to REKO Testby!")


async def test_shop_shows_place_time_window_and_deadline_in_the_rings_timezone(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        norwegian = last(bot, KARI)
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/shop")
        english = last(bot, EMMA)

    # 17:00 UTC is 18:00 in Oslo; the deadline is 36 hours earlier.
    assert "Coop Extra parkering, Storgata 1, 1482 Testby" in norwegian
    assert "torsdag 3. desember, 18:00–19:00" in norwegian
    assert "Bestill innen onsdag 2. desember kl. 06:00" in norwegian
    assert "Thursday, December 3, 6:00 PM–7:00 PM" in english
    assert "Order by Wednesday, December 2 at 6:00 AM" in english


async def test_a_customer_orders_and_gets_confirmation_pin_and_calendar(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        card = last(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        cart = last(bot, KARI)
        await bot.press(KARI, "Til kassen")
        question = last(bot, KARI)
        calls = await bot.press(KARI, "Ja, send bestillingen")
        confirmation = texts(bot, KARI)[-2]

    assert "Poteter — Berg Gård" in card and "I handlekurven: 2" in card
    assert "• 2 × Poteter (2 kg) — 120,00 kr" in cart and "Totalt: 120,00 kr" in cart
    assert "Vil du sende bestillingen?" in question
    assert "Bestilling #1 er mottatt" in confirmation
    assert "Betaling: Vipps 123456" in confirmation
    assert "Delsum: 120,00 kr" in confirmation
    assert "torsdag 3. desember, 18:00–19:00" in confirmation
    venue = next(c for c in calls if c.method == "sendVenue")
    assert venue.params["title"] == "Coop Extra parkering"
    assert float(venue.params["latitude"]) == pytest.approx(60.05)
    document = next(c for c in calls if c.method == "sendDocument")
    ics = bytes(document.files["document"]).decode()
    assert document.files["document"].filename == "reko-2026-12-03.ics"
    assert "DTSTART:20261203T170000Z" in ics and "DTEND:20261203T180000Z" in ics
    assert "SUMMARY:REKO-utlevering: REKO Testby\\, bestilling #1" in ics


async def test_an_english_customer_sees_the_same_order_in_english(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, EMMA)
        await check_out(bot, EMMA)
        confirmation = texts(bot, EMMA)[-2]

    assert "Order #1 is placed" in confirmation
    assert "Pay: Vipps 123456" in confirmation
    assert "Total: NOK120.00" in confirmation


async def test_a_double_tap_on_confirm_places_one_order_and_sends_one_confirmation(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        await bot.press(KARI, "Til kassen")
        message, data = bot.request.find_button(KARI.id, "Ja, send bestillingen")
        first = await bot.feed(bot.factory.callback(KARI, data, message=message))
        second = await bot.feed(bot.factory.callback(KARI, data, message=message))

    assert sum(c.method == "sendDocument" for c in first) == 1
    assert not [c for c in second if c.method in {"sendMessage", "sendDocument", "sendVenue"}]
    toast = next(c for c in second if c.method == "answerCallbackQuery")
    assert toast.params["text"] == "Bestilling #1 er allerede sendt."
    count = await services.db.fetchone("SELECT COUNT(*) FROM orders")
    assert count is not None and count[0] == 1


async def test_browsing_by_category_lists_products_across_producers(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Etter kategori")
        categories = labels(bot, KARI)
        await bot.press(KARI, "Grønnsaker (2)")
        listing = last(bot, KARI)
        shelf = labels(bot, KARI)

    assert categories[:3] == ["Grønnsaker (2)", "Bakst (1)", "Egg og meieri (1)"]
    assert listing.splitlines()[:2] == ["Grønnsaker", "Fra: Berg Gård"]
    assert shelf[:4] == ["Gulrøtter, 1 kg", "➕ 35,00 kr", "Poteter, 2 kg", "➕ 60,00 kr"]


async def test_a_typed_quantity_is_checked_and_bad_input_keeps_the_cart(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Skriv inn antall")
        asked = last(bot, KARI)
        answers = []
        for typed in ("abc", "-1", "0", "1e9", "x" * 5000, "<b>7</b>", "11"):
            await bot.send(KARI, typed)
            answers.append(last(bot, KARI))
        await bot.send(KARI, "4")
        card = last(bot, KARI)

    assert "Hvor mange Poteter (2 kg) vil du ha?" in asked
    assert answers[0].startswith("Send et helt tall, for eksempel 2.")
    assert answers[1].startswith("Send et helt tall")
    assert answers[2].startswith("Antallet må være minst 1.")
    assert answers[3].startswith("Send et helt tall")
    assert answers[4].startswith("Send et helt tall")
    assert answers[5].startswith("Send et helt tall")
    assert answers[6].startswith("Beklager, det er bare 10 igjen av Poteter.")
    assert all("Send et tall, eller /cancel." in a for a in answers)
    assert "I handlekurven: 4" in card
    assert await services.carts.cart_sizes(KARI.id) == {world.pickup_id: 4}


async def test_cancel_leaves_the_quantity_question_with_the_cart_unchanged(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Skriv inn antall")
        await bot.send(KARI, "/cancel")
        said = last(bot, KARI)
        await bot.send(KARI, "5")  # no longer a quantity: nothing happens to the cart

    assert said == "OK, handlekurven er uendret."
    assert await services.carts.cart_sizes(KARI.id) == {world.pickup_id: 2}


async def test_html_in_names_is_shown_as_text(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.db.execute(
        "UPDATE products SET name = '<b>Fet</b> & <i>Co</i>' WHERE id = ?",
        (world.product_ids["potatoes"],),
    )
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")
        shelf = labels(bot, KARI)
        await bot.press(KARI, "Fet")
        card = last(bot, KARI)

    assert "<b>Fet</b> &…" in shelf  # a label is plain text, cut between words
    assert card.startswith("<b>Fet</b> & <i>Co</i> — Berg Gård")


async def test_forged_and_stale_buttons_get_a_polite_answer_and_change_nothing(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await buy_potatoes(bot, EMMA)
        await check_out(bot, EMMA)
        emma_order = await services.db.fetchone("SELECT id FROM orders")
        assert emma_order is not None
        answers = []
        for data in (
            f"ccany:{emma_order[0]}",  # Emma's order, cancelled by Kari
            f"ced:{emma_order[0]}",
            "cadd:999999:1",  # an offer that does not exist
            "cadd:1:50",  # a step nobody can press
            "zzz:1",  # a button from another version of the bot
            "cls:1:x:1:0",
        ):
            calls = await bot.feed(bot.factory.callback(KARI, data))
            answer = next(c for c in calls if c.method == "answerCallbackQuery")
            answers.append(answer.params.get("text", ""))
        status = await services.db.fetchone("SELECT status FROM orders")

    assert answers[0] == answers[1] == "Dette finnes ikke lenger. Åpne menyen på nytt."
    assert answers[2] == "Dette finnes ikke lenger. Åpne menyen på nytt."
    assert answers[3] == "Det gikk ikke. Prøv igjen."
    assert answers[4].startswith("Denne knappen er utdatert.")
    assert answers[5] == "Det gikk ikke. Prøv igjen."
    assert status is not None and status[0] == "placed"


async def test_orders_can_be_changed_until_the_deadline_and_then_only_read(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)
        await bot.send(KARI, "/orders")
        listing = last(bot, KARI)
        await bot.press(KARI, "#1")
        open_order = last(bot, KARI)
        open_buttons = labels(bot, KARI)
        await bot.press(KARI, "Endre")
        editing = last(bot, KARI)
        await bot.press(KARI, "➕")
        await check_out(bot, KARI, from_cart=False)
        updated = texts(bot, KARI)[-2]

        clock.advance(days=2)
        await bot.send(KARI, "/orders")
        await bot.press(KARI, "#1")
        closed_order = last(bot, KARI)
        closed_buttons = labels(bot, KARI)

    assert "1 kommende bestilling." in listing
    assert "Du kan endre eller avbestille denne bestillingen frem til" in open_order
    assert open_buttons[:2] == ["✏️ Endre", "❌ Avbestill"]
    assert "Du endrer bestilling #1." in editing and "2 × Poteter" in editing
    assert "Bestilling #1 er oppdatert" in updated and "3 × Poteter" in updated
    assert "Bestillingsfristen er ute, så denne bestillingen kan ikke lenger endres" in closed_order
    assert closed_buttons == ["⬅ Alle bestillinger"]


async def test_a_customer_cancels_and_the_stock_comes_back(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, EMMA)
        await check_out(bot, EMMA)
        await bot.send(EMMA, "/orders")
        await bot.press(EMMA, "#1")
        await bot.press(EMMA, "Cancel the order")
        question = last(bot, EMMA)
        await bot.press(EMMA, "Yes, cancel order #1")
        done = last(bot, EMMA)

    assert question == "Cancel order #1? The producers will be told."
    assert done == "Order #1 is cancelled. Tap /shop to order again."
    row = await services.db.fetchone(
        "SELECT quantity_reserved FROM offers WHERE id = ?", (world.offer_ids["potatoes"],)
    )
    assert row is not None and row[0] == 0


async def test_a_cart_left_past_the_deadline_is_cleared_with_an_explanation(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        clock.advance(days=2)
        await bot.send(KARI, "/cart")
        shown = texts(bot, KARI)

    assert "Handlekurven din til utleveringen torsdag 3. desember" in shown[-2]
    assert "bestillingsfristen er ute" in shown[-2]
    assert shown[-1].startswith("Handlekurven din er tom.")


async def test_language_switches_and_the_menu_is_published_in_every_language(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        menus = {c.params.get("language_code", ""): c for c in bot.request.calls("setMyCommands")}
        await bot.send(KARI, "/language")
        await bot.press(KARI, "English")
        switched = last(bot, KARI)
        await bot.send(KARI, "/help")
        helped = last(bot, KARI)

    assert {"nb", "no", "en", ""} <= set(menus)
    assert "Bestill til neste utlevering" in str(menus["nb"].params["commands"])
    assert "Order for the next pickup" in str(menus["en"].params["commands"])
    assert switched == "Language set to English. /shop to order."
    assert helped.startswith("How REKO works here")


async def test_a_user_whose_language_we_do_not_ship_reads_the_rings_language(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    hans = TgUser(1003, "Hans", language_code="de")
    english_default = settings.model_copy(update={"default_locale": "en"})
    async with running_bot(english_default, clock) as bot:
        await bot.send(hans, "/start testby")
        await bot.send(hans, "/shop")
        shop = last(bot, hans)

    assert "Bestill innen" in shop  # REKO Testby speaks Bokmål; the bot's default is English
