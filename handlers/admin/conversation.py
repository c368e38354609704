"""The admin's one persistent conversation: every screen's entry, and the form questions.

One conversation ("admin") means a half-filled form survives a restart and an admin is never
waiting in two questions at once; /cancel leaves it.
"""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from handlers.admin import (
    broadcasts,
    forms,
    invitations,
    members,
    menu,
    navigation,
    pickups,
    places,
    ring_archive,
    rings,
)
from handlers.context import Ctx

#: What a form question can be answered with: typed text, a location or venue, a photo.
ANSWERS = (filters.TEXT & ~filters.COMMAND) | filters.LOCATION | filters.PHOTO


def admin_forms() -> list[forms.Form]:
    """Every form an admin fills in: rings, places, pickups, an announcement, a member search."""
    return [
        rings.RingForm(),
        rings.RingSettingsForm(),
        places.PlaceForm(),
        places.PlaceEditForm(),
        pickups.PickupForm(),
        pickups.SeriesForm(),
        pickups.PickupChangeForm(),
        broadcasts.BroadcastForm(),
        members.MemberSearch(),
        invitations.InvitedRingForm(),
        ring_archive.RingDeleteForm(),
    ]


def admin_conversation(setup: filters.BaseFilter) -> ConversationHandler[Ctx]:
    """Build the admin conversation: /admin, every admin button, and ``setup`` starts enter it.

    ``setup`` matches the /start of an invitation link or of an operator's first run: the
    new-ring form may follow, so it must run inside this conversation.
    """
    entry_points: list[BaseHandler[Update, Ctx, object]] = [
        CommandHandler("admin", menu.admin_command, filters.ChatType.PRIVATE),
        CommandHandler("start", invitations.setup_start, filters.ChatType.PRIVATE & setup),
        menu.admin_home,
        menu.new_ring,
        invitations.new_invitation,
        ring_archive.ring_lifecycle,
        navigation.ring_screen,
        navigation.open_form,
        places.place_screen,
        pickups.pickup_screen,
        members.member_list,
        members.member_screen,
        forms.form_button,
    ]
    with warnings.catch_warnings():
        # Buttons are tracked per user, not per message, on purpose: a form spans messages.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states={forms.INPUT: [MessageHandler(ANSWERS, forms.take_input)]},
            fallbacks=[CommandHandler("cancel", forms.cancel_form)],
            name="admin",
            persistent=True,
            allow_reentry=True,
        )
