"""A lamb producer's week: sold by weight, from the product form to each final amount.

Berg Gård (Bokmål) adds a leg of lamb at 289 kr/kg, about 1,8–2,2 kg each, and puts four legs
on offer. Kari (Bokmål) orders two and Emma (English) one, and both see "approx." amounts and
that the final amount is settled at the pickup. At the deadline the pick list and workbook say
"approx."; at the pickup Berg weighs each order's legs from the handover list, and each
customer gets the weighed amount with Berg's payment details, in their own language, while
Berg's totals use the weighed amounts.
"""

from __future__ import annotations

import io

import openpyxl
import pypdf

from rekobot.app import RekoApplication
from rekobot.models import Order, PriceBasis
from rekobot.scheduling import run_due_work
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import LABELS, running_bot
from tests.fakes.calls import UploadedFile, plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.producer_support import deliver, queued
from tests.test_outbox import drain_all

BERG = TgUser(FARMER_ID, "Berg", language_code="nb")
KARI = TgUser(1001, "Kari", "Nordmann", language_code="nb")
EMMA = TgUser(1002, "Emma", "Smith", language_code="en")


def last(bot: BotDriver, user: TgUser) -> str:
    return plain(bot.last_text(user))


async def add_the_lamb(bot: BotDriver) -> tuple[str, str, str]:
    """Berg adds "Lammelår" through the product form; return the price question, the weight
    question and the saved card."""
    await bot.send(BERG, "/producer")
    await bot.press(BERG, "Mine produkter")
    await bot.press(BERG, "Legg til et produkt")
    await bot.send(BERG, "Lammelår")
    await bot.press(BERG, "Hopp over")
    price_question = last(bot, BERG)
    await bot.send(BERG, "kr 289,- per kg")
    weight_question = last(bot, BERG)
    await bot.send(BERG, "ca. 1,8–2,2 kg")
    await bot.press(BERG, "Ingen kategori")
    await bot.press(BERG, "Hopp over")
    card = last(bot, BERG)
    await bot.press(BERG, "Produsentmeny")
    await bot.press(BERG, "Tilbud")
    await bot.press(BERG, "⬜ Lammelår")
    await bot.send(BERG, "4")  # four legs: stock counts items, not kilos
    return price_question, weight_question, card


async def buy_legs(bot: BotDriver, user: TgUser, legs: int) -> tuple[str, str, str]:
    """A customer finds the lamb, puts ``legs`` in the cart and orders; return the product
    card, the cart and the confirmation."""
    words = LABELS[user.language_code or "nb"]
    await bot.send(user, "/start testby")
    await bot.send(user, "/shop")
    await bot.press(user, "Berg Gård")
    await bot.press(user, "Lammelår")
    card = last(bot, user)
    for _ in range(legs):
        await bot.press(user, words["add"])
    await bot.press(user, words["cart"])
    cart = last(bot, user)
    await bot.press(user, words["checkout"])
    await bot.press(user, words["confirm"])
    return card, cart, "\n".join(plain(t) for t in bot.texts(user)[-3:])


def file_of(uploads: list[UploadedFile], extension: str) -> bytes:
    return bytes(next(u for u in uploads if u.filename.endswith(extension)))


