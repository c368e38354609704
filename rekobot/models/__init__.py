"""Domain models: what services return and handlers render. Money is integer minor units."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

# The domain's pricing, re-exported: storage and services name it through the models.
from rekobot.pricing import PriceBasis as PriceBasis
from rekobot.pricing import line_amount as line_amount
from rekobot.pricing import weighed_amount as weighed_amount


class Model(BaseModel):
    """Immutable base for every domain model."""

    model_config = ConfigDict(frozen=True)


class User(Model):
    """A Telegram user as rekobot knows them."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    locale: str | None = None
    current_ring_id: int | None = None
    reminders_enabled: bool = True
    announcements_enabled: bool = True
    #: Opted in to "orders are open" when a pickup of their ring opens for orders.
    orders_open_enabled: bool = False
    unreachable: bool = False

    @property
    def display_name(self) -> str:
        """The name to show producers and admins (not escaped)."""
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return full or (f"@{self.username}" if self.username else str(self.id))


class RingField(StrEnum):
    """A ring setting an admin can change."""

    NAME = "name"
    SLUG = "slug"
    TIMEZONE = "timezone"
    LOCALE = "locale"
    CURRENCY = "currency"
    DEADLINE_HOURS = "deadline_hours"
    EVENING_REMINDER_TIME = "evening_reminder_time"
    DESCRIPTION = "description"
    CATEGORIES = "categories"
    CART_REMINDER_HOURS = "cart_reminder_hours"
    ORDERS_OPEN_DAYS = "orders_open_days"
    #: Set through ``Privacy.set_retention``, which owns what it means for the orders.
    ANONYMISE_AFTER_DAYS = "anonymise_after_days"


class Ring(Model):
    """A REKO ring: its deep-link slug, zone, language and money."""

    id: int
    slug: str
    name: str
    description: str = ""
    timezone: str
    locale: str
    currency: str
    deadline_hours: int = 36
    evening_reminder_time: time = time(19, 0)
    #: An archived ring is hidden from customers and gets no sweeps (an operator can undo it).
    archived: bool = False
    #: Days after a pickup until customers' names leave its orders; 0 = never (privacy).
    anonymise_after_days: int = 90
    #: Hours before the order deadline a cart not ordered yet is recalled; 0 = never.
    cart_reminder_hours: int = 3
    #: Days before a pickup starts that it opens for orders; 0 = only when announced.
    orders_open_days: int = 7


class Membership(Model):
    """A user's place in a ring."""

    ring: Ring
    is_admin: bool = False
    blocked: bool = False


class Location(Model):
    """A pickup place."""

    id: int
    ring_id: int
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    directions: str = ""
    photo_file_id: str | None = None

    @property
    def has_pin(self) -> bool:
        """Whether a map pin can be sent."""
        return self.latitude is not None and self.longitude is not None


class PickupStatus(StrEnum):
    """Where a pickup is in its life."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Pickup(Model):
    """One handover (utlevering) at a place, with its order deadline."""

    id: int
    ring_id: int
    location: Location
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    deadline: AwareDatetime
    status: PickupStatus = PickupStatus.SCHEDULED
    #: When it opens for orders; None: when the admin announces it.
    orders_open_at: AwareDatetime | None = None
    #: Whether an admin chose the opening (else it follows the ring's ``orders_open_days``).
    orders_open_fixed: bool = False

    def is_open(self, now: datetime) -> bool:
        """Whether orders may still be placed, changed or cancelled."""
        return self.status is PickupStatus.SCHEDULED and now < self.deadline

    def has_opened(self, now: datetime) -> bool:
        """Whether its ordering window has begun (producers prepare offers before that)."""
        return self.orders_open_at is not None and self.orders_open_at <= now

    def takes_orders(self, now: datetime) -> bool:
        """Whether customers can fill a cart and check out for it now."""
        return self.is_open(now) and self.has_opened(now)


class Producer(Model):
    """A farm or small food business and how customers pay it."""

    id: int
    owner_user_id: int
    name: str
    description: str = ""
    payment_info: str = ""
    contact: str = ""
    notes_enabled: bool = True


class Product(Model):
    """A producer's product, independent of any pickup.

    A product sold by weight has its price per kg, litre or 100 g and an estimated weight per
    item (``weight_min``–``weight_max`` grams or ml, equal when one figure was given); stock
    and quantities still count items.
    """

    id: int
    producer_id: int
    name: str
    description: str = ""
    unit: str
    price: int
    category: str = ""
    photo_file_id: str | None = None
    hidden: bool = False
    price_basis: PriceBasis = PriceBasis.UNIT
    weight_min: int | None = None
    weight_max: int | None = None

    @property
    def by_weight(self) -> bool:
        """Whether its amounts are estimates until weighed."""
        return self.price_basis.by_weight

    @property
    def estimate_grams(self) -> int | None:
        """The weight one item is reckoned at: the middle of the range (None per item)."""
        if not self.by_weight or self.weight_min is None:
            return None
        high = self.weight_max if self.weight_max is not None else self.weight_min
        return (self.weight_min + high + 1) // 2

    def amount(self, price: int, quantity: int) -> int:
        """What ``quantity`` items cost at ``price`` (an estimate when sold by weight)."""
        return line_amount(price, self.price_basis, quantity, self.estimate_grams)


class Offer(Model):
    """A product on sale at one pickup, with its stock."""

    id: int
    pickup_id: int
    product: Product
    producer_name: str
    price: int
    quantity_total: int | None
    quantity_reserved: int = 0
    max_per_customer: int | None = None
    withdrawn: bool = False

    @property
    def available(self) -> int | None:
        """Units left, or None when unlimited."""
        if self.quantity_total is None:
            return None
        return max(self.quantity_total - self.quantity_reserved, 0)

    @property
    def sold_out(self) -> bool:
        """Whether nothing is left."""
        return self.available == 0


class CartLine(Model):
    """An offer in a cart, with the quantity wanted."""

    offer: Offer
    quantity: int

    @property
    def amount(self) -> int:
        """What the line costs at today's offer price (an estimate when sold by weight)."""
        return self.offer.product.amount(self.offer.price, self.quantity)

    @property
    def estimated(self) -> bool:
        """Whether the amount is "approx." until the items are weighed."""
        return self.offer.product.by_weight


