"""`/orders`: upcoming and past orders; change or cancel until the deadline."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from telegram import InlineKeyboardButton, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.cart import confirmation_messages, show_cart
from handlers.customer.notices import deliver_now
from handlers.errors import settled
from handlers.replies import button, on_button, refuse, show
from handlers.text import esc
from rekobot.errors import DeadlinePassed, Refusal
from rekobot.i18n import _, day, money, ngettext
from rekobot.models import Order, OrderStatus, Ring
from rekobot.render import deadline_text, join_blocks, order_body, pickup_block
from rekobot.services.confirmations import notice_key
from rekobot.services.events import OrderEvent, OrderEventKind, cancel_key
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
    when = day(order.pickup.starts_at, ring.timezone)
    return f"{state}#{order.number} · {when} · {money(order.total, order.currency)}"


async def list_orders(update: Update, context: Ctx) -> None:
    """List upcoming orders first, then past ones."""
    services = context.bot_data.services
    user = current_user()
    try:
        ring = await services.members.current_ring(user.id)
        orders = await services.ordering.orders(user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    if not orders:
        await show(update, context, _("You have no orders yet. Tap /shop to order."))
        return
    now = services.clock()
    upcoming = [o for o in orders if o.pickup.ends_at > now]
    past = [o for o in orders if o.pickup.ends_at <= now]
    rows: list[list[InlineKeyboardButton]] = []
    lines = [_("<b>Your orders in {ring}</b>").format(ring=esc(ring.name))]
    if upcoming:
        lines.append(
            ngettext("{n} upcoming order.", "{n} upcoming orders.", len(upcoming)).format(
                n=len(upcoming)
            )
        )
        rows += [[button(order_label(ring, o), ShowOrder(o.id))] for o in reversed(upcoming)]
    if past:
        lines.append(_("Past orders are listed below the upcoming ones."))
        rows += [[button(order_label(ring, o), ShowOrder(o.id))] for o in past[:10]]
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
    order = await services.ordering.order(user.id, order_id)
    ring = await services.members.current_ring(user.id)
    can_change = order.can_change(services.clock())
    rows: list[list[InlineKeyboardButton]] = []
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
