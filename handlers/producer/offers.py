"""📦 Offers: pick a pickup, switch products on and off, set quantities and limits."""

from __future__ import annotations

import dataclasses
import logging

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import PAGE_SIZE, home_row, page_rows, pages_of
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.i18n import _, ngettext
from rekobot.models import Offer, Pickup, Ring
from rekobot.render import deadline_text, pickup_block, pickup_when, product_price
from rekobot.services.offers import OfferSlot

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ChooseOfferPickup(Callback, prefix="poffs"):
    """The upcoming pickups to offer at."""


@dataclasses.dataclass(frozen=True)
class Board(Callback, prefix="pboard"):
    """Every product at one pickup, on or off."""

    pickup_id: int
    page: int


@dataclasses.dataclass(frozen=True)
class ShowSlot(Callback, prefix="pslot"):
    """A product that is on offer: its quantity, what is ordered, its limit."""

    pickup_id: int
    product_id: int


@dataclasses.dataclass(frozen=True)
class SwitchOn(Callback, prefix="pon"):
    """Put a product on offer: asks how many."""

    pickup_id: int
    product_id: int


@dataclasses.dataclass(frozen=True)
class ChangeQuantity(Callback, prefix="pqty"):
    """Type a new quantity for an offer."""

    offer_id: int


@dataclasses.dataclass(frozen=True)
class ChangeLimit(Callback, prefix="plim"):
    """Type a new maximum per customer for an offer."""

    offer_id: int


@dataclasses.dataclass(frozen=True)
class SoldOut(Callback, prefix="psold"):
    """Stop selling more: the quantity becomes what is ordered."""

    offer_id: int


@dataclasses.dataclass(frozen=True)
class SwitchOff(Callback, prefix="poff"):
    """Take an offer off sale: ask (0), then do it (1)."""

    offer_id: int
    confirm: int


@dataclasses.dataclass(frozen=True)
class SameAsLastTime(Callback, prefix="pcopy"):
    """Offer what was offered at the previous pickup."""

    pickup_id: int


def quantity_text(offer: Offer) -> str:
    """How many are on offer and how many are ordered, in words."""
    ordered = ngettext("{n} ordered", "{n} ordered", offer.quantity_reserved).format(
        n=offer.quantity_reserved
    )
    if offer.quantity_total is None:
        return _("Unlimited, {ordered}").format(ordered=ordered)
    return _("{total} on offer, {ordered}").format(total=offer.quantity_total, ordered=ordered)


def slot_label(slot: OfferSlot) -> str:
    """A board button: ✅ with the quantity when on offer, ⬜ when not."""
    name = shorten(slot.product.name, 30)
    if not slot.on or slot.offer is None:
        return f"⬜ {name}"
    total = "∞" if slot.offer.quantity_total is None else str(slot.offer.quantity_total)
    return f"✅ {name} · {slot.ordered}/{total}"


@on_button(ChooseOfferPickup)
async def on_choose_pickup(update: Update, context: Ctx, data: ChooseOfferPickup) -> None:
    """List the upcoming pickups; go straight to the board when there is just one."""
    choices = await context.bot_data.services.offers.pickups(current_user().id)
    if len(choices) == 1:
        await show_board(update, context, choices[0].pickup.id, 0)
        return
    if not choices:
        profile = await context.bot_data.services.producers.profile(current_user().id)
        text = (
            _("There are no upcoming pickups taking orders in your rings right now.")
            if profile is not None and profile.approved_rings
            else _("You can put products on offer once a ring's admin has approved you.")
        )
        await show(update, context, "📦 " + text, [home_row()])
        return
    rows = []
    for choice in choices:
        label = (
            f"{shorten(choice.ring.name, 20)} · {pickup_when(choice.pickup, choice.ring.timezone)}"
        )
        if choice.offered:
            label += f" · {choice.offered}"
        rows.append([button(label, Board(choice.pickup.id, 0))])
    await show(update, context, "📦 " + _("Which pickup?"), [*rows, home_row()])


