"""Adding a product step by step, as a form on the engine (changing one field: ``product_edit``).

The steps: name, description, price (typed the way producers write it: ``45``, ``289 kr/kg``,
``kr 289,- per kg``), what the price is per when the text does not say, then the unit for a
price per item or the estimated weight per item for a price by weight, the category and the
photo. The draft lives in the user's one open question (in the database), so a restart keeps
it, and "Add a product" continues an unfinished one. The product is saved with the last answer.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    Choice,
    Form,
    FormField,
    FormState,
    Rows,
    advance,
    close_form,
    load_state,
    start_form,
)
from handlers.producer.common import home_row
from handlers.producer.products import AddProduct, ListProducts, card_rows, card_text, currency
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import InvalidInput
from rekobot.i18n import N_, _
from rekobot.models import PriceBasis
from rekobot.parsing import TypedPrice, parse_priced, parse_weight
from rekobot.render import price_text
from rekobot.services.catalog import (
    ProductDraft,
    clean_description,
    clean_name,
    clean_unit,
)

STEPS = 6


class NewProduct(BaseModel):
    """The product being added; None is "not asked yet"."""

    currency: str
    categories: list[str]
    name: str | None = None
    description: str | None = None
    price: int | None = None
    basis: PriceBasis | None = None
    unit: str | None = None
    weight: tuple[int, int] | None = None
    category: str | None = None
    photo: str | None = None
    photo_done: bool = False


def weight_question(basis: PriceBasis) -> str:
    """Ask for the estimated weight (or volume) of one item."""
    if basis is PriceBasis.LITRE:
        text = _("About how much does one hold? For example 1 l or 0,5 l.")
    else:
        text = _("About how much does one weigh? For example 2 kg, or 1,8–2,2 kg.")
    return (
        text + "\n" + _("Customers see approx. amounts until you enter the weight at the handover.")
    )


def basis_choices() -> list[Choice]:
    """One answer per basis: per item, per kg, per litre, per 100 g."""
    return [
        Choice(_("Per item"), PriceBasis.UNIT.value),
        Choice(_("Per kg"), PriceBasis.KG.value),
        Choice(_("Per litre"), PriceBasis.LITRE.value),
        Choice(_("Per 100 g"), PriceBasis.HECTOGRAM.value),
    ]


class ProductForm(Form[NewProduct]):
    """A new product, one question at a time; saved as soon as nothing is missing."""

    kind = "pprod"
    title: ClassVar[str] = N_("New product")
    draft_type = NewProduct
    fields = (
        FormField("name", N_("Name"), ""),
        FormField("description", N_("Description"), "", optional=True),
        FormField("price", N_("Price"), ""),
        FormField("basis", N_("Price"), ""),
        FormField("unit", N_("Unit"), ""),
        FormField("weight", N_("Weight"), ""),
        FormField("category", N_("Category"), ""),
        FormField("photo", N_("Photo"), "", optional=True, accepts=frozenset({"photo"})),
    )

    def missing(self, state: FormState[NewProduct]) -> list[str]:
        draft = state.draft
        amount = "weight" if draft.basis is not None and draft.basis.by_weight else "unit"
        asked = {
            "name": draft.name,
            "description": draft.description,
            "price": draft.price,
            "basis": draft.basis,
            amount: draft.weight if amount == "weight" else draft.unit,
            "category": draft.category if draft.categories else "",
            "photo": True if draft.photo_done else None,
        }
        return [key for key, value in asked.items() if value is None]

    def prompt(self, state: FormState[NewProduct], form_field: FormField) -> str:
        draft, key = state.draft, form_field.key
        if key == "name":
            text = _("What is the product called? For example “Poteter”.")
        elif key == "description":
            text = _("A short description for customers, or tap Skip.")
        elif key == "price":
            text = _("What does it cost? For example 45, 45,50, or 289 kr/kg for a price per kg.")
        elif key == "basis":
            price = price_text(draft.price or 0, PriceBasis.UNIT, draft.currency)
            text = _("Is {price} the price of one item, or of a kg, a litre or 100 g?").format(
                price=price
            )
        elif key == "unit":
            text = _("What unit is it sold by? For example “1 kg”, “6 stk” or “glass 350 g”.")
        elif key == "weight":
            text = weight_question(draft.basis or PriceBasis.KG)
        elif key == "category":
            text = _("Which category does it belong to?")
        else:
            text = _("Send a photo of the product, or tap Skip.")
        step = {"name": 1, "description": 2, "price": 3, "basis": 3, "category": 5, "photo": 6}
        return f"({step.get(key, 4)}/{STEPS}) " + text

    async def choices(
        self, context: Ctx, state: FormState[NewProduct], form_field: FormField
    ) -> list[Choice]:
        if form_field.key == "basis":
            return basis_choices()
        if form_field.key == "category":
            names = [Choice(name, name) for name in state.draft.categories]
            return [*names, Choice(_("No category"), "")]
        return []

    async def parse(
        self, context: Ctx, state: FormState[NewProduct], form_field: FormField, message: Message
    ) -> object:
        text, key = message.text or "", form_field.key
        if key == "name":
            return clean_name(text)
        if key == "description":
            return clean_description(text)
        if key == "price":
            return parse_priced(text)
        if key == "unit":
            return clean_unit(text)
        if key == "weight":
            return parse_weight(text, state.draft.basis or PriceBasis.KG)
        if key == "photo" and message.photo:
            return message.photo[-1].file_id
        raise InvalidInput(_("Please tap one of the buttons."))

    def accept(self, state: FormState[NewProduct], form_field: FormField, value: object) -> None:
        update: dict[str, object] = {form_field.key: value}
        if isinstance(value, TypedPrice):  # the price, and what it is per if the text said so
            update = {"price": value.minor, "basis": value.basis or state.draft.basis}
        elif form_field.key == "photo":
            update = {"photo": value, "photo_done": True}
        state.draft = NewProduct.model_validate({**state.draft.model_dump(), **update})

    def skip(self, state: FormState[NewProduct], form_field: FormField) -> None:
        self.accept(state, form_field, "" if form_field.key == "description" else None)

    def leave(self, state: FormState[NewProduct]) -> Rows:
        return [[button("🧺 " + _("My products"), ListProducts(0))], home_row()]

    async def summary(self, context: Ctx, state: FormState[NewProduct]) -> str:
        return ""

    async def finish(self, update: Update, context: Ctx, state: FormState[NewProduct]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def save(
        self, update: Update, context: Ctx, state: FormState[NewProduct], *, confirmed: bool
    ) -> int:
        draft = state.draft
        new = ProductDraft(
            name=draft.name or "",
            description=draft.description or "",
            unit=draft.unit or "",
            price=draft.price or 0,
            category=draft.category or "",
            photo_file_id=draft.photo,
            price_basis=draft.basis or PriceBasis.UNIT,
            weight=draft.weight,
        )
        saved = await context.bot_data.services.catalog.add(current_user().id, new)
        await close_form(context)
        note = "✅ " + _("Saved. Put it on offer for a pickup under 📦 Offers.")
        await show(update, context, card_text(saved, draft.currency, note), card_rows(saved))
        return END


async def start_product(update: Update, context: Ctx, *, fresh: bool = False) -> int:
    """Begin a new product, or continue the unfinished one."""
    user = current_user()
    catalog = context.bot_data.services.catalog
    await catalog.products(user.id)  # a producer at all?
    state = await load_state(context)
    if not fresh and state is not None and state.kind == ProductForm.kind:
        name = state.draft.name
        note = (
            _("Let us continue with “{name}”.").format(name=esc(name))
            if name
            else _("Let us continue with your new product.")
        )
        return await advance(update, context, ProductForm(), state, note=note)
    draft = NewProduct(
        currency=await currency(context), categories=await catalog.categories(user.id)
    )
    return await start_form(
        update, context, ProductForm.kind, user_id=user.id, ring_id=0, draft=draft
    )


@on_button(AddProduct)
async def on_add(update: Update, context: Ctx, data: AddProduct) -> None:
    """Start adding a product (or continue the one left unfinished)."""
    await start_product(update, context)


#: The button that opens the form (the form's own buttons are the engine's).
BUTTONS = [on_add]
