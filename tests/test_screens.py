"""Short customer screens: dates without the year, labels cut between words, each product once,
a one-line cart header, an answer on every +/− tap, no stale photo card, and what to do when a
product sells out between the cart and the checkout. Kari reads Bokmål, Emma English.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.customer.labels import LABEL_LIMIT, fit_words
from rekobot.i18n import day, set_date_clock, short_day, use_locale
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import pickups as pickup_store
from storage import rings as ring_store
from tests.conftest import MovableClock, World
from tests.customer_bot import EMMA, KARI, labels, last, running_bot
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser

LONG_PLACE = "Nittedal stasjon, pendlerparkeringen ved perrong 2"


def toasts(bot: BotDriver) -> list[str]:
    """The short answers to button presses, in order (alerts included)."""
    calls = bot.request.calls("answerCallbackQuery", ok=True)
    return [plain(c.params["text"]) for c in calls if c.params.get("text")]


async def second_pickup_at_a_long_place(services: Services, world: World) -> None:
    """Another open pickup, a week later, at a place with a long name."""
    async with services.db.transaction() as tx:
        pickup = await pickup_store.get_pickup(tx, world.pickup_id)
        assert pickup is not None
        place = await ring_store.add_location(
            tx,
            ring_id=world.ring_id,
            name=LONG_PLACE,
            address="",
            latitude=None,
            longitude=None,
            directions="",
        )
        week = timedelta(days=7)
        await pickup_store.create_pickup(
            tx,
            ring_id=world.ring_id,
            location_id=place,
            starts_at=pickup.starts_at + week,
            ends_at=pickup.ends_at + week,
            deadline=pickup.deadline + week,
            now=pickup.deadline - week,
        )


@pytest.mark.parametrize(
    ("locale", "near", "far"),
    [
        ("nb", "torsdag 3. desember", "fredag 3. desember 2027"),
        ("en", "Thursday, December 3", "Friday, December 3, 2027"),
        ("sv", "torsdag 3 december", "fredag 3 december 2027"),
        ("fi", "torstai 3. joulukuuta", "perjantai 3. joulukuuta 2027"),
        ("da", "torsdag 3. december", "fredag den 3. december 2027"),
        ("nn", "torsdag 3. desember", "fredag 3. desember 2027"),
    ],
)
def test_a_date_within_eleven_months_has_no_year_and_one_further_has_it(
    locale: str, near: str, far: str, clock: MovableClock
) -> None:
    pickup = datetime(2026, 12, 3, 17, tzinfo=UTC)
    in_eleven_months = datetime(2027, 10, 29, 17, tzinfo=UTC)
    with use_locale(locale):
        assert day(pickup, "Europe/Oslo") == near
        assert day(pickup.replace(year=2027), "Europe/Oslo") == far
        assert "2027" not in day(in_eleven_months, "Europe/Oslo")
        assert "2027" not in short_day(in_eleven_months, "Europe/Oslo")
    set_date_clock(lambda: datetime(2027, 1, 20, tzinfo=UTC))  # seven weeks after the pickup
    with use_locale(locale):
        assert "2026" in day(pickup, "Europe/Oslo") and "2026" in short_day(pickup, "Europe/Oslo")


def test_a_label_is_shortened_between_words() -> None:
    assert fit_words(LONG_PLACE, 17) == "Nittedal stasjon…"
    assert fit_words("Egg fra frittgående høner", 16) == "Egg fra…"
    assert fit_words("Honning", 16) == "Honning"


@pytest.mark.parametrize(
    ("user", "expected"),
    [(KARI, "tor. 10. des. · Nittedal…"), (EMMA, "Thu, Dec 10 · Nittedal stasjon…")],
    ids=["nb", "en"],
)
async def test_pickup_buttons_keep_the_date_whole_and_cut_the_place_at_a_word(
    settings: Settings,
    clock: MovableClock,
    world: World,
    services: Services,
    user: TgUser,
    expected: str,
) -> None:
    await second_pickup_at_a_long_place(services, world)
    async with running_bot(settings, clock) as bot:
        await bot.send(user, "/start testby")
        greeting = labels(bot, user)
        await bot.send(user, "/shop")
        choice = labels(bot, user)

    assert greeting == choice  # the greeting offers the pickups itself
    assert choice[1] == expected  # 32 characters at most, the date whole
    assert all(len(label) <= LABEL_LIMIT for label in choice)
    assert not any("2026" in label for label in choice)


async def test_each_product_shows_once_and_every_plus_and_minus_tap_says_the_quantity(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.press(KARI, "Berg Gård")
        shelf_text = last(bot, KARI)
        shelf = labels(bot, KARI)
        await bot.press(KARI, "➕ 60,00\xa0kr")
        await bot.press(KARI, "➕ 60,00\xa0kr")
        after_adds = labels(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        cart = last(bot, KARI)
        await bot.press(KARI, "➖ Poteter")
        await bot.press(KARI, "➕")
        await bot.press(KARI, "➖ Poteter")
        await bot.press(KARI, "➖ Poteter")
        said = toasts(bot)

    for product in ("Poteter", "Egg", "Gulrøtter"):
        screen = shelf_text + "\n" + "\n".join(shelf)
        assert screen.count(product) == 1, product
    assert "🛒2 Poteter, 2 kg" in after_adds
    assert cart.splitlines()[0] == "🗓 tor. 3. des. 18:00–19:00 · Coop Extra parkering"
    assert cart.splitlines()[1] == ""  # the pickup is one line
    assert "Coop Extra parkering, Storgata 1" not in cart
    assert said[-6:] == [
        "🛒 1 × Poteter, ikke bestilt ennå",
        "🛒 2 × Poteter, ikke bestilt ennå",
        "🛒 1 × Poteter, ikke bestilt ennå",
        "🛒 2 × Poteter, ikke bestilt ennå",
        "🛒 1 × Poteter, ikke bestilt ennå",
        "🗑 Poteter er tatt ut av handlekurven",
    ]


async def test_back_from_a_photo_card_takes_the_card_away(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.db.execute(
        "UPDATE products SET photo_file_id = 'AgACphoto' WHERE id = ?",
        (world.product_ids["potatoes"],),
    )
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, "/start testby")
        await bot.press(EMMA, "Berg Gård")
        opened = await bot.press(EMMA, "Poteter")
        card = next(c for c in opened if c.method == "sendPhoto").message
        assert card is not None
        await bot.press(EMMA, "➕ Add")
        back = await bot.press(EMMA, "Back")
        left = bot.request.messages(EMMA.id)
        shelf = labels(bot, EMMA)

    deleted = [c for c in back if c.method == "deleteMessage"]
    assert [int(c.params["message_id"]) for c in deleted] == [card["message_id"]]
    assert not any(m.get("photo") for m in left)  # no live card with old buttons
    assert "🛒1 Poteter, 2 kg" in shelf


async def offer_only(services: Services, world: World, left: int) -> None:
    """Others bought the bread meanwhile: only ``left`` of the 8 loaves remain."""
    await services.db.execute(
        "UPDATE offers SET quantity_reserved = quantity_total - ? WHERE id = ?",
        (left, world.offer_ids["bread"]),
    )


async def fill_and_open_checkout(bot: BotDriver, user: TgUser, words: tuple[str, str]) -> None:
    """Three loaves and one bag of potatoes, up to the question before placing the order."""
    await bot.send(user, "/start testby")
    await bot.press(user, "Solbakken Bakeri")
    for _ in range(3):
        await bot.press(user, lambda label: label.startswith("➕"))
    await bot.press(user, words[0])
    await bot.press(user, words[1])


async def test_bread_sold_between_cart_and_checkout_offers_the_ones_left_in_one_tap(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await fill_and_open_checkout(bot, KARI, ("Handlekurv", "Til kassen"))
        await offer_only(services, world, 2)
        await bot.press(KARI, "Ja, send bestillingen")
        offer = last(bot, KARI)
        choices = labels(bot, KARI)
        await offer_only(services, world, 1)  # and one more goes before Kari taps
        message, data = bot.request.find_button(KARI.id, "✅ Ta de 2 som er igjen")
        await bot.feed(bot.factory.callback(KARI, data, message=message))
        await bot.feed(bot.factory.callback(KARI, data, message=message))  # a double tap

    assert offer == ("Mens du handlet, kjøpte andre Surdeigsbrød: bare 2 er igjen til deg, ikke 3.")
    assert choices == [
        "✅ Ta de 2 som er igjen",
        "🗑 Bestill uten Surdeigsbrød",
        "⬅ Tilbake til handlekurven",
    ]
    orders = await services.ordering.orders_by_ring(KARI.id)
    assert len(orders[0].orders) == 1
    lines = [line for part in orders[0].orders[0].parts for line in part.lines]
    assert [(line.product_name, line.quantity) for line in lines] == [("Surdeigsbrød", 1)]
    assert any("Bestilling #1 er mottatt" in plain(text) for text in bot.texts(KARI))


async def test_a_product_sold_out_at_checkout_can_be_left_out_in_one_tap(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, "/start testby")
        await bot.press(EMMA, "Berg Gård")
        await bot.press(EMMA, "➕ NOK60.00")
        await bot.press(EMMA, "Back")
        await fill_and_open_checkout(bot, EMMA, ("Cart", "Check out"))
        await offer_only(services, world, 0)
        await bot.press(EMMA, "Yes, place the order")
        offer = last(bot, EMMA)
        choices = labels(bot, EMMA)
        await bot.press(EMMA, "🗑 Order without Surdeigsbrød")

    assert offer == "While you were shopping, Surdeigsbrød sold out."
    assert choices == ["🗑 Order without Surdeigsbrød", "⬅ Back to the cart"]
    orders = await services.ordering.orders_by_ring(EMMA.id)
    lines = [line for part in orders[0].orders[0].parts for line in part.lines]
    assert [(line.product_name, line.quantity) for line in lines] == [("Poteter", 1)]
