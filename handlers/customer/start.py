"""Joining a ring (`/start <slug>`), switching rings, `/help`, `/language` and `/cancel`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from telegram import Update
from telegram.ext import filters

from handlers.callbacks import Callback
from handlers.commands import RoleMenus
from handlers.context import Ctx, current_user
from handlers.customer.labels import pickup_label
from handlers.customer.producer_page import open_producer_link
from handlers.customer.shop import ShowPickup, pickup_screen
from handlers.replies import button, on_button, refuse, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import NoRing, Refusal, UnknownRing
from rekobot.i18n import LANGUAGE_NAMES, _, available_locales, set_locale
from rekobot.models import Ring, Role
from rekobot.services.invitations import PAYLOAD_PATTERN as INVITATION_PAYLOAD
from rekobot.services.windows import opening_text


@dataclasses.dataclass(frozen=True)
class PickRing(Callback, prefix="cring"):
    """Join or switch to a ring from a list."""

    ring_id: int


@dataclasses.dataclass(frozen=True)
class PickLanguage(Callback, prefix="clang"):
    """Choose the language the bot speaks."""

    code: str


def greeting(ring: Ring, new_member: bool, *, shop_below: bool = False) -> str:
    """Say in three short lines what REKO is and what to do next (two: the shop follows)."""
    first = (
        _("Welcome to <b>{ring}</b>!") if new_member else _("You are shopping in <b>{ring}</b>.")
    ).format(ring=esc(ring.name))
    return "\n".join(
        [
            first,
            _(
                "REKO: you order local food straight from the producers, pay them directly, "
                "and collect it at the pickup."
            ),
            "" if shop_below else _("Tap /shop to see what the next pickup offers."),
        ]
    ).rstrip()


async def welcome(update: Update, context: Ctx, ring: Ring, new_member: bool) -> None:
    """Greet, with the shop right below when one pickup takes orders: no /shop to type."""
    current, pickups = await context.bot_data.services.shop.open_pickups(current_user().id)
    if current.id != ring.id or not pickups:
        text = greeting(ring, new_member)
        waiting = await context.bot_data.services.shop.waiting_for(ring)
        if waiting is not None:  # say now when ordering opens, not after a tap on /shop
            text += "\n\n" + opening_text(ring, waiting)
        await show(update, context, text)
        return
    if len(pickups) > 1:
        rows = [[button(pickup_label(ring, p), ShowPickup(p.id))] for p in pickups]
        which = _("<b>{ring}</b>: which pickup do you want to order for?").format(
            ring=esc(ring.name)
        )
        text = greeting(ring, new_member, shop_below=True) + "\n\n" + which
        await show(update, context, text, rows)
        return
    text, rows = await pickup_screen(context, pickups[0].id)
    await show(update, context, greeting(ring, new_member, shop_below=True) + "\n\n" + text, rows)


def ring_buttons(rings: list[Ring]) -> list[list[Button]]:
    """One button per ring."""
    return [[button(ring.name, PickRing(ring.id))] for ring in rings]


async def start(update: Update, context: Ctx) -> None:
    """Join the ring named in the deep link, or help the user pick one."""
    user = current_user()
    members = context.bot_data.services.members
    slug = context.args[0] if context.args else ""
    try:
        if slug and await open_producer_link(update, context, slug):
            return
        if slug:
            joined = await members.join(user.id, slug)
            await welcome(update, context, joined.ring, joined.new_member)
            return
        mine = await members.memberships(user.id)
        if mine:
            ring = await members.current_ring(user.id)
            await show(update, context, greeting(ring, False), _switch_rows(len(mine)))
            return
        rings = await members.rings()
        if len(rings) == 1:
            joined = await members.join_by_id(user.id, rings[0].id)
            await welcome(update, context, joined.ring, joined.new_member)
            return
    except UnknownRing as refusal:
        rings = await members.rings()
        text = refusal.message()
        if rings:
            text += "\n" + _("Pick your ring:")
        await show(update, context, text, ring_buttons(rings))
        return
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    if not rings:
        await show(update, context, no_rings(context, user.id))
        return
    await show(update, context, _("Welcome! Pick your REKO ring:"), ring_buttons(rings))


def no_rings(context: Ctx, user_id: int) -> str:
    """Say there is no ring to join, and what each kind of person can do about it."""
    if context.bot_data.services.ring_admin.is_operator(user_id):
        return _("There is no open REKO ring. Open /admin to create one or bring one back.")
    return "\n".join(
        [
            _("There are no REKO rings here yet. Your Telegram id is <code>{id}</code>.").format(
                id=user_id
            ),
            _(
                "If you run this bot, put that id in REKOBOT_ADMIN_IDS on the server and "
                "restart it. To set up a ring, ask the bot's operator for an invitation link."
            ),
        ]
    )


def setup_starts(admin_ids: frozenset[int]) -> filters.BaseFilter:
    """The /start messages the admin side takes: an invitation link, or an operator's bare one.

    Either may open the new-ring form, which must run inside the admin conversation.
    """
    invitation = filters.Regex(rf"^/start(@\w+)?\s+{INVITATION_PAYLOAD}\s*$")
    operator = filters.User(user_id=admin_ids, allow_empty=False) & filters.Regex(
        r"^/start(@\w+)?\s*$"
    )
    return invitation | operator


async def my_id(update: Update, context: Ctx) -> None:
    """Tell the user their Telegram id (what an operator puts in REKOBOT_ADMIN_IDS)."""
    text = "\n".join(
        [
            _("Your Telegram id is <code>{id}</code>.").format(id=current_user().id),
            _("The bot's operator puts it in REKOBOT_ADMIN_IDS to let you run the bot."),
            _("/start finds your ring, /help explains the bot."),
        ]
    )
    await show(update, context, text)


def _switch_rows(count: int) -> list[list[Button]]:
    if count < 2:
        return []
    return [[button(_("Switch ring"), PickRing(0))]]


@on_button(PickRing)
async def pick_ring(update: Update, context: Ctx, data: PickRing) -> None:
    """Join or switch to the ring that was tapped (0 lists the user's rings)."""
    user = current_user()
    members = context.bot_data.services.members
    if data.ring_id == 0:
        mine = [m.ring for m in await members.memberships(user.id) if not m.blocked]
        if not mine:
            raise NoRing()
        await show(update, context, _("Pick your ring:"), ring_buttons(mine))
        return
    joined = await members.join_by_id(user.id, data.ring_id)
    await welcome(update, context, joined.ring, joined.new_member)


def customer_help() -> list[str]:
    """The customer's steps, from the next pickup to the handover."""
    return [
        _("<b>How REKO works here</b>"),
        _("1. /shop shows the next pickup: where, when, and the order deadline."),
        _("2. Add products to your cart, then check out in /cart."),
        _("3. You get an order number and how to pay each producer."),
        _("4. Until the deadline you can change or cancel it in /orders."),
        _("5. Bring your order number to the pickup; you pay the producers directly."),
        "",
        _("/language changes the language. /start switches your REKO ring."),
        _("/notifications turns reminders and announcements on or off."),
        _("/id shows your Telegram id, for the bot's operator."),
        _("/producer: sell your own products in the ring."),
    ]


def producer_help() -> list[str]:
    """What a producer does, and where."""
    return [
        _("<b>As a producer</b>"),
        _("/producer: your products, what you offer for each pickup, and your profile."),
        _("/digest: your orders for a pickup, what to bring and who gets what."),
    ]


def admin_help() -> list[str]:
    """What an admin does, and where."""
    return [
        _("<b>As an admin</b>"),
        _("/admin: your ring's pickup places, pickups, announcements and members."),
        _("New producers' applications come to you as messages to approve or reject."),
    ]


#: The help of each role, shown in the order of ``Role``: customer, producer, admin.
HELP_BY_ROLE: dict[Role, Callable[[], list[str]]] = {
    Role.CUSTOMER: customer_help,
    Role.PRODUCER: producer_help,
    Role.ADMIN: admin_help,
}


async def help_command(update: Update, context: Ctx) -> None:
    """Explain the commands of every role the user holds: customer, producer, admin."""
    roles = await context.bot_data.services.roles.of(current_user().id)
    sections = ["\n".join(HELP_BY_ROLE[role]()) for role in roles]
    await show(update, context, "\n\n".join(sections))


def language_rows() -> list[list[Button]]:
    """One button per shipped language, two a row."""
    buttons = [button(LANGUAGE_NAMES[code], PickLanguage(code)) for code in available_locales()]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def language(update: Update, context: Ctx) -> None:
    """Offer the languages."""
    await show(update, context, _("Choose your language:"), language_rows())


@on_button(PickLanguage)
async def pick_language(update: Update, context: Ctx, data: PickLanguage) -> None:
    """Switch to the chosen language and confirm in it."""
    services = context.bot_data.services
    await services.members.set_locale(current_user().id, data.code)
    set_locale(data.code)
    # A producer's or an admin's own menu is in the language it was set in: set it again.
    await RoleMenus(context.bot, services.roles).refresh(current_user().id)
    await show(update, context, _("Language set to English. /shop to order."))


async def cancel(update: Update, context: Ctx) -> None:
    """Say there is nothing to cancel (conversations handle /cancel themselves)."""
    await show(update, context, _("Nothing to cancel. /shop to order, /help for help."))


async def not_understood(update: Update, context: Ctx) -> None:
    """Answer text the bot was not waiting for with where to go next."""
    await show(
        update,
        context,
        _(
            "I did not understand that. Tap /shop to order, /orders for your orders, "
            "/help for help."
        ),
    )
