"""/orders tells the truth: live orders counted, "past" only of past pickups, every ring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import offers as offer_store
from storage import pickups as pickup_store
from storage import rings as ring_store
from tests.conftest import MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, check_out, labels, last, running_bot
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.test_scale import past_orders

#: After the world's pickup (Thursday 3 December 2026, 17:00–18:00 UTC) is over.
FRIDAY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


async def order_potatoes(bot: BotDriver, user: TgUser) -> None:
    """Join REKO Testby and order two bags of potatoes in the chat."""
    await buy_potatoes(bot, user)
    await check_out(bot, user)


async def cancel_the_order(bot: BotDriver, user: TgUser) -> None:
    """Open /orders, the one order, and cancel it."""
    english = user.language_code == "en"
    await bot.send(user, "/orders")
    await bot.press(user, " · ")
    await bot.press(user, "Cancel the order" if english else "Avbestill")
    await bot.press(user, "Yes, cancel order" if english else "Ja, avbestill")


async def second_ring(services: Services, clock: MovableClock) -> None:
    """REKO Bylund, with a pickup next week that sells honey."""
    now = clock()
    async with services.db.transaction() as tx:
        ring = await ring_store.create_ring(
            tx,
            slug="bylund",
            name="REKO Bylund",
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
            starts_at=now + timedelta(days=6),
            ends_at=now + timedelta(days=6, hours=1),
            deadline=now + timedelta(days=5),
            now=now,
        )
        product = await tx.scalar("SELECT id FROM products WHERE name = 'Poteter'")
        await offer_store.create_offer(
            tx,
            pickup_id=pickup,
            product_id=product,
            price=5000,
            quantity_total=None,
            max_per_customer=None,
            now=now,
        )


async def test_a_cancelled_order_is_not_counted_as_upcoming(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        for user in (KARI, EMMA):
            await order_potatoes(bot, user)
            await cancel_the_order(bot, user)
            await bot.send(user, "/orders")
        kari_cancelled = last(bot, KARI)
        emma_cancelled = last(bot, EMMA)
        for user in (KARI, EMMA):
            await order_potatoes(bot, user)  # a new order for the same pickup
            await bot.send(user, "/orders")
        kari_again = last(bot, KARI)
        kari_buttons = labels(bot, KARI)
        emma_again = last(bot, EMMA)

    assert "Ingen kommende bestillinger." in kari_cancelled
    assert "kommende bestilling." not in kari_cancelled
    assert "No upcoming orders." in emma_cancelled
    assert "upcoming order." not in emma_cancelled
    assert "1 kommende bestilling." in kari_again
    assert [label.split(" · ")[0][:3] for label in kari_buttons] == ["❌ #", "#3"]
    assert "1 upcoming order." in emma_again


async def test_past_is_said_only_of_pickups_that_are_over(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        for user in (KARI, EMMA):
            await order_potatoes(bot, user)
            await bot.send(user, "/orders")
        kari_upcoming = last(bot, KARI)
        emma_upcoming = last(bot, EMMA)
        clock.now = FRIDAY
        for user in (KARI, EMMA):
            await bot.send(user, "/orders")
        kari_past = last(bot, KARI)
        emma_past = last(bot, EMMA)

    assert "1 kommende bestilling." in kari_upcoming
    assert "Tidligere" not in kari_upcoming and "tidligere" not in kari_upcoming
    assert "Past" not in emma_upcoming and "past" not in emma_upcoming
    assert "Ingen kommende bestillinger." in kari_past
    assert "1 tidligere bestilling." in kari_past
    assert "står under de kommende" not in kari_past
    assert "No upcoming orders." in emma_past
    assert "1 past order." in emma_past
    assert "below the upcoming ones" not in emma_past


async def test_orders_of_every_ring_are_listed_under_the_rings_name(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await second_ring(services, clock)
    async with running_bot(settings, clock) as bot:
        for user in (KARI, EMMA):
            await order_potatoes(bot, user)
            await bot.send(user, "/orders")
        kari_one_ring = last(bot, KARI)
        for user in (KARI, EMMA):
            await bot.send(user, "/start bylund")  # now shopping in the second ring
            await bot.send(user, "/orders")
        kari_joined = last(bot, KARI)
        emma_joined = last(bot, EMMA)
        kari_joined_buttons = labels(bot, KARI)
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")
        await bot.press(KARI, "Poteter")
        await bot.press(KARI, "Legg til")
        await check_out(bot, KARI)
        await bot.send(KARI, "/orders")
        kari_both = last(bot, KARI)
        kari_both_buttons = labels(bot, KARI)
        await bot.press(KARI, lambda label: plain(label) == kari_both_buttons[-1])  # Testby
        kari_first_order = last(bot, KARI)

    assert kari_one_ring.startswith("Bestillingene dine i REKO Testby")
    assert "REKO Bylund" not in kari_one_ring
    # Shopping in Bylund, the order in Testby is still there, and named by its ring.
    assert "Du har ingen bestillinger ennå" not in kari_joined
    assert kari_joined.startswith("Bestillingene dine i REKO Testby")
    assert "1 kommende bestilling." in kari_joined
    assert len(kari_joined_buttons) == 1 and kari_joined_buttons[0].startswith("#1 ·")
    assert "You have no orders yet" not in emma_joined
    assert emma_joined.startswith("Your orders in REKO Testby")
    # Orders in both rings: a heading per ring, in the order of the rings.
    assert kari_both.startswith("Bestillingene dine\n\nREKO Bylund\n1 kommende bestilling.")
    assert "\n\nREKO Testby\n1 kommende bestilling." in kari_both
    totals = [plain(label.split(" · ")[-1]) for label in kari_both_buttons]
    assert totals == ["50,00 kr", "120,00 kr"]
    assert kari_first_order.startswith("Bestilling #1\n\nREKO Testby")


async def test_a_long_history_is_counted_whole_though_only_the_latest_are_loaded(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    """/orders loads the latest 20 orders of a ring, but says how many past ones there are."""
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await past_orders(services, world, clock, 25)
        await bot.send(KARI, "/orders")
        listed = last(bot, KARI)
        shown = labels(bot, KARI)

    assert "25 tidligere bestillinger." in listed
    assert len([label for label in shown if label.startswith("#")]) == 10
