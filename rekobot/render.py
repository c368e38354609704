"""Texts shared by chat screens and unprompted messages: pickups, order lines, totals.

Output is Telegram HTML; everything users or producers typed is escaped here. Both the
handlers (screens) and the services (messages queued in the outbox) render with these, so a
customer sees an order the same way in the confirmation, in /orders and in a reminder.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import Decimal

from rekobot.i18n import _, clock_time, day, money, ngettext, number
from rekobot.models import (
    HandoverStatus,
    Offer,
    Order,
    OrderPart,
    Pickup,
    PriceBasis,
    Product,
    Ring,
)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def esc(text: str | None) -> str:
    """Escape user-supplied text for Telegram's HTML parse mode."""
    return html.escape(text or "", quote=False)


def pickup_when(pickup: Pickup, timezone: str) -> str:
    """E.g. "torsdag 3. desember 2026, 17:00–18:00"."""
    return _("{day}, {start}–{end}").format(
        day=day(pickup.starts_at, timezone),
        start=clock_time(pickup.starts_at, timezone),
        end=clock_time(pickup.ends_at, timezone),
    )


def deadline_text(pickup: Pickup, timezone: str) -> str:
    """E.g. "onsdag 2. desember 2026 kl. 05:00"."""
    return _("{day} at {time}").format(
        day=day(pickup.deadline, timezone), time=clock_time(pickup.deadline, timezone)
    )


def place_text(pickup: Pickup) -> str:
    """The place's name and address, escaped."""
    location = pickup.location
    if location.address:
        return f"{esc(location.name)}, {esc(location.address)}"
    return esc(location.name)


def pickup_block(ring: Ring, pickup: Pickup, *, with_deadline: bool = True) -> str:
    """Where, when and until when to order, one fact a line."""
    lines = [
        f"<b>{esc(ring.name)}</b>",
        "📍 " + place_text(pickup),
        "🗓 " + pickup_when(pickup, ring.timezone),
    ]
    if with_deadline:
        lines.append(
            "⏰ " + _("Order by {deadline}").format(deadline=deadline_text(pickup, ring.timezone))
        )
    return "\n".join(lines)


# --- money and weights: "ca." wherever an amount is an estimate until weighed ------------------


def amount_text(amount: int, currency: str, estimated: bool = False) -> str:
    """Money, with "approx." before it while it is an estimate: "ca. 578,00 kr"."""
    text = money(amount, currency)
    return _("approx. {amount}").format(amount=text) if estimated else text


def price_text(price: int, basis: PriceBasis, currency: str) -> str:
    """A price with what it is per: "289,00 kr/kg" (just the money for a price per item)."""
    text = money(price, currency)
    if basis is PriceBasis.KG:
        return _("{price}/kg").format(price=text)
    if basis is PriceBasis.LITRE:
        return _("{price}/l").format(price=text)
    if basis is PriceBasis.HECTOGRAM:
        return _("{price}/100 g").format(price=text)
    return text


def _one_weight(grams: int, basis: PriceBasis, *, with_unit: bool = True) -> str:
    if basis is PriceBasis.LITRE:
        value, unit = Decimal(grams).scaleb(-3), "l"
    elif grams >= 1000:
        value, unit = Decimal(grams).scaleb(-3), "kg"
    else:
        value, unit = Decimal(grams), "g"
    text = number(value.normalize() if value == value.to_integral() else value)
    return f"{text}\u00a0{unit}" if with_unit else text


def weight_text(low: int, high: int | None, basis: PriceBasis) -> str:
    """A weight (ml for a price per litre) or a range: "2 kg", "1,8–2,2 kg", "800 g–1,2 kg"."""
    if high is None or high == low:
        return _one_weight(low, basis)
    same_unit = basis is PriceBasis.LITRE or (low >= 1000) == (high >= 1000)
    first = _one_weight(low, basis, with_unit=not same_unit)
    return f"{first}–{_one_weight(high, basis)}"


