"""A ring admin sets, in the chat, when orders open, the cart reminder and how long names stay
on orders: checked answers, clear refusals in the admin's language, and the ring changed."""

from __future__ import annotations

from rekobot.settings import Settings
from storage import rings as ring_store
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.fakes.updates import TgUser
from tests.test_admin_chat import ANNE, admin_bot, app_of, last

ANNE_EN = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="en")


async def test_an_admin_sets_the_opening_the_cart_reminder_and_the_names_in_norwegian(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Innstillinger")
        before = last(bot, ANNE)
        await bot.press(ANNE, "✏️ Bestillingen åpner")
        asked = last(bot, ANNE)
        await bot.send(ANNE, "70")
        too_early = last(bot, ANNE)
        await bot.send(ANNE, "3 dager")
        await bot.press(ANNE, "✏️ Påminnelse om handlekurv")
        await bot.press(ANNE, "Av")
        await bot.press(ANNE, "✏️ Navn på bestillinger")
        await bot.send(ANNE, "tretti")
        not_a_number = last(bot, ANNE)
        await bot.send(ANNE, "30")
        after = last(bot, ANNE)
        await bot.press(ANNE, "Lagre")
        saved = last(bot, ANNE)
        async with services.db.read() as tx:
            ring = await ring_store.get_ring(tx, world.ring_id)
        audit = await services.db.fetchall(
            "SELECT action FROM audit_log WHERE action LIKE 'ring.%' ORDER BY id"
        )

    assert "Bestillingen åpner: 7 dager før utleveringen" in before
    assert "Påminnelse om handlekurv: 3 timer før fristen" in before
    assert "Navn på bestillinger: fjernes 90 dager etter utleveringen" in before
    assert asked.startswith("Hvor mange dager før en utlevering skal bestillingen åpne?")
    assert too_early.startswith(
        "Send et helt antall dager fra 0 til 60, for eksempel 7. 0 åpner bestillingen først "
        "når du kunngjør utleveringen."
    )
    assert not_a_number.startswith("Send et helt antall dager fra 0 til 3650, for eksempel 90.")
    assert "Bestillingen åpner: 3 dager før utleveringen" in after
    assert "Påminnelse om handlekurv: av" in after
    assert "Navn på bestillinger: fjernes 30 dager etter utleveringen" in after
    assert saved.startswith("✅ Lagret.")
    assert ring is not None
    assert (ring.orders_open_days, ring.cart_reminder_hours, ring.anonymise_after_days) == (
        3,
        0,
        30,
    )
    assert [row[0] for row in audit] == [
        "ring.cart_reminder_hours",
        "ring.orders_open_days",
        "ring.anonymise_after_days",
    ]


async def test_an_english_admin_is_refused_in_english_and_zero_means_when_announced(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await bot.send(ANNE_EN, "/admin")
        await bot.press(ANNE_EN, "REKO Testby")
        await bot.press(ANNE_EN, "Settings")
        await bot.press(ANNE_EN, "✏️ Cart reminder")
        await bot.send(ANNE_EN, "100")
        refused = last(bot, ANNE_EN)
        await bot.send(ANNE_EN, "6 h")
        await bot.press(ANNE_EN, "✏️ Orders open")
        await bot.press(ANNE_EN, "Off")
        summary = last(bot, ANNE_EN)
        await bot.press(ANNE_EN, "Save")
        async with services.db.read() as tx:
            ring = await ring_store.get_ring(tx, world.ring_id)

    assert refused.startswith(
        "Send a whole number of hours from 0 to 72, for example 3. 0 turns it off."
    )
    assert "Cart reminder: 6 hours before the deadline" in summary
    assert "Orders open: when you announce the pickup" in summary
    assert ring is not None
    assert (ring.orders_open_days, ring.cart_reminder_hours) == (0, 6)
