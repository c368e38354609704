"""Typing a quantity for the cart: a one-question form on the product's card.

The question is the customer's open question (``handlers.forms``), so it survives a restart
and a typed number always goes to it while it is the last question they saw.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.context import Ctx, current_user
from handlers.customer.shop import ShowOffer, TypeQuantity, show_card
from handlers.forms.engine import END, Form, FormField, FormState, Rows, close_form, start_form
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.i18n import N_, _
from rekobot.parsing import parse_quantity


class QuantityDraft(BaseModel):
    """Which offer the typed quantity is for, and what to call it in the question."""

    offer_id: int
    product: str
    unit: str
    quantity: int | None = None


class QuantityForm(Form[QuantityDraft]):
    """How many of one product go into the cart; answered, it is in the cart at once."""

    kind = "cqty"
    title: ClassVar[str] = N_("Quantity")
    draft_type = QuantityDraft
    ask_below: ClassVar[bool] = True
    fields = (FormField("quantity", N_("Quantity"), N_("How many?")),)

    def missing(self, state: FormState[QuantityDraft]) -> list[str]:
        return ["quantity"] if state.draft.quantity is None else []

    def prompt(self, state: FormState[QuantityDraft], form_field: FormField) -> str:
        return _(
            "How many of <b>{product}</b> ({unit}) do you want? Send a number, or /cancel."
        ).format(product=esc(state.draft.product), unit=esc(state.draft.unit))

    async def parse(
        self, context: Ctx, state: FormState[QuantityDraft], form_field: FormField, message: Message
    ) -> object:
        return parse_quantity(message.text or "")

    def leave(self, state: FormState[QuantityDraft]) -> Rows:
        return [[button("◀️ " + _("Back"), ShowOffer(state.draft.offer_id))]]

    async def cancelled(
        self, update: Update, context: Ctx, state: FormState[QuantityDraft]
    ) -> None:
        await show(update, context, _("OK, your cart is unchanged."), self.leave(state))

    async def finish(self, update: Update, context: Ctx, state: FormState[QuantityDraft]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[QuantityDraft]) -> str:
        return ""

    async def save(
        self, update: Update, context: Ctx, state: FormState[QuantityDraft], *, confirmed: bool
    ) -> int:
        quantity = state.draft.quantity or 0
        carts = context.bot_data.services.carts
        await carts.set_quantity(current_user().id, state.draft.offer_id, quantity)
        await close_form(context)
        await show_card(update, context, state.draft.offer_id, new_message=True)
        return END


@on_button(TypeQuantity)
async def on_type_quantity(update: Update, context: Ctx, data: TypeQuantity) -> None:
    """Ask for the quantity to put in the cart."""
    user = current_user()
    card = await context.bot_data.services.shop.card(user.id, data.offer_id)
    draft = QuantityDraft(
        offer_id=data.offer_id, product=card.offer.product.name, unit=card.offer.product.unit
    )
    await start_form(
        update, context, "cqty", user_id=user.id, ring_id=card.pickup.ring_id, draft=draft
    )
