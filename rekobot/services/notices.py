"""Texts the bot sends unprompted about people and producers, in the recipient's language.

A producer's application, the decision on it and the admins' record of it; order notes and a
withdrawn offer; a member made or no longer admin; a member blocked or let back in. Each
function renders in the current locale: wrap the call in ``use_locale(recipient's)``. All
user-supplied text is escaped here, because these go out as HTML.

The pickups' own messages (reminders, announcements, cancellations, digests) are built from
``rekobot.render`` by the services that send them.
"""

from __future__ import annotations

from rekobot.i18n import _, clock_time, day
from rekobot.models import Order, OrderLine, OrderPart, Pickup, Producer, Ring, User
from rekobot.render import amount_text, esc, weight_text


def pickup_line(pickup: Pickup, ring: Ring) -> str:
    """Say where and when a pickup is, on one line."""
    return _("{day}, {start}–{end} at {place}").format(
        day=day(pickup.starts_at, ring.timezone),
        start=clock_time(pickup.starts_at, ring.timezone),
        end=clock_time(pickup.ends_at, ring.timezone),
        place=esc(pickup.location.name),
    )


def application_text(producer: Producer, ring: Ring, applicant: User | None) -> str:
    """Tell a ring admin about a producer who wants to sell in the ring."""
    lines = [
        _("<b>New producer application</b> for {ring}").format(ring=esc(ring.name)),
        "",
        f"<b>{esc(producer.name)}</b>",
    ]
    if producer.description:
        lines.append(esc(producer.description))
    lines += [
        _("Payment: {payment}").format(payment=esc(producer.payment_info)),
        _("Contact: {contact}").format(contact=esc(producer.contact)),
    ]
    if applicant is not None:
        who = esc(applicant.display_name)
        if applicant.username:
            who += f" (@{esc(applicant.username)})"
        lines.append(_("Sent by: {name}").format(name=who))
    return "\n".join(lines)


def decision_text(ring: Ring, approved: bool) -> str:
    """Tell the applicant what the ring's admins decided."""
    if approved:
        return "\n".join(
            [
                _("Good news: you are approved to sell in <b>{ring}</b>!").format(
                    ring=esc(ring.name)
                ),
                _("Open /producer to put your products on offer for the next pickup."),
            ]
        )
    return _(
        "Your application to sell in <b>{ring}</b> was not approved. Please contact the "
        "ring's admins if you have questions."
    ).format(ring=esc(ring.name))


def decision_record(producer: Producer, ring: Ring, approved: bool, admin: str) -> str:
    """Replace the admin's application message with what was decided, and by whom."""
    verdict = (
        _("✅ {producer} is approved for {ring} (by {admin}).")
        if approved
        else _("❌ {producer} was rejected for {ring} (by {admin}).")
    )
    return verdict.format(producer=esc(producer.name), ring=esc(ring.name), admin=esc(admin))


def lines_text(lines: tuple[OrderLine, ...] | list[OrderLine]) -> str:
    """List order lines as "2 × Egg (12 stk)", one per line."""
    return "\n".join(
        _("{quantity} × {product} ({unit})").format(
            quantity=line.quantity, product=esc(line.product_name), unit=esc(line.unit)
        )
        for line in lines
    )


def contact_line(contacts: tuple[str, ...]) -> str:
    """The customer's @username and shared phone on one line, e.g. "📞 @kari · +4791234567"."""
    return "📞 " + " · ".join(esc(contact) for contact in contacts)


def comment_line(comment: str) -> str:
    """The customer's comment to the producer, quoted on one line."""
    return "💬 " + _("Comment: {comment}").format(comment="<i>" + esc(comment) + "</i>")


