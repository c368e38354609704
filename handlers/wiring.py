"""Every handler, listener and job of the bot, added in one place, in the order PTB tries them.

Importing a handler module adds nothing anywhere: this is the only place that does. Within a
group the first handler that matches an update wins, so the order below is the behaviour:
conversations before the buttons and commands they would otherwise shadow, and the catch-alls
last. A new command is one ``CommandHandler`` line here, and one line in a role's list in
``handlers/commands.py`` if it belongs in a menu.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from handlers import backup_job, outbox
from handlers.admin import broadcasts, forms
from handlers.admin.conversation import admin_conversation, admin_forms
from handlers.application import RekoApplication
from handlers.commands import RoleMenus, menu_buttons
from handlers.customer import cart, comments, notifications, orders, phone, privacy, shop, start
from handlers.errors import on_error
from handlers.middleware import (
    BEGIN_GROUP,
    IDENTITY_GROUP,
    PRIVATE_GROUP,
    READABLE_GROUP,
    begin_update,
    refuse_edits,
    remember_user,
)
from handlers.private_chat import keep_private
from handlers.producer import apply
from handlers.producer import orders as producer_orders
from handlers.producer.conversation import BUTTONS as PRODUCER_BUTTONS
from handlers.producer.conversation import producer_conversation
from handlers.replies import stale_button
from rekobot.services.confirmations import CustomerNotices


def add_handlers(application: RekoApplication) -> None:
    """Add the listeners, every handler, the error handler and the jobs to the application."""
    add_listeners(application)

    # --- before every update, each in its own group, in this order -------------------------
    # Forget the last sender (nothing here can fail); ring data only in private chats; who
    # wrote (or stop with a try-again); edited messages are answered, not re-read.
    application.add_handler(TypeHandler(Update, begin_update), group=BEGIN_GROUP)
    application.add_handler(TypeHandler(Update, keep_private), group=PRIVATE_GROUP)
    application.add_handler(TypeHandler(Update, remember_user), group=IDENTITY_GROUP)
    application.add_handler(TypeHandler(Update, refuse_edits), group=READABLE_GROUP)

    # An invitation link, or an operator's first /start: the admin conversation takes it.
    setup = filters.ChatType.PRIVATE & start.setup_starts(application.services.settings.admin_ids)

    # --- customer: joining, help, language, their id --------------------------------------
    application.add_handler(CommandHandler("start", start.start, ~setup))
    application.add_handler(CommandHandler("id", start.my_id))
    application.add_handler(CommandHandler("help", start.help_command))
    application.add_handler(CommandHandler("language", start.language))
    application.add_handler(start.pick_ring)
    application.add_handler(start.pick_language)
    # --- customer: shopping (the quantity question first, so typed answers reach it) -------
    application.add_handler(shop.quantity_conversation())
    application.add_handler(CommandHandler("shop", shop.shop))
    application.add_handler(shop.on_show_pickup)
    application.add_handler(shop.on_browse)
    application.add_handler(shop.on_shelf)
    application.add_handler(shop.on_show_offer)
    application.add_handler(shop.on_step_offer)
    # --- customer: the cart and checkout (the comment question first, for typed answers) ---
    application.add_handler(comments.comment_conversation())
    for comment_button in comments.comment_buttons():
        application.add_handler(comment_button)
    application.add_handler(CommandHandler("cart", cart.cart_command))
    application.add_handler(cart.on_open_cart)
    application.add_handler(cart.on_step_line)
    application.add_handler(cart.on_remove_line)
    application.add_handler(cart.on_empty)
    application.add_handler(cart.on_checkout)
    application.add_handler(cart.on_confirm)
    # --- customer: a phone number for the producers (Telegram's contact button) ------------
    application.add_handler(phone.on_share_phone)
    for phone_message in phone.phone_handlers(start.not_understood):
        application.add_handler(phone_message)
    # --- customer: their orders ------------------------------------------------------------
    application.add_handler(CommandHandler("orders", orders.list_orders))
    application.add_handler(orders.on_list)
    application.add_handler(orders.on_show)
    application.add_handler(orders.on_edit)
    application.add_handler(orders.on_cancel)
    application.add_handler(orders.on_confirm_cancel)
    # --- customer: what the bot stores about them; export and erase -------------------------
    application.add_handler(
        CommandHandler("privacy", privacy.privacy, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(privacy.on_back)
    application.add_handler(privacy.on_export)
    application.add_handler(privacy.on_ask_erase)
    application.add_handler(privacy.on_confirm_erase)
    application.add_handler(privacy.on_stop_sharing)

    # --- admin: one conversation for every screen and form; stopping a broadcast -----------
    forms.add_forms(admin_forms())
    application.add_handler(admin_conversation(setup))
    application.add_handler(broadcasts.stop_broadcast)

    # --- producer: the conversation first, so typed answers reach it -----------------------
    application.add_handler(producer_conversation())
    application.add_handler(CommandHandler("digest", producer_orders.digest_command))
    application.add_handler(apply.on_review)
    for handler in PRODUCER_BUTTONS:
        application.add_handler(handler)

    # --- everyone: reminders and announcements on or off -----------------------------------
    application.add_handler(CommandHandler("notifications", notifications.notifications))
    application.add_handler(notifications.toggle_notifications)

    # --- last: /cancel outside any conversation, text and buttons nobody recognised --------
    application.add_handler(CommandHandler("cancel", start.cancel))
    # Private chats only by now (the guard stopped the rest); photos and stickers too.
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, start.not_understood)
    )
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(on_error)

    # --- jobs -------------------------------------------------------------------------------
    application.sweeper = outbox.schedule(application)  # the sweep (due work) and the outbox sender
    backup_job.schedule(application)  # the nightly copy, when REKOBOT_BACKUP_DIR is set


def add_listeners(application: RekoApplication) -> None:
    """Connect the services' events to the chat layer."""
    services = application.services
    # Every order change queues the customer's notice in the ordering transaction.
    notices = CustomerNotices(services.members, orders.customer_notice, clock=services.clock)
    services.ordering.listeners.append(notices.on_order_event)
    # A role granted or taken sets that user's own command menu; its welcome carries a button.
    services.roles.listeners.append(RoleMenus(application.bot, services.roles).on_role_change)
    services.roles.menu_buttons = menu_buttons
