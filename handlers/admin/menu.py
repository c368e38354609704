"""`/admin`: the rings a user runs, each ring's menu, its admins and its invite link."""

from __future__ import annotations

import io

import segno
from telegram import InputFile, Update

from handlers.admin.buttons import (
    AdminHome,
    MemberList,
    MemberScreen,
    NewInvitation,
    NewRing,
    RingLifecycle,
    RingScreen,
)
from handlers.admin.post_approval import PostRules
from handlers.admin.rings import new_ring_draft
from handlers.context import Ctx, current_user
from handlers.forms.engine import END, close_form, start_form
from handlers.replies import button, keyboard, on_button, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import NotAllowed
from rekobot.i18n import _
from rekobot.models import Ring

Rows = list[list[Button]]


def invite_link(bot_username: str, ring: Ring) -> str:
    """The ring's deep link: opening it starts the bot and joins the ring."""
    return f"https://t.me/{bot_username}?start={ring.slug}"


def qr_png(link: str) -> bytes:
    """The link as a QR code PNG, big enough to print on a poster."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=3)
    return buffer.getvalue()


def menu_rows(ring: Ring, *, many: bool, operator: bool = False) -> Rows:
    """The ring's admin menu."""
    rows = [
        [
            button(_("🗓 Pickups"), RingScreen(ring.id, "pku")),
            button(_("📍 Places"), RingScreen(ring.id, "plc")),
        ],
        [
            button(_("📣 Broadcast"), RingScreen(ring.id, "bc")),
            button(_("👥 Members"), MemberList(ring.id, 0)),
        ],
        [
            button(_("⚙️ Settings"), RingScreen(ring.id, "set")),
            button(_("🛡 Admins"), RingScreen(ring.id, "adm")),
        ],
        [button(_("🔗 Invite link and QR code"), RingScreen(ring.id, "inv"))],
        [button(_("📝 Producers' posts"), PostRules(ring.id, "show"))],
    ]
    if operator and ring.archived:
        rows.append([button(_("♻️ Bring it back"), RingLifecycle(ring.id, "unarch"))])
    elif operator:
        rows.append([button(_("🗄 Archive this ring"), RingLifecycle(ring.id, "arch"))])
    if many:
        rows.append([button(_("◀️ All rings"), AdminHome(0))])
    return rows


def back_to_menu(ring_id: int) -> list[Button]:
    """A row with the way back to the ring's menu."""
    return [button(_("◀️ Menu"), AdminHome(ring_id))]


async def show_ring_menu(update: Update, context: Ctx, ring: Ring) -> None:
    """Show what an admin can do in a ring."""
    services = context.bot_data.services
    user = current_user()
    operator = services.ring_admin.is_operator(user.id)
    many = operator or len(await services.ring_admin.admin_rings(user.id)) > 1
    text = "\n".join(
        [
            _("⚙️ <b>{ring}</b> — admin").format(ring=esc(ring.name)),
            _("What do you want to do?"),
        ]
    )
    await show(update, context, text, menu_rows(ring, many=many, operator=operator))


async def show_rings(update: Update, context: Ctx) -> None:
    """List the rings the user runs (operators may also create one)."""
    services = context.bot_data.services
    user = current_user()
    rings = await services.ring_admin.admin_rings(user.id)
    operator = services.ring_admin.is_operator(user.id)
    if not rings and not operator:
        await show(update, context, not_an_admin(user.id))
        return
    if len(rings) == 1 and not operator:
        await show_ring_menu(update, context, rings[0])
        return
    rows = [[button(ring.name, AdminHome(ring.id))] for ring in rings]
    if operator:
        rows.append([button(_("➕ New ring"), NewRing())])
        rows.append([button(_("✉️ Invitation to set up a ring"), NewInvitation())])
        archived = await services.ring_archive.archived(user.id)
        if archived:
            label = _("🗄 Archived rings ({n})").format(n=len(archived))
            rows.append([button(label, RingLifecycle(0, "list"))])
    text = _("Which ring?") if rings else _("There is no ring yet. Create the first one:")
    await show(update, context, _("⚙️ <b>Admin</b>") + "\n" + text, rows)


def not_an_admin(user_id: int) -> str:
    """Say who may run a ring, with the user's own id to pass on."""
    return "\n".join(
        [
            _(
                "You are not an admin of any REKO ring. Your Telegram id is <code>{id}</code>."
            ).format(id=user_id),
            _(
                "To run this bot, put that id in REKOBOT_ADMIN_IDS on the server and restart "
                "it. To set up a ring of your own, ask the bot's operator for an invitation "
                "link; to help run a ring, ask its admin to make you one."
            ),
            _("/start finds your ring."),
        ]
    )


async def admin_command(update: Update, context: Ctx) -> int:
    """Open the admin menu."""
    await close_form(context)
    await show_rings(update, context)
    return END


@on_button(AdminHome)
async def admin_home(update: Update, context: Ctx, data: AdminHome) -> int:
    """Show a ring's menu, or the list of rings."""
    await close_form(context)
    if data.ring_id == 0:
        await show_rings(update, context)
        return END
    ring = await context.bot_data.services.ring_admin.ring(current_user().id, data.ring_id)
    await show_ring_menu(update, context, ring)
    return END


@on_button(NewRing)
async def new_ring(update: Update, context: Ctx, data: NewRing) -> int:
    """Start creating a ring (only the operator's admins may)."""
    services = context.bot_data.services
    user = current_user()
    if not services.ring_admin.is_operator(user.id):
        raise NotAllowed()
    draft = new_ring_draft(context)
    return await start_form(update, context, "ring", user_id=user.id, ring_id=0, draft=draft)


async def show_admins(update: Update, context: Ctx, ring_id: int) -> None:
    """List the ring's admins, each with a button to remove them."""
    services = context.bot_data.services
    user = current_user()
    ring = await services.ring_admin.ring(user.id, ring_id)
    admins = await services.ring_admin.admins(user.id, ring_id)
    lines = [_("🛡 <b>Admins of {ring}</b>").format(ring=esc(ring.name))]
    lines += [f"• {esc(a.user.display_name)}" for a in admins] or [_("(none yet)")]
    lines += ["", _("To add an admin, find the person under 👥 Members and tap “Make admin”.")]
    rows = [
        [
            button(
                _("Remove {name}").format(name=a.user.display_name[:30]),
                MemberScreen(ring_id, a.user.id, "unadmin"),
            )
        ]
        for a in admins
        if a.user.id != user.id
    ]
    rows.append([button(_("👥 Members"), MemberList(ring_id, 0))])
    rows.append(back_to_menu(ring_id))
    await show(update, context, "\n".join(lines), rows)


async def send_invite(update: Update, context: Ctx, ring_id: int) -> None:
    """Send the ring's invite link, and its QR code as an image for posters."""
    ring = await context.bot_data.services.ring_admin.ring(current_user().id, ring_id)
    link = invite_link(context.bot.username, ring)
    text = "\n".join(
        [
            _("🔗 <b>Invite link of {ring}</b>").format(ring=esc(ring.name)),
            esc(link),
            "",
            _("Share the link. Whoever opens it joins the ring in the bot."),
            _("Print the QR code below for posters at the pickup place."),
        ]
    )
    await show(update, context, text, [back_to_menu(ring_id)])
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(
        chat.id,
        InputFile(qr_png(link), filename=f"reko-{ring.slug}-qr.png"),
        caption=f"{esc(ring.name)}\n{esc(link)}",
        reply_markup=keyboard([back_to_menu(ring_id)]),
    )