async def test_a_lamb_producer_sells_by_weight_and_each_customer_gets_the_weighed_amount(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        price_question, weight_question, product_card = await add_the_lamb(bot)
        kari_card, kari_cart, kari_confirmation = await buy_legs(bot, KARI, 2)
        emma_card, emma_cart, emma_confirmation = await buy_legs(bot, EMMA, 1)
        lamb = next(p for p in await services.catalog.products(BERG.id) if p.name == "Lammelår")
        board = await services.offers.board(BERG.id, world.pickup_id)
        stock = next(s.offer for s in board.slots if s.product.id == lamb.id)

        # The deadline: the digest, the pick list and the workbook, all "approx."
        clock.advance(days=2)
        await run_due_work(services.due_work)
        assert isinstance(bot.app, RekoApplication)
        await drain_all(bot.app, clock)
        digest_text = "\n".join(plain(t) for t in bot.texts(BERG)[-4:])
        uploads = bot.request.uploads(BERG.id)

        # The pickup: Berg weighs the legs from the handover list.
        clock.advance(days=1, hours=7, minutes=10)
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Bestillinger")
        await bot.press(BERG, "Utleveringsliste")
        sheet = last(bot, BERG)
        await bot.press(BERG, "⚖️ #1")
        asked = last(bot, BERG)
        await bot.send(BERG, "fire kilo")
        refused = last(bot, BERG)
        await bot.send(BERG, "4,3 kg")
        after_kari = last(bot, BERG)
        await bot.press(BERG, "⚖️ #2")
        await bot.send(BERG, "2050 g")
        after_emma = last(bot, BERG)
        await bot.press(BERG, "⬅️ Tilbake")
        totals = last(bot, BERG)
        finals = await queued(services.db, "final_amount")
        await deliver(bot)
        kari_final, emma_final = last(bot, KARI), last(bot, EMMA)
        await bot.send(KARI, "/orders")
        kari_orders = plain(" | ".join(label for row in bot.buttons(KARI) for label, _ in row))

    # The form read the price as producers write it, and asked for the weight of one leg.
    assert "(3/6) Hva koster den?" in price_question
    assert "(4/6) Omtrent hvor mye veier én?" in weight_question
    assert "Lammelår (ca. 1,8–2,2 kg)" in product_card
    assert "289,00 kr/kg → ca. 578,00 kr" in product_card  # 2 kg, the middle of the range
    assert (lamb.price, lamb.price_basis, lamb.weight_min, lamb.weight_max) == (
        28900,
        PriceBasis.KG,
        1800,
        2200,
    )
    # Customers see approx. amounts in their language, and that the pickup settles them.
    assert "289,00 kr/kg → ca. 578,00 kr" in kari_card
    assert "2 × Lammelår (ca. 1,8–2,2 kg) — ca. 1 156,00 kr" in kari_cart
    assert "Totalt: ca. 1 156,00 kr" in kari_cart
    assert "ca. 1 156,00 kr" in kari_confirmation
    assert "det endelige beløpet gjøres opp ved utleveringen" in kari_confirmation
    assert "NOK289.00/kg → approx. NOK578.00" in emma_card
    assert "1 × Lammelår (ca. 1,8–2,2 kg) — approx. NOK578.00" in emma_cart
    assert "the final amount is settled at the pickup" in emma_confirmation
    # Stock counts legs: four on offer, three ordered.
    assert (stock.quantity_total, stock.quantity_reserved) == (4, 3)

    # The digest and the files the producer packs from.
    assert "3 × Lammelår (ca. 1,8–2,2 kg): ca. 1 734,00 kr" in digest_text
    first, orders = (
        plain(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(file_of(uploads, ".pdf"))).pages
    )
    assert "Lammelår ca. 1,8–2,2 kg 3 ca. 1 734,00 kr" in first
    assert "2 × Lammelår (ca. 1,8–2,2 kg) · 289,00 kr/kg ca. 1 156,00 kr" in orders
    book = openpyxl.load_workbook(io.BytesIO(file_of(uploads, ".xlsx")))
    lines = [[c.value for c in row] for row in book["Bestillingslinjer"].iter_rows(min_row=2)]
    assert [(row[0], row[5], row[7], row[8], row[11]) for row in lines] == [
        (1, 2, 1156, "ja", "kg"),
        (2, 1, 578, "ja", "kg"),
    ]

    # The handover: a quick weight form from the list, and the weighed amounts.
    assert "⬜ #1 Kari Nordmann: ca. 1 156,00 kr" in sheet
    assert "2 × Lammelår (ca. 1,8–2,2 kg) ⚖️ ikke veid" in sheet
    assert "Hva veide de 2 til sammen?" in asked and "289,00 kr/kg" in asked
    assert "Send omtrent hvor mye én veier" in refused and "Hva veide de 2" in refused
    assert "✅ #1: 1 242,70 kr" in after_kari and "Kunden får det endelige beløpet." in after_kari
    assert "2 × Lammelår (ca. 1,8–2,2 kg) ⚖️ 4,3 kg" in after_kari
    assert "✅ #2: 592,45 kr" in after_emma
    assert "2 bestillinger, 1 835,15 kr totalt" in totals  # weighed: no "ca." any more

    # Each customer gets the final amount with Berg's payment details, in their language.
    assert [(f.chat_id, f.kind) for f in finals] == [
        (KARI.id, "final_amount"),
        (EMMA.id, "final_amount"),
    ]
    assert "⚖️ Berg Gård har veid bestillingen din #1." in kari_final
    assert "• 2 × Lammelår (ca. 1,8–2,2 kg), 4,3 kg — 1 242,70 kr" in kari_final
    assert "Å betale til Berg Gård: 1 242,70 kr" in kari_final
    assert "💳 Betaling: Vipps 123456" in kari_final
    assert "⚖️ Berg Gård has weighed your order #2." in emma_final
    assert "To pay Berg Gård: NOK592.45" in emma_final and "Pay: Vipps 123456" in emma_final
    assert "1 242,70 kr" in kari_orders and "ca. 1 156" not in kari_orders


async def test_a_line_never_weighed_keeps_its_estimate_and_no_final_amount_is_sent(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await add_the_lamb(bot)
        await buy_legs(bot, KARI, 1)
        clock.advance(days=3, hours=7, minutes=10)  # at the pickup
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "Bestillinger")
        await bot.press(BERG, "Utleveringsliste")
        await bot.press(BERG, "⬜ #1 Kari Nordmann")  # collected without weighing
        sheet = last(bot, BERG)
        finals = await queued(services.db, "final_amount")
        order = (await services.ordering.orders(KARI.id))[0]
        overview = await services.pickup_admin.overview(ADMIN_ID, world.pickup_id)
        await services.handover.weigh(BERG.id, world.pickup_id, order.id, lamb_offer(order), 2051)
        weighed = await services.pickup_admin.overview(ADMIN_ID, world.pickup_id)

    assert "✅ #1 Kari Nordmann: ca. 578,00 kr" in sheet
    assert "1 × Lammelår (ca. 1,8–2,2 kg) ⚖️ ikke veid" in sheet
    assert finals == []
    assert order.estimated and order.total == 57800
    # The ring's overview adds up lines the same way: the estimate, then the weighed amount.
    assert [p.amount for p in overview.producers] == [57800]
    assert [p.amount for p in weighed.producers] == [59274]  # 2,051 kg × 289 kr = 592,739 kr


def lamb_offer(order: Order) -> int:
    """The offer of the order's (one) line."""
    return order.parts[0].lines[0].offer_id
