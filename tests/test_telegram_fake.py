"""Tests of the Telegram edge fakes: the recording request, the driver and the loopback server."""

from __future__ import annotations

import asyncio
import html
import itertools
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.calls import BOT_ID, plain
from tests.fakes.driver import BotDriver
from tests.fakes.html import parse_html
from tests.fakes.request import RecordingRequest
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser, UpdateFactory
from tests.fakes.wire import decode_body

TOKEN = "123456:" + "A" * 35
ALICE = TgUser(5001, "Alice", "Hansen", username="alice")
BOB = TgUser(5002, "Bob", language_code="en")
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:REKO Nittedal\r\nEND:VCALENDAR\r\n"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


# --- a tiny bot to drive ---------------------------------------------------------------------


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the customer by name and offer the shop."""
    assert update.effective_message is not None and update.effective_user is not None
    ring = " ".join(context.args or []) or "ingen"
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Handle", callback_data="shop"),
                InlineKeyboardButton("Mine bestillinger", callback_data="orders"),
            ],
            [InlineKeyboardButton("Om REKO", url="https://reko.example/om")],
        ]
    )
    name = html.escape(update.effective_user.first_name)
    await update.effective_message.reply_html(
        f"Velkommen, <b>{name}</b>! Ring: {html.escape(ring)}", reply_markup=keyboard
    )


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge the press and show the choice in place of the menu."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"Du valgte {query.data}.")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


async def crash(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Fail, as a buggy handler would."""
    raise ValueError("the cart is gone")


def add_handlers(app: AnyApp) -> AnyApp:
    """Wire the tiny bot's handlers."""
    app.add_handler(CommandHandler("start", greet))
    app.add_handler(CommandHandler("crash", crash))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
def request_fake() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def driver(request_fake: RecordingRequest) -> AsyncIterator[BotDriver]:
    builder = ApplicationBuilder().token(TOKEN).request(request_fake)
    app = add_handlers(builder.get_updates_request(request_fake).build())
    async with BotDriver(app, request_fake) as driver:
        yield driver


@pytest.fixture
async def bot(request_fake: RecordingRequest) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, request=request_fake, get_updates_request=request_fake) as bot:
        yield bot


# --- the recording request and the driver ----------------------------------------------------


async def test_customer_who_starts_the_bot_is_greeted_with_buttons(driver: BotDriver) -> None:
    calls = await driver.send(ALICE, "/start nittedal")

    assert [call.method for call in calls] == ["sendMessage"]
    assert calls[0].chat_id == ALICE.id
    assert calls[0].params["parse_mode"] == "HTML"
    assert driver.last_text(ALICE) == "Velkommen, Alice! Ring: nittedal"
    assert driver.buttons(ALICE) == [
        [("Handle", "shop"), ("Mine bestillinger", "orders")],
        [("Om REKO", "https://reko.example/om")],
    ]
    message = driver.last_message(ALICE)
    assert message is not None
    assert message["from"]["id"] == BOT_ID
    assert message["chat"]["first_name"] == "Alice"
    assert message["entities"] == [{"offset": 11, "length": 5, "type": "bold"}]


async def test_pressing_a_button_answers_it_and_edits_that_message(driver: BotDriver) -> None:
    greeting = (await driver.send(ALICE, "/start"))[0].result

    calls = await driver.press(ALICE, "Handle")

    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].params["message_id"] == greeting["message_id"]
    assert driver.texts(ALICE) == ["Velkommen, Alice! Ring: ingen", "Du valgte shop."]
    assert driver.buttons(ALICE) == []  # an edit without a keyboard removes it, as in Telegram


async def test_a_button_can_be_pressed_by_part_of_its_text(driver: BotDriver) -> None:
    await driver.send(BOB, "/start")

    await driver.press(BOB, "bestillinger")

    assert driver.last_text(BOB) == "Du valgte orders."


async def test_pressing_a_missing_button_names_the_buttons_there_are(driver: BotDriver) -> None:
    await driver.send(ALICE, "/start")

    with pytest.raises(AssertionError, match=r"no button 'Ost'.*'Handle', 'Mine bestillinger'"):
        await driver.press(ALICE, "Ost")
    with pytest.raises(AssertionError, match="has no callback"):
        await driver.press(ALICE, "Om REKO")


async def test_user_and_bot_messages_share_one_id_sequence_per_chat(driver: BotDriver) -> None:
    await driver.send(ALICE, "hei")  # message 1 from Alice, echo is message 2
    calls = await driver.send(ALICE, "ost")  # message 3, echo is message 4

    assert calls[0].result["message_id"] == 4
    assert driver.texts(ALICE) == ["hei", "ost"]
    assert driver.texts(BOB) == []


