"""📋 Orders: the digest (`/digest`) with its files, and the handover list at the pickup.

At the handover a line sold by weight is weighed: ⚖️ on an order opens the weight form
(``weighing``), and the customer gets the final amount once all of its lines are in.
"""

from __future__ import annotations

import dataclasses
import logging

from telegram import InputFile, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import (
    PAGE_SIZE,
    home_row,
    page_rows,
    pages_of,
)
from handlers.replies import answer, button, keyboard, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.digest import Digest, digest_messages
from rekobot.errors import NotFound, Refusal
from rekobot.i18n import _, get_locale, ngettext
from rekobot.models import HandoverStatus
from rekobot.models.digest import CustomerOrder, DigestLine
from rekobot.render import amount_text, pickup_block, pickup_when, weight_text
from rekobot.services.digests import PickupSummary

log = logging.getLogger(__name__)

#: Lines of one order shown in the handover list; the rest are counted.
LINES_SHOWN = 6
_MARKS = {"c": HandoverStatus.COLLECTED, "n": HandoverStatus.NO_SHOW, "o": None}


@dataclasses.dataclass(frozen=True)
class OrderPickups(Callback, prefix="ppks"):
    """The pickups with orders or offers of the producer."""


@dataclasses.dataclass(frozen=True)
class PickupOrders(Callback, prefix="ppk"):
    """One pickup: the digest and the handover list."""

    pickup_id: int


@dataclasses.dataclass(frozen=True)
class SendDigest(Callback, prefix="pdig"):
    """Send the digest and its files."""

    pickup_id: int


@dataclasses.dataclass(frozen=True)
class HandoverList(Callback, prefix="phand"):
    """The per-customer list to tick off at the pickup."""

    pickup_id: int
    page: int


@dataclasses.dataclass(frozen=True)
class MarkOrder(Callback, prefix="pmark"):
    """Mark an order collected (c), as a no-show (n), or open again (o)."""

    pickup_id: int
    order_id: int
    mark: str
    page: int


@dataclasses.dataclass(frozen=True)
class WeighLine(Callback, prefix="pweigh"):
    """Ask for the weight of a line sold by weight (offer 0: the order's first unweighed one)."""

    pickup_id: int
    order_id: int
    offer_id: int
    page: int


@dataclasses.dataclass(frozen=True)
class MarkNoShows(Callback, prefix="pnos"):
    """Mark every open order as a no-show: ask (0), then do it (1)."""

    pickup_id: int
    confirm: int


def summary_label(summary: PickupSummary) -> str:
    """A pickup button: ring, date and how many orders."""
    orders = ngettext("{n} order", "{n} orders", summary.orders).format(n=summary.orders)
    when = pickup_when(summary.pickup, summary.ring.timezone)
    return f"{shorten(summary.ring.name, 20)} · {when} · {orders}"


async def digest_command(update: Update, context: Ctx) -> None:
    """Send the digest of the next pickup, or let the producer pick one."""
    try:
        summaries = await context.bot_data.services.digests.pickups(current_user().id)
    except Refusal as refusal:
        await show(update, context, refusal.message())
        return
    if len(summaries) == 1:
        await send_digest(update, context, summaries[0].pickup.id)
        return
    await list_pickups(update, context, summaries, for_digest=True)


async def list_pickups(
    update: Update, context: Ctx, summaries: list[PickupSummary], *, for_digest: bool = False
) -> None:
    """Show the pickups to choose from."""
    if not summaries:
        await show(
            update,
            context,
            "📋 " + _("You have no orders or offers at any pickup yet."),
            [home_row()],
        )
        return
    target = SendDigest if for_digest else PickupOrders
    rows = [[button(summary_label(s), target(s.pickup.id))] for s in summaries]
    await show(update, context, "📋 " + _("Which pickup?"), [*rows, home_row()])


@on_button(OrderPickups)
async def on_pickups(update: Update, context: Ctx, data: OrderPickups) -> None:
    """List the pickups with orders or offers."""
    summaries = await context.bot_data.services.digests.pickups(current_user().id)
    if len(summaries) == 1:
        await show_pickup(update, context, summaries[0].pickup.id)
        return
    await list_pickups(update, context, summaries)


