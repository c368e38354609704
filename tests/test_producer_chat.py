"""The producer's chat through the real PTB Application: what Liv, Berg and the admin see."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from rekobot.models import HandoverStatus, PriceBasis
from rekobot.services.catalog import ProductDraft
from rekobot.services.producers import RingStatus
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import pickups as pickup_store
from tests.conftest import ADMIN_ID, BAKER_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import running_bot
from tests.fakes.calls import Call, plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.producer_support import customer, deliver, order, queued

LIV = TgUser(700, "Liv", "Li", "livli", language_code="nb")
ADA = TgUser(ADMIN_ID, "Ada", language_code="en")
BERG = TgUser(FARMER_ID, "Berg", language_code="nb")
BAKER = TgUser(BAKER_ID, "Solbakken", language_code="en")
KARI = 1001
EMMA = 1002


def last(bot: BotDriver, user: TgUser) -> str:
    return plain(bot.last_text(user))


def labels(bot: BotDriver, user: TgUser) -> list[str]:
    return [text for row in bot.buttons(user) for text, _data in row]


def alerts(calls: list[Call]) -> list[str]:
    """The texts of the alerts the bot answered button presses with."""
    return [
        str(call.params.get("text"))
        for call in calls
        if call.method.lower() == "answercallbackquery" and call.params.get("show_alert")
    ]


async def test_a_newcomer_applies_and_an_admin_approves_in_their_own_languages(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(ADA, "/start")  # the operator's admin has talked to the bot before
        await bot.send(LIV, "/producer")
        first = last(bot, LIV)
        first_way_on = labels(bot, LIV)
        await bot.send(LIV, "Li <b>Gård</b>")
        await bot.send(LIV, "Grønnsaker og egg fra Li")
        await bot.send(LIV, "Vipps 123456")
        await bot.send(LIV, "x" * 201)  # a contact that is far too long
        refused = last(bot, LIV)
        await bot.send(LIV, "99 88 77 66")
        summary = last(bot, LIV)
        await bot.press(LIV, "Send søknad")
        thanks = last(bot, LIV)

        await deliver(bot)
        application = last(bot, ADA)
        await bot.press(ADA, "Approve")
        decided = last(bot, ADA)
        told = await deliver(bot)

    assert "(1/4) Hva heter gården eller bedriften din?" in first
    assert "✖️ Avbryt" in first_way_on  # the first question offers a way out
    assert "Kontaktinformasjonen er for lang: høyst 200 tegn, du sendte 201." in refused
    assert "(4/4)" in refused  # the same question again, the other answers kept
    assert "<b>Din søknad til REKO Testby</b>" not in summary  # shown as Telegram renders it
    assert "Din søknad til REKO Testby" in summary and "Li <b>Gård</b>" in summary
    assert "Betaling: Vipps 123456" in summary and "Kontakt: 99 88 77 66" in summary
    assert "Takk! Søknaden din ligger hos administratorene i REKO Testby." in thanks
    assert "New producer application for REKO Testby" in application
    assert "Sent by: Liv Li (@livli)" in application
    assert decided == "✅ Li <b>Gård</b> is approved for REKO Testby (by Ada)."
    assert [t.chat_id for t in told] == [LIV.id]
    assert "Gode nyheter: du er godkjent for å selge i <b>REKO Testby</b>!" in told[0].text
    async with running_bot(settings, clock) as bot:
        await bot.send(LIV, "/producer")
        home = last(bot, LIV)
    assert "REKO Testby: ✅ godkjent" in home


async def test_someone_who_is_not_an_admin_cannot_approve_with_a_forged_button(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(LIV, "/producer")
        for answer in ("Li Gård", "Grønnsaker", "Vipps 1", "liv@example.com"):
            await bot.send(LIV, answer)
        await bot.press(LIV, "Send søknad")
        profile = await bot.app.bot_data.services.producers.profile(LIV.id)
        assert profile is not None
        forged = f"prev:{profile.producer.id}:{world.ring_id}:1"
        calls = await bot.feed(bot.factory.callback(BERG, forged))
        nonsense = await bot.feed(bot.factory.callback(BERG, "prev:1:2:7"))
        after = await bot.app.bot_data.services.producers.profile(LIV.id)

    assert alerts(calls) == ["Det har du ikke tilgang til."]
    assert alerts(nonsense)  # a value the button never carries is refused too
    assert after is not None and after.rings[0].status is RingStatus.PENDING


async def test_a_restart_keeps_the_unfinished_application_and_cancel_leads_on(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(LIV, "/producer")
        await bot.send(LIV, "Li Gård")
    # A new process: the open question and its draft live in the database.
    async with running_bot(settings, clock) as bot:
        await bot.send(LIV, "/producer")
        resumed = last(bot, LIV)
        await bot.send(LIV, "Grønnsaker")
        next_question = last(bot, LIV)
        await bot.send(LIV, "/cancel")
        stopped = last(bot, LIV)
        way_on = labels(bot, LIV)
        await bot.press(LIV, "Begynn på nytt")
        again = last(bot, LIV)
        again_way_on = labels(bot, LIV)

    assert "La oss fortsette søknaden din." in resumed and "(2/4)" in resumed
    assert "(3/4) Hvordan betaler kundene deg?" in next_question
    assert stopped == "Avbrutt. Ingenting ble lagret."
    assert way_on == ["↩️ Begynn på nytt"]
    assert "(1/4) Hva heter gården eller bedriften din?" in again
    assert "✖️ Avbryt" in again_way_on  # the first question of a fresh start leads on too


async def test_a_producer_adds_a_product_step_by_step_and_bad_input_keeps_the_draft(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        home = last(bot, BERG)
        await bot.press(BERG, "Mine produkter")
        await bot.press(BERG, "Legg til et produkt")
        await bot.send(BERG, "Honning <i>fra</i> lia")
        await bot.press(BERG, "Hopp over")
        await bot.send(BERG, "abc")
        bad_price = last(bot, BERG)
        await bot.send(BERG, "0")
        zero = last(bot, BERG)
        await bot.send(BERG, "kr 129,50")
        basis = last(bot, BERG)
        basis_buttons = labels(bot, BERG)
        await bot.press(BERG, "Per stykk")
        await bot.send(BERG, "glass 350 g")
        category = labels(bot, BERG)
        await bot.press(BERG, "Egg og meieri")
        await bot.send_photo(BERG, b"\xff\xd8\xff fake jpeg")
        card = last(bot, BERG)
        products = await bot.app.bot_data.services.catalog.products(BERG.id)

    assert "🧑‍🌾 Berg Gård" in home and "REKO Testby: ✅ godkjent" in home
    assert "Send en pris som 45, 45,50 eller 289 kr/kg." in bad_price
    assert "(3/6) Hva koster den?" in bad_price
    assert "Prisen må være mer enn null." in zero
    # "kr 129,50" does not say what it is per, so the form asks.
    assert "Er 129,50 kr prisen for én enhet, eller for en kilo, en liter eller 100 g?" in basis
    assert basis_buttons[:4] == ["Per stykk", "Per kg", "Per liter", "Per 100 g"]
    assert category[:4] == ["Grønnsaker", "Bakst", "Egg og meieri", "Ingen kategori"]
    assert "✅ Lagret." in card
    assert "Honning <i>fra</i> lia (glass 350 g)" in card  # escaped: shown as typed
    assert "129,50 kr" in card and "Kategori: Egg og meieri" in card and "Med bilde" in card
    honey = next(p for p in products if p.name.startswith("Honning"))
    assert (honey.price, honey.category, honey.description) == (12950, "Egg og meieri", "")
    assert honey.photo_file_id is not None


async def test_a_producer_edits_hides_and_deletes_products_in_english(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.members.set_locale(FARMER_ID, "en")
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "My products")
        await bot.press(BERG, "Gulrøtter")
        await bot.press(BERG, "Price")
        asked = last(bot, BERG)
        await bot.send(BERG, "-5")
        refused = last(bot, BERG)
        await bot.send(BERG, "39.90")
        changed = last(bot, BERG)
        await bot.press(BERG, "Hide")
        hidden = last(bot, BERG)
        await bot.press(BERG, "Delete")
        confirm = last(bot, BERG)
        await bot.press(BERG, "Yes, delete it")
        deleted = last(bot, BERG)
        remaining = [p.name for p in await bot.app.bot_data.services.catalog.products(BERG.id)]

    assert "Send the new price of “Gulrøtter”, for example 45, 45,50 or 289 kr/kg." in asked
    assert "The price must be more than zero." in refused
    assert "✅ Changed." in changed and "NOK39.90" in changed
    assert "Hidden: it is not listed when you set your offers." in hidden
    assert "Delete “Gulrøtter” for good?" in confirm
    assert "“Gulrøtter” is deleted." in deleted
    assert "Gulrøtter" not in remaining


async def test_an_ordered_product_cannot_be_deleted_only_hidden(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Mine produkter")
        await bot.press(BERG, "Egg")
        calls = await bot.press(BERG, "Slett")

    assert alerts(calls) == [
        "Dette produktet har vært bestilt før, så det kan ikke slettes. Du kan skjule det i stedet."
    ]


async def test_offers_switch_on_with_a_quantity_never_below_what_is_ordered(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await order(services, KARI, world.pickup_id, {world.offer_ids["potatoes"]: 4})
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Mine produkter")
        await bot.press(BERG, "Legg til et produkt")
        for answer in ("Honning", "God", "120 kr/stk", "glass"):
            await bot.send(BERG, answer)
        await bot.press(BERG, "Ingen kategori")
        await bot.press(BERG, "Hopp over")
        await bot.press(BERG, "Produsentmeny")
        await bot.press(BERG, "Tilbud")
        board = last(bot, BERG)
        board_buttons = labels(bot, BERG)
        await bot.press(BERG, "⬜ Honning")
        asked = last(bot, BERG)
        await bot.send(BERG, "mange")
        again = last(bot, BERG)
        await bot.send(BERG, "12")
        slot = last(bot, BERG)
        await bot.press(BERG, "Tilbake til lista")
        await bot.press(BERG, "Poteter")
        await bot.press(BERG, "Antall")
        await bot.send(BERG, "3")
        below = last(bot, BERG)
        await bot.press(BERG, "Ubegrenset")
        unlimited = last(bot, BERG)

    assert "3 av produktene dine er ute for salg." in board
    assert "⬜ Honning" in board_buttons and "✅ Poteter · 4/10" in board_buttons
    assert "Hvor mange «Honning» (glass) kan du ta med? Send et tall." in asked
    assert "Send et helt tall, for eksempel 2." in again
    assert "✅ Lagret." in slot and "12 ute for salg, 0 bestilt" in slot
    assert "Kundene har allerede bestilt 4, så antallet kan ikke være lavere enn 4." in below
    assert "Ubegrenset, 4 bestilt" in unlimited


async def test_switching_off_an_ordered_product_asks_then_tells_each_customer(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await customer(services, EMMA, "Emma", language="en")
        await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
        await order(
            services,
            EMMA,
            world.pickup_id,
            {world.offer_ids["eggs"]: 1, world.offer_ids["bread"]: 1},
        )
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Tilbud")
        await bot.press(BERG, "✅ Egg")
        await bot.press(BERG, "Slå av")
        question = last(bot, BERG)
        await bot.press(BERG, "Ja, slå av")
        board = last(bot, BERG)
        board_buttons = labels(bot, BERG)
        to_kari = await queued(services.db, "offer_withdrawn", chat_id=KARI)
        to_emma = await queued(services.db, "offer_withdrawn", chat_id=EMMA)

    assert "2 kunder har bestilt «Egg»." in question
    assert "«Egg» er slått av. 2 kunder har fått beskjed." in board
    assert "⬜ Egg" in board_buttons
    assert "Beklager: Berg Gård kan likevel ikke ta med Egg" in to_kari[0].text
    assert "Sorry: Berg Gård can no longer bring Egg" in to_emma[0].text


async def test_forged_buttons_for_another_producers_things_change_nothing(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    eggs_product, eggs_offer = world.product_ids["eggs"], world.offer_ids["eggs"]
    forged = [
        f"pedit:{eggs_product}:name",
        f"phide:{eggs_product}:1",
        f"pdel:{eggs_product}:1",
        f"poff:{eggs_offer}:1",
        f"pqty:{eggs_offer}",
        f"psold:{eggs_offer}",
        f"pon:{world.pickup_id}:{eggs_product}",
        f"pmark:{world.pickup_id}:1:c:0",
        "pedit:1:passwd",
        "pboard:99999:0",
    ]
    await services.members.set_locale(BAKER_ID, "en")
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        answers = []
        for data in forged:
            answers += alerts(await bot.feed(bot.factory.callback(BAKER, data)))
        eggs = await services.catalog.product(BERG.id, eggs_product)
        board = await services.offers.board(BERG.id, world.pickup_id)

    assert len(answers) == len(forged)
    assert set(answers) == {"This is no longer available. Please open the menu again."}
    assert (eggs.name, eggs.hidden) == ("Egg", False)
    egg_slot = next(s for s in board.slots if s.product.id == eggs_product)
    assert egg_slot.on and egg_slot.offer is not None and egg_slot.offer.quantity_total == 5


async def test_digest_before_the_deadline_is_preliminary_and_comes_with_a_csv(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await order(
            services,
            KARI,
            world.pickup_id,
            {world.offer_ids["potatoes"]: 2, world.offer_ids["eggs"]: 1},
        )
        await bot.send(BERG, "/digest")
        texts = [plain(t) for t in bot.texts(BERG)]
        uploads = bot.request.uploads(BERG.id)

    digest = next(t for t in texts if "Hvem får hva" in t)
    assert digest.startswith("⚠️ Foreløpig: bestillingene kan fortsatt endres fram til")
    assert "2 × Poteter (2 kg): 120,00 kr" in digest
    assert "#1 Kari Nordmann: 195,00 kr" in digest
    assert [u.filename for u in uploads] == [
        "reko-testby-2026-12-03.pdf",
        "reko-testby-2026-12-03.xlsx",
        "reko-testby-2026-12-03.csv",
    ]  # the pick list and the workbook are tested in test_picklist.py
    sheet = uploads[-1]
    rows = list(csv.reader(io.StringIO(bytes(sheet).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Bestillingsnummer", "Kunde", "Produkt"]
    assert rows[1:] == [
        ["1", "Kari Nordmann", "Egg", "12 stk", "1", "75,00", "75,00", "", "", "", "", "", ""],
        ["1", "Kari Nordmann", "Poteter", "2 kg", "2", "60,00", "120,00", "", "", "", "", "", ""],
    ]


async def test_the_producer_ticks_off_orders_at_the_pickup_and_the_customer_sees_it(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await customer(services, EMMA, "Emma")
        await order(services, KARI, world.pickup_id, {world.offer_ids["eggs"]: 1})
        kari_order = (await services.ordering.orders(KARI))[0].id
        await order(services, EMMA, world.pickup_id, {world.offer_ids["potatoes"]: 1})
        clock.advance(days=3, hours=7, minutes=10)  # the pickup is on
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Bestillinger")
        await bot.press(BERG, "Utleveringsliste")
        sheet = last(bot, BERG)
        await bot.press(BERG, "⬜ #1 Kari Nordmann")
        ticked = last(bot, BERG)
        no_show_before_end = [label for label in labels(bot, BERG) if "ikke hentet" in label]
        kari_sees = (await services.ordering.order(KARI, kari_order)).parts[0].handover
        await bot.feed(bot.factory.message(TgUser(KARI, "Kari"), "/orders"))
        clock.advance(hours=1)  # the pickup has ended
        await bot.press(BERG, "⬅️ Tilbake")
        await bot.press(BERG, "Utleveringsliste")
        await bot.press(BERG, "Merk 1 åpen bestilling som ikke hentet")
        await bot.press(BERG, "Ja, merk dem")
        after = last(bot, BERG)

    assert "Hentet: 0 av 2. Ikke hentet: 0." in sheet
    assert "⬜ #1 Kari Nordmann: 75,00 kr\n  1 × Egg (12 stk)" in sheet
    assert "✅ #1 Kari Nordmann" in ticked and "Hentet: 1 av 2." in ticked
    assert no_show_before_end == []
    assert kari_sees is HandoverStatus.COLLECTED
    assert "❌ #2 Emma Nordmann" in after and "Ikke hentet: 1." in after


async def test_notes_can_be_turned_off_in_the_settings(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Innstillinger")
        before = last(bot, BERG)
        await bot.press(BERG, "Slå av varsler om bestillinger")
        after = last(bot, BERG)
        producer = await bot.app.bot_data.services.producers.profile(BERG.id)

    assert "Et varsel for hver ny eller endret bestilling: på" in before
    assert "Et varsel for hver ny eller endret bestilling: av" in after
    assert producer is not None and not producer.producer.notes_enabled


async def test_a_half_typed_product_survives_a_restart(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Mine produkter")
        await bot.press(BERG, "Legg til et produkt")
        await bot.send(BERG, "Rabarbra")
        await bot.send(BERG, "Syrlig og god")
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "35 kr/bunt")
        asked = last(bot, BERG)

    assert "(4/6) Hvilken enhet selges det i?" in asked


async def test_a_long_product_list_comes_in_pages(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    for n in range(10):
        await services.catalog.add(
            FARMER_ID, ProductDraft(name=f"Urter {n:02d}", unit="bunt", price=3000)
        )
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Mine produkter")
        first = labels(bot, BERG)
        await bot.press(BERG, "▶")
        second = labels(bot, BERG)

    assert "Du har 13 produkter." in bot.texts(BERG)[-2]
    assert first[:8] == ["Egg", "Gulrøtter", "Poteter", *[f"Urter 0{n}" for n in range(5)]]
    assert "▶" in first and "◀" not in first
    assert second[:5] == [f"Urter 0{n}" for n in range(5, 10)] and "◀" in second


async def test_same_as_last_time_puts_last_weeks_offers_on_in_one_tap(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with services.db.read() as tx:
        this = await pickup_store.get_pickup(tx, world.pickup_id)
    assert this is not None
    async with services.db.transaction() as tx:
        await pickup_store.create_pickup(
            tx,
            ring_id=world.ring_id,
            location_id=world.location_id,
            starts_at=this.starts_at + timedelta(days=7),
            ends_at=this.ends_at + timedelta(days=7),
            deadline=this.deadline + timedelta(days=7),
            now=clock(),
        )
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Tilbud")
        await bot.press(BERG, lambda label: "10. desember" in label)
        before = labels(bot, BERG)
        await bot.press(BERG, "Samme som sist")
        after = last(bot, BERG)
        after_buttons = labels(bot, BERG)

    assert "⬜ Egg" in before and "🔁 Samme som sist" in before
    assert "3 produkter er ute for salg igjen, med antallene fra sist." in after
    assert "✅ Egg · 0/5" in after_buttons and "✅ Gulrøtter · 0/∞" in after_buttons
    assert "🔁 Samme som sist" not in after_buttons


async def test_a_price_per_kg_turns_a_product_into_one_sold_by_weight_and_back(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.members.set_locale(FARMER_ID, "en")
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "My products")
        await bot.press(BERG, "Gulrøtter")
        await bot.press(BERG, "Price")
        await bot.send(BERG, "35 kr/kg")
        weight_asked = last(bot, BERG)
        await bot.send(BERG, "heavy")
        weight_again = last(bot, BERG)
        await bot.send(BERG, "1.5 kg")
        by_weight = last(bot, BERG)
        card_buttons = labels(bot, BERG)
        await bot.press(BERG, "Price")
        await bot.send(BERG, "40")  # no basis said: it stays per kg
        repriced = last(bot, BERG)
        await bot.press(BERG, "Price")
        await bot.send(BERG, "30 kr/stk")
        unit_asked = last(bot, BERG)
        await bot.send(BERG, "1 bunt")
        per_item = last(bot, BERG)
        carrots = await services.catalog.product(BERG.id, world.product_ids["carrots"])
        offered = await services.offers.board(BERG.id, world.pickup_id)

    assert "About how much does one weigh? For example 2 kg, or 1,8–2,2 kg." in weight_asked
    assert "Send about how much one weighs" in weight_again
    assert "Gulrøtter (approx. 1.5 kg)" in by_weight
    assert "NOK35.00/kg → approx. NOK52.50" in by_weight
    assert "✏️ Weight" in card_buttons and "✏️ Unit" not in card_buttons
    assert "NOK40.00/kg → approx. NOK60.00" in repriced
    assert "Changed. Now say what one item is" in unit_asked
    assert "Gulrøtter (1 bunt)" in per_item and "NOK30.00" in per_item
    assert (carrots.price_basis, carrots.weight_min, carrots.price) == (PriceBasis.UNIT, None, 3000)
    slot = next(s for s in offered.slots if s.product.id == carrots.id)
    assert slot.offer is not None and slot.offer.price == 3000  # the open offer follows