def order_note(
    kind: str,
    order: Order,
    customer: str,
    lines: tuple[OrderLine, ...],
    ring: Ring,
    *,
    contacts: tuple[str, ...] = (),
    comment: str | None = None,
) -> str:
    """Tell a producer in a few lines that an order touching them was placed/changed/cancelled.

    Under the name come the ways to reach the customer and, on a placed or changed order,
    the customer's comment to this producer.
    """
    head = {
        "placed": _("🆕 New order <b>#{number}</b> from {customer}"),
        "changed": _("✏️ Order <b>#{number}</b> from {customer} was changed"),
        "cancelled": _("🚫 Order <b>#{number}</b> from {customer} was cancelled"),
        "removed": _("✏️ Order <b>#{number}</b> from {customer} no longer includes your products"),
    }[kind].format(number=order.number, customer=esc(customer))
    parts = [head]
    if contacts:
        parts.append(contact_line(contacts))
    if kind in {"placed", "changed"} and lines:
        parts.append(lines_text(lines))
        if comment:
            parts.append(comment_line(comment))
        total = sum(line.amount for line in lines)
        estimated = any(line.estimated for line in lines)
        parts.append(
            _("To collect: {amount}").format(amount=amount_text(total, order.currency, estimated))
        )
    parts.append(_("Pickup: {pickup}").format(pickup=pickup_line(order.pickup, ring)))
    return "\n".join(parts)


def final_amount_notice(order: Order, part: OrderPart) -> str:
    """Tell a customer what their weighed order comes to, and how to pay this producer."""
    currency = order.currency
    lines = [
        _("⚖️ <b>{producer}</b> has weighed your order <b>#{number}</b>.").format(
            producer=esc(part.producer_name), number=order.number
        )
    ]
    for line in part.lines:
        text = _("{quantity} × {product} ({unit})").format(
            quantity=line.quantity, product=esc(line.product_name), unit=esc(line.unit)
        )
        if line.weighed_grams is not None:
            text += ", " + weight_text(line.weighed_grams, None, line.price_basis)
        lines.append(f"• {text} — {amount_text(line.amount, currency, line.estimated)}")
    lines.append(
        "<b>"
        + _("To pay {producer}: {amount}").format(
            producer=esc(part.producer_name),
            amount=amount_text(part.subtotal, currency, part.estimated),
        )
        + "</b>"
    )
    if part.payment_info:
        lines.append("💳 " + _("Pay: {how}").format(how=esc(part.payment_info)))
    return "\n".join(lines)


def withdrawal_notice(
    order: Order,
    producer_name: str,
    line: OrderLine,
    ring: Ring,
    *,
    order_cancelled: bool,
) -> str:
    """Tell a customer that a producer withdrew a product they ordered."""
    parts = [
        _("Sorry: {producer} can no longer bring {product} to the pickup.").format(
            producer=esc(producer_name), product=esc(line.product_name)
        ),
        _("Pickup: {pickup}").format(pickup=pickup_line(order.pickup, ring)),
    ]
    if order_cancelled:
        parts.append(
            _("It was all you had ordered, so your order #{number} has been cancelled.").format(
                number=order.number
            )
        )
    else:
        parts.append(
            _("It has been removed from your order #{number}. New total: {total}.").format(
                number=order.number,
                total=amount_text(order.total, order.currency, order.estimated),
            )
        )
        parts.append(_("You can still change your order in /orders until the deadline."))
    return "\n".join(parts)


def no_orders_text(producer: Producer, pickup: Pickup, ring: Ring) -> str:
    """Tell a producer at the deadline that nobody ordered from them."""
    return "\n".join(
        [
            _("<b>{ring}</b>: the order deadline has passed.").format(ring=esc(ring.name)),
            _("Pickup: {pickup}").format(pickup=pickup_line(pickup, ring)),
            _("Nobody ordered from {producer} this time.").format(producer=esc(producer.name)),
        ]
    )


def admin_role_text(ring: Ring, admin: bool) -> str:
    """Tell a member they now run the ring, or no longer do."""
    if not admin:
        return _("You are no longer an admin of <b>{ring}</b>.").format(ring=esc(ring.name))
    return "\n".join(
        [
            _("You are now an admin of <b>{ring}</b>.").format(ring=esc(ring.name)),
            _("Open /admin to run it: places, pickups, announcements and members."),
        ]
    )


def block_text(ring: Ring, blocked: bool) -> str:
    """Tell a member the ring's admins blocked them, or lifted the block."""
    name = esc(ring.name)
    if blocked:
        return "\n".join(
            [
                _("The admins of <b>{ring}</b> have blocked you there.").format(ring=name),
                _(
                    "You can no longer order in this ring or get its messages. "
                    "/start joins another ring."
                ),
            ]
        )
    return "\n".join(
        [
            _("The admins of <b>{ring}</b> have lifted your block.").format(ring=name),
            _("You can order there again: /shop."),
        ]
    )
