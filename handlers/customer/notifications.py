"""/notifications: what a user gets unprompted, and turning each kind on or off.

Reminders and announcements are on unless turned off; "orders are open" (a pickup opened for
orders) is opt-in, since announcements already tell of new pickups. The same toggle sits under
every such message (``NotificationsToggle``), so a customer turns it off where it arrives;
/notifications shows every setting at once.
"""

from __future__ import annotations

import dataclasses

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.replies import answer, button, on_button, show
from handlers.sending import Button
from rekobot.errors import NotFound
from rekobot.i18n import _
from rekobot.models import User


@dataclasses.dataclass(frozen=True)
class NotificationsToggle(Callback, prefix="anotif"):
    """Turn reminders ("rem"), announcements ("ann"), "orders are open" ("opn") or producers' posts
    ("post") on or off.

    ``screen`` is 1 on the /notifications screen (redrawn) and 0 on a reminder or an
    announcement (the message stays; an alert confirms).
    """

    what: str
    on: int
    screen: int = 0


def notifications_screen(user: User, posts: bool = True) -> tuple[str, list[list[Button]]]:
    """Show what the user gets, with a button to flip each (``posts``: producers' posts)."""
    on, off = _("on ✅"), _("off")
    text = "\n".join(
        [
            _("🔔 <b>Notifications</b>"),
            _("Reminders before a pickup you ordered for: {state}").format(
                state=on if user.reminders_enabled else off
            ),
            _("Announcements of new pickups: {state}").format(
                state=on if user.announcements_enabled else off
            ),
            _("Posts from producers: {state}").format(state=on if posts else off),
            _("A message when a pickup opens for orders: {state}").format(
                state=on if user.orders_open_enabled else off
            ),
        ]
    )
    rows = [
        [
            button(
                _("Turn reminders off") if user.reminders_enabled else _("Turn reminders on"),
                NotificationsToggle("rem", int(not user.reminders_enabled), 1),
            )
        ],
        [
            button(
                _("Turn announcements off")
                if user.announcements_enabled
                else _("Turn announcements on"),
                NotificationsToggle("ann", int(not user.announcements_enabled), 1),
            )
        ],
        [
            button(
                _("Turn producer posts off") if posts else _("Turn producer posts on"),
                NotificationsToggle("post", int(not posts), 1),
            )
        ],
        [
            button(
                _("Turn “orders are open” off")
                if user.orders_open_enabled
                else _("Turn “orders are open” on"),
                NotificationsToggle("opn", int(not user.orders_open_enabled), 1),
            )
        ],
    ]
    return text, rows


async def notifications(update: Update, context: Ctx) -> None:
    """Show the reminder and announcement settings."""
    user = current_user()
    posts = await context.bot_data.services.producer_posts.posts_enabled(user.id)
    text, rows = notifications_screen(user, posts)
    await show(update, context, text, rows)


@on_button(NotificationsToggle)
async def toggle_notifications(update: Update, context: Ctx, data: NotificationsToggle) -> None:
    """Turn one kind of notification on or off."""
    services = context.bot_data.services
    user = current_user()
    enabled = bool(data.on)
    if data.what == "rem":
        await services.reminders.set_reminders(user.id, enabled)
        user = user.model_copy(update={"reminders_enabled": enabled})
        said = _("Reminders are on.") if enabled else _("Reminders are off.")
    elif data.what == "ann":
        await services.reminders.set_announcements(user.id, enabled)
        user = user.model_copy(update={"announcements_enabled": enabled})
        said = _("Announcements are on.") if enabled else _("Announcements are off.")
    elif data.what == "post":
        await services.producer_posts.set_posts_enabled(user.id, enabled)
        said = _("Producer posts are on.") if enabled else _("Producer posts are off.")
    elif data.what == "opn":
        await services.order_windows.set_enabled(user.id, enabled)
        user = user.model_copy(update={"orders_open_enabled": enabled})
        said = (
            _("You will hear when a pickup opens for orders.")
            if enabled
            else _("No more “orders are open” messages.")
        )
    else:
        raise NotFound()
    query = update.callback_query
    assert query is not None
    if data.screen:
        posts = await services.producer_posts.posts_enabled(user.id)
        text, rows = notifications_screen(user, posts)
        await show(update, context, text, rows)
        return
    await answer(query, said + " " + _("You can change it in /notifications."), show_alert=True)
