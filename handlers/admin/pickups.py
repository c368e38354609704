"""Pickups: the list, a pickup's card, cancelling, announcing, and the overview.

Planning and changing a pickup are forms: ``handlers/admin/pickup_forms.py``.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from telegram import Update

from handlers.admin.buttons import AdminHome, PickupScreen, RingScreen, StartForm
from handlers.admin.progress import progress_rows, progress_text
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    close_form,
    start_form,
)
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.i18n import _, day, get_locale, money, ngettext, number
from rekobot.models import Pickup, PickupStatus
from rekobot.render import deadline_text, pickup_when
from rekobot.services.pickups_admin import (
    PickupDraft,
)
from rekobot.services.windows import opening_text

Rows = list[list[Button]]


def short_day(moment: date) -> str:
    """E.g. "tor. 3. des." / "Thu, Dec 3"."""
    return format_skeleton("MMMEd", moment, locale=get_locale())


async def show_pickups(update: Update, context: Ctx, ring_id: int) -> None:
    """List the ring's pickups that have not ended."""
    user_id = current_user().id
    services = context.bot_data.services
    ring = await services.ring_admin.ring(user_id, ring_id)
    pickups = await services.pickup_admin.pickups(user_id, ring_id)
    lines = [_("🗓 <b>Pickups of {ring}</b>").format(ring=esc(ring.name))]
    if not pickups:
        lines.append(_("None planned. Plan one, or a weekly series."))
    rows: Rows = []
    for pickup in pickups:
        local = pickup.starts_at.astimezone(ZoneInfo(ring.timezone))
        label = f"{short_day(local.date())} {local:%H:%M} · {pickup.location.name}"
        if pickup.status is PickupStatus.CANCELLED:
            label = "❌ " + label
        rows.append([button(label[:60], PickupScreen(pickup.id, "show"))])
    rows.append(
        [
            button(_("➕ One pickup"), StartForm("pickup", ring_id, 0)),
            button(_("🔁 Weekly series"), StartForm("series", ring_id, 0)),
        ]
    )
    rows.append([button(_("◀️ Menu"), AdminHome(ring_id))])
    await show(update, context, "\n".join(lines), rows)


def status_text(pickup: Pickup, now_open: bool, opened: bool = True) -> str:
    """Not open yet, open, closed or cancelled, in words."""
    if pickup.status is PickupStatus.CANCELLED:
        return _("❌ cancelled")
    if now_open and not opened:
        return _("not open for orders yet")
    return _("open for orders") if now_open else _("ordering has closed")


async def show_pickup(update: Update, context: Ctx, pickup_id: int, *, note: str = "") -> None:
    """Show a pickup's card with what an admin can do with it."""
    services = context.bot_data.services
    info = await services.pickup_admin.info(current_user().id, pickup_id)
    pickup, ring = info.pickup, info.ring
    is_open = pickup.is_open(services.clock())
    opened = pickup.has_opened(services.clock())
    lines = [
        f"🗓 <b>{pickup_when(pickup, ring.timezone)}</b>",
        "📍 " + esc(pickup.location.name),
        "⏰ " + _("Order by {deadline}").format(deadline=deadline_text(pickup, ring.timezone)),
        _("Status: {status}").format(status=status_text(pickup, is_open, opened)),
        _("Orders: {n}").format(n=number(info.orders)),
    ]
    if is_open and not opened:
        lines.insert(3, "🛒 " + opening_text(ring, pickup))
    if info.announced:
        lines.append(_("Announced to the members."))
    if note:
        lines.insert(0, note + "\n")
    rows: Rows = []
    if pickup.status is PickupStatus.SCHEDULED:
        rows.append(
            [
                button(_("📊 Overview"), PickupScreen(pickup.id, "overview")),
                button(_("✏️ Change or move"), PickupScreen(pickup.id, "change")),
            ]
        )
        if is_open and not info.announced:
            rows.append(
                [button(_("📣 Announce to the members"), PickupScreen(pickup.id, "announce"))]
            )
        rows.append([button(_("✉️ Message the customers"), StartForm("bcast", ring.id, pickup.id))])
        rows.append([button(_("❌ Cancel the pickup"), PickupScreen(pickup.id, "cancel"))])
    else:
        rows.append([button(_("📊 Overview"), PickupScreen(pickup.id, "overview"))])
    rows.append([button(_("◀️ Pickups"), RingScreen(ring.id, "pku"))])
    await show(update, context, "\n".join(lines), rows)


