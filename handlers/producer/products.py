"""The producer's products: the list, a product's card, adding step by step, editing, hiding."""

from __future__ import annotations

import dataclasses
import logging

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import (
    ADD_CATEGORY,
    ADD_DESCRIPTION,
    ADD_NAME,
    ADD_PHOTO,
    ADD_PRICE,
    ADD_UNIT,
    EDIT,
    EDIT_VALUE,
    PAGE_SIZE,
    PRODUCT,
    Skip,
    StartOver,
    ask,
    draft,
    drop,
    home_row,
    page_rows,
    pages_of,
    typed_text,
)
from handlers.replies import button, on_button, show
from handlers.text import esc, shorten
from rekobot.errors import InvalidInput, NotFound, ProductWasOrdered, Refusal
from rekobot.i18n import _, money, ngettext
from rekobot.models import Product
from rekobot.parsing import parse_price
from rekobot.services.catalog import (
    ProductDraft,
    ProductField,
    clean_description,
    clean_name,
    clean_photo,
    clean_unit,
)

log = logging.getLogger(__name__)

END = ConversationHandler.END
STEPS = 6
#: The currency a product's price is shown in; products are priced in the producer's rings'
#: money, which is NOK, SEK, DKK or EUR, all with two decimals.
_CURRENCY_FALLBACK = "NOK"


@dataclasses.dataclass(frozen=True)
class ListProducts(Callback, prefix="pprods"):
    """The producer's products, a page at a time."""

    page: int


@dataclasses.dataclass(frozen=True)
class ShowProduct(Callback, prefix="pprod"):
    """A product's card."""

    product_id: int


@dataclasses.dataclass(frozen=True)
class AddProduct(Callback, prefix="padd"):
    """Add a product step by step."""


@dataclasses.dataclass(frozen=True)
class EditField(Callback, prefix="pedit"):
    """Change one field of a product."""

    product_id: int
    field: str


@dataclasses.dataclass(frozen=True)
class PickCategory(Callback, prefix="pcat"):
    """A category for the product being added (0: none, n: the n-th of the list)."""

    index: int


@dataclasses.dataclass(frozen=True)
class SetCategory(Callback, prefix="psetc"):
    """A new category for an existing product (0: none)."""

    product_id: int
    index: int


@dataclasses.dataclass(frozen=True)
class HideProduct(Callback, prefix="phide"):
    """Hide (1) or show (0) a product."""

    product_id: int
    hidden: int


@dataclasses.dataclass(frozen=True)
class DeleteProduct(Callback, prefix="pdel"):
    """Ask (0) or confirm (1) deleting a product."""

    product_id: int
    confirm: int


async def currency(context: Ctx) -> str:
    """The money of the producer's first ring, for showing prices."""
    profile = await context.bot_data.services.producers.profile(current_user().id)
    if profile is not None and profile.rings:
        return profile.rings[0].ring.currency
    return _CURRENCY_FALLBACK


def card_text(product: Product, currency_code: str, note: str = "") -> str:
    """A product as the producer sees it in their catalog."""
    lines = [note] if note else []
    lines += [
        f"<b>{esc(product.name)}</b> ({esc(product.unit)})",
        money(product.price, currency_code),
        _("Category: {category}").format(category=esc(product.category) or _("none")),
    ]
    if product.description:
        lines.append(esc(shorten(product.description, 500)))
    lines.append("📷 " + (_("With a photo") if product.photo_file_id else _("No photo")))
    if product.hidden:
        lines.append("🙈 " + _("Hidden: it is not listed when you set your offers."))
    return "\n".join(lines)