class ProducerGroup(Model):
    """Lines of one producer, with the subtotal and how to pay them."""

    producer_id: int
    producer_name: str
    payment_info: str
    lines: tuple[CartLine, ...]
    #: The customer's comment to this producer, written at checkout.
    comment: str | None = None

    @property
    def subtotal(self) -> int:
        """The sum of the lines."""
        return sum(line.amount for line in self.lines)

    @property
    def estimated(self) -> bool:
        """Whether the subtotal is an estimate."""
        return any(line.estimated for line in self.lines)


class Cart(Model):
    """A customer's basket for one pickup."""

    user_id: int
    pickup: Pickup
    currency: str
    groups: tuple[ProducerGroup, ...]
    version: int
    editing_order_number: int | None = None

    @property
    def total(self) -> int:
        """The sum of all producers' subtotals."""
        return sum(group.subtotal for group in self.groups)

    @property
    def estimated(self) -> bool:
        """Whether the total is an estimate."""
        return any(group.estimated for group in self.groups)

    @property
    def lines(self) -> list[CartLine]:
        """Every line, producer by producer."""
        return [line for group in self.groups for line in group.lines]

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to check out."""
        return not self.groups


class OrderStatus(StrEnum):
    """Whether an order stands."""

    PLACED = "placed"
    CANCELLED = "cancelled"


class HandoverStatus(StrEnum):
    """What happened to a producer's part of an order at the pickup."""

    COLLECTED = "collected"
    NO_SHOW = "no_show"


class OrderLine(Model):
    """A quantity of one offer, at the price when it was ordered.

    A line sold by weight keeps the basis and the estimate per item it was ordered with; the
    weight the producer enters at the handover makes its amount final.
    """

    offer_id: int
    product_name: str
    unit: str
    producer_id: int
    quantity: int
    unit_price: int
    price_basis: PriceBasis = PriceBasis.UNIT
    estimate_grams: int | None = None
    weighed_grams: int | None = None

    @property
    def amount(self) -> int:
        """What the line costs: final, or estimated until weighed."""
        return line_amount(
            self.unit_price,
            self.price_basis,
            self.quantity,
            self.estimate_grams,
            self.weighed_grams,
        )

    @property
    def estimated(self) -> bool:
        """Whether the amount is "approx." (sold by weight and not weighed yet)."""
        return self.price_basis.by_weight and self.weighed_grams is None


class OrderPart(Model):
    """The lines of an order that one producer hands over, and how to pay them."""

    producer_id: int
    producer_name: str
    payment_info: str
    lines: tuple[OrderLine, ...]
    handover: HandoverStatus | None = None
    #: The customer's comment to this producer ("Can you bring the eggs in a box?").
    comment: str | None = None

    @property
    def subtotal(self) -> int:
        """What to pay this producer."""
        return sum(line.amount for line in self.lines)

    @property
    def estimated(self) -> bool:
        """Whether the subtotal is an estimate until something is weighed."""
        return any(line.estimated for line in self.lines)

    @property
    def by_weight(self) -> bool:
        """Whether any line is sold by weight (weighed or not)."""
        return any(line.price_basis.by_weight for line in self.lines)


class Order(Model):
    """One customer's order for one pickup."""

    id: int
    number: int
    user_id: int
    pickup: Pickup
    ring_name: str
    currency: str
    status: OrderStatus
    parts: tuple[OrderPart, ...]
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @property
    def total(self) -> int:
        """What the whole order costs."""
        return sum(part.subtotal for part in self.parts)

    @property
    def estimated(self) -> bool:
        """Whether the total is an estimate until something is weighed."""
        return any(part.estimated for part in self.parts)

    def can_change(self, now: datetime) -> bool:
        """Whether the customer may still change or cancel it."""
        return self.status is OrderStatus.PLACED and self.pickup.is_open(now)


class Role(StrEnum):
    """What a user does in the bot; one person can hold several (menus list them in this order)."""

    CUSTOMER = "customer"
    PRODUCER = "producer"
    ADMIN = "admin"
