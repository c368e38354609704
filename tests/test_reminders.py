"""Reminders: the evening before and an hour before the pickup, exactly once, with opt-out."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.customer.notifications import NotificationsToggle
from rekobot.app import RekoApplication
from rekobot.services.registry import Services
from rekobot.services.reminders import REMINDERS_OFF
from rekobot.settings import Settings
from tests.conftest import MovableClock, World
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser, UpdateFactory
from tests.test_outbox import drain_all, outbox_bot

KARI = TgUser(1001, "Kari", "Nordmann", "kari", language_code="nb")
EMMA = TgUser(1002, "Emma", None, "emma", language_code="en")
OLA = TgUser(1003, "Ola", None, None, language_code="nb")

# The world's pickup: Thursday 3 December 2026, 17:00–18:00 UTC (18:00–19:00 in Oslo).
WEDNESDAY_18_59_OSLO = datetime(2026, 12, 2, 17, 59, tzinfo=UTC)
WEDNESDAY_19_00_OSLO = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
THURSDAY_17_00_OSLO = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


async def order(services: Services, world: World, user: TgUser, **items: int) -> int:
    """Join the ring as ``user`` and order, confirmation delivered; return the order number."""
    await services.members.register(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )
    await services.members.join(user.id, "testby")
    for key, quantity in items.items():
        await services.carts.add(user.id, world.offer_ids[key], quantity)
    cart = await services.carts.view(user.id, world.pickup_id)
    result = await services.ordering.checkout(user.id, world.pickup_id, cart.version)
    # In the chat the handler sends the confirmation queued with the order at once; here
    # nobody pressed a button, so count it as sent, as it would be, to keep the outbox for
    # what these stories are about.
    await services.db.execute(
        "UPDATE deliveries SET status = 'sent' WHERE kind = 'order_confirmation' AND chat_id = ?",
        (user.id,),
    )
    return result.order.number


async def delivered(application: RekoApplication, clock: MovableClock) -> None:
    """Send what the outbox holds."""
    await drain_all(application, clock)


async def test_customers_get_the_evening_and_the_hour_reminder_once_each(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        kari = await order(services, world, KARI, potatoes=2, bread=1)
        emma = await order(services, world, EMMA, eggs=1)
        await order(services, world, OLA, carrots=1)
        await services.reminders.set_reminders(OLA.id, False)

        clock.now = WEDNESDAY_18_59_OSLO
        assert await services.reminders.run_due() == 0
        clock.now = WEDNESDAY_19_00_OSLO
        assert await services.reminders.run_due() == 2
        assert await services.reminders.run_due() == 0
        await delivered(application, clock)

        kari_evening = [plain(t) for t in wire.request.texts(KARI.id)]
        emma_evening = [plain(t) for t in wire.request.texts(EMMA.id)]
        venues = wire.request.calls("sendVenue", chat_id=KARI.id)

        await services.db.execute("UPDATE locations SET photo_file_id = 'spot-photo'")
        clock.now = THURSDAY_17_00_OSLO
        assert await services.reminders.run_due() == 2
        await delivered(application, clock)
        kari_all = [plain(t) for t in wire.request.texts(KARI.id)]
        photos = wire.request.calls("sendPhoto", chat_id=KARI.id)

    async with outbox_bot(settings, clock) as (restarted, wire_after):
        assert await restarted.services.reminders.run_due() == 0  # a restart sends nothing again
        await delivered(restarted, clock)
        assert wire_after.sends() == []

    assert len(kari_evening) == 1
    evening = kari_evening[0]
    assert evening.startswith("⏰ Påminnelse: REKO-utleveringen din er i morgen.")
    assert f"Bestillingsnummeret ditt er #{kari}." in evening
    assert "torsdag 3. desember, 18:00–19:00" in evening
    assert "• 2 × Poteter (2 kg) — 120,00 kr" in evening
    assert "Betaling: Vipps 123456" in evening
    assert "Betaling: Kontant eller kort ved utlevering" in evening
    assert "Bakerst på parkeringen" in evening
    assert venues and venues[0].params["title"] == "Coop Extra parkering"
    assert len(emma_evening) == 1
    assert emma_evening[0].startswith("⏰ Reminder: your REKO pickup is tomorrow.")
    assert f"Your order number is #{emma}." in emma_evening[0]
    assert "Thursday, December 3, 6:00 PM" in emma_evening[0]
    assert wire.request.texts(OLA.id) == []
    assert len(kari_all) == 2
    assert kari_all[1].startswith("⏰ REKO-utleveringen din starter om omtrent en time.")
    assert [p.params["photo"] for p in photos] == ["spot-photo"]  # the spot, on the way there


async def test_a_reminder_carries_a_button_that_turns_reminders_off(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    assert NotificationsToggle("rem", 0).pack() == REMINDERS_OFF
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await order(services, world, KARI, potatoes=1)
        clock.now = WEDNESDAY_19_00_OSLO
        await services.reminders.run_due()
        await delivered(application, clock)
        driver = BotDriver(application, wire.request, UpdateFactory(wire.request, clock=clock))

        await driver.press(KARI, "Slå av påminnelser")
        alert = wire.request.calls("answerCallbackQuery", ok=True)[-1].params["text"]
        await driver.send(KARI, "/notifications")
        screen = plain(driver.last_text(KARI))

        clock.now = THURSDAY_17_00_OSLO
        assert await services.reminders.run_due() == 0
        await driver.press(KARI, "Slå på påminnelser")
        user = await services.members.get_user(KARI.id)

    assert alert == "Påminnelser er av. Du kan endre det i /notifications."
    assert "Påminnelser før en utlevering du har bestilt til: av" in screen
    assert "Kunngjøringer om nye utleveringer: på ✅" in screen
    assert user is not None and user.reminders_enabled


async def test_a_cancelled_order_gets_no_reminder(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, _wire):
        services = application.services
        await order(services, world, KARI, potatoes=1)
        mine = await services.ordering.orders(KARI.id)
        await services.ordering.cancel(KARI.id, mine[0].id)
        clock.now = WEDNESDAY_19_00_OSLO
        assert await services.reminders.run_due() == 0