def card_rows(product: Product) -> list[list[InlineKeyboardButton]]:
    """Edit, hide or delete a product."""
    pid = product.id
    hide = (
        button("👁 " + _("Show"), HideProduct(pid, 0))
        if product.hidden
        else button("🙈 " + _("Hide"), HideProduct(pid, 1))
    )
    return [
        [
            button("✏️ " + _("Name"), EditField(pid, ProductField.NAME.value)),
            button("✏️ " + _("Description"), EditField(pid, ProductField.DESCRIPTION.value)),
        ],
        [
            button("✏️ " + _("Unit"), EditField(pid, ProductField.UNIT.value)),
            button("✏️ " + _("Price"), EditField(pid, ProductField.PRICE.value)),
        ],
        [
            button("✏️ " + _("Category"), EditField(pid, ProductField.CATEGORY.value)),
            button("📷 " + _("Photo"), EditField(pid, ProductField.PHOTO.value)),
        ],
        [hide, button("🗑 " + _("Delete"), DeleteProduct(pid, 0))],
        [button("⬅️ " + _("My products"), ListProducts(0)), *home_row()],
    ]


async def show_product(update: Update, context: Ctx, product_id: int, note: str = "") -> None:
    """Show a product's card with its buttons."""
    product = await context.bot_data.services.catalog.product(current_user().id, product_id)
    await show(
        update, context, card_text(product, await currency(context), note), card_rows(product)
    )


