"""The one way the bot asks a question: one open question per user, kept in the database.

Every test drives the real Application with Update JSON; only Telegram's HTTP edge is fake.
"""

from __future__ import annotations

from rekobot.app import build_application
from rekobot.settings import Settings
from storage import questions
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.telegram_fake import BotDriver, RecordingRequest, TgUser, UpdateFactory, plain
from tests.test_admin_chat import admin_bot, app_of, last

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
