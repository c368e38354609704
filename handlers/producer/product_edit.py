"""Changing one field of a product; a new price may change what it is per.

Typing "289 kr/kg" as the new price of a product sold per item makes it sold by weight, and
the estimated weight per item is asked next; "45 kr/stk" for one sold by weight asks for the
unit next. A price without a basis keeps the product's.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from handlers.context import Ctx, current_user
from handlers.producer.common import EDIT, EDIT_VALUE, Skip, ask, draft, drop, typed_text
from handlers.producer.product_form import weight_question
from handlers.producer.products import EditField, SetCategory, ShowProduct, show_product
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import InvalidInput, NotFound
from rekobot.i18n import _
from rekobot.models import PriceBasis, Product
from rekobot.parsing import parse_priced, parse_weight
from rekobot.services.catalog import ProductField, clean_photo

END = ConversationHandler.END


def _edit_question(
    product: Product, field: ProductField
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    text, rows = _edit_prompt(product, field)
    return text, [*rows, [button("⬅️ " + _("Back"), ShowProduct(product.id))]]


def _edit_prompt(
    product: Product, field: ProductField
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    name = esc(product.name)
    if field is ProductField.NAME:
        return _("Send the new name for “{name}”.").format(name=name), []
    if field is ProductField.DESCRIPTION:
        rows = [[button("🗑 " + _("Remove the description"), Skip())]] if product.description else []
        return _("Send the new description for “{name}”.").format(name=name), rows
    if field is ProductField.UNIT:
        text = _("Send the new unit for “{name}”, for example “1 kg” or “6 stk”.")
        return text.format(name=name), []
    if field is ProductField.PRICE:
        text = _("Send the new price of “{name}”, for example 45, 45,50 or 289 kr/kg.")
        return text.format(name=name), []
    if field is ProductField.WEIGHT:
        return f"<b>{name}</b>\n" + weight_question(product.price_basis), []
    rows = [[button("🗑 " + _("Remove the photo"), Skip())]] if product.photo_file_id else []
    return _("Send the new photo for “{name}”.").format(name=name), rows


@on_button(EditField)
async def on_edit_field(update: Update, context: Ctx, data: EditField) -> int:
    """Ask for the new value of one field (the category is picked from buttons)."""
    try:
        field = ProductField(data.field)
    except ValueError:
        raise NotFound() from None
    user = current_user()
    product = await context.bot_data.services.catalog.product(user.id, data.product_id)
    if field is ProductField.CATEGORY:
        categories = await context.bot_data.services.catalog.categories(user.id)
        rows = [[button(name, SetCategory(product.id, i + 1))] for i, name in enumerate(categories)]
        rows.append([button(_("No category"), SetCategory(product.id, 0))])
        rows.append([button("⬅️ " + _("Back"), ShowProduct(product.id))])
        text = _("Pick the category of “{name}”:").format(name=esc(product.name))
        await show(update, context, text, rows)
        return END
    return await _ask_edit(update, context, product, field)


async def _ask_edit(
    update: Update,
    context: Ctx,
    product: Product,
    field: ProductField,
    note: str = "",
    **pending: object,
) -> int:
    assert context.user_data is not None
    context.user_data[EDIT] = {"product_id": product.id, "field": field.value, **pending}
    text, rows = _edit_question(product, field)
    await ask(update, context, (note + "\n\n" if note else "") + text, rows)
    return EDIT_VALUE


async def _apply_edit(update: Update, context: Ctx, value: str | None) -> int:
    edit = draft(context, EDIT)
    try:
        field = ProductField(str(edit.get("field")))
        product_id = int(str(edit.get("product_id")))
    except ValueError:
        return END
    user = current_user()
    catalog = context.bot_data.services.catalog
    before = await catalog.product(user.id, product_id)
    try:
        if field is ProductField.PRICE:
            return await _apply_price(update, context, before, value or "")
        if field is ProductField.WEIGHT and "price" in edit:
            weight = parse_weight(value or "", PriceBasis(str(edit["basis"])))
            price, basis = int(str(edit["price"])), PriceBasis(str(edit["basis"]))
            await catalog.set_pricing(user.id, product_id, price, basis, weight)
        else:
            await catalog.edit(user.id, product_id, field, value)
    except InvalidInput as refusal:
        pending = {k: v for k, v in edit.items() if k in ("price", "basis")}
        return await _ask_edit(update, context, before, field, refusal.message(), **pending)
    drop(context, EDIT)
    await show_product(update, context, product_id, "✅ " + _("Changed."))
    return END


async def _apply_price(update: Update, context: Ctx, product: Product, text: str) -> int:
    """A new price; one that changes what it is per may ask for the weight or the unit next."""
    typed = parse_priced(text)
    basis = typed.basis or product.price_basis
    catalog = context.bot_data.services.catalog
    if basis.by_weight and (product.weight_min is None or basis is not product.price_basis):
        # Sold by weight from now on (or by another measure): the weight per item comes next.
        return await _ask_edit(
            update, context, product, ProductField.WEIGHT, price=typed.minor, basis=basis.value
        )
    changed = await catalog.edit(current_user().id, product.id, ProductField.PRICE, text)
    if product.by_weight and not changed.by_weight:
        note = "✅ " + _("Changed. Now say what one item is, for example “6 stk”.")
        return await _ask_edit(update, context, changed, ProductField.UNIT, note)
    drop(context, EDIT)
    await show_product(update, context, product.id, "✅ " + _("Changed."))
    return END


async def receive_edit_text(update: Update, context: Ctx) -> int:
    """Take the typed new value (a photo field wants a photo)."""
    if draft(context, EDIT).get("field") == ProductField.PHOTO.value:
        await ask(update, context, _("Please send a photo, or /cancel."))
        return EDIT_VALUE
    return await _apply_edit(update, context, typed_text(update))


async def receive_edit_photo(update: Update, context: Ctx) -> int:
    """Take a new photo."""
    message = update.effective_message
    assert message is not None and message.photo
    if draft(context, EDIT).get("field") != ProductField.PHOTO.value:
        await ask(update, context, _("Please send text, or /cancel."))
        return EDIT_VALUE
    return await _apply_edit(update, context, clean_photo(message.photo[-1].file_id))


@on_button(Skip)
async def on_remove(update: Update, context: Ctx, data: Skip) -> int:
    """Remove the description or photo being edited."""
    return await _apply_edit(update, context, None)


@on_button(SetCategory)
async def on_set_category(update: Update, context: Ctx, data: SetCategory) -> int:
    """Change a product's category."""
    user = current_user()
    catalog = context.bot_data.services.catalog
    categories = await catalog.categories(user.id)
    if not 0 <= data.index <= len(categories):
        raise NotFound()
    category = categories[data.index - 1] if data.index else ""
    await catalog.edit(user.id, data.product_id, ProductField.CATEGORY, category)
    await show_product(update, context, data.product_id, "✅ " + _("Changed."))
    return END


#: Plain buttons of these screens; each ends a half-finished question.
BUTTONS = [on_set_category]
ENTRY_POINTS = [on_edit_field]
