"""Adding a product step by step (changing one field is ``product_edit``).

The steps: name, description, price (typed the way producers write it: ``45``, ``289 kr/kg``,
``kr 289,- per kg``), what the price is per when the text does not say, then the unit for a
price per item or the estimated weight per item for a price by weight, the category and the
photo. The draft lives in user data, so a restart or a detour through the menu keeps it.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from handlers.context import Ctx, current_user
from handlers.producer.common import (
    ADD_BASIS,
    ADD_CATEGORY,
    ADD_DESCRIPTION,
    ADD_NAME,
    ADD_PHOTO,
    ADD_PRICE,
    ADD_UNIT,
    ADD_WEIGHT,
    PRODUCT,
    Skip,
    StartOver,
    ask,
    draft,
    drop,
    home_row,
    typed_text,
)
from handlers.producer.products import (
    AddProduct,
    PickBasis,
    PickCategory,
    card_rows,
    card_text,
    currency,
)
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import InvalidInput, NotFound, Refusal
from rekobot.i18n import _
from rekobot.models import PriceBasis
from rekobot.parsing import parse_priced, parse_weight
from rekobot.render import price_text
from rekobot.services.catalog import (
    ProductDraft,
    clean_description,
    clean_name,
    clean_unit,
)

END = ConversationHandler.END
STEPS = 6
#: The steps in order, with the state that waits for each; "amount" is the unit (per item)
#: or the estimated weight (by weight).
_ORDER = [
    ("name", ADD_NAME),
    ("description", ADD_DESCRIPTION),
    ("price", ADD_PRICE),
    ("basis", ADD_BASIS),
    ("amount", ADD_UNIT),
    ("category", ADD_CATEGORY),
    ("photo", ADD_PHOTO),
]


def basis_rows(make: type[PickBasis]) -> list[list[InlineKeyboardButton]]:
    """One button per basis: per item, per kg, per litre, per 100 g."""
    return [
        [button(_("Per item"), make(PriceBasis.UNIT.value))],
        [
            button(_("Per kg"), make(PriceBasis.KG.value)),
            button(_("Per litre"), make(PriceBasis.LITRE.value)),
            button(_("Per 100 g"), make(PriceBasis.HECTOGRAM.value)),
        ],
    ]


def weight_question(basis: PriceBasis) -> str:
    """Ask for the estimated weight (or volume) of one item."""
    if basis is PriceBasis.LITRE:
        text = _("About how much does one hold? For example 1 l or 0,5 l.")
    else:
        text = _("About how much does one weigh? For example 2 kg, or 1,8–2,2 kg.")
    return (
        text + "\n" + _("Customers see approx. amounts until you enter the weight at the handover.")
    )


def _question(
    step: str, product: dict[str, object], currency_code: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    skip = [[button("⏭ " + _("Skip"), Skip())]]
    if step == "name":
        return f"(1/{STEPS}) " + _("What is the product called? For example “Poteter”."), []
    if step == "description":
        return f"(2/{STEPS}) " + _("A short description for customers, or tap Skip."), skip
    if step == "price":
        text = _("What does it cost? For example 45, 45,50, or 289 kr/kg for a price per kg.")
        return f"(3/{STEPS}) " + text, []
    if step == "basis":
        price = price_text(int(str(product.get("price", 0))), PriceBasis.UNIT, currency_code)
        text = _("Is {price} the price of one item, or of a kg, a litre or 100 g?")
        return f"(3/{STEPS}) " + text.format(price=price), basis_rows(PickBasis)
    if step == "amount":
        basis = PriceBasis(str(product.get("basis", PriceBasis.UNIT.value)))
        if basis.by_weight:
            return f"(4/{STEPS}) " + weight_question(basis), []
        text = _("What unit is it sold by? For example “1 kg”, “6 stk” or “glass 350 g”.")
        return f"(4/{STEPS}) " + text, []
    return f"(6/{STEPS}) " + _("Send a photo of the product, or tap Skip."), skip


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
            text, rows = _question(step, product, await currency(context))
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
        return ADD_WEIGHT if step == "amount" and _by_weight(product) else state
    return await save_product(update, context)


def _by_weight(product: dict[str, object]) -> bool:
    return PriceBasis(str(product.get("basis", PriceBasis.UNIT.value))).by_weight


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


async def _take(update: Update, context: Ctx, **values: object) -> int:
    draft(context, PRODUCT).update(values)
    return await next_step(update, context)


async def _again(update: Update, context: Ctx, refusal: Refusal, step: str) -> int:
    """Say what was wrong with the answer and ask the same question again."""
    product = draft(context, PRODUCT)
    text, rows = _question(step, product, await currency(context))
    await ask(update, context, refusal.message() + "\n\n" + text, [*rows, home_row()])
    return next(state for s, state in _ORDER if s == step)


async def receive_name(update: Update, context: Ctx) -> int:
    """Take the product's name."""
    try:
        return await _take(update, context, name=clean_name(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, "name")


async def receive_description(update: Update, context: Ctx) -> int:
    """Take the product's description."""
    try:
        return await _take(update, context, description=clean_description(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, "description")


async def receive_price(update: Update, context: Ctx) -> int:
    """Take the price, and what it is per when the producer said so."""
    try:
        typed = parse_priced(typed_text(update))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, "price")
    if typed.basis is None:
        return await _take(update, context, price=typed.minor)
    return await _take(update, context, price=typed.minor, basis=typed.basis.value)


@on_button(PickBasis)
async def on_pick_basis(update: Update, context: Ctx, data: PickBasis) -> int:
    """Take what the price of the product being added is per."""
    try:
        basis = PriceBasis(data.basis)
    except ValueError:
        raise NotFound() from None
    return await _take(update, context, basis=basis.value)


async def receive_unit(update: Update, context: Ctx) -> int:
    """Take the unit a product priced per item is sold by."""
    try:
        return await _take(update, context, amount=clean_unit(typed_text(update)))
    except InvalidInput as refusal:
        return await _again(update, context, refusal, "amount")


async def receive_weight(update: Update, context: Ctx) -> int:
    """Take the estimated weight of one item of a product sold by weight."""
    basis = PriceBasis(str(draft(context, PRODUCT).get("basis", PriceBasis.KG.value)))
    try:
        low, high = parse_weight(typed_text(update), basis)
    except InvalidInput as refusal:
        await _again(update, context, refusal, "amount")
        return ADD_WEIGHT
    return await _take(update, context, amount=[low, high])


async def receive_photo(update: Update, context: Ctx) -> int:
    """Take the product's photo."""
    message = update.effective_message
    assert message is not None and message.photo
    return await _take(update, context, photo=message.photo[-1].file_id)


async def photo_expected(update: Update, context: Ctx) -> int:
    """Say that a photo (sent as a picture) or Skip is what we wait for."""
    return await _again(
        update, context, InvalidInput(_("Please send a photo, or tap Skip.")), "photo"
    )


@on_button(Skip)
async def on_skip(update: Update, context: Ctx, data: Skip) -> int:
    """Leave out the description or the photo of the product being added."""
    if "description" not in draft(context, PRODUCT):
        return await _take(update, context, description="")
    return await _take(update, context, photo=None)


@on_button(PickCategory)
async def on_pick_category(update: Update, context: Ctx, data: PickCategory) -> int:
    """Take the category of the product being added."""
    categories = await context.bot_data.services.catalog.categories(current_user().id)
    if not 0 <= data.index <= len(categories):
        raise NotFound()
    return await _take(update, context, category=categories[data.index - 1] if data.index else "")


async def save_product(update: Update, context: Ctx) -> int:
    """Save the finished product and show its card."""
    product = draft(context, PRODUCT)
    photo, amount = product.get("photo"), product.get("amount")
    weight = (int(amount[0]), int(amount[1])) if isinstance(amount, list) else None
    new = ProductDraft(
        name=str(product.get("name", "")),
        description=str(product.get("description", "")),
        unit=amount if isinstance(amount, str) else "",
        price=int(str(product.get("price", 0))),
        category=str(product.get("category", "")),
        photo_file_id=photo if isinstance(photo, str) else None,
        price_basis=PriceBasis(str(product.get("basis", PriceBasis.UNIT.value))),
        weight=weight,
    )
    try:
        saved = await context.bot_data.services.catalog.add(current_user().id, new)
    except InvalidInput as refusal:  # a draft from before a change of rules: ask again
        product.pop("amount", None)
        await ask(update, context, refusal.message())
        return await next_step(update, context)
    drop(context, PRODUCT)
    note = "✅ " + _("Saved. Put it on offer for a pickup under 📦 Offers.")
    await show(update, context, card_text(saved, await currency(context), note), card_rows(saved))
    return END


#: Plain buttons of these screens; each ends a half-finished question.
ENTRY_POINTS = [on_add]
