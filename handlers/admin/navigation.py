"""Moving between the admin's screens, and opening forms from buttons."""

from __future__ import annotations

from typing import Any

from telegram import Update

from handlers.admin import menu, pickups, places, rings
from handlers.admin.buttons import RingScreen, StartForm
from handlers.context import Ctx, current_user
from handlers.forms.engine import END, close_form, start_form
from handlers.replies import on_button
from rekobot.errors import NotFound

#: Forms a StartForm button may open directly.
SIMPLE_FORMS = frozenset({"place", "pickup", "series", "bcast", "search"})


@on_button(RingScreen)
async def ring_screen(update: Update, context: Ctx, data: RingScreen) -> int:
    """Show one of a ring's screens."""
    await close_form(context)
    if data.screen == "pku":
        await pickups.show_pickups(update, context, data.ring_id)
    elif data.screen == "plc":
        await places.show_places(update, context, data.ring_id)
    elif data.screen == "set":
        return await rings.open_settings(update, context, data.ring_id)
    elif data.screen == "adm":
        await menu.show_admins(update, context, data.ring_id)
    elif data.screen == "inv":
        await menu.send_invite(update, context, data.ring_id)
    elif data.screen == "bc":
        return await start_form(
            update, context, "bcast", user_id=current_user().id, ring_id=data.ring_id
        )
    else:
        ring = await context.bot_data.services.ring_admin.ring(current_user().id, data.ring_id)
        await menu.show_ring_menu(update, context, ring)
    return END


@on_button(StartForm)
async def open_form(update: Update, context: Ctx, data: StartForm) -> int:
    """Open a form from a button (the form checks the user may)."""
    user_id = current_user().id
    if data.kind == "placeed":
        return await places.edit_place(update, context, data.target_id)
    if data.kind not in SIMPLE_FORMS:
        raise NotFound()
    draft: dict[str, Any] = {}
    if data.kind == "series":
        draft = {"count": 0}
    if data.kind == "bcast" and data.target_id:  # "message the customers" of a pickup
        draft = {"audience": "ordered", "pickup_id": data.target_id, "asked": ["audience"]}
    return await start_form(
        update, context, data.kind, user_id=user_id, ring_id=data.ring_id, draft=draft
    )