def estimated_unit(low: int, high: int | None, basis: PriceBasis) -> str:
    """The unit label of an item sold by weight: "approx. 2 kg" (kept as the product's unit)."""
    return _("approx. {weight}").format(weight=weight_text(low, high, basis))


def product_price(product: Product, price: int, currency: str) -> str:
    """What one item costs: "45,00 kr", or "289,00 kr/kg → ca. 578,00 kr" when sold by weight."""
    if not product.by_weight:
        return money(price, currency)
    per = price_text(price, product.price_basis, currency)
    if product.estimate_grams is None:
        return per
    each = amount_text(product.amount(price, 1), currency, estimated=True)
    return f"{per} → {each}"


def stock_text(offer: Offer) -> str:
    """How many are left, in words."""
    available = offer.available
    if available is None:
        return _("plenty left")
    if available == 0:
        return _("sold out")
    return ngettext("{n} left", "{n} left", available).format(n=available)


def offer_line(offer: Offer, currency: str) -> str:
    """One product in a list: name, unit, price and what is left."""
    product = offer.product
    price = product_price(product, offer.price, currency)
    return f"• {esc(product.name)}, {esc(product.unit)} — {price} — {stock_text(offer)}"


def quantity_line(
    quantity: int, name: str, unit: str, amount: int, currency: str, estimated: bool = False
) -> str:
    """E.g. "• 2 × Poteter (2 kg) — 120,00 kr", or "— ca. 1 156,00 kr" until weighed."""
    return f"• {quantity} × {esc(name)} ({esc(unit)}) — {amount_text(amount, currency, estimated)}"


def handover_text(status: HandoverStatus | None) -> str:
    """The producer's mark at the pickup, in words ("" when there is none)."""
    if status is HandoverStatus.COLLECTED:
        return _("collected")
    if status is HandoverStatus.NO_SHOW:
        return _("not collected")
    return ""


def order_part_block(part: OrderPart, currency: str, *, with_payment: bool = True) -> str:
    """A producer's lines of an order, the subtotal, and how to pay them."""
    title = f"<b>{esc(part.producer_name)}</b>"
    status = handover_text(part.handover)
    if status:
        title += f" — {status}"
    lines = [title]
    lines += [
        quantity_line(
            line.quantity, line.product_name, line.unit, line.amount, currency, line.estimated
        )
        for line in part.lines
    ]
    lines.append(
        _("Subtotal: {amount}").format(amount=amount_text(part.subtotal, currency, part.estimated))
    )
    if with_payment and part.payment_info:
        lines.append("💳 " + _("Pay: {how}").format(how=esc(part.payment_info)))
    if part.comment:
        lines.append("💬 " + _("Your comment: {comment}").format(comment=esc(part.comment)))
    return "\n".join(lines)


def order_body(order: Order, *, with_payment: bool = True) -> str:
    """Every producer's part and the total."""
    blocks = [order_part_block(p, order.currency, with_payment=with_payment) for p in order.parts]
    total = amount_text(order.total, order.currency, order.estimated)
    blocks.append("<b>" + _("Total: {amount}").format(amount=total) + "</b>")
    if order.estimated:
        blocks.append(settled_at_pickup())
    return "\n\n".join(blocks)


def settled_at_pickup() -> str:
    """The note under an estimated total: the weighed amount is what is paid."""
    return "⚖️ " + _(
        "Items sold by weight are weighed when packed: the final amount is settled at the pickup."
    )


def join_blocks(blocks: Iterable[str]) -> str:
    """Join non-empty blocks with a blank line."""
    return "\n\n".join(block for block in blocks if block)


def shorten(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters with an ellipsis (escape after shortening)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into messages of at most ``limit`` characters, between lines where possible.

    Blocks separated by a blank line are kept together when they fit, so a customer's lines in
    a digest are never torn across two messages. HTML tags never span lines in our messages,
    so cutting at line ends keeps them balanced.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = ""
        for line in block.split("\n"):
            while len(line) > limit:
                chunks.append(line[:limit])
                line = line[limit:]
            candidate = f"{current}\n{line}" if current else line
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = line
    if current:
        chunks.append(current)
    return chunks
