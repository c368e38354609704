"""A ring's members: a paged list with roles, search, a member's card, admins and blocking."""

from __future__ import annotations

from typing import ClassVar

from telegram import Message, Update

from handlers.admin.buttons import AdminHome, MemberList, MemberScreen, StartForm
from handlers.admin.forms import AdminForm, SearchAnswers
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    FormField,
    FormState,
    close_form,
)
from handlers.kept import keep, kept
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.i18n import N_, _, day, number
from rekobot.models.running import MemberRow
from rekobot.parsing import parse_search

Rows = list[list[Button]]
SEARCH_KEY = "admin_member_search"


def roles_text(member: MemberRow) -> str:
    """E.g. "admin, producer"; "member" when none."""
    roles = []
    if member.is_admin:
        roles.append(_("admin"))
    if member.is_producer:
        roles.append(_("producer"))
    if member.blocked:
        roles.append(_("blocked"))
    return ", ".join(roles) or _("member")


def member_label(member: MemberRow) -> str:
    """One member on a button."""
    name = member.user.display_name
    if member.user.username:
        name += f" @{member.user.username}"
    marks = ("🛡" if member.is_admin else "") + ("🧑‍🌾" if member.is_producer else "")
    marks += "🚫" if member.blocked else ""
    return shorten(f"{marks} {name}".strip(), 60)


class MemberSearch(AdminForm[SearchAnswers]):
    """A name, @username or id to look for."""

    draft_type = SearchAnswers
    kind = "search"
    title: ClassVar[str] = N_("Member search")
    fields: ClassVar[tuple[FormField, ...]] = (
        FormField(
            "query", N_("Search"), N_("Who are you looking for? Send a name, @username or id.")
        ),
    )

    async def check(self, context: Ctx, user_id: int, state: FormState[SearchAnswers]) -> None:
        await context.bot_data.services.ring_admin.ring(user_id, state.ring_id)

    def missing(self, state: FormState[SearchAnswers]) -> list[str]:
        return [] if state.draft.query else ["query"]

    async def parse(
        self, context: Ctx, state: FormState[SearchAnswers], form_field: FormField, message: Message
    ) -> object:
        return parse_search(message.text or "")

    async def finish(
        self, update: Update, context: Ctx, state: FormState[SearchAnswers]
    ) -> int | None:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[SearchAnswers]) -> str:
        return esc(state.draft.query)

    async def save(
        self, update: Update, context: Ctx, state: FormState[SearchAnswers], *, confirmed: bool
    ) -> int:
        await close_form(context)
        await keep(context, SEARCH_KEY, {"ring": state.ring_id, "q": state.draft.query})
        await show_members(update, context, state.ring_id, 0)
        return END


async def current_search(context: Ctx, ring_id: int) -> str:
    """The search the admin last made in this ring's list."""
    search = await kept(context, SEARCH_KEY)
    if isinstance(search, dict) and search.get("ring") == ring_id:
        return str(search.get("q", ""))
    return ""


async def show_members(update: Update, context: Ctx, ring_id: int, page: int) -> None:
    """A page of the ring's members, admins first."""
    services = context.bot_data.services
    user_id = current_user().id
    search = await current_search(context, ring_id)
    ring = await services.ring_admin.ring(user_id, ring_id)
    found = await services.member_admin.page(user_id, ring_id, page, search)
    lines = [_("👥 <b>Members of {ring}</b>").format(ring=esc(ring.name))]
    if search:
        lines.append(
            _("Search “{query}”: {n} found").format(query=esc(search), n=number(found.total))
        )
    else:
        lines.append(_("{n} in all").format(n=number(found.total)))
    lines.append(_("Page {page} of {pages}").format(page=found.page + 1, pages=found.pages))
    rows: Rows = [
        [button(member_label(m), MemberScreen(ring_id, m.user.id, "show"))] for m in found.members
    ]
    paging = []
    if found.page > 0:
        paging.append(button("◀️", MemberList(ring_id, found.page - 1)))
    if found.page + 1 < found.pages:
        paging.append(button("▶️", MemberList(ring_id, found.page + 1)))
    if paging:
        rows.append(paging)
    search_row = [button(_("🔍 Search"), StartForm("search", ring_id, 0))]
    if search:
        search_row.append(button(_("Show all"), MemberList(ring_id, -1)))
    rows.append(search_row)
    rows.append([button(_("◀️ Menu"), AdminHome(ring_id))])
    await show(update, context, "\n".join(lines), rows)


@on_button(MemberList)
async def member_list(update: Update, context: Ctx, data: MemberList) -> int:
    """A page of members (-1 forgets the search)."""
    await close_form(context)
    page = data.page
    if page < 0:
        await keep(context, SEARCH_KEY, None)
        page = 0
    await show_members(update, context, data.ring_id, page)
    return END


async def show_member(update: Update, context: Ctx, member: MemberRow, ring_id: int) -> None:
    """A member's card with what an admin can do."""
    services = context.bot_data.services
    ring = await services.ring_admin.ring(current_user().id, ring_id)
    user = member.user
    lines = [f"<b>{esc(user.display_name)}</b>"]
    if user.username:
        lines.append(f"@{esc(user.username)}")
    lines += [
        _("Telegram id: {id}").format(id=user.id),
        _("Role: {roles}").format(roles=roles_text(member)),
        _("Member since: {day}").format(day=day(member.joined_at, ring.timezone)),
    ]
    if user.unreachable:
        lines.append(_("Has blocked the bot: messages do not reach them."))
    rows: Rows = []
    me = current_user().id
    if not member.blocked:
        if member.is_admin and user.id != me:
            rows.append([button(_("Remove as admin"), MemberScreen(ring_id, user.id, "unadmin"))])
        elif not member.is_admin:
            rows.append([button(_("🛡 Make admin"), MemberScreen(ring_id, user.id, "admin"))])
    if member.blocked:
        rows.append([button(_("Unblock"), MemberScreen(ring_id, user.id, "unblock"))])
    elif not member.is_admin:
        rows.append([button(_("🚫 Block from the ring"), MemberScreen(ring_id, user.id, "block"))])
    rows.append([button(_("◀️ Members"), MemberList(ring_id, 0))])
    await show(update, context, "\n".join(lines), rows)


@on_button(MemberScreen)
async def member_screen(update: Update, context: Ctx, data: MemberScreen) -> int:
    """A member's card; make or remove an admin; block or unblock."""
    await close_form(context)
    services = context.bot_data.services
    me = current_user().id
    ring_id, target = data.ring_id, data.user_id
    if data.action in ("admin", "unadmin"):
        await services.ring_admin.set_admin(me, ring_id, target, data.action == "admin")
    elif data.action == "block":
        member = await services.member_admin.member(me, ring_id, target)
        text = _(
            "Block <b>{name}</b> from the ring? They can no longer order or rejoin, and get no "
            "messages from the ring."
        ).format(name=esc(member.user.display_name))
        rows = [
            [button(_("🚫 Yes, block"), MemberScreen(ring_id, target, "blockok"))],
            [button(_("◀️ No"), MemberScreen(ring_id, target, "show"))],
        ]
        await show(update, context, text, rows)
        return END
    elif data.action in ("blockok", "unblock"):
        await services.member_admin.set_blocked(me, ring_id, target, data.action == "blockok")
    member = await services.member_admin.member(me, ring_id, target)
    await show_member(update, context, member, ring_id)
    return END
