"""The rows of a producer's digest: each customer's order and its lines, and how to name them.

``storage/producer_orders.py`` builds them; ``rekobot/digest.py``, the CSV and XLSX files, the
pick list and the handover screens render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rekobot.i18n import _
from rekobot.models import HandoverStatus, PriceBasis, line_amount


@dataclass(frozen=True, slots=True)
class DigestLine:
    """A quantity of one product in one customer's order."""

    product_id: int
    product_name: str
    unit: str
    quantity: int
    unit_price: int
    price_basis: PriceBasis = PriceBasis.UNIT
    #: The weight one item was reckoned at when ordered (sold by weight only).
    estimate_grams: int | None = None
    #: The weight of the whole line, entered at the handover.
    weighed_grams: int | None = None
    #: The order line's offer (the handover's weight form names it).
    offer_id: int = 0

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
        """ "ca." until weighed: a line sold by weight carries an estimate."""
        return self.price_basis.by_weight and self.weighed_grams is None


def anonymous_customer(number: int) -> str:
    """The neutral label of an anonymised order's customer, e.g. "Customer #12"."""
    return _("Customer #{number}").format(number=number)


@dataclass(frozen=True, slots=True)
class CustomerOrder:
    """One customer's order, as far as this producer hands it over."""

    order_id: int
    number: int
    user_id: int
    #: The name from the customer's profile; empty once the order is anonymised.
    customer_name: str
    lines: tuple[DigestLine, ...]
    handover: HandoverStatus | None = None
    #: What the customer lets this producer reach them by, e.g. ("@kari",); a phone number
    #: shared at checkout joins these.
    contacts: tuple[str, ...] = ()
    #: The customer's note to this producer, when they wrote one.
    comment: str | None = None
    #: What the customer pays this producer (added up once: digests read it often).
    amount: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", sum(line.amount for line in self.lines))

    @property
    def estimated(self) -> bool:
        """Whether the amount is an estimate until something is weighed."""
        return any(line.estimated for line in self.lines)

    @property
    def customer(self) -> str:
        """The customer as producers see them: their name, or a neutral label once anonymised.

        The label is translated when it is read, so it comes out in the reader's language.
        """
        return self.customer_name or anonymous_customer(self.number)


def display_name(first: str, last: str | None, username: str | None, user_id: int) -> str:
    """Name a customer the way producers see them (not escaped); "" when anonymised."""
    if user_id < 0:  # a tombstone: the order was anonymised (see rekobot.services.privacy)
        return ""
    full = " ".join(part for part in (first, last) if part)
    return full or (f"@{username}" if username else str(user_id))


def customer_contacts(name: str, username: str | None, phone: str | None) -> tuple[str, ...]:
    """How producers may reach a customer: their @username (public anyway) and a shared phone."""
    found: list[str] = []
    handle = f"@{username}" if username else None
    if handle and handle != name:
        found.append(handle)
    if phone:
        found.append(phone)
    return tuple(found)
