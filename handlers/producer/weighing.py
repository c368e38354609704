"""Weighing at the handover: the weight of each line sold by weight, as a form on the engine.

⚖️ on an order of the handover list asks for the first line not weighed yet (buttons switch to
the order's other such lines). Each answer is saved at once; the next line is asked until all
are in, and then the list shows again while the customer gets the final amount (the service
queues it). A line never weighed keeps its estimate.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    INPUT,
    Choice,
    Form,
    FormField,
    FormState,
    Rows,
    ask,
    close_form,
    start_form,
)
from handlers.producer.orders import HandoverList, WeighLine, line_text, show_handover
from handlers.replies import button, on_button
from handlers.text import esc, shorten
from rekobot.digest import Digest
from rekobot.errors import NotFound
from rekobot.i18n import N_, _
from rekobot.models import PriceBasis
from rekobot.models.digest import CustomerOrder, DigestLine
from rekobot.parsing import parse_weighed
from rekobot.render import amount_text, price_text


class Weighing(BaseModel):
    """The order and line being weighed, as the producer reads it, and the answer."""

    pickup_id: int
    order_id: int
    offer_id: int
    page: int
    basis: PriceBasis
    quantity: int
    heading: str  # "#1 Kari Nordmann", escaped
    line: str  # "2 × Lammelår (ca. 2 kg) · 289,00 kr/kg", escaped
    others: list[tuple[int, str]] = []  # (offer id, product name) of the order's other lines
    grams: int | None = None
    #: A button picked another of the order's lines: it is asked next.
    switch: bool = False


def weighing_of(digest: Digest, order: CustomerOrder, line: DigestLine, page: int) -> Weighing:
    """The draft that asks for one line's weight."""
    currency = digest.ring.currency
    return Weighing(
        pickup_id=digest.pickup.id,
        order_id=order.order_id,
        offer_id=line.offer_id,
        page=page,
        basis=line.price_basis,
        quantity=line.quantity,
        heading=f"#{order.number} {esc(order.customer)}",
        line=line_text(line) + " · " + price_text(line.unit_price, line.price_basis, currency),
        others=[
            (other.offer_id, other.product_name)
            for other in order.lines
            if other.price_basis.by_weight and other.offer_id != line.offer_id
        ],
    )


def next_line(order: CustomerOrder, offer_id: int = 0) -> DigestLine:
    """The line asked for: the one picked, else the first not weighed, else the first."""
    weighable = [line for line in order.lines if line.price_basis.by_weight]
    if not weighable:
        raise NotFound()
    picked = next((line for line in weighable if line.offer_id == offer_id), None)
    unweighed = next((line for line in weighable if line.weighed_grams is None), weighable[0])
    return picked or unweighed


class WeighForm(Form[Weighing]):
    """One line's weight; saved at once, then the next line or back to the handover list."""

    kind = "pweigh"
    title: ClassVar[str] = N_("Weighing")
    draft_type = Weighing
    fields = (FormField("grams", N_("Weight"), ""),)

    def missing(self, state: FormState[Weighing]) -> list[str]:
        return [] if state.draft.grams is not None or state.draft.switch else ["grams"]

    def prompt(self, state: FormState[Weighing], form_field: FormField) -> str:
        draft = state.draft
        question = (
            # One item, or several weighed together (n >= 2 is the plural in every language).
            _("What did it weigh? For example 2,14 kg or 2140 g.")
            if draft.quantity == 1
            else _("What did the {n} weigh together? For example 4,3 kg.").format(n=draft.quantity)
        )
        return f"⚖️ <b>{draft.heading}</b>\n{draft.line}\n\n{question}"

    async def choices(
        self, context: Ctx, state: FormState[Weighing], form_field: FormField
    ) -> list[Choice]:
        return [
            Choice("⚖️ " + shorten(name, 30), str(offer_id)) for offer_id, name in state.draft.others
        ]

    async def parse(
        self, context: Ctx, state: FormState[Weighing], form_field: FormField, message: Message
    ) -> object:
        return parse_weighed(message.text or "", state.draft.basis)

    def accept_choice(self, state: FormState[Weighing], form_field: FormField, value: str) -> None:
        state.draft = state.draft.model_copy(update={"offer_id": int(value), "switch": True})

    def cancel_label(self) -> str:
        return "⬅️ " + _("Handover list")

    def leave(self, state: FormState[Weighing]) -> Rows:
        draft = state.draft
        return [[button("⬅️ " + _("Handover list"), HandoverList(draft.pickup_id, draft.page))]]

    async def cancelled(self, update: Update, context: Ctx, state: FormState[Weighing]) -> None:
        note = _("Cancelled. Nothing was saved.")
        await show_handover(update, context, state.draft.pickup_id, state.draft.page, note)

    async def summary(self, context: Ctx, state: FormState[Weighing]) -> str:
        return ""

    async def finish(self, update: Update, context: Ctx, state: FormState[Weighing]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def save(
        self, update: Update, context: Ctx, state: FormState[Weighing], *, confirmed: bool
    ) -> int:
        draft = state.draft
        handover = context.bot_data.services.handover
        user_id = current_user().id
        if draft.grams is None:  # a button switched to another line: ask for it
            return await self._ask_line(update, context, state, draft.offer_id)
        weighed = await handover.weigh(
            user_id, draft.pickup_id, draft.order_id, draft.offer_id, draft.grams
        )
        digest = await handover.sheet(user_id, draft.pickup_id)
        note = "✅ " + _("#{number}: {amount}").format(
            number=weighed.number,
            amount=amount_text(weighed.amount, digest.ring.currency, weighed.estimated),
        )
        if weighed.estimated:
            return await self._ask_line(update, context, state, 0, note)
        await close_form(context)
        done = note + "\n" + _("The customer gets the final amount.")
        await show_handover(update, context, draft.pickup_id, draft.page, done)
        return END

    async def _ask_line(
        self,
        update: Update,
        context: Ctx,
        state: FormState[Weighing],
        offer_id: int,
        note: str = "",
    ) -> int:
        draft = state.draft
        digest = await context.bot_data.services.handover.sheet(current_user().id, draft.pickup_id)
        order = digest.order(draft.order_id)
        if order is None:
            raise NotFound()
        state.draft = weighing_of(digest, order, next_line(order, offer_id), draft.page)
        await ask(update, context, self, state, "grams", note=note)
        return INPUT


@on_button(WeighLine)
async def on_weigh(update: Update, context: Ctx, data: WeighLine) -> None:
    """Start weighing an order's lines sold by weight."""
    user_id = current_user().id
    digest = await context.bot_data.services.handover.sheet(user_id, data.pickup_id)
    order = digest.order(data.order_id)
    if order is None:
        raise NotFound()
    draft = weighing_of(digest, order, next_line(order, data.offer_id), data.page)
    await start_form(update, context, WeighForm.kind, user_id=user_id, ring_id=0, draft=draft)


#: The button that opens the form (the form's own buttons are the engine's).
BUTTONS = [on_weigh]
