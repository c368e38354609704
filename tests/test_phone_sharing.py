"""A phone number for the producers: Kari (nb) shares hers with Telegram's contact button, the
farm sees it with her @username in notes and files, and it is gone once she stops sharing;
Emma (en) says "not now". Only the sender's own contact card is taken.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pypdf

from rekobot.digest_csv import digest_csv
from rekobot.digest_xlsx import digest_xlsx
from rekobot.i18n import use_locale
from rekobot.picklist import pick_list_pdf
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, labels, last, running_bot
from tests.fakes.calls import Call, plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.producer_support import customer, order, queued

PHONE = "+4791234567"


async def send_contact(bot: BotDriver, user: TgUser, owner: int, number: str) -> list[Call]:
    """Send a contact card as `user`, of the Telegram account `owner`."""
    contact = {"phone_number": number, "first_name": user.first_name, "user_id": owner}
    message = bot.factory.user_message(user, {"contact": contact})
    return await bot.feed(bot.factory.update(message=message))


def markup(call: Call) -> dict[str, object]:
    """The reply markup a call sent, as JSON."""
    found = call.params.get("reply_markup")
    return json.loads(found) if isinstance(found, str) else dict(found or {})


async def to_checkout(bot: BotDriver, user: TgUser) -> None:
    """Put potatoes in the cart and open the checkout."""
    nb = user.language_code == "nb"
    await buy_potatoes(bot, user)
    await bot.press(user, "Handlekurv" if nb else "Cart")
    await bot.press(user, "Til kassen" if nb else "Check out")


async def test_kari_shares_her_own_phone_and_the_farm_sees_it_until_she_stops(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await to_checkout(bot, KARI)
        (offer,) = [
            c
            for c in await bot.press(KARI, "Del telefonnummeret mitt med produsentene")
            if c.method == "sendMessage"
        ]
        (refused,) = await send_contact(bot, KARI, EMMA.id, "4799999999")
        stored_after_refusal = await bot.app.bot_data.services.contacts.phone(KARI.id)
        thanks, *_checkout = await send_contact(bot, KARI, KARI.id, "47 91 23 45 67")
        checkout, buttons = last(bot, KARI), labels(bot, KARI)
        await bot.press(KARI, "Ja, send bestillingen")
        services = bot.app.bot_data.services
        (note,) = await queued(services.db, "order_note", chat_id=FARMER_ID)
        shared_digest = await services.digests.digest(FARMER_ID, world.pickup_id)
        await bot.send(KARI, "/privacy")
        privacy = last(bot, KARI)
        exported = await services.privacy.export(KARI.id)
        await bot.press(KARI, "Slutt å dele telefonnummeret mitt")
        revoked = last(bot, KARI)
        exported_after = await services.privacy.export(KARI.id)
        later_digest = await services.digests.digest(FARMER_ID, world.pickup_id)

    keys = markup(offer)["keyboard"]
    assert keys == [
        [{"text": "📞 Del telefonnummeret mitt", "request_contact": True}],
        [{"text": "✖️ Ikke nå"}],
    ]
    assert "Dele telefonnummeret ditt med produsentene?" in plain(offer.text)
    assert "Det er ikke din egen kontakt" in plain(refused.text)
    assert "keyboard" in markup(refused)  # the keys stay for another try
    assert stored_after_refusal is None
    assert f"ser nå telefonnummeret ditt, {PHONE}" in plain(thanks.text)
    assert markup(thanks) == {"remove_keyboard": True}
    assert f"📞 Produsentene ser telefonnummeret ditt, {PHONE}." in checkout
    assert "📞 Del telefonnummeret mitt med produsentene" not in buttons
    assert f"📞 @kari · {PHONE}" in note.text
    (kept,) = shared_digest.orders
    assert kept.contacts == ("@kari", PHONE)
    with use_locale("nb"):
        rows = list(
            csv.reader(
                io.StringIO(digest_csv(shared_digest, "nb").decode("utf-8-sig")), delimiter=";"
            )
        )
        book = openpyxl.load_workbook(io.BytesIO(digest_xlsx(shared_digest, "nb")))
        pdf = pypdf.PdfReader(io.BytesIO(pick_list_pdf(shared_digest)))
    # "@" and "+" start formulas in a spreadsheet: the cell is kept from running as one.
    assert rows[0][-2] == "Kontakt" and rows[1][-2] == f"'@kari, {PHONE}"
    assert book["Bestillingslinjer"].cell(row=2, column=3).value == f"@kari, {PHONE}"
    assert PHONE in " ".join(page.extract_text() for page in pdf.pages)
    assert f"• Telefonnummer: {PHONE}, vises for produsentene du bestiller fra" in privacy
    assert "• Kontaktopplysninger: bare Telegram-kontoen din" in revoked
    assert exported["user"]["phone_shared_with_producers"] == PHONE
    assert exported_after["user"]["phone_shared_with_producers"] is None
    assert later_digest.orders[0].contacts == ("@kari",)


async def test_a_note_after_revoking_has_no_phone(services: Services, world: World) -> None:
    await customer(services, KARI.id)
    await services.contacts.share_phone(KARI.id, KARI.id, "4791234567")
    await order(services, KARI.id, world.pickup_id, {world.offer_ids["eggs"]: 1})
    await services.contacts.stop_sharing(KARI.id)
    await order(services, KARI.id, world.pickup_id, {world.offer_ids["eggs"]: 2})

    placed, changed = await queued(services.db, "order_note", chat_id=FARMER_ID)
    assert PHONE in placed.text
    assert PHONE not in changed.text and "er endret" in changed.text


async def test_emma_says_not_now_and_goes_back_to_her_checkout(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await to_checkout(bot, EMMA)
        await bot.press(EMMA, "Share my phone with the producers")
        offer = bot.request.calls("sendMessage", chat_id=EMMA.id)[-1]
        answer, *_rest = await bot.send(EMMA, "✖️ Not now")
        checkout, buttons = last(bot, EMMA), labels(bot, EMMA)
        stored = await bot.app.bot_data.services.contacts.phone(EMMA.id)

    assert markup(offer)["keyboard"] == [
        [{"text": "📞 Share my phone number", "request_contact": True}],
        [{"text": "✖️ Not now"}],
    ]
    assert plain(answer.text) == "OK, your phone number is not shared."
    assert markup(answer) == {"remove_keyboard": True}
    assert "Place this order?" in checkout and "Share my phone with the producers" in " ".join(
        buttons
    )
    assert stored is None


async def test_sharing_from_privacy_returns_to_privacy_and_erasing_removes_the_phone(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/privacy")
        await bot.press(EMMA, "Share my phone with the producers")
        await send_contact(bot, EMMA, EMMA.id, "+46701234567")
        privacy = last(bot, EMMA)
        services = bot.app.bot_data.services
        erased = await services.privacy.erase(EMMA.id)
        left = await services.db.fetchone(
            "SELECT count(*) FROM users WHERE phone = ?", ("+46701234567",)
        )

    assert "• Phone number: +46701234567, shown to the producers of your orders" in privacy
    assert erased.orders_kept == 0
    assert left is not None and left[0] == 0


async def test_anonymised_orders_lose_the_phone_and_the_comment(
    services: Services, world: World, clock: MovableClock
) -> None:
    await customer(services, KARI.id)
    await services.contacts.share_phone(KARI.id, KARI.id, "4791234567")
    await services.carts.set_quantity(KARI.id, world.offer_ids["eggs"], 1)
    await services.comments.set_comment(
        KARI.id, world.pickup_id, world.producer_ids["farm"], "Kari i den røde bilen"
    )
    cart = await services.carts.view(KARI.id, world.pickup_id)
    await services.ordering.checkout(KARI.id, world.pickup_id, cart.version)
    clock.advance(days=100)

    await services.privacy.anonymise_due()
    digest = await services.digests.digest(FARMER_ID, world.pickup_id)

    (kept,) = digest.orders
    assert (kept.customer, kept.contacts, kept.comment) == ("Kunde #1", (), None)
    assert await services.contacts.phone(KARI.id) == PHONE  # Kari herself still shares it