async def show_pickup(update: Update, context: Ctx, pickup_id: int) -> None:
    """Show one pickup's totals with the way to the digest and the handover list."""
    digest = await context.bot_data.services.digests.digest(current_user().id, pickup_id)
    currency = digest.ring.currency
    count = len(digest.orders)
    lines = [
        pickup_block(digest.ring, digest.pickup),
        "",
        ngettext("{n} order, {amount} in all", "{n} orders, {amount} in all", count).format(
            n=count, amount=amount_text(digest.total, currency, digest.estimated)
        ),
    ]
    if digest.preliminary:
        lines.append(_("Orders can still change until the deadline."))
    rows = [
        [button("📋 " + _("Digest and file"), SendDigest(pickup_id))],
        [button("✅ " + _("Handover list"), HandoverList(pickup_id, 0))],
        [button("⬅️ " + _("Pickups"), OrderPickups()), *home_row()],
    ]
    await show(update, context, "\n".join(lines), rows)


@on_button(PickupOrders)
async def on_pickup(update: Update, context: Ctx, data: PickupOrders) -> None:
    """Open one pickup."""
    await show_pickup(update, context, data.pickup_id)


async def send_digest(update: Update, context: Ctx, pickup_id: int) -> None:
    """Send the digest as messages, then the pick list, the workbook and the CSV file.

    The last text offers the handover list; with files after it, the last file offers it too,
    with the way back to the producer menu, so the chat does not end on a bare file.
    """
    digests = context.bot_data.services.digests
    digest = await digests.digest(current_user().id, pickup_id)
    chat = update.effective_chat
    assert chat is not None
    parts = digest_messages(digest)
    rows = [[button("✅ " + _("Handover list"), HandoverList(pickup_id, 0))]]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await context.bot.send_message(chat.id, part, reply_markup=keyboard(rows) if last else None)
    if not digest.orders:
        return
    # A big pick list takes a second to draw: in a worker process, the bot keeps answering.
    files = await digests.files(digest, get_locale())
    for index, file in enumerate(files):
        # The files end the chat: the last one carries the ways on, as the text above it does.
        last = index == len(files) - 1
        await context.bot.send_document(
            chat.id,
            InputFile(file.content, filename=file.filename),
            caption=file.caption,
            reply_markup=keyboard([*rows, home_row()]) if last else None,
            write_timeout=60,
        )


@on_button(SendDigest)
async def on_send_digest(update: Update, context: Ctx, data: SendDigest) -> None:
    """Send the digest of a pickup."""
    await send_digest(update, context, data.pickup_id)


def _mark_sign(order: CustomerOrder) -> str:
    if order.handover is HandoverStatus.COLLECTED:
        return "✅"
    if order.handover is HandoverStatus.NO_SHOW:
        return "❌"
    return "⬜"


def line_text(line: DigestLine) -> str:
    """E.g. "2 × Lammelår (ca. 2 kg)"."""
    return _("{quantity} × {product} ({unit})").format(
        quantity=line.quantity, product=esc(line.product_name), unit=esc(line.unit)
    )


def _weighed_mark(line: DigestLine) -> str:
    if not line.price_basis.by_weight:
        return ""
    if line.weighed_grams is None:
        return " ⚖️ " + _("not weighed")
    return " ⚖️ " + weight_text(line.weighed_grams, None, line.price_basis)


def handover_text(digest: Digest, shown: list[CustomerOrder], *, open_now: bool) -> str:
    """The orders of one page, with their lines, and the counts so far."""
    currency = digest.ring.currency
    collected = sum(1 for o in digest.orders if o.handover is HandoverStatus.COLLECTED)
    no_shows = sum(1 for o in digest.orders if o.handover is HandoverStatus.NO_SHOW)
    lines = [
        "✅ <b>"
        + _("Handover")
        + "</b>: "
        + esc(digest.ring.name)
        + ", "
        + pickup_when(digest.pickup, digest.ring.timezone),
        _("Collected: {done} of {total}. No-shows: {missing}.").format(
            done=collected, total=len(digest.orders), missing=no_shows
        ),
    ]
    if open_now:
        lines.append(_("Tap an order when the customer has collected it."))
    else:
        lines.append(_("You can tick off orders once the order deadline has passed."))
    for order in shown:
        block = [
            f"{_mark_sign(order)} <b>#{order.number}</b> {esc(order.customer)}: "
            + amount_text(order.amount, currency, order.estimated)
        ]
        for line in order.lines[:LINES_SHOWN]:
            block.append("  " + line_text(line) + _weighed_mark(line))
        hidden = len(order.lines) - LINES_SHOWN
        if hidden > 0:
            block.append("  " + ngettext("and {n} more", "and {n} more", hidden).format(n=hidden))
        lines.append("")
        lines.extend(block)
    return "\n".join(lines)