async def test_a_handler_that_raises_fails_the_step(driver: BotDriver) -> None:
    with pytest.raises(AssertionError, match="the cart is gone"):
        await driver.send(ALICE, "/crash")

    driver.raise_errors = False
    await driver.send(ALICE, "/crash")
    assert len(driver.errors) == 2


def test_updates_are_real_telegram_updates() -> None:
    factory = UpdateFactory()

    start = Update.de_json(factory.message(ALICE, "/start nittedal"), None)
    where = Update.de_json(factory.location(ALICE, 59.93, 10.81), None)
    press = Update.de_json(factory.callback(BOB, "shop", message_id=7), None)

    assert start.message is not None and start.effective_user is not None
    assert start.message.text == "/start nittedal"
    assert start.message.parse_entities() == {start.message.entities[0]: "/start"}
    assert start.effective_user.language_code == "nb"
    assert start.message.chat.type == "private"
    assert where.message is not None and where.message.location is not None
    assert where.message.location.latitude == pytest.approx(59.93)
    assert press.callback_query is not None and press.callback_query.message is not None
    assert press.callback_query.data == "shop"
    assert press.callback_query.message.message_id == 7
    assert press.callback_query.message.chat.id == BOB.id
    assert [start.update_id, where.update_id, press.update_id] == [1, 2, 3]


async def test_a_flood_limit_raises_retry_after_then_the_send_goes_through(
    bot: Bot, request_fake: RecordingRequest
) -> None:
    request_fake.rate_limit(ALICE.id, retry_after=7)

    with pytest.raises(RetryAfter, match=r"Retry in (7 seconds|0:00:07)"):
        await bot.send_message(ALICE.id, "Hentested: Nittedal")
    await bot.send_message(ALICE.id, "Hentested: Nittedal")

    assert [call.status for call in request_fake.calls("sendMessage", ALICE.id)] == [429, 200]
    assert request_fake.texts(ALICE.id) == ["Hentested: Nittedal"]


async def test_a_customer_who_blocked_the_bot_raises_forbidden_others_still_get_it(
    bot: Bot, request_fake: RecordingRequest
) -> None:
    request_fake.block(BOB.id)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(BOB.id, "Påminnelse")
    await bot.send_message(ALICE.id, "Påminnelse")

    assert request_fake.texts(ALICE.id) == ["Påminnelse"]
    assert request_fake.texts(BOB.id) == []


async def test_a_calendar_file_the_bot_sends_can_be_read_back(
    bot: Bot, request_fake: RecordingRequest
) -> None:
    sent = await bot.send_document(ALICE.id, ICS, filename="henting.ics", caption="Kalender")

    [upload] = request_fake.uploads(ALICE.id)
    assert upload.filename == "henting.ics"
    assert upload.startswith(b"BEGIN:VCALENDAR")
    assert sent.document is not None and sent.document.file_name == "henting.ics"
    assert request_fake.texts(ALICE.id) == ["Kalender"]
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == ICS


async def test_telegram_refuses_what_it_would_refuse(
    bot: Bot, request_fake: RecordingRequest
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag .ost."):
        await bot.send_message(ALICE.id, "Pris for <Ost & brød>", parse_mode="HTML")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Legg til", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(ALICE.id, "Ost", reply_markup=too_long)
    sent = await bot.send_message(ALICE.id, "Ost")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Ost", chat_id=ALICE.id, message_id=sent.message_id)

    assert request_fake.texts(ALICE.id) == ["Ost"]


def test_html_is_rendered_as_the_user_sees_it() -> None:
    text, entities = parse_html('🧀 <b>Ost &amp; brød</b> <a href="https://x.example">kart</a>')

    assert text == "🧀 Ost & brød kart"
    assert entities == [
        {"offset": 3, "length": 10, "type": "bold"},  # the emoji is two UTF-16 units
        {"offset": 14, "length": 4, "type": "text_link", "url": "https://x.example"},
    ]


def test_plain_folds_the_no_break_spaces_babel_writes() -> None:
    assert plain("12\xa0345,67\xa0kr kl. 4:30\u202fPM") == "12 345,67 kr kl. 4:30 PM"
    assert plain(None) == ""


async def test_latency_delays_answers_and_each_call_keeps_its_time() -> None:
    request = RecordingRequest(latency=0.05)
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        started = time.monotonic()
        for number in range(3):
            await bot.send_message(ALICE.id, f"Melding {number}")

    sends = request.calls("sendMessage")
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(sends)]
    assert time.monotonic() - started >= 0.15
    assert all(gap >= 0.045 for gap in gaps)


