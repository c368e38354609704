"""In groups and channels the bot only points to the private chat; ring data stays private.

Kari has an order, Anne runs the ring and Berg Gård sells in it; then all of them type every
command the bot knows in the ring's Telegram group and press every kind of button there
(their real buttons, forged ones, buttons on inline messages that have no chat).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from handlers import callbacks
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, check_out, running_bot
from tests.fakes.calls import BOT_USER, BOT_USERNAME, Call, keyboard_rows
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="nb")
FARMER = TgUser(FARMER_ID, "Berg", None, "berggard", language_code="nb")
GROUP = -1001234567890
SMALL_GROUP = -4242
CHANNEL = -1009876543210

POINTER = {
    "nb": "Bestillinger og ringdetaljer viser jeg bare i en privat chat. "
    "Trykk på knappen for å åpne den.",
    "en": "I show orders and ring details only in a private chat. Tap the button to open it.",
}
ALERT = {
    "nb": f"Dette virker bare i den private chatten med meg: åpne @{BOT_USERNAME} og send /start.",
    "en": f"This works only in the private chat with me: open @{BOT_USERNAME} and send /start.",
}


def every_command(handlers: dict[int, list[BaseHandler[Any, Any, Any]]]) -> set[str]:
    """Every command any handler of the bot answers, inside conversations too."""
    found: set[str] = set()

    def walk(handler: BaseHandler[Any, Any, Any]) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for inner in handler.entry_points + handler.fallbacks:
                walk(inner)
            for state in handler.states.values():
                for inner in state:
                    walk(inner)

    for group in handlers.values():
        for handler in group:
            walk(handler)
    return found


async def a_ring_with_history(bot: BotDriver) -> None:
    """Kari has ordered, Anne has opened the admin menu, Berg Gård its producer home."""
    await buy_potatoes(bot, KARI)
    await check_out(bot, KARI)
    await bot.send(ANNE, "/admin")
    await bot.send(FARMER, "/producer")


def group_calls(calls: list[Call], chat_id: int) -> list[Call]:
    """The calls that wrote into a chat."""
    return [c for c in calls if c.method != "answerCallbackQuery" and c.chat_id == chat_id]


def private_calls(calls: list[Call]) -> list[Call]:
    """The calls that went to someone's private chat."""
    return [c for c in calls if isinstance(c.chat_id, int) and c.chat_id > 0]


def pointer_of(call: Call) -> tuple[str, list[list[tuple[str, str | None]]]]:
    """The text and the (label, url) buttons of the pointer to the private chat."""
    markup = call.params.get("reply_markup")
    return str(call.params["text"]), keyboard_rows(markup)


