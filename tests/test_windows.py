"""Ordering windows: a pickup takes orders only from its "orders open at" time, the shop says
when the next one opens, the server refuses the rest, and members who asked are told once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.customer.shop import ShowPickup, StepOffer
from rekobot.errors import OrdersNotOpen
from rekobot.i18n import use_locale
from rekobot.models import Pickup, RingField
from rekobot.services.pickups_admin import PickupDraft, PickupField
from rekobot.services.registry import Services
from rekobot.services.windows import OPEN_SHOP
from rekobot.settings import Settings
from storage import openings
from storage import pickups as pickup_store
from storage.sqlite import SqliteDatabase
from tests.conftest import ADMIN_ID, BAKER_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, last, running_bot
from tests.engines import sqlite_file
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser, UpdateFactory
from tests.test_admin_chat import ANNE, admin_bot, app_of
from tests.test_due_work import full_scans, plan
from tests.test_outbox import drain_all, outbox_bot

OLA = TgUser(1003, "Ola", None, "ola", language_code="nb")
ADMIN = TgUser(ADMIN_ID, "Anne", None, "anne", language_code="nb")
#: The world's pickup closes for orders on Wednesday 2 December 05:00 UTC.
AFTER_THE_WORLDS_DEADLINE = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
#: The series below starts Thursday 10 December 18:00 in Oslo; by the ring's default of
#: 7 days, its first pickup opens Thursday 3 December 18:00 in Oslo (17:00 UTC).
FIRST_OPENS = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


async def plan_series(services: Services, world: World, count: int = 8) -> list[Pickup]:
    """The admin plans a weekly series from Thursday 10 December, 18:00–19:00."""
    draft = PickupDraft(
        place_id=world.location_id, day="2026-12-10", start="18:00", end="19:00", count=count
    )
    return await services.pickup_admin.create(ADMIN_ID, world.ring_id, draft)


async def prepare_offers(services: Services, world: World, pickup: Pickup) -> None:
    """Both producers put products on offer for a pickup that is not open yet."""
    for owner, product in ((FARMER_ID, "potatoes"), (FARMER_ID, "eggs"), (BAKER_ID, "bread")):
        await services.offers.switch_on(owner, pickup.id, world.product_ids[product], quantity=5)


async def test_shop_lists_only_open_pickups_and_says_when_the_next_opens(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    series = await plan_series(services, world)
    assert [p.has_opened(clock()) for p in series] == [False] * 8
    assert series[0].orders_open_at == FIRST_OPENS
    async with running_bot(settings, clock) as bot:
        for user in (KARI, EMMA):
            await bot.send(user, f"/start {'testby'}")
            await bot.send(user, "/shop")
        # Nine pickups are planned; one takes orders, so the shop goes straight to it.
        kari_open, emma_open = last(bot, KARI), last(bot, EMMA)
        clock.now = AFTER_THE_WORLDS_DEADLINE
        await bot.send(KARI, "/shop")
        await bot.send(EMMA, "/shop")
        kari_closed, emma_closed = last(bot, KARI), last(bot, EMMA)
        await bot.send(OLA, "/start testby")  # the deep link says it too
        ola_welcome = last(bot, OLA)
        clock.now = FIRST_OPENS
        await bot.send(KARI, "/shop")
        kari_next = last(bot, KARI)

    assert "torsdag 3. desember" in kari_open and "Velg produsent:" in kari_open
    assert "Choose a producer:" in emma_open
    assert kari_closed == (
        "REKO Testby har ingen utlevering åpen for bestilling akkurat nå. Se innom igjen "
        "snart!\n\n"
        "Bestillingen til torsdag 10. desember åpner torsdag 3. desember kl. 18:00."
    )
    assert ola_welcome.startswith("Velkommen til REKO Testby!")
    assert ola_welcome.endswith(
        "Bestillingen til torsdag 10. desember åpner torsdag 3. desember kl. 18:00."
    )
    assert emma_closed.endswith(
        "Orders for Thursday, December 10 open on Thursday, December 3 at 6:00 PM."
    )
    assert "torsdag 10. desember" in kari_next
    assert kari_next.endswith("Ingenting er i salg til denne utleveringen ennå.")  # no offers yet


async def test_the_server_refuses_a_cart_and_a_checkout_before_orders_open(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    first = (await plan_series(services, world, count=1))[0]
    await prepare_offers(services, world, first)  # producers may prepare before it opens
    offers = await services.db.fetchall(
        "SELECT id FROM offers WHERE pickup_id = ? ORDER BY id", (first.id,)
    )
    offer_id = int(offers[0][0])
    async with running_bot(settings, clock) as bot:
        for user in (KARI, EMMA):
            await bot.send(user, "/start testby")
            await bot.feed(bot.factory.callback(user, StepOffer(offer_id, 1).pack()))
            await bot.feed(bot.factory.callback(user, ShowPickup(first.id).pack()))
        alerts = [
            plain(call.params["text"])
            for call in bot.request.calls("answerCallbackQuery", ok=True)
            if call.params.get("show_alert")
        ]
    with pytest.raises(OrdersNotOpen) as refused:
        await services.ordering.checkout(KARI.id, first.id, 0)
    with use_locale("nb"):
        said = refused.value.message()

    assert (
        alerts
        == [
            "Bestillingen til denne utleveringen er ikke åpnet ennå. Den åpner torsdag "
            "3. desember kl. 18:00.",
        ]
        * 2
        + [
            "Orders for this pickup are not open yet. They open on Thursday, December 3 "
            "at 6:00 PM.",
        ]
        * 2
    )
    assert said == alerts[0]
    rows = await services.db.fetchall("SELECT COUNT(*) FROM cart_items")
    assert rows[0][0] == 0


async def test_members_who_opted_in_are_told_once_when_a_pickup_opens(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with outbox_bot(settings, clock) as (application, wire):
        services = application.services
        first = (await plan_series(services, world, count=2))[0]
        await prepare_offers(services, world, first)
        driver = BotDriver(application, wire.request, UpdateFactory(wire.request, clock=clock))
        for user in (KARI, EMMA, OLA):
            await driver.feed(driver.factory.message(user, "/start testby"))
        for user, label in ((KARI, "Slå på «bestillingen er åpen»"), (EMMA, "Turn “orders")):
            await driver.feed(driver.factory.message(user, "/notifications"))
            await driver.press(user, label)
        kari_screen = plain(driver.last_text(KARI))
        emma_screen = plain(driver.last_text(EMMA))
        wire.request.clear()

        clock.now = datetime(2026, 12, 3, 16, 59, tzinfo=UTC)
        assert await services.order_windows.run_due() == 0
        clock.now = FIRST_OPENS
        assert await services.order_windows.run_due() == 2
        async with services.db.read() as tx:
            assert await openings.opened_untold(tx, clock()) == []  # found no more
        assert await services.order_windows.run_due() == 0
        await drain_all(application, clock)
        kari = [plain(t) for t in wire.request.texts(KARI.id)]
        emma = [plain(t) for t in wire.request.texts(EMMA.id)]
        kari_buttons = wire.request.buttons(wire.request.calls("sendMessage", KARI.id)[-1])
        assert wire.request.texts(OLA.id) == []
        await driver.press(KARI, "Åpne butikken")
        kari_shop = plain(driver.last_text(KARI))

    async with outbox_bot(settings, clock) as (restarted, _wire):
        assert await restarted.services.order_windows.run_due() == 0  # told, across restarts

    assert "«Bestillingen er åpen»-melding når en utlevering åpner: på ✅" in kari_screen
    assert "A message when a pickup opens for orders: on ✅" in emma_screen
    assert len(kari) == 1 and len(emma) == 1
    assert kari[0].startswith("🛒 Bestillingen er åpen!\n\nREKO Testby\n")
    assert "🗓 torsdag 10. desember, 18:00–19:00" in kari[0]
    assert "2 produsenter har lagt ut tilbud." in kari[0]
    assert "For eksempel: Egg, Surdeigsbrød, Poteter" in kari[0]
    assert "2 producers have put out offers." in emma[0]
    assert "For example: Egg, Surdeigsbrød, Poteter" in emma[0]
    assert [label for row in kari_buttons for label, _data in row] == [
        "🛒 Åpne butikken",
        "🔕 Ikke flere slike",
    ]
    assert kari_buttons[0][0][1] == OPEN_SHOP.format(pickup_id=first.id)
    assert OPEN_SHOP.format(pickup_id=first.id) == ShowPickup(first.id).pack()
    assert "torsdag 10. desember" in kari_shop and "Velg produsent:" in kari_shop


async def test_a_pickup_opens_when_announced_where_the_ring_opens_nothing_by_itself(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.db.execute("UPDATE rings SET orders_open_days = 0")
    first = (await plan_series(services, world, count=1))[0]
    assert first.orders_open_at is None
    assert await services.shop.next_opening(await services.ring_admin.ring(ADMIN_ID, 1)) is None
    for user in (KARI, ADMIN):
        await services.members.register(
            user_id=user.id,
            first_name=user.first_name,
            last_name=None,
            username=None,
            language_code="nb",
        )
        await services.members.join(user.id, "testby")
    _ring, before = await services.shop.open_pickups(KARI.id)
    await services.broadcasts.announce(ADMIN_ID, first.id)
    _ring, after = await services.shop.open_pickups(KARI.id)
    assert [p.id for p in before] == [world.pickup_id]
    assert [p.id for p in after] == [world.pickup_id, first.id]


async def test_a_changed_ring_setting_moves_the_openings_not_chosen_by_an_admin(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    series = await plan_series(services, world, count=3)
    chosen = PickupDraft.of(series[2], await services.ring_admin.ring(ADMIN_ID, world.ring_id))
    await services.pickup_admin.change(
        ADMIN_ID,
        series[2].id,
        chosen.with_value(PickupField.OPENS, datetime(2026, 12, 20, 10, 0, tzinfo=UTC)),
    )
    await services.ring_admin.change(ADMIN_ID, world.ring_id, RingField.ORDERS_OPEN_DAYS, 3)
    async with services.db.read() as tx:
        opens = [(await pickup_store.get_pickup(tx, p.id)) for p in series]
    assert [p.orders_open_at for p in opens if p] == [
        datetime(2026, 12, 7, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 14, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 20, 10, 0, tzinfo=UTC),
    ]


async def test_the_sweep_finds_opened_pickups_and_their_audience_by_index(
    settings: Settings,
) -> None:
    async with SqliteDatabase(sqlite_file(settings.database)):
        pass
    aliases = {"p": "pickups", "u": "users", "m": "memberships"}
    audience = openings.AUDIENCE_SQL
    for name in ("ring", "pickup", "after", "limit"):
        audience = audience.replace(f":{name}", "?")
    for sql, params in (
        (openings.OPENED_SQL, {"now": "2026-12-01T00:00:00+00:00", "limit": 50}),
        (audience, (1, 0, 1, 500)),
    ):
        lines = plan(settings.database, sql, params)
        assert full_scans(lines, aliases) == [], lines
        assert any("INDEX" in line or "PRIMARY KEY" in line for line in lines), lines
    opened = plan(
        settings.database, openings.OPENED_SQL, {"now": "2026-12-01T00:00:00+00:00", "limit": 50}
    )
    assert any("pickups_opening" in line for line in opened), opened


async def test_an_admin_chooses_when_orders_open_in_the_pickup_form(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "REKO Testby")
        await bot.press(ANNE, "Utleveringer")
        await bot.press(ANNE, "Én utlevering")
        await bot.press(ANNE, "Coop Extra parkering")
        await bot.send(ANNE, "10.12")
        await bot.send(ANNE, "18-19")
        by_rule = plain(bot.last_text(ANNE))
        await bot.press(ANNE, "✏️ Bestillingen åpner")
        await bot.send(ANNE, "9.12 20:00")
        after_deadline = plain(bot.last_text(ANNE))
        await bot.send(ANNE, "2")
        two_days = plain(bot.last_text(ANNE))
        await bot.press(ANNE, "✏️ Bestillingen åpner")
        await bot.press(ANNE, "Når den kunngjøres")
        on_announce = plain(bot.last_text(ANNE))
        await bot.press(ANNE, "Planlegg utleveringen")
        planned = await services.pickup_admin.pickups(ADMIN_ID, world.ring_id)
        await bot.press(ANNE, "Åpne utleveringen")
        card = plain(bot.last_text(ANNE))

    assert "🛒 Bestillingen åpner torsdag 3. desember kl. 18:00 (ringens regel)" in by_rule
    assert after_deadline.startswith("Bestillingen må åpne før bestillingsfristen.")
    assert "🛒 Bestillingen åpner tirsdag 8. desember kl. 18:00\n" in two_days + "\n"
    assert "🛒 Bestillingen åpner når du kunngjør utleveringen" in on_announce
    new = planned[-1]
    assert (new.orders_open_at, new.orders_open_fixed) == (None, True)
    assert "Status: ikke åpen for bestilling ennå" in card
    assert (
        "🛒 Bestillingen til torsdag 10. desember åpner når utleveringen kunngjøres." in card
    )
