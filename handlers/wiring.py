"""Every handler, listener and job of the bot, added in one place, in the order PTB tries them.

Importing a handler module adds nothing anywhere: this is the only place that does. Within a
group the first handler that matches an update wins, so the order below is the behaviour:
conversations before the buttons and commands they would otherwise shadow, and the catch-alls
last. A new command is one ``CommandHandler`` line here, and one line in a role's list in
``handlers/commands.py`` if it belongs in a menu.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from handlers import backup_job, sweep
from handlers.admin import (
    broadcasts,
    invitations,
    members,
    menu,
    navigation,
    pickup_forms,
    pickups,
    places,
    post_approval,
    ring_archive,
    rings,
)
from handlers.application import RekoApplication
from handlers.commands import RoleMenus, menu_buttons
from handlers.customer import (
    cart,
    comments,
    notifications,
    orders,
    phone,
    privacy,
    producer_page,
    quantity,
    question_form,
    shelf,
    shop,
    start,
)
from handlers.errors import on_error
from handlers.forms import engine as forms
from handlers.forms.engine import Form
from handlers.metrics import count_error
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
from handlers.producer import (
    apply,
    offer_amounts,
    page_photo,
    post_form,
    product_edit,
    product_form,
    reply_form,
    weighing,
)
from handlers.producer import home as producer_home
from handlers.producer import orders as producer_orders
from handlers.producer.conversation import BUTTONS as PRODUCER_BUTTONS
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

    # --- every question the bot asks: the one open question's buttons ----------------------
    forms.add_forms(all_forms())
    application.add_handler(forms.form_button)

    # An invitation link, or an operator's first /start: it may open the new-ring form.
    setup = filters.ChatType.PRIVATE & start.setup_starts(application.services.settings.admin_ids)

    # --- customer: joining, help, language, their id --------------------------------------
    application.add_handler(CommandHandler("start", start.start, ~setup))
    application.add_handler(CommandHandler("id", start.my_id))
    application.add_handler(CommandHandler("help", start.help_command))
    application.add_handler(CommandHandler("language", start.language))
    application.add_handler(start.pick_ring)
    application.add_handler(start.pick_language)
    # --- customer: shopping, and typing a quantity on a product's card --------------------
    application.add_handler(quantity.on_type_quantity)
    application.add_handler(CommandHandler("shop", shop.shop))
    application.add_handler(shop.on_show_pickup)
    application.add_handler(shop.on_browse)
    application.add_handler(shelf.on_shelf)
    application.add_handler(shelf.on_shelf_add)
    application.add_handler(shop.on_show_offer)
    application.add_handler(shop.on_step_offer)
    # --- customer: a producer's page, following them, asking them --------------------------
    application.add_handler(producer_page.on_producer_page)
    application.add_handler(producer_page.on_follow)
    application.add_handler(question_form.on_ask_producer)
    # --- customer: the cart and checkout ---------------------------------------------------
    # --- customer: the cart and checkout, with a comment to each producer -----------------
    application.add_handler(comments.on_write_comment)
    application.add_handler(comments.on_back_to_checkout)
    application.add_handler(CommandHandler("cart", cart.cart_command))
    application.add_handler(cart.on_open_cart)
    application.add_handler(cart.on_step_line)
    application.add_handler(cart.on_remove_line)
    application.add_handler(cart.on_empty)
    application.add_handler(cart.on_checkout)
    application.add_handler(cart.on_confirm)
    application.add_handler(cart.on_settle_shortfall)
    # --- customer: a phone number for the producers (Telegram's contact button) ------------
    application.add_handler(phone.on_share_phone)
    # A contact card that answers nothing here goes where any other answer goes.
    for phone_message in phone.phone_handlers(forms.answer_handler(start.not_understood).callback):
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

    # --- admin: the menu, every screen (forms open from them), stopping a broadcast --------
    application.add_handler(CommandHandler("admin", menu.admin_command, filters.ChatType.PRIVATE))
    application.add_handler(CommandHandler("start", invitations.setup_start, setup))
    application.add_handler(menu.admin_home)
    application.add_handler(menu.new_ring)
    application.add_handler(invitations.new_invitation)
    application.add_handler(ring_archive.ring_lifecycle)
    application.add_handler(navigation.ring_screen)
    application.add_handler(navigation.open_form)
    application.add_handler(places.place_screen)
    application.add_handler(pickups.pickup_screen)
    application.add_handler(members.member_list)
    application.add_handler(members.member_screen)
    application.add_handler(broadcasts.stop_broadcast)
    # --- admin: the ring's rule for producers' posts, and approving them --------------------
    application.add_handler(post_approval.on_post_rules)
    application.add_handler(post_approval.on_decide_post)

    # --- producer: the menu, the digest, and every producer button -------------------------
    application.add_handler(CommandHandler("producer", producer_home.producer_command))
    application.add_handler(CommandHandler("digest", producer_orders.digest_command))
    application.add_handler(apply.on_review)
    for handler in PRODUCER_BUTTONS:
        application.add_handler(handler)

    # --- everyone: reminders and announcements on or off -----------------------------------
    application.add_handler(CommandHandler("notifications", notifications.notifications))
    application.add_handler(notifications.toggle_notifications)

    # --- last: /cancel, typed answers to the open question, what nobody recognised ---------
    application.add_handler(CommandHandler("cancel", forms.cancel_handler(start.cancel)))
    application.add_handler(forms.answer_handler(start.not_understood))
    # Private chats only by now (the guard stopped the rest); photos and stickers too.
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, start.not_understood)
    )
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(on_error)
    application.add_error_handler(count_error)  # for GET /metrics

    # --- jobs -------------------------------------------------------------------------------
    application.sweeper = sweep.schedule(application)  # the sweep (due work) and the outbox sender
    backup_job.schedule(application)  # the nightly copy, when REKOBOT_BACKUP_DIR is set


def all_forms() -> list[Form[Any]]:
    """Every form the bot asks, for every role (a kind is opened by ``start_form``)."""
    return [
        rings.RingForm(),
        rings.RingSettingsForm(),
        places.PlaceForm(),
        places.PlaceEditForm(),
        pickup_forms.PickupForm(),
        pickup_forms.SeriesForm(),
        pickup_forms.PickupChangeForm(),
        broadcasts.BroadcastForm(),
        members.MemberSearch(),
        invitations.InvitedRingForm(),
        ring_archive.RingDeleteForm(),
        quantity.QuantityForm(),
        comments.CommentForm(),
        apply.ApplyForm(),
        producer_home.ProfileForm(),
        offer_amounts.QuantityForm(),
        offer_amounts.LimitForm(),
        post_form.PostForm(),
        question_form.QuestionForm(),
        reply_form.ReplyForm(),
        page_photo.PagePhotoForm(),
        product_form.ProductForm(),
        weighing.WeighForm(),
        product_edit.ProductEditForm(),
    ]


def add_listeners(application: RekoApplication) -> None:
    """Connect the services' events to the chat layer."""
    services = application.services
    # Every order change queues the customer's notice in the ordering transaction.
    notices = CustomerNotices(services.members, orders.customer_notice, clock=services.clock)
    services.ordering.listeners.append(notices.on_order_event)
    # A role granted or taken sets that user's own command menu; its welcome carries a button.
    services.roles.listeners.append(RoleMenus(application.bot, services.roles).on_role_change)
    services.roles.menu_buttons = menu_buttons
