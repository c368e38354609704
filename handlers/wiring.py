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
from handlers.customer import cart, notifications, orders, shop, start
from handlers.errors import on_error
from handlers.middleware import remember_user
from handlers.producer import apply
from handlers.producer import orders as producer_orders
from handlers.producer.conversation import BUTTONS as PRODUCER_BUTTONS
from handlers.producer.conversation import producer_conversation
from handlers.replies import stale_button
from rekobot.services.confirmations import CustomerNotices


def add_handlers(application: RekoApplication) -> None:
    """Add the listeners, every handler, the error handler and the jobs to the application."""
    add_listeners(application)

    # Group -1 runs before every other handler: who wrote, and the language they read.
    application.add_handler(TypeHandler(Update, remember_user), group=-1)

    # --- customer: joining, help, language ------------------------------------------------
    application.add_handler(CommandHandler("start", start.start))
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
    # --- customer: the cart and checkout ---------------------------------------------------
    application.add_handler(CommandHandler("cart", cart.cart_command))
    application.add_handler(cart.on_open_cart)
    application.add_handler(cart.on_step_line)
    application.add_handler(cart.on_remove_line)
    application.add_handler(cart.on_empty)
    application.add_handler(cart.on_checkout)
    application.add_handler(cart.on_confirm)
    # --- customer: their orders ------------------------------------------------------------
    application.add_handler(CommandHandler("orders", orders.list_orders))
    application.add_handler(orders.on_list)
    application.add_handler(orders.on_show)
    application.add_handler(orders.on_edit)
    application.add_handler(orders.on_cancel)
    application.add_handler(orders.on_confirm_cancel)

    # --- admin: one conversation for every screen and form; stopping a broadcast -----------
    forms.add_forms(admin_forms())
    application.add_handler(admin_conversation())
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
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & (filters.TEXT | filters.COMMAND), start.not_understood
        )
    )
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(on_error)

    # --- jobs -------------------------------------------------------------------------------
    outbox.schedule(application)  # the sweep (due work) and the outbox sender
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
