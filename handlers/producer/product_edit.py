"""Changing one field of a product, as a one-question form; a new price may change its basis.

Typing "289 kr/kg" as the new price of a product sold per item makes it sold by weight, and
the estimated weight per item is asked next; "45 kr/stk" for one sold by weight asks for the
unit next. A price without a basis keeps the product's. The category is picked from buttons.
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
from handlers.producer.product_form import weight_question
from handlers.producer.products import EditField, SetCategory, ShowProduct, show_product
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import InvalidInput, NotFound
from rekobot.i18n import N_, _
from rekobot.models import PriceBasis, Product
from rekobot.parsing import parse_priced, parse_weight
from rekobot.services.catalog import ProductField, clean_photo

#: The tapped answer that removes the description or the photo.
REMOVE = "remove"


class ProductEdit(BaseModel):
    """Which product and field, what the question names, and the answer once given."""

    product_id: int
    field: ProductField
    name: str
    basis: PriceBasis
    removable: bool = False
    answered: bool = False
    value: str | None = None
    #: A price per kg (litre, 100 g) waiting for the weight per item, asked next.
    pending_price: int | None = None


def edit_draft(product: Product, field: ProductField, **extra: object) -> ProductEdit:
    """Ask for ``field`` of ``product``."""
    removable = {
        ProductField.DESCRIPTION: bool(product.description),
        ProductField.PHOTO: product.photo_file_id is not None,
    }.get(field, False)
    return ProductEdit.model_validate(
        {
            "product_id": product.id,
            "field": field,
            "name": product.name,
            "basis": product.price_basis,
            "removable": removable,
            **extra,
        }
    )


class ProductEditForm(Form[ProductEdit]):
    """One new value, saved at once; Back returns to the product's card."""

    kind = "pedit"
    title: ClassVar[str] = N_("Change a product")
    draft_type = ProductEdit
    fields = (FormField("value", N_("Change"), "", accepts=frozenset({"text", "photo"})),)

    def missing(self, state: FormState[ProductEdit]) -> list[str]:
        return [] if state.draft.answered else ["value"]

    def prompt(self, state: FormState[ProductEdit], form_field: FormField) -> str:
        draft = state.draft
        name = esc(draft.name)
        if draft.field is ProductField.NAME:
            return _("Send the new name for “{name}”.").format(name=name)
        if draft.field is ProductField.DESCRIPTION:
            return _("Send the new description for “{name}”.").format(name=name)
        if draft.field is ProductField.UNIT:
            text = _("Send the new unit for “{name}”, for example “1 kg” or “6 stk”.")
            return text.format(name=name)
        if draft.field is ProductField.PRICE:
            text = _("Send the new price of “{name}”, for example 45, 45,50 or 289 kr/kg.")
            return text.format(name=name)
        if draft.field is ProductField.WEIGHT:
            return f"<b>{name}</b>\n" + weight_question(draft.basis)
        return _("Send the new photo for “{name}”.").format(name=name)

    async def choices(
        self, context: Ctx, state: FormState[ProductEdit], form_field: FormField
    ) -> list[Choice]:
        if not state.draft.removable:
            return []
        if state.draft.field is ProductField.DESCRIPTION:
            return [Choice("🗑 " + _("Remove the description"), REMOVE)]
        return [Choice("🗑 " + _("Remove the photo"), REMOVE)]

    async def parse(
        self, context: Ctx, state: FormState[ProductEdit], form_field: FormField, message: Message
    ) -> object:
        field = state.draft.field
        if field is ProductField.PHOTO:
            if not message.photo:
                raise InvalidInput(_("Please send a photo, or tap Back."))
            return clean_photo(message.photo[-1].file_id)
        if message.photo:
            raise InvalidInput(_("Please type your answer."))
        text = message.text or ""
        if field is ProductField.PRICE:
            parse_priced(text)  # refused here, so the question is asked again with the reason
        elif field is ProductField.WEIGHT:
            parse_weight(text, state.draft.basis)
        return text

    def accept(self, state: FormState[ProductEdit], form_field: FormField, value: object) -> None:
        text = value if isinstance(value, str) else None
        state.draft = state.draft.model_copy(update={"answered": True, "value": text})

    def accept_choice(
        self, state: FormState[ProductEdit], form_field: FormField, value: str
    ) -> None:
        self.accept(state, form_field, None)  # REMOVE: no description, no photo

    def cancel_label(self) -> str:
        return "⬅️ " + _("Back")

    def leave(self, state: FormState[ProductEdit]) -> Rows:
        return [[button("⬅️ " + _("Back"), ShowProduct(state.draft.product_id))]]

    async def cancelled(self, update: Update, context: Ctx, state: FormState[ProductEdit]) -> None:
        note = _("Cancelled. Nothing was saved.")
        await show_product(update, context, state.draft.product_id, note)

    async def summary(self, context: Ctx, state: FormState[ProductEdit]) -> str:
        return ""

    async def finish(self, update: Update, context: Ctx, state: FormState[ProductEdit]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def save(
        self, update: Update, context: Ctx, state: FormState[ProductEdit], *, confirmed: bool
    ) -> int:
        draft = state.draft
        catalog = context.bot_data.services.catalog
        user_id = current_user().id
        before = await catalog.product(user_id, draft.product_id)
        if draft.field is ProductField.PRICE:
            typed = parse_priced(draft.value or "")
            basis = typed.basis or before.price_basis
            if basis.by_weight and (before.weight_min is None or basis is not before.price_basis):
                # Sold by weight from now on (or by another measure): the weight comes next.
                weight = edit_draft(before, ProductField.WEIGHT, pending_price=typed.minor)
                return await self._next(
                    update, context, state, weight.model_copy(update={"basis": basis})
                )
        if draft.field is ProductField.WEIGHT and draft.pending_price is not None:
            estimate = parse_weight(draft.value or "", draft.basis)
            await catalog.set_pricing(
                user_id, draft.product_id, draft.pending_price, draft.basis, estimate
            )
        else:
            changed = await catalog.edit(user_id, draft.product_id, draft.field, draft.value)
            if before.by_weight and not changed.by_weight:
                note = "✅ " + _("Changed. Now say what one item is, for example “6 stk”.")
                unit = edit_draft(changed, ProductField.UNIT)
                return await self._next(update, context, state, unit, note)
        await close_form(context)
        await show_product(update, context, draft.product_id, "✅ " + _("Changed."))
        return END

    async def _next(
        self,
        update: Update,
        context: Ctx,
        state: FormState[ProductEdit],
        draft: ProductEdit,
        note: str = "",
    ) -> int:
        state.draft = draft
        await ask(update, context, self, state, "value", note=note)
        return INPUT


@on_button(EditField)
async def on_edit_field(update: Update, context: Ctx, data: EditField) -> None:
    """Ask for the new value of one field (the category is picked from buttons)."""
    try:
        field = ProductField(data.field)
    except ValueError:
        raise NotFound() from None
    user = current_user()
    catalog = context.bot_data.services.catalog
    product = await catalog.product(user.id, data.product_id)
    if field is ProductField.CATEGORY:
        categories = await catalog.categories(user.id)
        rows = [[button(name, SetCategory(product.id, i + 1))] for i, name in enumerate(categories)]
        rows.append([button(_("No category"), SetCategory(product.id, 0))])
        rows.append([button("⬅️ " + _("Back"), ShowProduct(product.id))])
        text = _("Pick the category of “{name}”:").format(name=esc(product.name))
        await show(update, context, text, rows)
        return
    draft = edit_draft(product, field)
    await start_form(update, context, ProductEditForm.kind, user_id=user.id, ring_id=0, draft=draft)


@on_button(SetCategory)
async def on_set_category(update: Update, context: Ctx, data: SetCategory) -> None:
    """Change a product's category."""
    user = current_user()
    catalog = context.bot_data.services.catalog
    categories = await catalog.categories(user.id)
    if not 0 <= data.index <= len(categories):
        raise NotFound()
    category = categories[data.index - 1] if data.index else ""
    await catalog.edit(user.id, data.product_id, ProductField.CATEGORY, category)
    await show_product(update, context, data.product_id, "✅ " + _("Changed."))


#: Plain buttons of these screens (the form's own buttons are the engine's).
BUTTONS = [on_edit_field, on_set_category]