async def test_waiting_for_a_call_that_never_comes_fails_and_shows_what_came(
    bot: Bot, request_fake: RecordingRequest
) -> None:
    request_fake.note_update()
    await bot.send_message(ALICE.id, "Takk for bestillingen")

    [sent] = await request_fake.wait_for_async("sendMessage", chat_id=ALICE.id, timeout=1)
    with pytest.raises(AssertionError, match=r"found 0(.|\n)*sendMessage chat=5001 'Takk"):
        await request_fake.wait_for_async("sendDocument", timeout=0.1)
    assert sent.text == "Takk for bestillingen"


def test_calls_since_a_mark_are_the_later_calls_even_across_a_clear() -> None:
    api = RecordingRequest()
    for number in range(3):
        api.handle("sendMessage", {"chat_id": ALICE.id, "text": f"Melding {number}"})
    before_clear = api.mark() - 1
    api.clear()
    api.handle("sendMessage", {"chat_id": BOB.id, "text": "Etter"})
    mark = api.mark()
    api.handle("sendMessage", {"chat_id": BOB.id, "text": "Sist"})

    assert [call.text for call in api.calls_since(before_clear)] == ["Etter", "Sist"]
    assert [call.text for call in api.calls_since(mark)] == ["Sist"]
    assert api.calls_since(api.mark()) == []
    assert [call.text for call in api.wait_for(after=mark, timeout=0)] == ["Sist"]


def test_calls_since_does_not_scan_a_long_history() -> None:
    # A benchmark driver asks after every update; scanning 100,000 calls a thousand times takes
    # seconds, while slicing them off takes milliseconds even on a loaded machine.
    api = RecordingRequest()
    for _ in range(100_000):
        api.handle("getMe", {})
    mark = api.mark()
    api.handle("sendMessage", {"chat_id": ALICE.id, "text": "Ny"})

    started = time.perf_counter()
    for _ in range(1000):
        [latest] = api.calls_since(mark)
    elapsed = time.perf_counter() - started

    assert latest.text == "Ny"
    assert elapsed < 0.3, f"1000 calls_since took {elapsed:.2f}s"


# --- the loopback Bot API server ---------------------------------------------------------------


async def test_a_polling_bot_answers_through_the_loopback_server() -> None:
    with BotApiServer(token=TOKEN, lifetime=30) as server:
        builder = ApplicationBuilder().token(TOKEN).base_url(server.url)
        app = add_handlers(builder.base_file_url(server.file_url).build())
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            server.push_message(ALICE, "/start nittedal")
            [greeting] = await server.wait_for_async("sendMessage", chat_id=ALICE.id, timeout=20)
            await server.press_async(ALICE, "Handle", timeout=20)
            [edit] = await server.wait_for_async("editMessageText", timeout=20)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    assert greeting.text == "Velkommen, Alice! Ring: nittedal"
    assert server.buttons(greeting)[0] == [("Handle", "shop"), ("Mine bestillinger", "orders")]
    assert edit.params["message_id"] == greeting.result["message_id"]
    assert server.texts(ALICE.id) == ["Velkommen, Alice! Ring: nittedal", "Du valgte shop."]
    assert [call.method for call in server.calls("answerCallbackQuery")] == ["answerCallbackQuery"]
    assert server.pending == 0


async def test_the_server_reads_uploads_and_plays_failures_over_http() -> None:
    with BotApiServer(lifetime=30) as server:
        async with Bot(TOKEN, base_url=server.url, base_file_url=server.file_url) as bot:
            await bot.send_document(ALICE.id, b"produkt;antall\nOst;2\n", filename="liste-ø.csv")
            await bot.send_message(
                ALICE.id,
                "[1] 123",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Avbestill", callback_data="cancel:12")]]
                ),
            )
            server.rate_limit(BOB.id, retry_after=3)
            with pytest.raises(RetryAfter):
                await bot.send_message(BOB.id, "Digest")
            server.block(BOB.id)
            with pytest.raises(Forbidden):
                await bot.send_message(BOB.id, "Digest")

    [document] = server.calls("sendDocument")
    assert document.files["document"] == b"produkt;antall\nOst;2\n"
    assert document.files["document"].filename == "liste-ø.csv"
    assert document.chat_id == ALICE.id
    [message] = server.calls("sendMessage", ALICE.id)
    assert message.params["text"] == "[1] 123"
    assert server.buttons(message) == [[("Avbestill", "cancel:12")]]
    assert [call.status for call in server.calls(chat_id=BOB.id)] == [429, 403]


