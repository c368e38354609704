"""A cart is never silently lost: it says it is not an order, and is recalled once in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.customer.cart import Checkout
from rekobot.scheduling import run_due_work
from rekobot.services.cart_reminders import SEND_ORDER
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import offers as offer_store
from storage import pickups as pickup_store
from storage import rings as ring_store
from tests.conftest import MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, last, running_bot
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser, UpdateFactory
from tests.test_outbox import Wire, drain_all, outbox_bot

# The world's order deadline is Wednesday 2 December 2026, 05:00 UTC (06:00 in Oslo); the
# ring's default reminds three hours before it.
WEDNESDAY_01_59 = datetime(2026, 12, 2, 1, 59, tzinfo=UTC)
WEDNESDAY_02_00 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
WEDNESDAY_04_00 = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


async def fill_cart(services: Services, world: World, user: TgUser, **items: int) -> None:
    """Join the ring as ``user`` and put things in the cart, without ordering."""
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


async def check_out(services: Services, world: World, user: TgUser) -> int:
    """Place the cart as the order; return the order id."""
    cart = await services.carts.view(user.id, world.pickup_id)
    result = await services.ordering.checkout(user.id, world.pickup_id, cart.version)
    return result.order.id


def reminders_to(wire: Wire, user: TgUser) -> list[str]:
    """The texts sent to ``user``, as plain text."""
    return [plain(text) for text in wire.request.texts(user.id)]


async def test_the_cart_and_the_add_answer_say_it_is_not_ordered_yet(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        kari_toast = bot.request.calls("answerCallbackQuery", ok=True)[-1].params["text"]
        kari_card = last(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        kari_cart = last(bot, KARI)
        await buy_potatoes(bot, EMMA)
        emma_toast = bot.request.calls("answerCallbackQuery", ok=True)[-1].params["text"]
        emma_card = last(bot, EMMA)
        await bot.press(EMMA, "Cart")
        emma_cart = last(bot, EMMA)

    assert kari_toast == "🛒 2 × Poteter, ikke bestilt ennå"
    assert (
        "🛒 I handlekurven: 2, ikke bestilt ennå. Gå til kassen innen onsdag 2. desember "
        "kl. 06:00." in kari_card
    )
    assert "⏰ Ikke bestilt ennå: gå til kassen innen onsdag 2. desember kl. 06:00." in (kari_cart)
    assert "Bestill innen" not in kari_cart  # one line says both
    assert emma_toast == "🛒 2 × Poteter, not ordered yet"
    assert (
        "🛒 In your cart: 2, not ordered yet. Check out by Wednesday, December 2 at "
        "6:00 AM." in emma_card
    )
    assert "⏰ Not ordered yet: check out by Wednesday, December 2 at 6:00 AM." in (emma_cart)


async def test_a_cart_not_ordered_is_recalled_once_three_hours_before_the_deadline(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2, bread=1)
        await fill_cart(services, world, EMMA, eggs=1)

        clock.now = WEDNESDAY_01_59
        assert await services.cart_reminders.run_due() == 0
        clock.now = WEDNESDAY_02_00
        assert await services.cart_reminders.run_due() == 2
        assert await services.cart_reminders.run_due() == 0
        await drain_all(application, clock)
        clock.now = WEDNESDAY_04_00
        assert await services.cart_reminders.run_due() == 0
        kari = reminders_to(wire, KARI)
        emma = reminders_to(wire, EMMA)
        kari_buttons = wire.request.buttons(wire.request.calls("sendMessage", KARI.id)[-1])

    async with outbox_bot(settings, clock) as (restarted, wire_after):
        assert await restarted.services.cart_reminders.run_due() == 0  # nothing again
        await drain_all(restarted, clock)
        assert wire_after.sends() == []

    assert len(kari) == 1
    assert kari[0].startswith("🛒 Handlekurven din er ikke bestilt ennå.")
    assert "Bestill innen onsdag 2. desember kl. 06:00" in kari[0]
    assert "• 2 × Poteter (2 kg) — 120,00 kr" in kari[0]
    assert "• 1 × Surdeigsbrød (1 stk) — 89,00 kr" in kari[0]
    assert "Ingenting er bestilt før du bekrefter." in kari[0]
    assert [label for row in kari_buttons for label, _data in row] == [
        "✅ Send bestillingen",
        "🔕 Slå av påminnelser",
    ]
    assert len(emma) == 1
    assert emma[0].startswith("🛒 Your cart is not ordered yet.")
    assert "Order by Wednesday, December 2 at 6:00 AM" in emma[0]
    assert "Nothing is ordered until you confirm." in emma[0]


async def test_a_ring_sets_how_long_before_the_deadline_carts_are_recalled(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, _wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        await services.db.execute("UPDATE rings SET cart_reminder_hours = 6")
        clock.now = datetime(2026, 12, 1, 22, 59, tzinfo=UTC)
        assert await services.cart_reminders.run_due() == 0
        clock.now = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
        assert await services.cart_reminders.run_due() == 1


async def test_the_button_opens_the_checkout_confirmation_and_places_the_order(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    assert SEND_ORDER.format(pickup_id=7, version=3) == Checkout(7, 3).pack()
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        await fill_cart(services, world, EMMA, eggs=1)
        clock.now = WEDNESDAY_02_00
        assert await services.cart_reminders.run_due() == 2
        await drain_all(application, clock)
        driver = BotDriver(application, wire.request, UpdateFactory(wire.request, clock=clock))

        await driver.press(KARI, "Send bestillingen")
        kari_confirm = plain(driver.last_text(KARI))
        await driver.press(KARI, "Ja, send bestillingen")
        await driver.press(EMMA, "Send the order")
        emma_confirm = plain(driver.last_text(EMMA))
        await driver.press(EMMA, "Yes, place the order")
        kari_orders = await services.ordering.orders(KARI.id)
        emma_orders = await services.ordering.orders(EMMA.id)

    assert "Vil du sende bestillingen?" in kari_confirm
    assert "2 × Poteter" in kari_confirm
    assert "Place this order?" in emma_confirm
    assert [
        (o.status.value, [line.quantity for part in o.parts for line in part.lines])
        for o in kari_orders
    ] == [("placed", [2])]
    assert len(emma_orders) == 1 and emma_orders[0].status.value == "placed"


async def test_no_reminder_after_checkout_nor_for_the_order_opened_but_unchanged(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, _wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        await check_out(services, world, KARI)
        await fill_cart(services, world, EMMA, eggs=1)
        order_id = await check_out(services, world, EMMA)
        await services.carts.edit_order(EMMA.id, order_id)  # "Change", then nothing changed
        clock.now = WEDNESDAY_02_00
        assert await services.cart_reminders.run_due() == 0


async def test_a_changed_order_not_checked_out_again_is_recalled(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        order_id = await check_out(services, world, KARI)
        await services.carts.edit_order(KARI.id, order_id)
        await services.carts.add(KARI.id, world.offer_ids["bread"], 1)
        clock.now = WEDNESDAY_02_00
        assert await services.cart_reminders.run_due() == 1
        await drain_all(application, clock)
        kari = [t for t in reminders_to(wire, KARI) if t.startswith("🛒")]

    assert len(kari) == 1
    assert kari[0].startswith("🛒 Endringene i bestilling #1 er ikke lagret ennå.")


async def other_ring_cart(services: Services, world: World, user: TgUser) -> None:
    """REKO Annen, whose pickup closes when the world's does, and ``user``'s cart there."""
    now = services.clock()
    deadline = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    async with services.db.transaction() as tx:
        ring = await ring_store.create_ring(
            tx,
            slug="annen",
            name="REKO Annen",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=now,
        )
        place = await ring_store.add_location(tx, ring_id=ring, name="Torget")
        pickup = await pickup_store.create_pickup(
            tx,
            ring_id=ring,
            location_id=place,
            starts_at=deadline + timedelta(days=1),
            ends_at=deadline + timedelta(days=1, hours=1),
            deadline=deadline,
            now=now,
        )
        product = await tx.scalar("SELECT id FROM products WHERE name = 'Poteter'")
        offer = await offer_store.create_offer(
            tx,
            pickup_id=pickup,
            product_id=product,
            price=5000,
            quantity_total=None,
            max_per_customer=None,
            now=now,
        )
    await services.members.register(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )
    await services.members.join(user.id, "annen")
    await services.carts.add(user.id, offer, 1)


async def test_each_ring_recalls_carts_at_its_own_hours_before_the_deadline(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    # One statement finds every ring's carts; each ring's hours still decide its own.
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        await other_ring_cart(services, world, EMMA)
        await services.db.execute("UPDATE rings SET cart_reminder_hours = 6 WHERE slug = 'testby'")
        clock.now = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # six hours before both deadlines
        assert await services.cart_reminders.run_due() == 1
        await drain_all(application, clock)
        assert len(reminders_to(wire, KARI)) == 1
        assert reminders_to(wire, EMMA) == []
        clock.now = WEDNESDAY_02_00  # three hours before: REKO Annen's default
        assert await services.cart_reminders.run_due() == 1
        await drain_all(application, clock)
        assert len(reminders_to(wire, KARI)) == 1
        assert len(reminders_to(wire, EMMA)) == 1


async def test_no_reminder_when_the_customer_or_the_ring_turned_them_off(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, _wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        await fill_cart(services, world, EMMA, eggs=1)
        await services.reminders.set_reminders(KARI.id, False)  # /notifications: reminders off
        clock.now = WEDNESDAY_02_00
        await services.db.execute("UPDATE rings SET cart_reminder_hours = 0")
        assert await services.cart_reminders.run_due() == 0
        await services.db.execute("UPDATE rings SET cart_reminder_hours = 3")
        assert await services.cart_reminders.run_due() == 1  # Emma's only


async def test_an_archived_ring_and_an_emptied_cart_get_no_reminder(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, _wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        await fill_cart(services, world, EMMA, eggs=1)
        await services.carts.empty(EMMA.id, world.pickup_id)
        clock.now = WEDNESDAY_02_00
        await services.db.execute("UPDATE rings SET archived_at = ?", (clock().isoformat(),))
        assert await services.cart_reminders.run_due() == 0
        await services.db.execute("UPDATE rings SET archived_at = NULL")
        assert await services.cart_reminders.run_due() == 1  # Kari's only


async def test_the_sweep_queues_the_cart_reminder(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        await fill_cart(services, world, KARI, potatoes=2)
        clock.now = WEDNESDAY_02_00
        assert await run_due_work(services.due_work) == 0
        await drain_all(application, clock)
        kari = reminders_to(wire, KARI)

    assert [t for t in kari if t.startswith("🛒 Handlekurven din er ikke bestilt ennå.")]
