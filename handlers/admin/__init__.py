"""The ring admin's side: /admin, rings, places, pickups, broadcasts, members and overview.

Everything an admin does runs in one persistent conversation ("admin"), so a half-filled
form survives a restart; /cancel leaves it. Every button asks a service, and the service
checks again that the user runs the ring.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.commands import EXTRA_COMMANDS
from handlers.context import Ctx
from rekobot.i18n import N_

if TYPE_CHECKING:
    from rekobot.app import RekoApplication

EXTRA_COMMANDS.append(("admin", N_("Run your REKO ring")))

#: What a form question can be answered with: typed text, a location or venue, a photo.
ANSWERS = (filters.TEXT & ~filters.COMMAND) | filters.LOCATION | filters.PHOTO


def register(application: RekoApplication) -> None:
    """Add the admin conversation, the stop button of broadcasts, and /admin to the menu."""
    # Imported here: the screens use the outbox's sender, which uses this package's progress.
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
    )
    from handlers.customer.start import setup_starts

    admin_ids = application.bot_data.services.settings.admin_ids
    entry_points: list[BaseHandler[Update, Ctx, object]] = [
        CommandHandler("admin", menu.admin_command, filters.ChatType.PRIVATE),
        # An invitation link, or an operator's /start: the new-ring form may follow.
        CommandHandler(
            "start", invitations.setup_start, filters.ChatType.PRIVATE & setup_starts(admin_ids)
        ),
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
        conversation: ConversationHandler[Ctx] = ConversationHandler(
            entry_points=entry_points,
            states={forms.INPUT: [MessageHandler(ANSWERS, forms.take_input)]},
            fallbacks=[CommandHandler("cancel", forms.cancel_form)],
            name="admin",
            persistent=True,
            allow_reentry=True,
        )
    application.add_handler(conversation)
    application.add_handler(broadcasts.stop_broadcast)
