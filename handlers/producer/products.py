"""The producer's products: the list, a product's card, hiding and deleting.

Adding and changing a product are typed steps: ``product_form``.
"""

from __future__ import annotations

import dataclasses
import logging

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import PAGE_SIZE, home_row, page_rows, pages_of
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.errors import NotFound, ProductWasOrdered
from rekobot.i18n import _, ngettext
from rekobot.models import Product
from rekobot.render import product_price
from rekobot.services.catalog import ProductField

log = logging.getLogger(__name__)

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
        product_price(product, product.price, currency_code),
    ]
    if product.by_weight:
        lines.append(
            "⚖️ "
            + _("Sold by weight: stock and orders count items; you weigh them at the handover.")
        )
    lines += [
        _("Category: {category}").format(category=esc(product.category) or _("none")),
    ]
    if product.description:
        lines.append(esc(shorten(product.description, 500)))
    lines.append("📷 " + (_("With a photo") if product.photo_file_id else _("No photo")))
    if product.hidden:
        lines.append("🙈 " + _("Hidden: it is not listed when you set your offers."))
    return "\n".join(lines)


def card_rows(product: Product) -> list[list[Button]]:
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
            button("✏️ " + _("Weight"), EditField(pid, ProductField.WEIGHT.value))
            if product.by_weight
            else button("✏️ " + _("Unit"), EditField(pid, ProductField.UNIT.value)),
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
async def on_list(update: Update, context: Ctx, data: ListProducts) -> None:
    """Show the list of products."""
    await show_products(update, context, data.page)


@on_button(ShowProduct)
async def on_show(update: Update, context: Ctx, data: ShowProduct) -> None:
    """Open a product's card."""
    await show_product(update, context, data.product_id)


@on_button(HideProduct)
async def on_hide(update: Update, context: Ctx, data: HideProduct) -> None:
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


@on_button(DeleteProduct)
async def on_delete(update: Update, context: Ctx, data: DeleteProduct) -> None:
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
        return
    deleted = await catalog.delete(user.id, data.product_id)
    await show(
        update,
        context,
        "🗑 " + _("“{name}” is deleted.").format(name=esc(deleted.name)),
        [[button("⬅️ " + _("My products"), ListProducts(0))], home_row()],
    )


#: Plain buttons of these screens; each ends a half-finished question.
BUTTONS = [on_list, on_show, on_hide, on_delete]
