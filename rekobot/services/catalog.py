"""A producer's catalog: adding, editing, hiding and deleting their own products.

Every call checks that the product belongs to the acting user's producer; someone else's
product id is answered as if it did not exist.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from rekobot.clock import Clock, utcnow
from rekobot.errors import InvalidInput, NotFound, ProductWasOrdered
from rekobot.i18n import N_, _
from rekobot.models import PriceBasis, Producer, Product
from rekobot.parsing import (
    MAX_PRICE_MINOR,
    MAX_WEIGHT_GRAMS,
    clean_text,
    parse_priced,
    parse_weight,
)
from rekobot.render import estimated_unit
from rekobot.services.producers import own_producer
from storage import carts as cart_store
from storage import catalog as catalog_store
from storage import producers as producer_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

NAME_LIMIT = 60
DESCRIPTION_LIMIT = 500
UNIT_LIMIT = 30
_FILE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,200}$")


class ProductField(StrEnum):
    """A part of a product the producer can change."""

    NAME = "name"
    DESCRIPTION = "description"
    UNIT = "unit"
    PRICE = "price"
    CATEGORY = "category"
    PHOTO = "photo"
    #: The estimated weight of one item (sold by weight only).
    WEIGHT = "weight"


def clean_name(text: str) -> str:
    """Check a product name."""
    return clean_text(text, max_length=NAME_LIMIT, field=_(N_("The name")))


def clean_description(text: str) -> str:
    """Check a product description."""
    return clean_text(text, max_length=DESCRIPTION_LIMIT, field=_(N_("The description")))


def clean_unit(text: str) -> str:
    """Check a unit such as "1 kg", "6 stk" or "glass 350 g"."""
    return clean_text(text, max_length=UNIT_LIMIT, field=_(N_("The unit")))


def clean_photo(file_id: str | None) -> str | None:
    """Check a Telegram photo file id (None removes the photo)."""
    if file_id is None:
        return None
    if not _FILE_ID.match(file_id):
        raise InvalidInput(_("Please send the photo as a picture, not as a file."))
    return file_id


@dataclass(frozen=True)
class ProductDraft:
    """A product being added, step by step.

    One sold by weight has its price per ``price_basis`` and an estimated ``weight`` per item
    (lowest, highest grams or ml); its unit is then made from the weight ("approx. 2 kg").
    """

    name: str
    unit: str
    price: int
    description: str = ""
    category: str = ""
    photo_file_id: str | None = None
    price_basis: PriceBasis = PriceBasis.UNIT
    weight: tuple[int, int] | None = None


def checked_pricing(
    price: int, basis: PriceBasis, weight: tuple[int, int] | None, unit: str
) -> tuple[tuple[int, int] | None, str]:
    """Check a price with its basis and weight; return the weight to keep and the unit label.

    A product sold by weight needs an estimate per item, so a customer sees "approx." amounts;
    a product sold per item keeps no weight.
    """
    if not 0 < price <= MAX_PRICE_MINOR:
        raise InvalidInput(_("The price must be more than zero."))
    if not basis.by_weight:
        return None, clean_unit(unit)
    if weight is None:
        raise InvalidInput(
            _("Send about how much one weighs, for example 2 kg, 1,8–2,2 kg or 500 g.")
        )
    low, high = weight
    if not 0 < low <= high <= MAX_WEIGHT_GRAMS:
        raise InvalidInput(_("That is too heavy for one item. Please check it."))
    return (low, high), estimated_unit(low, high, basis)


class Catalog:
    """The products of the acting user's producer."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def products(self, user_id: int) -> list[Product]:
        """Return the producer's products, shown ones first."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            return await catalog_store.products_of(tx, producer.id)

    async def product(self, user_id: int, product_id: int) -> Product:
        """Return one of the producer's own products."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            return await _own_product(tx, producer, product_id)

    async def categories(self, user_id: int) -> list[str]:
        """Return the categories of the rings the producer applied to, without repeats."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            return await _categories(tx, producer)

    async def add(self, user_id: int, draft: ProductDraft) -> Product:
        """Save a new product from a finished draft (checked again here)."""
        name = clean_name(draft.name)
        weight, unit = checked_pricing(draft.price, draft.price_basis, draft.weight, draft.unit)
        description = clean_description(draft.description) if draft.description.strip() else ""
        photo = clean_photo(draft.photo_file_id)
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            category = await _checked_category(tx, producer, draft.category)
            product_id = await producer_store.create_product(
                tx,
                producer_id=producer.id,
                name=name,
                unit=unit,
                price=draft.price,
                description=description,
                category=category,
                photo_file_id=photo,
                price_basis=draft.price_basis.value,
                weight=weight,
                now=self.clock(),
            )
            product = await catalog_store.get_product(tx, product_id)
        assert product is not None
        log.info("producer %s added product %s", producer.id, product_id)
        return product

    async def edit(
        self, user_id: int, product_id: int, field: ProductField, value: str | None
    ) -> Product:
        """Change one field from what the producer typed (or sent: a photo's file id).

        A description or photo of None removes it. A new price applies to the offers of
        pickups still taking orders; lines already ordered keep the price they were ordered at.
        A price may say what it is per ("300 kr/kg"); one that does not keeps the basis, and
        the weight is read against the product's basis.
        """
        if field in (ProductField.PRICE, ProductField.WEIGHT):
            product = await self.product(user_id, product_id)
            basis, weight, price = product.price_basis, _weight_of(product), product.price
            if field is ProductField.PRICE:
                typed = parse_priced(value or "")
                price, basis = typed.minor, typed.basis or basis
            else:
                weight = parse_weight(value or "", basis)
            return await self.set_pricing(user_id, product_id, price, basis, weight)
        column, checked = _checked_value(field, value)
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            await _own_product(tx, producer, product_id)
            if field is ProductField.CATEGORY:
                checked = await _checked_category(tx, producer, str(value or ""))
            await catalog_store.set_product_field(tx, product_id, column, checked)
            changed = await catalog_store.get_product(tx, product_id)
        assert changed is not None
        return changed

    async def set_pricing(
        self,
        user_id: int,
        product_id: int,
        price: int,
        basis: PriceBasis,
        weight: tuple[int, int] | None,
    ) -> Product:
        """Change the price, what it is per, and the weight per item, together.

        Like a new price, this applies to the offers of pickups still taking orders; lines
        already ordered keep the price, basis and estimate they were ordered with.
        """
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            product = await _own_product(tx, producer, product_id)
            checked, unit = checked_pricing(price, basis, weight, product.unit)
            await catalog_store.set_pricing(
                tx, product_id, price=price, basis=basis, weight=checked, unit=unit
            )
            await catalog_store.reprice_open_offers(tx, product_id, price, self.clock())
            changed = await catalog_store.get_product(tx, product_id)
        assert changed is not None
        return changed

    async def set_hidden(self, user_id: int, product_id: int, hidden: bool) -> Product:
        """Hide a product from the offer lists (it stays where it is on offer) or show it."""
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            product = await _own_product(tx, producer, product_id)
            await catalog_store.set_hidden(tx, product_id, hidden)
        return product.model_copy(update={"hidden": hidden})

    async def can_delete(self, user_id: int, product_id: int) -> bool:
        """Whether the product was never ordered, so it may be deleted."""
        async with self.db.read() as tx:
            producer = await own_producer(tx, user_id)
            await _own_product(tx, producer, product_id)
            return not await catalog_store.was_ordered(tx, product_id)

    async def delete(self, user_id: int, product_id: int) -> Product:
        """Delete a product that was never ordered; one that was can only be hidden."""
        async with self.db.transaction() as tx:
            producer = await own_producer(tx, user_id)
            product = await _own_product(tx, producer, product_id)
            if await catalog_store.was_ordered(tx, product_id):
                raise ProductWasOrdered()
            now = self.clock()
            for user, pickup_id in await catalog_store.carts_with_product(tx, product_id):
                # A new cart version makes a confirmation shown before the deletion fail safely.
                await cart_store.touch_cart(tx, user, pickup_id, now)
            await catalog_store.delete_product(tx, product_id)
        log.info("producer %s deleted product %s", producer.id, product_id)
        return product


async def _own_product(tx: Transaction, producer: Producer, product_id: int) -> Product:
    product = await catalog_store.get_product(tx, product_id)
    if product is None or product.producer_id != producer.id:
        log.warning("producer %s asked for product %s that is not theirs", producer.id, product_id)
        raise NotFound()
    return product


async def _categories(tx: Transaction, producer: Producer) -> list[str]:
    names: list[str] = []
    for ring, _status in await producer_store.ring_statuses(tx, producer.id):
        for _id, name in await ring_store.categories(tx, ring.id):
            if name not in names:
                names.append(name)
    return names


async def _checked_category(tx: Transaction, producer: Producer, category: str) -> str:
    """Accept one of the rings' categories, or "" for none."""
    if category and category not in await _categories(tx, producer):
        raise NotFound()
    return category


def _weight_of(product: Product) -> tuple[int, int] | None:
    if product.weight_min is None:
        return None
    return product.weight_min, product.weight_max or product.weight_min


def _checked_value(field: ProductField, value: str | None) -> tuple[str, str | int | None]:
    """Return (column, checked value) for one field's new value."""
    if field is ProductField.NAME:
        return "name", clean_name(value or "")
    if field is ProductField.DESCRIPTION:
        return "description", clean_description(value) if value and value.strip() else ""
    if field is ProductField.UNIT:
        return "unit", clean_unit(value or "")
    if field is ProductField.PHOTO:
        return "photo_file_id", clean_photo(value)
    return "category", value or ""
