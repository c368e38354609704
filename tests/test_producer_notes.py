"""Order notes: each producer hears about placed, changed and cancelled orders that touch them."""

from __future__ import annotations

from rekobot.services.registry import Services
from tests.conftest import BAKER_ID, FARMER_ID, World
from tests.producer_support import customer, order, queued

KARI = 1001


async def test_a_new_order_sends_each_producer_a_note_with_only_their_lines(
    services: Services, world: World
) -> None:
    await services.members.set_locale(BAKER_ID, "en")
    await customer(services, KARI)

    await order(
        services,
        KARI,
        world.pickup_id,
        {world.offer_ids["potatoes"]: 2, world.offer_ids["eggs"]: 1, world.offer_ids["bread"]: 1},
    )

    (farm,) = await queued(services.db, "order_note", chat_id=FARMER_ID)
    (bakery,) = await queued(services.db, "order_note", chat_id=BAKER_ID)
    assert "Ny bestilling <b>#1</b> fra Kari Nordmann" in farm.text
    assert "2 × Poteter (2 kg)" in farm.text and "1 × Egg (12 stk)" in farm.text
    assert "Surdeigsbrød" not in farm.text
    assert "Å kreve inn: 195,00 kr" in farm.text
    assert "New order <b>#1</b> from Kari Nordmann" in bakery.text
    assert "1 × Surdeigsbrød (1 stk)" in bakery.text and "Poteter" not in bakery.text
    assert "To collect: NOK89.00" in bakery.text


async def test_a_change_notes_only_the_producers_whose_lines_changed(
    services: Services, world: World
) -> None:
    await customer(services, KARI)
    await order(
        services,
        KARI,
        world.pickup_id,
        {world.offer_ids["potatoes"]: 1, world.offer_ids["bread"]: 1},
    )
    await services.db.execute("DELETE FROM deliveries")

    await order(services, KARI, world.pickup_id, {world.offer_ids["potatoes"]: 3})

    (farm,) = await queued(services.db, "order_note")
    assert farm.chat_id == FARMER_ID
    assert "Bestilling <b>#1</b> fra Kari Nordmann er endret" in farm.text
    assert "3 × Poteter" in farm.text
    # Dropping the bread tells the baker that the order no longer includes them.
    await services.db.execute("DELETE FROM deliveries")
    await order(services, KARI, world.pickup_id, {world.offer_ids["bread"]: 0})
    (bakery,) = await queued(services.db, "order_note")
    assert bakery.chat_id == BAKER_ID
    assert "har ikke lenger noe fra deg" in bakery.text


async def test_a_cancellation_notes_every_producer_of_the_order(
    services: Services, world: World
) -> None:
    await customer(services, KARI)
    order_id = await order(
        services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1, world.offer_ids["bread"]: 2}
    )
    await services.db.execute("DELETE FROM deliveries")

    await services.ordering.cancel(KARI, order_id)

    notes = await queued(services.db, "order_note")
    assert sorted(n.chat_id for n in notes) == [FARMER_ID, BAKER_ID]
    assert all("<b>#1</b> fra Kari Nordmann er kansellert" in n.text for n in notes)


async def test_a_producer_who_turned_notes_off_gets_none(services: Services, world: World) -> None:
    await services.producers.set_notes(BAKER_ID, False)
    await customer(services, KARI)

    await order(
        services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1, world.offer_ids["bread"]: 1}
    )

    assert [n.chat_id for n in await queued(services.db, "order_note")] == [FARMER_ID]


async def test_customer_names_are_escaped_in_notes(services: Services, world: World) -> None:
    await services.members.register(user_id=KARI, first_name="<b>Kari</b>", language_code="nb")
    await services.members.join(KARI, "testby")

    await order(services, KARI, world.pickup_id, {world.offer_ids["bread"]: 1})

    (note,) = await queued(services.db, "order_note")
    assert "&lt;b&gt;Kari&lt;/b&gt;" in note.text and "<b>Kari</b>" not in note.text