async def show_overview(update: Update, context: Ctx, pickup_id: int) -> None:
    """Orders, the amount per producer, and new members since the last pickup."""
    overview = await context.bot_data.services.pickup_admin.overview(current_user().id, pickup_id)
    ring, pickup = overview.ring, overview.pickup
    lines = [
        _("📊 <b>Overview</b>"),
        f"{pickup_when(pickup, ring.timezone)} · {esc(pickup.location.name)}",
        "",
        _("Orders: {n}").format(n=number(overview.orders)),
        _("Total: {amount}").format(amount=money(overview.total, ring.currency)),
    ]
    if overview.producers:
        lines += ["", _("<b>Per producer</b>")]
        for producer in overview.producers:
            orders = ngettext("{n} order", "{n} orders", producer.orders).format(
                n=number(producer.orders)
            )
            lines.append(
                f"• {esc(producer.name)}: {money(producer.amount, ring.currency)} ({orders})"
            )
    lines.append("")
    lines.append(_("Members: {n}").format(n=number(overview.members)))
    if overview.since is not None:
        lines.append(
            _("New since the last pickup ({day}): {n}").format(
                day=day(overview.since, ring.timezone), n=number(overview.new_members)
            )
        )
    else:
        lines.append(_("New members: {n}").format(n=number(overview.new_members)))
    rows = [[button(_("◀️ Pickup"), PickupScreen(pickup.id, "show"))]]
    await show(update, context, "\n".join(lines), rows)


@on_button(PickupScreen)
async def pickup_screen(update: Update, context: Ctx, data: PickupScreen) -> int:
    """A pickup's card, overview, change, cancellation or announcement."""
    services = context.bot_data.services
    user_id = current_user().id
    if data.action == "change":
        info = await services.pickup_admin.info(user_id, data.pickup_id)
        return await start_form(
            update,
            context,
            "pickupmv",
            user_id=user_id,
            ring_id=info.ring.id,
            target_id=data.pickup_id,
            draft=PickupDraft.of(info.pickup, info.ring).to_json(),
        )
    await close_form(context)
    if data.action == "overview":
        await show_overview(update, context, data.pickup_id)
    elif data.action == "cancel":
        await ask_cancel(update, context, data.pickup_id)
    elif data.action == "cancelok":
        affected = await services.pickup_admin.cancel(user_id, data.pickup_id)
        note = "\n".join(
            [
                _("✅ The pickup is cancelled."),
                ngettext(
                    "{n} order is cancelled and its stock given back.",
                    "{n} orders are cancelled and their stock given back.",
                    affected.orders,
                ).format(n=number(affected.orders)),
                _("{customers} and {producers} are being told.").format(
                    **people(affected.customers, affected.producers)
                ),
            ]
        )
        await show_pickup(update, context, data.pickup_id, note=note)
    elif data.action == "announce":
        await ask_announce(update, context, data.pickup_id)
    elif data.action == "annok":
        await announce(update, context, data.pickup_id)
    else:
        await show_pickup(update, context, data.pickup_id)
    return END


def people(customers: int, producers: int) -> dict[str, str]:
    """ "3 customers" and "1 producer", with the right plural in the reader's language."""
    return {
        "customers": ngettext("{n} customer", "{n} customers", customers).format(
            n=number(customers)
        ),
        "producers": ngettext("{n} producer", "{n} producers", producers).format(
            n=number(producers)
        ),
    }


async def ask_cancel(update: Update, context: Ctx, pickup_id: int) -> None:
    """Say what cancelling would do, and ask."""
    services = context.bot_data.services
    user_id = current_user().id
    info = await services.pickup_admin.info(user_id, pickup_id)
    affected = await services.pickup_admin.affected(user_id, pickup_id)
    text = "\n".join(
        [
            _("Cancel the pickup on <b>{when}</b>?").format(
                when=pickup_when(info.pickup, info.ring.timezone)
            ),
            ngettext(
                "{n} order will be cancelled.", "{n} orders will be cancelled.", affected.orders
            ).format(n=number(affected.orders)),
            _("{customers} and {producers} will be told.").format(
                **people(affected.customers, affected.producers)
            ),
        ]
    )
    rows = [
        [button(_("❌ Yes, cancel the pickup"), PickupScreen(pickup_id, "cancelok"))],
        [button(_("◀️ No, keep it"), PickupScreen(pickup_id, "show"))],
    ]
    await show(update, context, text, rows)


async def ask_announce(update: Update, context: Ctx, pickup_id: int) -> None:
    """Say who the announcement would reach, and ask."""
    size = await context.bot_data.services.broadcasts.announcement_size(
        current_user().id, pickup_id
    )
    text = "\n".join(
        [
            ngettext(
                "Tell {n} member that the pickup takes orders?",
                "Tell {n} members that the pickup takes orders?",
                size.reachable,
            ).format(n=number(size.reachable)),
            _("Members who turned announcements off or blocked the bot are left out."),
        ]
    )
    rows = [
        [button(_("📣 Yes, announce it"), PickupScreen(pickup_id, "annok"))],
        [button(_("◀️ Back"), PickupScreen(pickup_id, "show"))],
    ]
    await show(update, context, text, rows)


async def announce(update: Update, context: Ctx, pickup_id: int) -> None:
    """Queue the announcement, with a progress message the sender keeps up to date."""
    services = context.bot_data.services
    user_id = current_user().id
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    assert query is not None and query.message is not None
    # The confirmation becomes the progress message, which the sender keeps up to date.
    broadcast, _count = await services.broadcasts.announce(
        user_id, pickup_id, progress=(chat.id, query.message.message_id)
    )
    progress = await services.broadcasts.progress(user_id, broadcast.id)
    await show(update, context, progress_text(progress), progress_rows(progress))
