"""Bad input never breaks the bot: the attacker's three findings, then random input at every step.

The fuzz test reaches each conversation step through the chat (tests/chat_fuzzer.py) and throws
hypothesis-generated moves at it: at least 2,000 per run. No exception may reach the error
handler, and after every story the stock, SQLite's integrity check and the foreign keys must
hold. ``benchmarks/fuzz_chat.py`` runs the same stories for longer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rekobot.settings import Settings
from tests.chat_fuzzer import ADMIN, CUSTOMER, STEPS, Fuzzer, Move, moves, play
from tests.conftest import MovableClock, World
from tests.customer_bot import KARI, last, running_bot

#: Stories per run, and moves per story: 180 × ≥ 12 = ≥ 2,160 random inputs.
STORIES = 180
MOVES = (12, 16)


async def test_start_with_html_in_the_payload_is_answered_with_it_shown_as_text(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start <b>")
        unknown = last(bot, KARI)
        await bot.send(KARI, "/start a&b</i>")
        other = last(bot, KARI)

    assert unknown.startswith("Det finnes ingen REKO-ring som heter «<b>».")
    assert other.startswith("Det finnes ingen REKO-ring som heter «a&b</i>».")


async def test_an_edited_message_mid_conversation_is_answered_and_the_question_stays_open(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(CUSTOMER, "/start testby")
        await bot.send(CUSTOMER, "/shop")
        for label in ("Berg Gård", "Poteter", "Type a quantity"):
            await bot.press(CUSTOMER, label)
        sent = bot.factory.message(CUSTOMER, "2")
        edit = {**sent["message"], "text": "3", "edit_date": sent["message"]["date"]}
        await bot.feed(bot.factory.update(edited_message=edit))
        answer = last(bot, CUSTOMER)
        await bot.send(CUSTOMER, "3")
        taken = last(bot, CUSTOMER)

    assert answer == "I only read new messages. Please send it again as a new message."
    assert "In your cart: 3" in taken


async def test_a_sticker_contact_or_pin_where_text_is_expected_gets_an_answer(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(CUSTOMER, "/start testby")
        await bot.send(CUSTOMER, "/shop")
        for label in ("Berg Gård", "Poteter", "Type a quantity"):
            await bot.press(CUSTOMER, label)
        answers = []
        for kind in ("sticker", "contact", "voice", "dice"):
            await play(bot, CUSTOMER, Move(kind))
            answers.append(last(bot, CUSTOMER))
        await play(bot, CUSTOMER, Move("location", (60.0, 10.0)))
        answers.append(last(bot, CUSTOMER))
        await bot.send(CUSTOMER, "2")
        taken = last(bot, CUSTOMER)

    not_understood = (
        "I did not understand that. Tap /shop to order, /orders for your orders, /help for help."
    )
    # A contact or a pin is an answer the question can read, so it says what it wants instead.
    asked_again = (
        "Please type your answer.\n\n"
        "How many of Poteter (2 kg) do you want? Send a number, or /cancel."
    )
    assert answers == [not_understood, asked_again, not_understood, not_understood, asked_again]
    assert "In your cart: 2" in taken  # the question was still open


async def test_an_overlong_time_zone_is_refused_and_the_question_asked_again(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(ADMIN, "/admin")
        for label in ("REKO Testby", "Settings", "Time zone"):
            await bot.press(ADMIN, label)
        await bot.send(ADMIN, "Europe/" + "a" * 300)
        refused = last(bot, ADMIN)
        await bot.send(ADMIN, "Europe/../../../etc/passwd")
        unknown = last(bot, ADMIN)

    assert refused.startswith("That is too long for a time zone. Send one like Europe/Oslo.")
    assert "Which time zone is the ring in?" in refused
    assert unknown.startswith("I do not know the time zone “Europe/../../../etc/passwd”.")


async def test_an_admin_searching_members_for_a_huge_number_finds_nobody(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(ADMIN, "/admin")
        for label in ("REKO Testby", "Members", "Search"):
            await bot.press(ADMIN, label)
        await bot.send(ADMIN, "9" * 30)
        found = last(bot, ADMIN)

    assert f"Search “{'9' * 30}”: 0 found" in found


async def test_an_admin_searching_members_with_control_characters_gets_an_answer(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(ADMIN, "/admin")
        for label in ("REKO Testby", "Members", "Search"):
            await bot.press(ADMIN, label)
        await bot.send(ADMIN, "Ka\x00ri\x07")  # PostgreSQL cannot even store a NUL
        found = last(bot, ADMIN)

    assert "Search “Kari”: 0 found" in found


@pytest.fixture
def fuzzer(
    settings: Settings, clock: MovableClock
) -> Iterator[tuple[asyncio.AbstractEventLoop, Fuzzer]]:
    """One bot for all the stories of a run, on its own event loop (hypothesis calls in sync)."""
    loop = asyncio.new_event_loop()
    fuzz = Fuzzer(settings, clock, raise_errors=True)
    loop.run_until_complete(fuzz.start())
    yield loop, fuzz
    loop.run_until_complete(fuzz.stop())
    loop.close()
    assert fuzz.inputs >= 2000, f"only {fuzz.inputs} random inputs"
    assert set(fuzz.reached) == {step.name for step in STEPS}, fuzz.unreached[:5]


@hypothesis_settings(
    max_examples=STORIES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(random_moves=st.lists(moves(), min_size=MOVES[0], max_size=MOVES[1]))
def test_random_input_at_every_step_breaks_nothing(
    fuzzer: tuple[asyncio.AbstractEventLoop, Fuzzer], random_moves: list[Move]
) -> None:
    loop, fuzz = fuzzer
    loop.run_until_complete(fuzz.story(fuzz.next_step(), random_moves))
    assert fuzz.bot.errors == []
    assert fuzz.problems == []