async def test_long_polling_honours_offset_and_timeout() -> None:
    # The bounds separate the behaviours, not the machine's speed: an empty poll is held for
    # its timeout (not answered at once, not held much longer), and a waiting poll wakes at a
    # push (long before its own 10 s timeout would answer it).
    with BotApiServer(lifetime=60) as server:
        async with Bot(TOKEN, base_url=server.url) as bot:
            server.push_message(ALICE, "hei")
            server.push_message(BOB, "hallo")
            first = await bot.get_updates(timeout=0)
            started = time.monotonic()
            empty = await bot.get_updates(offset=first[-1].update_id + 1, timeout=1)
            waited = time.monotonic() - started
            poll = asyncio.create_task(
                bot.get_updates(offset=first[-1].update_id + 1, timeout=10, read_timeout=20)
            )
            await asyncio.sleep(0.2)
            started = time.monotonic()
            server.push_message(ALICE, "ost?")
            late = await asyncio.wait_for(poll, timeout=30)
            woke = time.monotonic() - started

    assert [update.effective_user.id for update in first if update.effective_user] == [
        ALICE.id,
        BOB.id,
    ]
    assert empty == ()
    assert 0.95 <= waited < 5
    assert [update.message.text for update in late if update.message] == ["ost?"]
    assert woke < 5


async def test_the_server_forgets_an_update_only_once_an_offset_confirms_it() -> None:
    with BotApiServer(lifetime=30) as server:
        async with Bot(TOKEN, base_url=server.url) as bot:
            server.push_message(ALICE, "hei")
            server.push_message(BOB, "hallo")
            fetched = await bot.get_updates(timeout=0)
            again = await bot.get_updates(timeout=0)  # fetched is not confirmed
            confirmed = await bot.get_updates(offset=fetched[0].update_id + 1, timeout=0)
            after_restart = await bot.get_updates(timeout=0)
            lower_offset = await bot.get_updates(offset=1, timeout=0)

    ids = [update.update_id for update in fetched]
    assert [update.update_id for update in again] == ids
    assert [update.update_id for update in confirmed] == ids[1:]
    assert [update.update_id for update in after_restart] == ids[1:]  # the first is gone
    assert [update.update_id for update in lower_offset] == ids[1:]


async def test_the_server_sends_only_the_update_types_the_bot_allowed() -> None:
    with BotApiServer(lifetime=30) as server:
        async with Bot(TOKEN, base_url=server.url) as bot:
            server.push_message(ALICE, "hei")
            server.push(server.factory.my_chat_member(ALICE))
            server.push_message(BOB, "hallo")
            chosen = await bot.get_updates(timeout=0, allowed_updates=["my_chat_member"])
            server.push_message(ALICE, "ost?")
            offset = chosen[-1].update_id + 1
            still_chosen = await bot.get_updates(offset=offset, timeout=0)  # the choice holds

    assert [update.my_chat_member is not None for update in chosen] == [True]
    assert still_chosen == ()  # the messages are not delivered, not even later


async def test_the_server_refuses_a_bot_with_another_token() -> None:
    with BotApiServer(token="654321:" + "B" * 35, lifetime=30) as server:
        with pytest.raises(InvalidToken):
            async with Bot(TOKEN, base_url=server.url):
                pass
        assert server.calls() == []


def test_a_forgotten_server_stops_by_itself() -> None:
    server = BotApiServer(lifetime=1).start()
    url = server.url
    with urllib.request.urlopen(f"{url}{TOKEN}/getMe", timeout=5) as answer:
        assert b'"username": "rekotestbot"' in answer.read()

    # Its lifetime is 1 s; the default is 300 s, so still serving after 15 s means it was ignored.
    deadline = time.monotonic() + 15
    stopped = False
    while not stopped and time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            urllib.request.urlopen(f"{url}{TOKEN}/getMe", timeout=1).close()
        except (urllib.error.URLError, ConnectionError):  # refused, or reset while closing
            stopped = True
        except TimeoutError:  # accepted by the closing socket's backlog, never answered
            pass

    assert stopped, "the server was still answering 15 s after its lifetime of 1 s"


def test_form_fields_come_back_as_the_values_ptb_encoded() -> None:
    params, files = decode_body(
        "application/x-www-form-urlencoded",
        b"chat_id=5001&text=42&reply_markup=%7B%22inline_keyboard%22%3A%5B%5D%7D&offset=-3",
    )

    assert params == {
        "chat_id": 5001,
        "text": "42",
        "reply_markup": {"inline_keyboard": []},
        "offset": -3,
    }
    assert files == {}