async def test_every_command_in_a_group_gets_one_line_and_the_private_chat_button(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await a_ring_with_history(bot)
        commands = every_command(bot.app.handlers)
        answers: dict[str, list[Call]] = {}
        for user in (KARI, ANNE, FARMER, EMMA):
            for command in sorted(commands):
                for typed in (f"/{command}", f"/{command}@{BOT_USERNAME}", f"/{command} 1 2"):
                    update = bot.factory.message(user, typed, chat_id=GROUP)
                    answers[f"{user.first_name} {typed}"] = await bot.feed(update)
        before = len(bot.texts(KARI))

    assert {"start", "shop", "cart", "orders", "admin", "producer", "digest"} <= commands
    for what, calls in answers.items():
        assert private_calls(calls) == [], what
        sent = group_calls(calls, GROUP)
        assert [c.method for c in sent] == ["sendMessage"], what
        text, rows = pointer_of(sent[0])
        language = "en" if what.startswith("Emma") else "nb"
        assert text == POINTER[language], what
        assert len(rows) == 1 and len(rows[0]) == 1, what
        payload = "?start=1" if what.endswith("/start 1 2") else ""
        assert rows[0][0][1] == f"https://t.me/{BOT_USERNAME}{payload}", what
    assert before == len(bot.texts(KARI))


async def test_start_with_a_ring_in_a_group_links_to_the_private_chat_with_that_ring(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        joined = await bot.feed(bot.factory.message(KARI, "/start testby", chat_id=SMALL_GROUP))
        odd = await bot.feed(bot.factory.message(KARI, "/start <b>x</b>&", chat_id=SMALL_GROUP))
        members = await bot.app.bot_data.services.db.fetchall("SELECT user_id FROM memberships")

    assert pointer_of(group_calls(joined, SMALL_GROUP)[0])[1][0][0][1] == (
        f"https://t.me/{BOT_USERNAME}?start=testby"
    )
    assert pointer_of(group_calls(odd, SMALL_GROUP)[0])[1][0][0][1] == (
        f"https://t.me/{BOT_USERNAME}"
    )
    assert members == []  # nobody joined a ring from the group, nobody was stored


async def test_every_kind_of_button_pressed_in_a_group_gets_an_alert_and_shows_nothing(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await a_ring_with_history(bot)
        # The real buttons each of them was shown in private, now pressed on a group message.
        real = [
            (user, data)
            for user in (KARI, ANNE, FARMER)
            for message in bot.request.messages(user.id)
            for row in keyboard_rows(message.get("reply_markup"))
            for _label, data in row
            if data is not None and not data.startswith("http")
        ]
        forged = [
            (user, ":".join([prefix, *("1" if f.type in (int, "int") else "show" for f in fields)]))
            for user in (KARI, ANNE)
            for prefix, cls in sorted(callbacks._REGISTRY.items())
            for fields in [dataclasses.fields(cls)]
        ]
        garbage = [(KARI, "zzz:1"), (ANNE, "amenu"), (KARI, "")]
        assert len(real) >= 5 and len(forged) >= 2 * 20
        group_message = {
            "message_id": 7,
            "from": dict(BOT_USER),
            "chat": bot.request.chat_json(GROUP),
            "date": bot.request.unix_now(),
            "text": "an old message the bot once posted in the group",
        }
        answers: list[tuple[str, list[Call]]] = []
        for user, data in real + forged + garbage:
            in_group = bot.factory.callback(user, data, message=dict(group_message))
            answers.append((f"group {data}", await bot.feed(in_group)))
            inline = bot.factory.callback(user, data)
            del inline["callback_query"]["message"]
            inline["callback_query"]["inline_message_id"] = "AgAAAEl0aW5saW5l"
            answers.append((f"inline {data}", await bot.feed(inline)))

    for what, calls in answers:
        assert [c.method for c in calls] == ["answerCallbackQuery"], what
        assert calls[0].params["text"] == ALERT["nb"], what
        assert calls[0].params["show_alert"] in (True, "true"), what


async def test_being_added_to_a_group_is_logged_and_nothing_is_posted(
    settings: Settings, clock: MovableClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(settings, clock) as bot:
        added = bot.factory.my_chat_member(ANNE, status="member")
        member = added["my_chat_member"]
        member["chat"] = bot.request.chat_json(GROUP)
        member["old_chat_member"] = {"status": "left", "user": dict(BOT_USER)}
        with caplog.at_level(logging.INFO, logger="handlers.private_chat"):
            calls = await bot.feed(added)
            chatter = await bot.feed(bot.factory.message(KARI, "who has eggs?", chat_id=GROUP))
            other_bot = await bot.feed(bot.factory.message(KARI, "/shop@otherbot", chat_id=GROUP))

    assert calls == [] and chatter == [] and other_bot == []
    assert any(
        f"member in supergroup chat {GROUP}" in r.getMessage() and str(ADMIN_ID) in r.getMessage()
        for r in caplog.records
    )


async def test_a_command_posted_in_a_channel_gets_the_pointer_and_other_posts_nothing(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    channel = {"id": CHANNEL, "type": "channel", "title": "REKO Testby news"}
    async with running_bot(settings, clock) as bot:
        bot.request.remember_chat(channel)
        post: dict[str, Any] = {
            "message_id": 3,
            "chat": channel,
            "date": bot.request.unix_now(),
            "text": "/orders",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        }
        command = await bot.feed(bot.factory.update(channel_post=post))
        del post["entities"]
        plain = await bot.feed(bot.factory.update(channel_post={**post, "text": "Eggs today!"}))
        edited = await bot.feed(bot.factory.update(edited_channel_post={**post, "edit_date": 1}))

    assert [c.method for c in command] == ["sendMessage"]
    assert pointer_of(command[0])[0] == POINTER["nb"]
    assert plain == [] and edited == []
