"""`/orders`: upcoming and past orders; change or cancel until the deadline."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.cart import confirmation_messages, show_cart
from handlers.customer.notices import deliver_now
from handlers.errors import settled
from handlers.replies import button, on_button, refuse, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import DeadlinePassed, Refusal
from rekobot.i18n import _, ngettext, short_day
from rekobot.models import Order, OrderStatus, Ring
from rekobot.render import amount_text, deadline_text, join_blocks, order_body, pickup_block
from rekobot.services.confirmations import notice_key
from rekobot.services.events import OrderEvent, OrderEventKind, cancel_key
from rekobot.services.ordering import RingOrders
from rekobot.services.outbox import OutMessage


@dataclasses.dataclass(frozen=True)
class ListOrders(Callback, prefix="cord"):
    """Back to the list of orders."""


@dataclasses.dataclass(frozen=True)
class ShowOrder(Callback, prefix="cos"):
    """One order in full."""

    order_id: int


@dataclasses.dataclass(frozen=True)
class EditOrder(Callback, prefix="ced"):
    """Load the order back into the cart to change it."""

    order_id: int


@dataclasses.dataclass(frozen=True)
class CancelOrder(Callback, prefix="ccan"):
    """Ask whether to cancel."""

    order_id: int


@dataclasses.dataclass(frozen=True)
class ConfirmCancel(Callback, prefix="ccany"):
    """Cancel for real."""

    order_id: int


def order_label(ring: Ring, order: Order) -> str:
    """A button label: number, date, total and state."""
    state = "❌ " if order.status is OrderStatus.CANCELLED else ""
    when = short_day(order.pickup.starts_at, ring.timezone)
    total = amount_text(order.total, order.currency, order.estimated)
    return f"{state}#{order.number} · {when} · {total}"


def ring_listing(
    group: RingOrders, now: datetime, *, heading: bool
) -> tuple[list[str], list[list[Button]]]:
    """One ring's part of /orders: what it says, and a button per order.

    Only placed orders of pickups still to come count as upcoming (a cancelled one is listed,
    marked, but not counted), and "past" is said only of pickups that are over.
    """
    ring = group.ring
    upcoming = [o for o in group.orders if o.pickup.ends_at > now]
    past = [o for o in group.orders if o.pickup.ends_at <= now]
    past_total = group.total - len(upcoming)  # the listed ones are the latest of them
    live = [o for o in upcoming if o.status is OrderStatus.PLACED]
    lines = [f"<b>{esc(ring.name)}</b>"] if heading else []
    if live:
        lines.append(
            ngettext("{n} upcoming order.", "{n} upcoming orders.", len(live)).format(n=len(live))
        )
    else:
        lines.append(_("No upcoming orders."))
    if past_total and upcoming:
        lines.append(_("Past orders are listed below the upcoming ones."))
    elif past_total:
        lines.append(
            ngettext("{n} past order.", "{n} past orders.", past_total).format(n=past_total)
        )
    shown = list(reversed(upcoming)) + past[:10]
    return lines, [[button(order_label(ring, o), ShowOrder(o.id))] for o in shown]


async def list_orders(update: Update, context: Ctx) -> None:
    """List the orders of every ring: upcoming first, then past ones."""
    services = context.bot_data.services
    user = current_user()
    try:
        groups = await services.ordering.orders_by_ring(user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    if not groups:
        await show(update, context, _("You have no orders yet. Tap /shop to order."))
        return
    now = services.clock()
    if len(groups) == 1:
        lines = [_("<b>Your orders in {ring}</b>").format(ring=esc(groups[0].ring.name))]
    else:
        lines = [_("<b>Your orders</b>")]
    rows: list[list[Button]] = []
    for group in groups:
        said, buttons = ring_listing(group, now, heading=len(groups) > 1)
        if len(groups) > 1:
            lines.append("")
        lines += said
        rows += buttons
    lines.append("")
    lines.append(_("Tap an order to see it, change it or cancel it."))
    await show(update, context, "\n".join(lines), rows)


@on_button(ListOrders)
async def on_list(update: Update, context: Ctx, data: ListOrders) -> None:
    """Back to the list."""
    await list_orders(update, context)


def order_text(ring: Ring, order: Order, now_open: bool) -> str:
    """The order in full, with what can still be done."""
    if order.status is OrderStatus.CANCELLED:
        state = _("❌ This order is cancelled.")
    elif now_open:
        state = _("You can change or cancel this order until {deadline}.").format(
            deadline=deadline_text(order.pickup, ring.timezone)
        )
    else:
        state = _(
            "The order deadline has passed, so this order can no longer be changed or "
            "cancelled. The producers are packing it."
        )
    return join_blocks(
        [
            _("<b>Order #{number}</b>").format(number=order.number),
            pickup_block(ring, order.pickup, with_deadline=False),
            order_body(order),
            state,
        ]
    )


async def show_order(update: Update, context: Ctx, order_id: int) -> None:
    """Render one order with the actions still allowed."""
    services = context.bot_data.services
    user = current_user()
    ring, order = await services.ordering.order_with_ring(user.id, order_id)
    can_change = order.can_change(services.clock())
    rows: list[list[Button]] = []
    if can_change:
        rows.append(
            [
                button(_("✏️ Change"), EditOrder(order.id)),
                button(_("❌ Cancel the order"), CancelOrder(order.id)),
            ]
        )
    rows.append([button(_("⬅ All orders"), ListOrders())])
    await show(update, context, order_text(ring, order, can_change), rows)


@on_button(ShowOrder)
async def on_show(update: Update, context: Ctx, data: ShowOrder) -> None:
    """Open one order."""
    await show_order(update, context, data.order_id)


@on_button(EditOrder)
async def on_edit(update: Update, context: Ctx, data: EditOrder) -> None:
    """Put the order into the cart, prefilled, to be changed and checked out again."""
    pickup = await context.bot_data.services.carts.edit_order(current_user().id, data.order_id)
    await show_cart(update, context, pickup.id)


@on_button(CancelOrder)
async def on_cancel(update: Update, context: Ctx, data: CancelOrder) -> None:
    """Ask once more before cancelling."""
    services = context.bot_data.services
    order = await services.ordering.order(current_user().id, data.order_id)
    if not order.can_change(services.clock()):
        raise DeadlinePassed(order.pickup.deadline)
    rows = [
        [
            button(
                _("Yes, cancel order #{number}").format(number=order.number),
                ConfirmCancel(order.id),
            )
        ],
        [button(_("No, keep it"), ShowOrder(order.id))],
    ]
    await show(
        update,
        context,
        _("Cancel order #{number}? The producers will be told.").format(number=order.number),
        rows,
    )


def cancelled_text(order: Order) -> str:
    """Say that the order is cancelled."""
    return _("Order #{number} is cancelled. Tap /shop to order again.").format(number=order.number)


def customer_notice(event: OrderEvent, ring: Ring, now: datetime) -> list[OutMessage]:
    """What the customer is sent when their order is placed, changed or cancelled."""
    if event.kind is OrderEventKind.CANCELLED:
        back = [[(_("⬅ All orders"), ListOrders().pack())]]
        return [OutMessage(text=cancelled_text(event.order), buttons=back)]
    changed = event.kind is OrderEventKind.CHANGED
    return confirmation_messages(ring, event.order, changed, now)


@on_button(ConfirmCancel)
async def on_confirm_cancel(update: Update, context: Ctx, data: ConfirmCancel) -> None:
    """Cancel the order and say so (the notice was queued with the cancellation)."""
    order = await context.bot_data.services.ordering.cancel(current_user().id, data.order_id)
    settled(update)
    if await deliver_now(update, context, notice_key(cancel_key(order.id))):
        return
    await show(update, context, cancelled_text(order), [[button(_("⬅ All orders"), ListOrders())]])
