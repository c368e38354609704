"""A comment per producer at checkout: Kari (nb) and Emma (en) write one, the farm reads it in
its note, its digest, the CSV, the workbook and the pick list.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pypdf
import pytest

from rekobot.digest import digest_messages
from rekobot.digest_csv import digest_csv
from rekobot.digest_xlsx import digest_xlsx
from rekobot.errors import CartChanged, CommentTooLong, NotFound
from rekobot.i18n import use_locale
from rekobot.picklist import pick_list_pdf
from rekobot.services.comments import COMMENT_LIMIT
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import BAKER_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, buy_potatoes, labels, last, running_bot
from tests.fakes.calls import plain
from tests.producer_support import customer, order, queued

#: A comment that is HTML and a spreadsheet formula at once: it must stay plain text.
TRICKY = "=1+1 Kan du ta med eggene i en eske? <takk> & hilsen"


async def test_kari_comments_to_the_farm_at_checkout_and_the_farm_reads_it_everywhere(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        await bot.press(KARI, "Til kassen")
        before = labels(bot, KARI)
        await bot.press(KARI, "Kommentar til Berg Gård")
        question = last(bot, KARI)
        await bot.send(KARI, TRICKY)
        checkout, after = last(bot, KARI), labels(bot, KARI)
        raw_checkout = str(bot.request.calls("sendMessage", chat_id=KARI.id)[-1].params["text"])
        await bot.press(KARI, "Ja, send bestillingen")
        confirmation = [t for t in bot.texts(KARI) if "er mottatt" in t][-1]
        services = bot.app.bot_data.services
        (note,) = await queued(services.db, "order_note", chat_id=FARMER_ID)
        clock.advance(days=2)  # past the deadline: the digest as the farm gets it
        digest = await services.digests.digest(FARMER_ID, world.pickup_id)

    assert "💬 Kommentar til Berg Gård" in before
    assert "Kommentar til Berg Gård" in question and "høyst 200 tegn" in question
    assert f"💬 Din kommentar: {TRICKY}" in checkout
    assert "&lt;takk&gt; &amp; hilsen" in raw_checkout  # escaped, never read as markup
    assert "💬 Endre kommentaren til Berg Gård" in after
    assert f"💬 Din kommentar: {TRICKY}" in plain(confirmation)
    assert (
        "💬 Kommentar: <i>=1+1 Kan du ta med eggene i en eske? &lt;takk&gt; &amp; hilsen</i>"
        in (note.messages[0].text or "")
    )
    (kept,) = digest.orders
    assert kept.comment == TRICKY
    with use_locale("nb"):
        messages = "\n".join(digest_messages(digest))
        rows = list(
            csv.reader(io.StringIO(digest_csv(digest, "nb").decode("utf-8-sig")), delimiter=";")
        )
        book = openpyxl.load_workbook(io.BytesIO(digest_xlsx(digest, "nb")))
        pdf = pypdf.PdfReader(io.BytesIO(pick_list_pdf(digest)))
    assert "  💬 <i>=1+1 Kan du ta med eggene i en eske? &lt;takk&gt; &amp; hilsen</i>" in messages
    assert rows[0][-1] == "Merknad" and rows[1][-1] == "'" + TRICKY  # never a formula
    lines = book["Bestillingslinjer"]
    assert lines.cell(row=1, column=11).value == "Merknad"
    assert lines.cell(row=2, column=11).value == TRICKY
    assert lines.cell(row=2, column=11).data_type == "s"
    pdf_text = plain(" ".join(page.extract_text() for page in pdf.pages))
    assert "Merknad: =1+1 Kan du ta med eggene i en eske? <takk> & hilsen" in pdf_text


async def test_a_comment_over_the_limit_is_refused_and_the_question_stays_open(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, EMMA)
        await bot.press(EMMA, "Cart")
        await bot.press(EMMA, "Check out")
        await bot.press(EMMA, "Comment to Berg Gård")
        await bot.send(EMMA, "x" * (COMMENT_LIMIT + 50))
        refused = last(bot, EMMA)
        await bot.send(EMMA, "Please   ring\nthe bell")
        kept = last(bot, EMMA)
        await bot.press(EMMA, "Change the comment to Berg Gård")
        asked_again = last(bot, EMMA)
        await bot.press(EMMA, "Remove the comment")
        removed, buttons = last(bot, EMMA), labels(bot, EMMA)
        cart = await bot.app.bot_data.services.carts.view(EMMA.id, world.pickup_id)

    assert "That comment is 250 characters long" in refused
    assert "at most 200 characters" in refused  # and the question again:
    assert "Comment to Berg Gård" in refused and "Send the comment as a message" in refused
    assert "💬 Your comment: Please ring the bell" in kept  # folded into one line
    assert "Now: Please ring the bell" in asked_again
    assert "Your comment" not in removed and "💬 Comment to Berg Gård" in buttons
    assert [group.comment for group in cart.groups] == [None]


async def test_a_comment_is_for_one_producer_only(services: Services, world: World) -> None:
    await customer(services, KARI.id)
    for offer in ("potatoes", "bread"):
        await services.carts.set_quantity(KARI.id, world.offer_ids[offer], 1)
    await services.comments.set_comment(
        KARI.id, world.pickup_id, world.producer_ids["farm"], "Ring when you are there"
    )
    cart = await services.carts.view(KARI.id, world.pickup_id)
    result = await services.ordering.checkout(KARI.id, world.pickup_id, cart.version)

    (farm_note,) = await queued(services.db, "order_note", chat_id=FARMER_ID)
    (bakery_note,) = await queued(services.db, "order_note", chat_id=BAKER_ID)
    assert {part.producer_name: part.comment for part in result.order.parts} == {
        "Berg Gård": "Ring when you are there",
        "Solbakken Bakeri": None,
    }
    assert "Ring when you are there" in farm_note.text
    assert "Kommentar" not in bakery_note.text


async def test_changing_only_the_comment_tells_the_producer_and_the_order_keeps_it(
    services: Services, world: World
) -> None:
    await customer(services, KARI.id)
    order_id = await order(services, KARI.id, world.pickup_id, {world.offer_ids["potatoes"]: 2})
    await services.db.execute("DELETE FROM deliveries")

    await services.carts.edit_order(KARI.id, order_id)
    await services.comments.set_comment(
        KARI.id, world.pickup_id, world.producer_ids["farm"], "Jeg kommer litt sent"
    )
    cart = await services.carts.view(KARI.id, world.pickup_id)
    await services.ordering.checkout(KARI.id, world.pickup_id, cart.version)
    (note,) = await queued(services.db, "order_note", chat_id=FARMER_ID)
    # Changing the order again starts from the comment it has.
    await services.carts.edit_order(KARI.id, order_id)
    again = await services.carts.view(KARI.id, world.pickup_id)

    assert "Bestilling <b>#1</b> fra Kari Nordmann er endret" in note.text
    assert "💬 Kommentar: <i>Jeg kommer litt sent</i>" in note.text
    assert [group.comment for group in again.groups] == ["Jeg kommer litt sent"]


async def test_a_stale_confirmation_after_a_new_comment_is_refused(
    services: Services, world: World
) -> None:
    await customer(services, KARI.id)
    await services.carts.set_quantity(KARI.id, world.offer_ids["eggs"], 1)
    shown = await services.carts.view(KARI.id, world.pickup_id)
    await services.comments.set_comment(
        KARI.id, world.pickup_id, world.producer_ids["farm"], "Brune egg, takk"
    )

    with pytest.raises(CartChanged):
        await services.ordering.checkout(KARI.id, world.pickup_id, shown.version)


async def test_a_comment_to_a_producer_not_in_the_cart_or_too_long_is_refused(
    services: Services, world: World
) -> None:
    await customer(services, KARI.id)
    await services.carts.set_quantity(KARI.id, world.offer_ids["eggs"], 1)

    with pytest.raises(NotFound):
        await services.comments.set_comment(
            KARI.id, world.pickup_id, world.producer_ids["bakery"], "Hei"
        )
    with pytest.raises(CommentTooLong) as too_long:
        await services.comments.set_comment(
            KARI.id, world.pickup_id, world.producer_ids["farm"], "y" * (COMMENT_LIMIT + 1)
        )
    kept = await services.comments.set_comment(
        KARI.id, world.pickup_id, world.producer_ids["farm"], "y" * COMMENT_LIMIT
    )

    with use_locale("nb"):
        assert "Kommentaren er 201 tegn lang" in too_long.value.message()
    assert kept == "y" * COMMENT_LIMIT


async def test_the_comment_question_survives_a_restart_and_cancel_leads_back(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await buy_potatoes(bot, KARI)
        await bot.press(KARI, "Handlekurv")
        await bot.press(KARI, "Til kassen")
        await bot.press(KARI, "Kommentar til Berg Gård")
    async with running_bot(settings, clock) as bot:  # the bot restarted; the question stands
        await bot.send(KARI, "Brune egg, takk")
        checkout = last(bot, KARI)
        await bot.press(KARI, "Endre kommentaren til Berg Gård")
        await bot.send(KARI, "/cancel")
        cancelled = last(bot, KARI)
        await bot.press(KARI, "Tilbake til kassen")
        back = last(bot, KARI)

    assert "💬 Din kommentar: Brune egg, takk" in checkout
    assert cancelled == "OK, kommentaren er uendret."
    assert "Vil du sende bestillingen?" in back and "Din kommentar: Brune egg, takk" in back


async def test_a_comment_to_a_producer_taken_out_of_the_cart_is_not_ordered(
    services: Services, world: World
) -> None:
    await customer(services, KARI.id)
    for offer in ("potatoes", "bread"):
        await services.carts.set_quantity(KARI.id, world.offer_ids[offer], 1)
    for producer in ("farm", "bakery"):
        await services.comments.set_comment(
            KARI.id, world.pickup_id, world.producer_ids[producer], f"Hei, {producer}"
        )
    await services.carts.set_quantity(KARI.id, world.offer_ids["potatoes"], 0)
    cart = await services.carts.view(KARI.id, world.pickup_id)
    result = await services.ordering.checkout(KARI.id, world.pickup_id, cart.version)

    rows = await services.db.fetchall("SELECT producer_id, comment FROM order_comments")
    assert [(part.producer_name, part.comment) for part in result.order.parts] == [
        ("Solbakken Bakeri", "Hei, bakery")
    ]
    assert [(row["producer_id"], row["comment"]) for row in rows] == [
        (world.producer_ids["bakery"], "Hei, bakery")
    ]
    assert await services.db.fetchall("SELECT * FROM cart_comments") == []


async def test_control_characters_in_a_comment_are_dropped_and_only_they_remove_it(
    services: Services, world: World
) -> None:
    """A NUL cannot be stored on PostgreSQL: a comment of only that once broke its CHECK."""
    await customer(services, KARI.id)
    await services.carts.set_quantity(KARI.id, world.offer_ids["potatoes"], 1)
    farm = world.producer_ids["farm"]

    kept = await services.comments.set_comment(
        KARI.id, world.pickup_id, farm, "Ring\x00 the\x07 bell"
    )
    with_comment = await services.carts.view(KARI.id, world.pickup_id)
    removed = await services.comments.set_comment(KARI.id, world.pickup_id, farm, "\x00\x1b")
    without = await services.carts.view(KARI.id, world.pickup_id)

    assert kept == "Ring the bell"
    assert [group.comment for group in with_comment.groups] == ["Ring the bell"]
    assert removed == ""
    assert [group.comment for group in without.groups] == [None]