async def show_board(
    update: Update, context: Ctx, pickup_id: int, page: int, note: str = ""
) -> None:
    """Show the producer's products at a pickup, on or off."""
    board = await context.bot_data.services.offers.board(current_user().id, pickup_id)
    pages = pages_of(len(board.slots))
    page = min(max(page, 0), pages - 1)
    lines = [note] if note else []
    lines += [
        pickup_block(board.ring, board.pickup),
        "",
        ngettext(
            "{n} of your products is on offer.",
            "{n} of your products are on offer.",
            board.on_count,
        ).format(n=board.on_count),
        _("Tap a product to switch it on or to change it."),
    ]
    if not board.slots:
        lines = [pickup_block(board.ring, board.pickup), "", _("Add your products first.")]
    rows: list[list[Button]] = []
    for slot in board.slots[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        target: Callback = (
            ShowSlot(pickup_id, slot.product.id)
            if slot.on
            else SwitchOn(pickup_id, slot.product.id)
        )
        rows.append([button(slot_label(slot), target)])
    rows.append(page_rows(page, pages, lambda p: Board(pickup_id, p)))
    if board.previous and board.on_count < len(board.slots):
        rows.append([button("🔁 " + _("Same as last time"), SameAsLastTime(pickup_id))])
    rows.append([button("⬅️ " + _("Pickups"), ChooseOfferPickup()), *home_row()])
    await show(update, context, "\n".join(lines), rows)


@on_button(Board)
async def on_board(update: Update, context: Ctx, data: Board) -> None:
    """Show the board of a pickup."""
    await show_board(update, context, data.pickup_id, data.page)


def slot_text(ring: Ring, pickup: Pickup, slot: OfferSlot, note: str = "") -> str:
    """One product at a pickup, with its terms."""
    product, offer = slot.product, slot.offer
    lines = [note] if note else []
    lines += [
        f"<b>{esc(product.name)}</b> ({esc(product.unit)})",
        "🗓 " + pickup_when(pickup, ring.timezone),
    ]
    if offer is None or not slot.on:
        lines.append(_("Not on offer."))
        return "\n".join(lines)
    lines += [
        product_price(product, offer.price, ring.currency),
        quantity_text(offer),
        _("Most per customer: {limit}").format(
            limit=offer.max_per_customer if offer.max_per_customer else _("no limit")
        ),
        _("Changes are possible until {deadline}.").format(
            deadline=deadline_text(pickup, ring.timezone)
        ),
    ]
    return "\n".join(lines)


async def show_slot(
    update: Update, context: Ctx, pickup_id: int, product_id: int, note: str = ""
) -> None:
    """Show one product at a pickup and what can be changed."""
    ring, pickup, slot = await context.bot_data.services.offers.slot(
        current_user().id, pickup_id, product_id
    )
    rows: list[list[Button]] = []
    if slot.on and slot.offer is not None:
        offer = slot.offer
        rows.append(
            [
                button("🔢 " + _("Quantity"), ChangeQuantity(offer.id)),
                button("👤 " + _("Most per customer"), ChangeLimit(offer.id)),
            ]
        )
        if offer.quantity_total is None or offer.quantity_total > offer.quantity_reserved:
            rows.append([button("🛑 " + _("Sold out now"), SoldOut(offer.id))])
        rows.append([button("⬜ " + _("Switch off"), SwitchOff(offer.id, 0))])
    else:
        rows.append([button("✅ " + _("Put on offer"), SwitchOn(pickup_id, product_id))])
    rows.append([button("⬅️ " + _("Back to the list"), Board(pickup_id, 0))])
    await show(update, context, slot_text(ring, pickup, slot, note), rows)


@on_button(ShowSlot)
async def on_slot(update: Update, context: Ctx, data: ShowSlot) -> None:
    """Open one product at a pickup."""
    await show_slot(update, context, data.pickup_id, data.product_id)


# --- stopping and withdrawing ----------------------------------------------------------------


@on_button(SoldOut)
async def on_sold_out(update: Update, context: Ctx, data: SoldOut) -> None:
    """Stop selling more: offer exactly what is ordered."""
    changed = await context.bot_data.services.offers.sold_out(current_user().id, data.offer_id)
    await show_slot(update, context, changed.pickup_id, changed.product.id, "🛑 " + _("Sold out."))


@on_button(SwitchOff)
async def on_switch_off(update: Update, context: Ctx, data: SwitchOff) -> None:
    """Take an offer off sale; with orders on it, ask first and tell the customers."""
    offers = context.bot_data.services.offers
    user = current_user()
    holding = await offers.orders_holding(user.id, data.offer_id)
    if holding and not data.confirm:
        offer = await offers.offer(user.id, data.offer_id)
        text = ngettext(
            "{n} customer has ordered “{product}”. Switching it off removes it from their "
            "order, and we tell them. Switch it off?",
            "{n} customers have ordered “{product}”. Switching it off removes it from their "
            "orders, and we tell them. Switch it off?",
            holding,
        ).format(n=holding, product=esc(offer.product.name))
        rows = [
            [button("⬜ " + _("Yes, switch it off"), SwitchOff(data.offer_id, 1))],
            [button("⬅️ " + _("No, keep it"), ShowSlot(offer.pickup_id, offer.product.id))],
        ]
        await show(update, context, text, rows)
        return
    result = await offers.withdraw(user.id, data.offer_id)
    told = result.orders_changed + result.orders_cancelled
    note = "⬜ " + _("“{product}” is off.").format(product=esc(result.offer.product.name))
    if told:
        note += " " + ngettext("{n} customer was told.", "{n} customers were told.", told).format(
            n=told
        )
    await show_board(update, context, result.offer.pickup_id, 0, note)


@on_button(SameAsLastTime)
async def on_same_as_last_time(update: Update, context: Ctx, data: SameAsLastTime) -> None:
    """Copy the previous pickup's offers."""
    copied = await context.bot_data.services.offers.same_as_last_time(
        current_user().id, data.pickup_id
    )
    if copied.products:
        note = "🔁 " + ngettext(
            "{n} product is on offer again, with last time's quantities.",
            "{n} products are on offer again, with last time's quantities.",
            len(copied.products),
        ).format(n=len(copied.products))
    else:
        note = "🔁 " + _("Everything from last time is on offer already.")
    await show_board(update, context, data.pickup_id, 0, note)


#: Plain buttons of these screens (typing a quantity or a limit: ``offer_amounts.py``).
BUTTONS = [on_choose_pickup, on_board, on_slot, on_sold_out, on_switch_off, on_same_as_last_time]
