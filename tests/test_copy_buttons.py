"""Copy buttons and the time an order was placed: Kari (nb) and Emma (en) copy the order number,
the payment details and the amount from the confirmation and from the reminders.
"""

from __future__ import annotations

import json
from typing import Any

from rekobot.copy_buttons import COPY_LIMIT, order_copy_rows
from rekobot.i18n import use_locale
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, check_out, running_bot
from tests.fakes.calls import Call, plain
from tests.producer_support import customer
from tests.test_outbox import outbox_bot
from tests.test_reminders import WEDNESDAY_19_00_OSLO, delivered
from tests.test_reminders import order as reminded_order


def copy_rows(call: Call) -> list[list[tuple[str, str]]]:
    """The copy buttons of a call's inline keyboard, as (label, copied text)."""
    found: Any = call.params.get("reply_markup")
    markup = json.loads(found) if isinstance(found, str) else found
    return [
        [
            (plain(button["text"]), button["copy_text"]["text"])
            for button in row
            if "copy_text" in button
        ]
        for row in markup["inline_keyboard"]
        if any("copy_text" in button for button in row)
    ]


def confirmation_call(calls: list[Call]) -> Call:
    """The call that showed the confirmation's text (the edit of the pressed message)."""
    return next(c for c in calls if c.method == "editMessageText" and "#1" in (c.text or ""))


async def test_the_confirmation_has_copy_buttons_and_says_when_it_was_placed(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        await bot.press(KARI, "Til kassen")
        norwegian = confirmation_call(await bot.press(KARI, "Ja, send bestillingen"))
        await buy_potatoes(bot, EMMA)
        await bot.press(EMMA, "Cart")
        await bot.press(EMMA, "Check out")
        english = next(
            c
            for c in await bot.press(EMMA, "Yes, place the order")
            if c.method == "editMessageText"
        )

    assert copy_rows(norwegian) == [
        [("📋 #1", "#1")],
        [("📋 Vipps 123456", "Vipps 123456"), ("📋 120,00 kr", "120,00")],
    ]
    # 10:00 UTC is 11:00 in Oslo.
    assert "🕒 Bestilt mandag 30. november kl. 11:00" in plain(norwegian.text)
    assert copy_rows(english) == [
        [("📋 #2", "#2")],
        [("📋 Vipps 123456", "Vipps 123456"), ("📋 NOK120.00", "120.00")],
    ]
    assert "🕒 Placed Monday, November 30 at 11:00 AM" in plain(english.text)


async def test_a_changed_order_says_when_it_was_placed_and_last_changed(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await check_out(bot, KARI)
        clock.advance(hours=2)
        await bot.send(KARI, "/orders")
        await bot.press(KARI, "#1")
        await bot.press(KARI, "Endre")
        await bot.press(KARI, "➕")
        await bot.press(KARI, "Til kassen")
        calls = await bot.press(KARI, "Ja, send bestillingen")
        changed = next(c for c in calls if c.method == "editMessageText")

    assert (
        "🕒 Bestilt mandag 30. november kl. 11:00, sist endret mandag 30. november "
        "kl. 13:00" in plain(changed.text)
    )
    assert copy_rows(changed)[1] == [
        ("📋 Vipps 123456", "Vipps 123456"),
        ("📋 180,00 kr", "180,00"),
    ]


async def test_the_evening_reminder_carries_the_copy_buttons_through_the_outbox(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await reminded_order(services, world, KARI, potatoes=1, bread=1)
        clock.now = WEDNESDAY_19_00_OSLO
        assert await services.reminders.run_due() == 1
        await delivered(application, clock)
        reminder = next(
            c
            for c in wire.request.calls("sendMessage", chat_id=KARI.id)
            if "Slå av påminnelser" in json.dumps(c.params.get("reply_markup"), ensure_ascii=False)
        )

    # Two producers: each amount says whose it is; "cash or card" has nothing to copy.
    assert copy_rows(reminder) == [
        [("📋 #1", "#1")],
        [("📋 Vipps 123456", "Vipps 123456"), ("📋 Berg Gård: 60,00 kr", "60,00")],
        [("📋 Solbakken Bakeri: 89,00 kr", "89,00")],
    ]


async def test_payment_details_too_long_to_copy_get_no_button(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, _wire):
        services = application.services
        long_info = "Konto 1234.56.78901, merk betalingen med navn og nummer. " * 6
        await services.db.execute("UPDATE producers SET payment_info = ?", (long_info,))
        await customer(services, KARI.id)
        await services.carts.set_quantity(KARI.id, world.offer_ids["eggs"], 1)
        cart = await services.carts.view(KARI.id, world.pickup_id)
        result = await services.ordering.checkout(KARI.id, world.pickup_id, cart.version)

    with use_locale("nb"):
        rows = order_copy_rows(result.order)
    assert len(long_info) > COPY_LIMIT
    labels = [[plain(label) for label, _copied in row] for row in rows]
    assert labels == [["📋 #1"], ["📋 75,00 kr"]]