async def show_products(update: Update, context: Ctx, page: int) -> None:
    """Show the producer's products, a page at a time."""
    products = await context.bot_data.services.catalog.products(current_user().id)
    pages = pages_of(len(products))
    page = min(max(page, 0), pages - 1)
    shown = products[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if products:
        text = (
            "🧺 <b>"
            + _("My products")
            + "</b>\n"
            + ngettext(
                "You have {n} product. Tap one to change it.",
                "You have {n} products. Tap one to change it.",
                len(products),
            ).format(n=len(products))
        )
    else:
        text = (
            "🧺 <b>"
            + _("My products")
            + "</b>\n"
            + _("You have no products yet. Add the first one: it takes a minute.")
        )
    rows = [
        [button(("🙈 " if p.hidden else "") + shorten(p.name, 40), ShowProduct(p.id))]
        for p in shown
    ]
    rows.append(page_rows(page, pages, ListProducts))
    rows.append([button("➕ " + _("Add a product"), AddProduct())])
    rows.append(home_row())
    await show(update, context, text, rows)


@on_button(ListProducts)
async def on_list(update: Update, context: Ctx, data: ListProducts) -> int:
    """Show the list of products."""
    await show_products(update, context, data.page)
    return END


@on_button(ShowProduct)
async def on_show(update: Update, context: Ctx, data: ShowProduct) -> int:
    """Open a product's card."""
    await show_product(update, context, data.product_id)
    return END


# --- adding a product, step by step ----------------------------------------------------------


def _question(
    step: str, product: dict[str, object]
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    if step == "name":
        return f"(1/{STEPS}) " + _("What is the product called? For example “Poteter”."), []
    if step == "description":
        return (
            f"(2/{STEPS}) " + _("A short description for customers, or tap Skip."),
            [[button("⏭ " + _("Skip"), Skip())]],
        )
    if step == "unit":
        return (
            f"(3/{STEPS}) "
            + _("What unit is it sold by? For example “1 kg”, “6 stk” or “glass 350 g”."),
            [],
        )
    if step == "price":
        return (
            f"(4/{STEPS}) "
            + _("What does one {unit} cost? For example 45 or 45,50.").format(
                unit=esc(str(product.get("unit", "")))
            ),
            [],
        )
    return (
        f"(6/{STEPS}) " + _("Send a photo of the product, or tap Skip."),
        [[button("⏭ " + _("Skip"), Skip())]],
    )


_ORDER = [
    ("name", ADD_NAME),
    ("description", ADD_DESCRIPTION),
    ("unit", ADD_UNIT),
    ("price", ADD_PRICE),
    ("category", ADD_CATEGORY),
    ("photo", ADD_PHOTO),
]


async def next_step(update: Update, context: Ctx, *, resumed: bool = False) -> int:
    """Ask for the first missing part of the new product, or save it when it is complete."""
    product = draft(context, PRODUCT)
    for step, state in _ORDER:
        if step in product:
            continue
        if step == "category":
            categories = await context.bot_data.services.catalog.categories(current_user().id)
            if not categories:
                product["category"] = ""
                continue
            text = f"(5/{STEPS}) " + _("Which category does it belong to?")
            rows = [[button(name, PickCategory(i + 1))] for i, name in enumerate(categories)]
            rows.append([button(_("No category"), PickCategory(0))])
        else:
            text, rows = _question(step, product)
        if resumed:
            name = product.get("name")
            intro = (
                _("Let us continue with “{name}”.").format(name=esc(str(name)))
                if name
                else _("Let us continue with your new product.")
            )
            text = intro + "\n\n" + text
            rows = [*rows, [button("↩️ " + _("Start over"), StartOver("product"))]]
        # Leaving through the menu keeps the draft: "Add a product" continues it.
        await ask(update, context, text, [*rows, home_row()])
        return state
    return await save_product(update, context)


async def start_product(update: Update, context: Ctx, *, fresh: bool = False) -> int:
    """Begin a new product, or continue an unfinished one."""
    if fresh:
        drop(context, PRODUCT)
    product = draft(context, PRODUCT)
    return await next_step(update, context, resumed=bool(product))


@on_button(AddProduct)
async def on_add(update: Update, context: Ctx, data: AddProduct) -> int:
    """Start adding a product (or continue the one left unfinished)."""
    await context.bot_data.services.catalog.products(current_user().id)  # a producer at all?
    return await start_product(update, context)


async def _take(update: Update, context: Ctx, step: str, value: object) -> int:
    draft(context, PRODUCT)[step] = value
    return await next_step(update, context)


async def _again(update: Update, context: Ctx, refusal: Refusal, state: int) -> int:
    """Say what was wrong with the answer and ask the same question again."""
    step = next(s for s, st in _ORDER if st == state)
    text, rows = _question(step, draft(context, PRODUCT))
    await ask(update, context, refusal.message() + "\n\n" + text, [*rows, home_row()])
    return state


async def receive_name(update: Update, context: Ctx) -> int:
    """Take the product's name."""
    try:
        return await _take(update, context, "name", clean_name(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, ADD_NAME)


async def receive_description(update: Update, context: Ctx) -> int:
    """Take the product's description."""
    try:
        return await _take(update, context, "description", clean_description(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, ADD_DESCRIPTION)


async def receive_unit(update: Update, context: Ctx) -> int:
    """Take the unit the product is sold by."""
    try:
        return await _take(update, context, "unit", clean_unit(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, ADD_UNIT)


async def receive_price(update: Update, context: Ctx) -> int:
    """Take the price of one unit."""
    try:
        return await _take(update, context, "price", parse_price(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, ADD_PRICE)


async def receive_photo(update: Update, context: Ctx) -> int:
    """Take the product's photo."""
    message = update.effective_message
    assert message is not None and message.photo
    return await _take(update, context, "photo", message.photo[-1].file_id)


async def photo_expected(update: Update, context: Ctx) -> int:
    """Say that a photo (sent as a picture) or Skip is what we wait for."""
    refusal = InvalidInput(_("Please send a photo, or tap Skip."))
    return await _again(update, context, refusal, ADD_PHOTO)


@on_button(Skip)
async def on_skip(update: Update, context: Ctx, data: Skip) -> int:
    """Leave out the description or the photo of the product being added."""
    product = draft(context, PRODUCT)
    step = "description" if "description" not in product else "photo"
    return await _take(update, context, step, "" if step == "description" else None)


@on_button(PickCategory)
async def on_pick_category(update: Update, context: Ctx, data: PickCategory) -> int:
    """Take the category of the product being added."""
    categories = await context.bot_data.services.catalog.categories(current_user().id)
    if not 0 <= data.index <= len(categories):
        raise NotFound()
    return await _take(
        update, context, "category", categories[data.index - 1] if data.index else ""
    )


async def save_product(update: Update, context: Ctx) -> int:
    """Save the finished product and show its card."""
    product = draft(context, PRODUCT)
    photo = product.get("photo")
    new = ProductDraft(
        name=str(product.get("name", "")),
        description=str(product.get("description", "")),
        unit=str(product.get("unit", "")),
        price=int(str(product.get("price", 0))),
        category=str(product.get("category", "")),
        photo_file_id=photo if isinstance(photo, str) else None,
    )
    saved = await context.bot_data.services.catalog.add(current_user().id, new)
    drop(context, PRODUCT)
    note = "✅ " + _("Saved. Put it on offer for a pickup under 📦 Offers.")
    await show(
        update,
        context,
        card_text(saved, await currency(context), note),
        card_rows(saved),
    )
    return END


# --- editing one field -----------------------------------------------------------------------


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
        return (
            _("Send the new unit for “{name}”, for example “1 kg” or “6 stk”.").format(name=name),
            [],
        )
    if field is ProductField.PRICE:
        return (
            _("Send the new price of one {unit} of “{name}”, for example 45 or 45,50.").format(
                unit=esc(product.unit), name=name
            ),
            [],
        )
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
        await show(
            update,
            context,
            _("Pick the category of “{name}”:").format(name=esc(product.name)),
            rows,
        )
        return END
    assert context.user_data is not None
    context.user_data[EDIT] = {"product_id": product.id, "field": field.value}
    text, rows = _edit_question(product, field)
    await ask(update, context, text, rows)
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
    try:
        await catalog.edit(user.id, product_id, field, value)
    except InvalidInput as refusal:
        product = await catalog.product(user.id, product_id)
        text, rows = _edit_question(product, field)
        await ask(update, context, refusal.message() + "\n\n" + text, rows)
        return EDIT_VALUE
    drop(context, EDIT)
    await show_product(update, context, product_id, "✅ " + _("Changed."))
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


@on_button(HideProduct)
async def on_hide(update: Update, context: Ctx, data: HideProduct) -> int:
    """Hide or show a product."""
    if data.hidden not in (0, 1):
        raise NotFound()
    product = await context.bot_data.services.catalog.set_hidden(
        current_user().id, data.product_id, bool(data.hidden)
    )
    note = (
        "🙈 " + _("Hidden. Where it is on offer already, switch it off under 📦 Offers.")
        if product.hidden
        else "👁 " + _("Shown again.")
    )
    await show_product(update, context, product.id, note)
    return END


@on_button(DeleteProduct)
async def on_delete(update: Update, context: Ctx, data: DeleteProduct) -> int:
    """Ask whether to delete a product, then delete it (one that was ordered is only hidden)."""
    user = current_user()
    catalog = context.bot_data.services.catalog
    if not data.confirm:
        if not await catalog.can_delete(user.id, data.product_id):
            raise ProductWasOrdered()
        product = await catalog.product(user.id, data.product_id)
        rows = [
            [button("🗑 " + _("Yes, delete it"), DeleteProduct(product.id, 1))],
            [button("⬅️ " + _("No, keep it"), ShowProduct(product.id))],
        ]
        await show(
            update,
            context,
            _("Delete “{name}” for good?").format(name=esc(product.name)),
            rows,
        )
        return END
    deleted = await catalog.delete(user.id, data.product_id)
    await show(
        update,
        context,
        "🗑 " + _("“{name}” is deleted.").format(name=esc(deleted.name)),
        [[button("⬅️ " + _("My products"), ListProducts(0))], home_row()],
    )
    return END


#: Plain buttons of these screens; each ends a half-finished question.
BUTTONS = [on_list, on_show, on_set_category, on_hide, on_delete]
ENTRY_POINTS = [on_add, on_edit_field]
