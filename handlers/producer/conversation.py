"""The producer's buttons, registered one by one in wiring.py.

Every question a producer is asked (applying, the profile, a product, a field of one, offer
amounts, a weight at the handover, a weekly post, a reply to a customer, the page's photo) is a
form on the engine (``handlers.forms``): the open question lives in the database, so there is
no producer ConversationHandler any more. A producer button pressed while a question is open
does what it says; the question stays open until it is answered, cancelled or replaced.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler

from handlers.context import Ctx
from handlers.producer import (
    apply,
    home,
    links,
    offer_amounts,
    offers,
    orders,
    page_photo,
    post_form,
    posts,
    product_edit,
    product_form,
    products,
    reply_form,
    weighing,
)

#: Plain producer buttons, each registered on its own in wiring.py.
BUTTONS: list[CallbackQueryHandler[Ctx, object]] = [
    *home.BUTTONS,
    *products.BUTTONS,
    *product_edit.BUTTONS,
    *product_form.BUTTONS,
    *weighing.BUTTONS,
    *offers.BUTTONS,
    *offer_amounts.BUTTONS,
    *orders.BUTTONS,
    apply.on_apply_to_ring,
    apply.on_start_over,
    *posts.BUTTONS,
    post_form.on_write_post,
    reply_form.on_reply,
    links.on_my_links,
    page_photo.on_edit_page_photo,
]
