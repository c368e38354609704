"""Typing how many of a product to offer, or the most one customer may order, as forms.

Each is a one-question form on the engine (``handlers.forms``): the answer is saved at once,
a refused one (too few for what is ordered already) asks again with the reason, and Back
returns to the product's card or the board.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    Choice,
    Form,
    FormField,
    FormState,
    Rows,
    close_form,
    start_form,
)
from handlers.producer.common import home_row
from handlers.producer.offers import (
    Board,
    ChangeLimit,
    ChangeQuantity,
    ShowSlot,
    SwitchOn,
    show_board,
    show_slot,
)
from handlers.replies import button, on_button
from handlers.text import esc
from rekobot.i18n import N_, _, ngettext
from rekobot.parsing import parse_quantity
from rekobot.services.offers import MAX_OFFER_QUANTITY

#: A quick answer meaning "unlimited" (quantity) or "no limit" (per customer).
NO_LIMIT = "none"


class OfferAmount(BaseModel):
    """The product and pickup being asked about, and the answer once given."""

    pickup_id: int
    product_id: int
    name: str
    unit: str
    offer_id: int | None = None
    last: int | None = None  # the quantity offered last time
    ordered: int = 0
    answered: bool = False
    amount: int | None = None  # None: unlimited / no limit


class AmountForm(Form[OfferAmount]):
    """What both questions share: the answer, Back to the product, saving at once."""

    draft_type = OfferAmount
    fields = (FormField("amount", N_("Quantity"), ""),)

    def missing(self, state: FormState[OfferAmount]) -> list[str]:
        return [] if state.draft.answered else ["amount"]

    def cancel_label(self) -> str:
        return "⬅️ " + _("Back")

    def back(self, state: FormState[OfferAmount]) -> Callback:
        """The product's card, or the board when the product is not on offer yet."""
        draft = state.draft
        if draft.offer_id is not None:
            return ShowSlot(draft.pickup_id, draft.product_id)
        return Board(draft.pickup_id, 0)

    def leave(self, state: FormState[OfferAmount]) -> Rows:
        return [[button("⬅️ " + _("Back"), self.back(state))], home_row()]

    async def cancelled(self, update: Update, context: Ctx, state: FormState[OfferAmount]) -> None:
        draft = state.draft
        if draft.offer_id is not None:
            await show_slot(update, context, draft.pickup_id, draft.product_id)
        else:
            await show_board(update, context, draft.pickup_id, 0)

    def accept(self, state: FormState[OfferAmount], form_field: FormField, value: object) -> None:
        amount = value if isinstance(value, int) else None
        state.draft = state.draft.model_copy(update={"answered": True, "amount": amount})

    def accept_choice(
        self, state: FormState[OfferAmount], form_field: FormField, value: str
    ) -> None:
        self.accept(state, form_field, None if value == NO_LIMIT else int(value))

    async def finish(self, update: Update, context: Ctx, state: FormState[OfferAmount]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[OfferAmount]) -> str:
        return ""

    async def saved(self, update: Update, context: Ctx, pickup_id: int, product_id: int) -> int:
        """Close the question and show the product with the change."""
        await close_form(context)
        await show_slot(update, context, pickup_id, product_id, "✅ " + _("Saved."))
        return END


