"""The way in for a new ring: an operator's first /start, and one-time invitation links.

Both open the new-ring form inside the admin conversation, so the typed answers reach it: the
admin side takes these /start messages itself (``handlers.customer.start.setup_starts``), and
hands an operator's /start back to the customer side once rings exist.
"""

from __future__ import annotations

from typing import ClassVar

from telegram import Update

from handlers.admin.buttons import AdminHome, NewInvitation
from handlers.admin.forms import RingAnswers
from handlers.admin.rings import RingForm, new_ring_draft, show_created
from handlers.context import Ctx, current_user
from handlers.customer import start as customer_start
from handlers.forms.engine import END, FormState, close_form, start_form
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import NotFound, Refusal
from rekobot.i18n import N_, _, day


class InvitedRingForm(RingForm):
    """A new ring set up through an invitation: the form's target is the invitation."""

    kind = "invring"
    title: ClassVar[str] = N_("New ring")
    save_label: ClassVar[str] = N_("✅ Create the ring")

    async def check(self, context: Ctx, user_id: int, state: FormState[RingAnswers]) -> None:
        if state.target_id <= 0:  # opened only from a link the service has just checked
            raise NotFound()

    async def save(
        self, update: Update, context: Ctx, state: FormState[RingAnswers], *, confirmed: bool
    ) -> int:
        invitations = context.bot_data.services.invitations
        ring = await invitations.create_ring(current_user().id, state.target_id, self.draft(state))
        await close_form(context)
        await show_created(update, context, ring)
        return END


def invitation_link(bot_username: str, payload: str) -> str:
    """The link that opens the bot with the invitation."""
    return f"https://t.me/{bot_username}?start={payload}"


@on_button(NewInvitation)
async def new_invitation(update: Update, context: Ctx, data: NewInvitation) -> int:
    """Make a one-time link for someone to set up a ring, and show it."""
    await close_form(context)
    services = context.bot_data.services
    invitation = await services.invitations.create(current_user().id)
    link = invitation_link(context.bot.username, invitation.payload)
    text = "\n".join(
        [
            _("✉️ <b>Invitation to set up a REKO ring</b>"),
            esc(link),
            "",
            _(
                "Send this link to the person who will run the new ring. Whoever opens it "
                "sets up the ring and becomes its admin."
            ),
            _("It works once, until {date}. This is the only time the link is shown.").format(
                date=day(invitation.expires_at, services.settings.timezone)
            ),
        ]
    )
    await show(update, context, text, [[button(_("◀️ All rings"), AdminHome(0))]])
    return END


async def setup_start(update: Update, context: Ctx) -> int:
    """Open the new-ring form for an invitation link or an operator's first run."""
    services = context.bot_data.services
    user = current_user()
    payload = context.args[0] if context.args else ""
    if payload:
        return await open_invitation(update, context, payload)
    if await services.ring_archive.ring_count(user.id):
        await close_form(context)
        await customer_start.start(update, context)
        return END
    await show(
        update,
        context,
        "\n".join(
            [
                _("👋 <b>Welcome!</b> You run this bot, and there is no REKO ring yet."),
                _("Let's create your first ring. You can change every setting later in /admin."),
            ]
        ),
    )
    return await start_form(
        update, context, "ring", user_id=user.id, ring_id=0, draft=new_ring_draft(context)
    )


async def open_invitation(update: Update, context: Ctx, payload: str) -> int:
    """Check the invitation and start the new-ring form, or say why the link does not work."""
    try:
        invitation_id = await context.bot_data.services.invitations.open(payload)
    except Refusal as refusal:
        await close_form(context)
        await show(update, context, refusal.message() + "\n" + _("/start finds your ring."))
        return END
    await show(
        update,
        context,
        "\n".join(
            [
                _("✉️ <b>You are invited to set up a REKO ring.</b>"),
                _(
                    "Answer a few questions; you become the ring's admin and can change "
                    "everything later in /admin."
                ),
            ]
        ),
    )
    return await start_form(
        update,
        context,
        "invring",
        user_id=current_user().id,
        ring_id=0,
        target_id=invitation_id,
        draft=new_ring_draft(context),
    )
