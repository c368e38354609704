"""The producer's digest for a pickup: what to bring, who gets what, and the grand total.

The digest is plain data built from one query (see ``storage.producer_orders``) and rendered
here as Telegram messages that each stay under the 4096-character limit, split between
customers, never inside one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rekobot.i18n import _, day, get_locale, money, ngettext
from rekobot.models import HandoverStatus, Pickup, Producer, Ring
from rekobot.models.digest import CustomerOrder
from rekobot.render import (
    MESSAGE_LIMIT,
    deadline_text,
    esc,
    pickup_when,
    place_text,
    split_message,
    weight_text,
)

#: Room kept in each part for the "(2/3)" continuation line.
_CONTINUATION_ROOM = 80


@dataclass(frozen=True, slots=True)
class ProductTotal:
    """How much of one product to bring, and what it comes to."""

    product_id: int
    name: str
    unit: str
    quantity: int
    amount: int
    estimated: bool = False


@dataclass(slots=True)
class _Tally:
    name: str
    unit: str
    quantity: int = 0
    amount: int = 0
    estimated: bool = False


@dataclass(frozen=True)
class Digest:
    """Everything one producer needs for one pickup."""

    producer: Producer
    ring: Ring
    pickup: Pickup
    orders: tuple[CustomerOrder, ...]
    preliminary: bool
    products: tuple[ProductTotal, ...] = field(default=())

    @classmethod
    def build(
        cls,
        producer: Producer,
        ring: Ring,
        pickup: Pickup,
        orders: Iterable[CustomerOrder],
        *,
        now: datetime,
    ) -> Digest:
        """Assemble the digest and add up the totals per product."""
        orders = tuple(orders)
        totals: dict[int, _Tally] = {}
        for order in orders:
            for line in order.lines:
                tally = totals.get(line.product_id)
                if tally is None:
                    tally = totals[line.product_id] = _Tally(line.product_name, line.unit)
                tally.quantity += line.quantity
                tally.amount += line.amount
                tally.estimated = tally.estimated or line.estimated
        products = tuple(
            sorted(
                (
                    ProductTotal(pid, t.name, t.unit, t.quantity, t.amount, t.estimated)
                    for pid, t in totals.items()
                ),
                key=lambda p: (p.name.lower(), p.product_id),
            )
        )
        return cls(
            producer=producer,
            ring=ring,
            pickup=pickup,
            orders=orders,
            preliminary=now < pickup.deadline,
            products=products,
        )

    @property
    def total(self) -> int:
        """What all the customers pay this producer together."""
        return sum(product.amount for product in self.products)

    @property
    def estimated(self) -> bool:
        """Whether the total is an estimate until something is weighed."""
        return any(product.estimated for product in self.products)

    def order(self, order_id: int) -> CustomerOrder | None:
        """Return one customer's order by id."""
        return next((o for o in self.orders if o.order_id == order_id), None)


@functools.lru_cache(maxsize=8192)
def _money(amount: int, currency: str, locale: str, estimated: bool = False) -> str:
    # Babel's formatting dominates a large digest; amounts repeat a lot, so remember them.
    text = money(amount, currency, locale)
    return _("approx. {amount}").format(amount=text) if estimated else text


def status_mark(status: HandoverStatus | None) -> str:
    """A short sign for a handover status, after the order's amount."""
    if status is HandoverStatus.COLLECTED:
        return " ✅"
    if status is HandoverStatus.NO_SHOW:
        return " " + _("❌ no-show")
    return ""


def digest_header(digest: Digest) -> str:
    """Say whose digest this is, for which pickup, and how much in all."""
    ring, pickup = digest.ring, digest.pickup
    locale = get_locale()
    lines = []
    if digest.preliminary:
        lines.append(
            _("⚠️ <b>Preliminary</b>: orders can still change until {deadline}.").format(
                deadline=deadline_text(pickup, ring.timezone)
            )
        )
    lines += [
        _("📋 <b>{producer}</b>: orders for {ring}").format(
            producer=esc(digest.producer.name), ring=esc(ring.name)
        ),
        "🗓 " + pickup_when(pickup, ring.timezone),
        "📍 " + place_text(pickup),
    ]
    count = len(digest.orders)
    lines.append(
        ngettext("{n} order, {amount} in all", "{n} orders, {amount} in all", count).format(
            n=count, amount=_money(digest.total, ring.currency, locale, digest.estimated)
        )
    )
    return "\n".join(lines)


def digest_blocks(digest: Digest) -> list[str]:
    """Return the digest as blocks that must not be torn apart, in reading order."""
    locale = get_locale()
    currency = digest.ring.currency
    blocks = [digest_header(digest)]
    if not digest.orders:
        blocks.append(
            _("No orders yet.") if digest.preliminary else _("No orders for this pickup.")
        )
        return blocks
    bring = [_("<b>What to bring</b>")]
    for product in digest.products:
        bring.append(
            _("{quantity} × {product} ({unit}): {amount}").format(
                quantity=product.quantity,
                product=esc(product.name),
                unit=esc(product.unit),
                amount=_money(product.amount, currency, locale, product.estimated),
            )
        )
    blocks.append("\n".join(bring))
    heading = _("<b>Who gets what</b>")
    line_format = _("{quantity} × {product} ({unit})")
    order_format = _("<b>#{number}</b> {customer}: {amount}")
    # Customers order the same few products in the same few quantities: render each once.
    rendered: dict[tuple[int, int, str, str, int | None], str] = {}
    for index, order in enumerate(digest.orders):
        lines = [heading] if index == 0 else []
        lines.append(
            order_format.format(
                number=order.number,
                customer=esc(order.customer),
                amount=_money(order.amount, currency, locale, order.estimated),
            )
            + status_mark(order.handover)
        )
        if order.contacts:
            lines.append("  📞 " + " · ".join(esc(contact) for contact in order.contacts))
        if order.comment:
            lines.append("  💬 <i>" + esc(order.comment) + "</i>")
        for line in order.lines:
            key = (line.product_id, line.quantity, line.product_name, line.unit, line.weighed_grams)
            text = rendered.get(key)
            if text is None:
                text = rendered[key] = "  " + line_format.format(
                    quantity=line.quantity, product=esc(line.product_name), unit=esc(line.unit)
                )
                if line.weighed_grams is not None:
                    text += " ⚖️ " + weight_text(line.weighed_grams, None, line.price_basis)
            lines.append(text)
        blocks.append("\n".join(lines))
    blocks.append(
        _("<b>Total to collect: {amount}</b>").format(
            amount=_money(digest.total, currency, locale, digest.estimated)
        )
    )
    return blocks


def digest_messages(digest: Digest, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Render the digest as Telegram messages of at most ``limit`` characters each."""
    parts = split_message("\n\n".join(digest_blocks(digest)), limit - _CONTINUATION_ROOM)
    if len(parts) == 1:
        return parts
    name = esc(digest.producer.name[:30])
    # Each part says which pickup it is about: parts are read (and forwarded) on their own.
    when = day(digest.pickup.starts_at, digest.ring.timezone)
    place = esc(digest.pickup.location.name[:40])
    return [
        part
        if index == 0
        else _("<i>{producer}, {day}, {place}, continued ({part}/{parts})</i>").format(
            producer=name, day=when, place=place, part=index + 1, parts=len(parts)
        )
        + "\n\n"
        + part
        for index, part in enumerate(parts)
    ]
