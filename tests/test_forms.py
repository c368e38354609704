"""The one way the bot asks a question: one open question per user, kept in the database.

Every test drives the real Application with Update JSON; only Telegram's HTTP edge is fake.
"""

from __future__ import annotations

from telegram.ext import ConversationHandler

from rekobot.app import build_application
from rekobot.settings import Settings
from storage import questions
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, World
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory
from tests.test_admin_chat import admin_bot, app_of, last
from tests.test_reminders import KARI

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="en")


def labels(bot: BotDriver, user: TgUser) -> list[list[str]]:
    """The button labels of the latest keyboard in the user's chat."""
    return [[plain(text) for text, _data in row] for row in bot.buttons(user)]


async def test_a_bad_answer_in_the_settings_form_asks_again_with_the_same_buttons(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Settings")
        await bot.press(ANNE, "Order deadline")
        asked = labels(bot, ANNE)
        await bot.send(ANNE, "kl 17 til 18")
        again = last(bot, ANNE)
        buttons_again = labels(bot, ANNE)
        await bot.press(ANNE, "Back")
        summary = last(bot, ANNE)

    assert asked == [["24 h", "36 h"], ["48 h"], ["◀️ Back", "✖️ Cancel"]]
    assert again.endswith(
        "How many hours before a pickup should ordering close? Tap one, or type a number."
    )
    assert buttons_again == asked  # Back is still there, and the answer buttons too
    assert "Settings of REKO Testby" in summary


async def test_cancel_says_nothing_was_saved_and_leads_back_to_the_ring_menu(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Places")
        await bot.press(ANNE, "New place")
        await bot.send(ANNE, "Half a place")
        await bot.press(ANNE, "Cancel")
        cancelled = last(bot, ANNE)
        after_cancel = labels(bot, ANNE)
        await bot.press(ANNE, "Ring menu")
        menu = last(bot, ANNE)
        await bot.press(ANNE, "Places")
        await bot.press(ANNE, "New place")
        await bot.send(ANNE, "/cancel")
        by_command = last(bot, ANNE)
        after_command = labels(bot, ANNE)
        stored = await questions.get(app_of(bot).services.db, ANNE.id)

    assert cancelled == "Cancelled. Nothing was saved."
    assert after_cancel == [["⚙️ Ring menu"]]
    assert menu.startswith("⚙️ REKO Testby — admin")
    assert by_command == "Cancelled. Nothing was saved."
    assert after_command == [["⚙️ Ring menu"]]
    assert stored is None


async def test_a_new_application_on_the_same_file_still_has_the_open_question_and_its_draft(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    request = RecordingRequest(clock=clock)
    application = build_application(settings, request=request, clock=clock, rate_limit=False)
    before = BotDriver(application, request, UpdateFactory(request, clock=clock))
    await application.initialize()
    await before.send(ANNE, "/admin")
    await before.press(ANNE, "REKO Testby")
    await before.press(ANNE, "Places")
    await before.press(ANNE, "New place")
    await before.send(ANNE, "Bygdehuset")
    asked = last(before, ANNE)
    stored = await questions.get(application.bot_data.services.db, ANNE.id)
    # The first process dies here: no shutdown, nothing flushed.
    await application.bot_data.services.db.close()

    async with admin_bot(settings, clock) as after:
        await after.send(ANNE, "Kirkeveien 2, Testby")
        pin = last(after, ANNE)
        await after.send(ANNE, "59.9, 10.7")
        await after.press(ANNE, "Skip")
        await after.press(ANNE, "Skip")
        summary = last(after, ANNE)

    assert asked == "What is the street address?"
    assert stored is not None and (stored.kind, stored.asking) == ("place", "address")
    assert '"name":"Bygdehuset"' in stored.draft  # in the database, not in process memory
    assert "pin" in pin.lower() or "location" in pin.lower()
    assert "Name: Bygdehuset" in summary
    assert "Address: Kirkeveien 2, Testby" in summary


async def test_a_button_of_a_closed_form_is_refused_kindly_in_the_users_language(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Places")
        await bot.press(ANNE, "New place")
        first_form = bot.request.last_keyboard_message(ANNE.id)
        assert first_form is not None
        await bot.send(ANNE, "/cancel")
        await bot.send(ANNE, "/language")
        await bot.press(ANNE, "Norsk bokmål")
        calls = await bot.press(ANNE, "Cancel", message_id=first_form["message_id"])
        alerts = [c for c in calls if c.method == "answerCallbackQuery"]
        stored = await questions.get(app_of(bot).services.db, ANNE.id)

    assert alerts and alerts[0].params.get("show_alert")
    assert alerts[0].params["text"] == ("Dette spørsmålet er lukket. Bruk den nyeste meldingen.")
    assert stored is None


async def test_a_farm_name_typed_after_producer_goes_to_the_producer_question_not_the_ring(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "New ring")
        ring_question = last(bot, ANNE)
        await bot.send(ANNE, "/producer")
        producer_question = last(bot, ANNE)
        await bot.send(ANNE, "Ada Farm")
        answer = last(bot, ANNE)
        services = app_of(bot).services
        ring_names = [ring.name for ring in await services.ring_admin.admin_rings(ADMIN_ID)]

    assert ring_question.startswith("What is the ring called?")
    assert "“New ring”, which you had open, was closed; nothing of it was saved." in (
        producer_question
    )
    assert "(1/4) What is the name of your farm or business?" in producer_question
    assert answer.startswith("(2/4) Describe what you sell")
    assert "Ada Farm" not in ring_names


async def test_a_bad_offer_quantity_asks_again_with_the_same_buttons(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    berg = TgUser(FARMER_ID, "Berg", language_code="en")
    async with admin_bot(settings, clock) as bot:
        await bot.send(berg, "/producer")
        await bot.press(berg, "Offers")
        await bot.press(berg, "Poteter")
        await bot.press(berg, "Quantity")
        asked = labels(bot, berg)
        await bot.send(berg, "many")
        again = last(bot, berg)
        again_buttons = labels(bot, berg)
        await bot.press(berg, "Back")
        card = last(bot, berg)

    assert asked == [["∞ Unlimited"], ["⬅️ Back"]]
    assert again.startswith("Please send a whole number, for example 2.\n\nHow many “Poteter”")
    assert again_buttons == asked
    assert "Poteter" in card and "on offer" in card


async def test_a_customer_types_a_quantity_and_a_bad_one_keeps_the_way_back(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    kari = TgUser(KARI.id, "Kari", language_code="en")
    async with admin_bot(settings, clock) as bot:
        await bot.send(kari, "/start testby")
        await bot.send(kari, "/shop")
        await bot.press(kari, "Berg")
        await bot.press(kari, "Poteter")
        await bot.press(kari, "Type a quantity")
        asked = last(bot, kari)
        await bot.send(kari, "0")
        again = last(bot, kari)
        again_buttons = labels(bot, kari)
        await bot.send(kari, "3")
        card = last(bot, kari)
        await bot.send(kari, "4")  # the question is closed: not a quantity any more
        after = last(bot, kari)

    assert "How many of Poteter (2 kg) do you want?" in asked
    assert again.startswith("The quantity must be at least 1.")
    assert again_buttons == [["✖️ Cancel"]]
    assert "In your cart: 3" in card
    assert after.startswith("I did not understand that.")


async def test_a_stopped_broadcast_leads_back_to_the_ring_menu(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        members = app_of(bot).services.members
        for user_id in (KARI.id, KARI.id + 1):
            await members.register(user_id=user_id, first_name="Kari", language_code="nb")
            await members.join(user_id, "testby")
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Broadcast")
        await bot.send(ANNE, "Hello everyone!")
        await bot.press(ANNE, "Skip")
        await bot.press(ANNE, "Skip")
        await bot.press(ANNE, "All members")
        await bot.press(ANNE, "Preview")
        await bot.press(ANNE, "Send it")
        await bot.press(ANNE, "Stop sending")
        stopped = last(bot, ANNE)
        way_on = labels(bot, ANNE)

    assert stopped.startswith("⏹ Broadcast stopped.")
    assert way_on == [["⚙️ Ring menu"]]


async def test_a_quantity_asked_after_a_product_step_takes_the_typed_number(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    berg = TgUser(FARMER_ID, "Berg", language_code="en")
    async with admin_bot(settings, clock) as bot:
        await bot.send(berg, "/start testby")
        await bot.send(berg, "/producer")
        await bot.press(berg, "My products")
        await bot.press(berg, "Add a product")
        product_question = last(bot, berg)
        await bot.send(berg, "/shop")
        await bot.press(berg, "Berg")
        await bot.press(berg, "Poteter")
        await bot.press(berg, "Type a quantity")
        await bot.send(berg, "3")
        card = last(bot, berg)
        await bot.send(berg, "Honning")  # no question is open any more
        after = last(bot, berg)
        products = await app_of(bot).services.catalog.products(FARMER_ID)

    assert product_question.startswith("(1/6) What is the product called?")
    assert "In your cart: 3" in card
    assert after.startswith("I did not understand that.")
    assert {p.name for p in products}.isdisjoint({"3", "Honning"})


def test_no_conversation_handler_holds_a_users_text(
    settings: Settings, clock: MovableClock
) -> None:
    """Every typed answer goes through the one engine: PTB keeps no conversation in memory."""
    application = build_application(settings, request=RecordingRequest(clock=clock), clock=clock)
    registered = [h for group in application.handlers.values() for h in group]
    assert registered, "the wiring added no handlers"
    assert [h for h in registered if isinstance(h, ConversationHandler)] == []