async def show_handover(
    update: Update, context: Ctx, pickup_id: int, page: int, note: str = ""
) -> None:
    """Show the handover list, a page of orders at a time, with a button per order."""
    services = context.bot_data.services
    digest = await services.handover.sheet(current_user().id, pickup_id)
    now = services.clock()
    open_now = now >= digest.pickup.deadline
    ended = now >= digest.pickup.ends_at
    pages = pages_of(len(digest.orders))
    page = min(max(page, 0), pages - 1)
    shown = list(digest.orders[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    rows: list[list[Button]] = []
    if open_now:
        for order in shown:
            mark = "o" if order.handover is HandoverStatus.COLLECTED else "c"
            label = f"{_mark_sign(order)} #{order.number} {shorten(order.customer, 30)}"
            row = [button(label, MarkOrder(pickup_id, order.order_id, mark, page))]
            if any(line.price_basis.by_weight for line in order.lines):
                weigh = WeighLine(pickup_id, order.order_id, 0, page)
                row.append(button(f"⚖️ #{order.number}", weigh))
            rows.append(row)
    rows.append(page_rows(page, pages, lambda p: HandoverList(pickup_id, p)))
    still_open = sum(1 for o in digest.orders if o.handover is None)
    if ended and still_open:
        rows.append(
            [
                button(
                    "❌ "
                    + ngettext(
                        "Mark {n} open order as no-show",
                        "Mark {n} open orders as no-shows",
                        still_open,
                    ).format(n=still_open),
                    MarkNoShows(pickup_id, 0),
                )
            ]
        )
    rows.append([button("⬅️ " + _("Back"), PickupOrders(pickup_id)), *home_row()])
    text = handover_text(digest, shown, open_now=open_now)
    await show(update, context, (note + "\n\n" if note else "") + text, rows)


@on_button(HandoverList)
async def on_handover(update: Update, context: Ctx, data: HandoverList) -> None:
    """Open the handover list."""
    await show_handover(update, context, data.pickup_id, data.page)


@on_button(MarkOrder)
async def on_mark(update: Update, context: Ctx, data: MarkOrder) -> None:
    """Mark one order and show the list again."""
    if data.mark not in _MARKS:
        raise NotFound()
    marked = await context.bot_data.services.handover.mark(
        current_user().id, data.pickup_id, data.order_id, _MARKS[data.mark]
    )
    query = update.callback_query
    assert query is not None
    if marked.handover is HandoverStatus.COLLECTED:
        await answer(query, _("#{number} collected").format(number=marked.number))
    await show_handover(update, context, data.pickup_id, data.page)


@on_button(MarkNoShows)
async def on_no_shows(update: Update, context: Ctx, data: MarkNoShows) -> None:
    """Mark the orders still open after the pickup as no-shows, after asking."""
    if not data.confirm:
        rows = [
            [button("❌ " + _("Yes, mark them"), MarkNoShows(data.pickup_id, 1))],
            [button("⬅️ " + _("No"), HandoverList(data.pickup_id, 0))],
        ]
        await show(
            update,
            context,
            _(
                "Mark every order that was not collected as a no-show? The customers see it in "
                "their orders."
            ),
            rows,
        )
        return
    count = await context.bot_data.services.handover.mark_no_shows(
        current_user().id, data.pickup_id
    )
    query = update.callback_query
    assert query is not None
    await answer(
        query,
        ngettext("{n} order marked as no-show.", "{n} orders marked as no-shows.", count).format(
            n=count
        ),
    )
    await show_handover(update, context, data.pickup_id, 0)


#: Plain buttons of these screens; each ends a half-finished question.
BUTTONS = [on_pickups, on_pickup, on_send_digest, on_handover, on_mark, on_no_shows]
