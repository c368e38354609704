"""A producer's own link and QR code, one per ring they sell in: it opens their shelf."""

from __future__ import annotations

import dataclasses

from telegram import InputFile, Update

from handlers.admin.menu import qr_png
from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import home_row
from handlers.replies import keyboard, on_button, show
from handlers.text import esc
from rekobot.i18n import _


@dataclasses.dataclass(frozen=True)
class MyLinks(Callback, prefix="plink"):
    """The producer's links and QR codes."""


def producer_link(bot_username: str, payload: str) -> str:
    """The producer's deep link: opening it joins the ring and shows their shelf."""
    return f"https://t.me/{bot_username}?start={payload}"


@on_button(MyLinks)
async def on_my_links(update: Update, context: Ctx, data: MyLinks) -> None:
    """Send the producer's link in each ring, and a QR code of each for the stall.

    The QR codes come last, so the last one carries the way back to the producer menu.
    """
    producer, links = await context.bot_data.services.producer_pages.my_links(current_user().id)
    if not links:
        await show(
            update,
            context,
            _("You get your own link once a ring has approved you."),
            [home_row()],
        )
        return
    lines = [_("🔗 <b>Your own link</b>")]
    for link in links:
        url = producer_link(context.bot.username, link.payload)
        lines.append(f"{esc(link.ring.name)}: {esc(url)}")
    lines += [
        "",
        _(
            "Share it on your page, your stall or your boxes: whoever opens it joins the ring "
            "and sees what you bring to the next pickup."
        ),
        _("Print the QR codes below for your stall."),
    ]
    await show(update, context, "\n".join(lines), [home_row()])
    chat = update.effective_chat
    assert chat is not None
    for index, link in enumerate(links):
        url = producer_link(context.bot.username, link.payload)
        last = index == len(links) - 1  # the way on goes under the last message
        await context.bot.send_photo(
            chat.id,
            InputFile(qr_png(url), filename=f"reko-{link.payload}-qr.png"),
            caption=f"{esc(producer.name)} · {esc(link.ring.name)}\n{esc(url)}",
            reply_markup=keyboard([home_row()]) if last else None,
        )
