"""Archiving a ring, bringing it back, and deleting an archived one after its code is typed."""

from __future__ import annotations

from typing import ClassVar

from telegram import Message, Update

from handlers.admin.buttons import AdminHome, RingLifecycle
from handlers.admin.forms import AdminForm, ConfirmAnswers
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    FormField,
    FormState,
    close_form,
    start_form,
)
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import NotFound, Refusal
from rekobot.i18n import N_, _
from rekobot.models import Ring
from rekobot.services.ring_archive import check_confirmation

Rows = list[list[Button]]


def all_rings_row() -> list[Button]:
    """The way back to the list of rings."""
    return [button(_("◀️ All rings"), AdminHome(0))]


@on_button(RingLifecycle)
async def ring_lifecycle(update: Update, context: Ctx, data: RingLifecycle) -> int:
    """Ask to archive, archive, list the archived rings, bring one back, or start deleting."""
    await close_form(context)
    archive = context.bot_data.services.ring_archive
    user_id = current_user().id
    if data.action == "list":
        await show_archived(update, context)
        return END
    ring = await archive.ring(user_id, data.ring_id)
    if data.action == "arch":
        await ask_archive(update, context, ring)
    elif data.action == "archok":
        ring = await archive.set_archived(user_id, ring.id, True)
        await show_archived_ring(update, context, ring, note=_("🗄 The ring is archived."))
    elif data.action == "unarch":
        ring = await archive.set_archived(user_id, ring.id, False)
        text = _("✅ <b>{ring}</b> is back: customers see it again.").format(ring=esc(ring.name))
        await show(update, context, text, [[button(_("⚙️ Ring menu"), AdminHome(ring.id))]])
    elif data.action == "del":
        return await ask_delete(update, context, ring)
    else:
        await show_archived_ring(update, context, ring)
    return END


async def ask_archive(update: Update, context: Ctx, ring: Ring) -> None:
    """Say what archiving does, and ask."""
    text = "\n".join(
        [
            _("🗄 <b>Archive {ring}?</b>").format(ring=esc(ring.name)),
            _(
                "Customers no longer see the ring in /start, and its pickups get no reminders "
                "or digests. Everything is kept, and you can bring it back at any time."
            ),
        ]
    )
    rows = [
        [button(_("🗄 Yes, archive it"), RingLifecycle(ring.id, "archok"))],
        [button(_("◀️ Menu"), AdminHome(ring.id))],
    ]
    await show(update, context, text, rows)


async def show_archived(update: Update, context: Ctx) -> None:
    """List the archived rings."""
    rings = await context.bot_data.services.ring_archive.archived(current_user().id)
    rows: Rows = [[button(ring.name, RingLifecycle(ring.id, "show"))] for ring in rings]
    rows.append(all_rings_row())
    text = _("🗄 <b>Archived rings</b>") if rings else _("There are no archived rings.")
    await show(update, context, text, rows)


async def show_archived_ring(update: Update, context: Ctx, ring: Ring, *, note: str = "") -> None:
    """An archived ring: bring it back, or delete it."""
    if not ring.archived:
        await show(
            update,
            context,
            _("<b>{ring}</b> is not archived.").format(ring=esc(ring.name)),
            [[button(_("⚙️ Ring menu"), AdminHome(ring.id))]],
        )
        return
    lines = [note] if note else []
    lines += [
        _("🗄 <b>{ring}</b> (archived)").format(ring=esc(ring.name)),
        _("Hidden from customers, no reminders or digests. Its data is kept."),
    ]
    rows = [
        [button(_("♻️ Bring it back"), RingLifecycle(ring.id, "unarch"))],
        [button(_("🗑 Delete for good"), RingLifecycle(ring.id, "del"))],
        all_rings_row(),
    ]
    await show(update, context, "\n".join(lines), rows)


async def ask_delete(update: Update, context: Ctx, ring: Ring) -> int:
    """Warn what deleting removes, then ask for the ring's link code."""
    if not ring.archived:
        await show_archived_ring(update, context, ring)
        return END
    text = "\n".join(
        [
            _("🗑 <b>Delete {ring} for good?</b>").format(ring=esc(ring.name)),
            _(
                "This removes its places, pickups, offers, orders, members and broadcasts. "
                "It cannot be undone."
            ),
            _("To confirm, type the ring's link code: <code>{slug}</code>").format(
                slug=esc(ring.slug)
            ),
        ]
    )
    await show(update, context, text)
    return await start_form(update, context, "ringdel", user_id=current_user().id, ring_id=ring.id)


class RingDeleteForm(AdminForm[ConfirmAnswers]):
    """One question, the ring's link code; the ring is deleted as soon as it is right."""

    draft_type = ConfirmAnswers
    kind = "ringdel"
    title: ClassVar[str] = N_("Delete the ring")
    fields = (
        FormField(
            "confirm",
            N_("Link code"),
            N_("Type the ring's link code to delete it, or tap Cancel to keep it."),
        ),
    )
    save_label: ClassVar[str] = N_("🗑 Delete for good")

    async def check(self, context: Ctx, user_id: int, state: FormState[ConfirmAnswers]) -> None:
        ring = await context.bot_data.services.ring_archive.ring(user_id, state.ring_id)
        if not ring.archived:
            raise NotFound()

    def missing(self, state: FormState[ConfirmAnswers]) -> list[str]:
        return [] if state.draft.confirm else ["confirm"]

    async def parse(
        self,
        context: Ctx,
        state: FormState[ConfirmAnswers],
        form_field: FormField,
        message: Message,
    ) -> object:
        ring = await context.bot_data.services.ring_archive.ring(current_user().id, state.ring_id)
        typed = message.text or ""
        check_confirmation(ring, typed)
        return typed

    async def finish(
        self, update: Update, context: Ctx, state: FormState[ConfirmAnswers]
    ) -> int | None:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[ConfirmAnswers]) -> str:
        return _("Type the ring's link code to delete it, or tap Cancel to keep it.")

    async def save(
        self, update: Update, context: Ctx, state: FormState[ConfirmAnswers], *, confirmed: bool
    ) -> int:
        archive = context.bot_data.services.ring_archive
        await close_form(context)
        try:
            ring = await archive.delete(current_user().id, state.ring_id, state.draft.confirm)
        except Refusal as refusal:
            await show(update, context, refusal.message(), [all_rings_row()])
            return END
        text = _("🗑 <b>{ring}</b> is deleted.").format(ring=esc(ring.name))
        await show(update, context, text, [all_rings_row()])
        return END