class QuantityForm(AmountForm):
    """How many units to bring: a number, unlimited, or the same as last time."""

    kind = "poqty"
    title: ClassVar[str] = N_("Quantity")

    def prompt(self, state: FormState[OfferAmount], form_field: FormField) -> str:
        draft = state.draft
        text = _("How many “{product}” ({unit}) can you bring? Send a number.").format(
            product=esc(draft.name), unit=esc(draft.unit)
        )
        if draft.ordered:
            text += "\n" + ngettext(
                "Customers have ordered {n} already.",
                "Customers have ordered {n} already.",
                draft.ordered,
            ).format(n=draft.ordered)
        return text

    async def choices(
        self, context: Ctx, state: FormState[OfferAmount], form_field: FormField
    ) -> list[Choice]:
        last = state.draft.last
        same = [Choice("🔁 " + _("Same as last time: {n}").format(n=last), str(last))]
        unlimited = [Choice("∞ " + _("Unlimited"), NO_LIMIT)]
        return same + unlimited if last else unlimited

    async def parse(
        self, context: Ctx, state: FormState[OfferAmount], form_field: FormField, message: Message
    ) -> object:
        return parse_quantity(message.text or "", maximum=MAX_OFFER_QUANTITY)

    async def save(
        self, update: Update, context: Ctx, state: FormState[OfferAmount], *, confirmed: bool
    ) -> int:
        offers = context.bot_data.services.offers
        user_id = current_user().id
        draft = state.draft
        if draft.offer_id is not None:
            offer = await offers.set_quantity(user_id, draft.offer_id, draft.amount)
        else:
            offer = await offers.switch_on(
                user_id, draft.pickup_id, draft.product_id, quantity=draft.amount
            )
        return await self.saved(update, context, offer.pickup_id, offer.product.id)


class LimitForm(AmountForm):
    """The most one customer may order of an offer, or no limit."""

    kind = "polim"
    title: ClassVar[str] = N_("Most per customer")

    def prompt(self, state: FormState[OfferAmount], form_field: FormField) -> str:
        return _("How many “{product}” may one customer order at most? Send a number.").format(
            product=esc(state.draft.name)
        )

    async def choices(
        self, context: Ctx, state: FormState[OfferAmount], form_field: FormField
    ) -> list[Choice]:
        return [Choice(_("No limit"), NO_LIMIT)]

    async def parse(
        self, context: Ctx, state: FormState[OfferAmount], form_field: FormField, message: Message
    ) -> object:
        return parse_quantity(message.text or "")

    async def save(
        self, update: Update, context: Ctx, state: FormState[OfferAmount], *, confirmed: bool
    ) -> int:
        offer_id = state.draft.offer_id
        assert offer_id is not None
        offers = context.bot_data.services.offers
        offer = await offers.set_limit(current_user().id, offer_id, state.draft.amount)
        return await self.saved(update, context, offer.pickup_id, offer.product.id)


@on_button(SwitchOn)
async def on_switch_on(update: Update, context: Ctx, data: SwitchOn) -> None:
    """Ask how many of the product to offer."""
    offers = context.bot_data.services.offers
    user = current_user()
    ring, _pickup, slot = await offers.slot(user.id, data.pickup_id, data.product_id)
    last = await offers.last_quantity(user.id, data.pickup_id, data.product_id)
    draft = OfferAmount(
        pickup_id=data.pickup_id,
        product_id=data.product_id,
        name=slot.product.name,
        unit=slot.product.unit,
        last=last,
    )
    await start_form(
        update, context, QuantityForm.kind, user_id=user.id, ring_id=ring.id, draft=draft
    )


async def _ask_about_offer(update: Update, context: Ctx, kind: str, offer_id: int) -> None:
    """Open a question about an offer (the service checks it is the user's)."""
    user_id = current_user().id
    offer = await context.bot_data.services.offers.offer(user_id, offer_id)
    draft = OfferAmount(
        offer_id=offer.id,
        pickup_id=offer.pickup_id,
        product_id=offer.product.id,
        name=offer.product.name,
        unit=offer.product.unit,
        ordered=offer.quantity_reserved,
    )
    await start_form(update, context, kind, user_id=user_id, ring_id=0, draft=draft)


@on_button(ChangeQuantity)
async def on_change_quantity(update: Update, context: Ctx, data: ChangeQuantity) -> None:
    """Ask for the new quantity of an offer."""
    await _ask_about_offer(update, context, QuantityForm.kind, data.offer_id)


@on_button(ChangeLimit)
async def on_change_limit(update: Update, context: Ctx, data: ChangeLimit) -> None:
    """Ask for the new maximum per customer of an offer."""
    await _ask_about_offer(update, context, LimitForm.kind, data.offer_id)


#: The buttons that open these questions.
BUTTONS = [on_switch_on, on_change_quantity, on_change_limit]
