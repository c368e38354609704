"""Orders as one producer sees them: the digest rows, the handover marks, due digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rekobot.clock import to_db
from rekobot.models import HandoverStatus, Pickup, PriceBasis
from rekobot.models.digest import CustomerOrder, DigestLine, customer_contacts, display_name
from storage.database import Transaction
from storage.pickups import PICKUP_SELECT, pickup_from_row

#: Every line a producer hands over at a pickup, one row per order line, in order-number order.
#: This single query is the whole digest; it walks offers -> lines -> orders on their indexes.
DIGEST_LINES = """
    SELECT o.id AS order_id, o.number, o.user_id,
           u.first_name, u.last_name, u.username,
           l.quantity, l.unit_price, l.price_basis, l.estimate_grams, l.weighed_grams,
           l.offer_id,
           pr.id AS product_id, pr.name AS product_name, pr.unit,
           h.status AS handover, c.comment, u.phone
    FROM offers f
    JOIN products pr ON pr.id = f.product_id
    JOIN order_lines l ON l.offer_id = f.id
    JOIN orders o ON o.id = l.order_id
    JOIN users u ON u.id = o.user_id
    LEFT JOIN handovers h ON h.order_id = o.id AND h.producer_id = pr.producer_id
    LEFT JOIN order_comments c ON c.order_id = o.id AND c.producer_id = pr.producer_id
    WHERE f.pickup_id = ? AND pr.producer_id = ? AND o.status = 'placed'
    ORDER BY o.number, pr.name COLLATE NOCASE, pr.id
"""


_BASES = {basis.value: basis for basis in PriceBasis}


async def digest_orders(tx: Transaction, pickup_id: int, producer_id: int) -> list[CustomerOrder]:
    """Return each placed order's lines of one producer at one pickup, by order number."""
    # Plain tuples instead of sqlite3.Row: this runs over every line of a big pickup.
    rows = await tx.tuples(DIGEST_LINES, (pickup_id, producer_id))
    orders: list[CustomerOrder] = []
    lines: list[DigestLine] = []
    head: Any = None
    for row in rows:
        order_id, quantity, price, basis, estimate, weighed, offer_id, pid, name, unit = (
            row[0],
            *row[6:15],
        )
        if head is None or order_id != head[0]:
            if head is not None:
                orders.append(_customer_order(head, lines))
            head, lines = row, []
        lines.append(
            DigestLine(pid, name, unit, quantity, price, _BASES[basis], estimate, weighed, offer_id)
        )
    if head is not None:
        orders.append(_customer_order(head, lines))
    return orders


def _customer_order(head: Any, lines: list[DigestLine]) -> CustomerOrder:
    order_id, number, user_id, first, last, username, *_line, handover, comment, phone = head
    customer = display_name(first, last, username, user_id)
    return CustomerOrder(
        order_id=order_id,
        number=number,
        user_id=user_id,
        customer_name=customer,
        lines=tuple(lines),
        handover=HandoverStatus(handover) if handover else None,
        # A Telegram username is public, so it is a contact the customer already shares; a
        # phone is there only while the customer shares it.
        contacts=customer_contacts(customer, username, phone),
        comment=comment,
    )


async def placed_orders_with_offer(tx: Transaction, offer_id: int) -> list[tuple[int, int, int]]:
    """Return (order_id, user_id, quantity) of each placed order with a line of the offer."""
    rows = await tx.fetchall(
        """
        SELECT l.order_id, o.user_id, l.quantity FROM order_lines l
        JOIN orders o ON o.id = l.order_id
        WHERE l.offer_id = ? AND o.status = 'placed' ORDER BY o.number
        """,
        (offer_id,),
    )
    return [(row["order_id"], row["user_id"], row["quantity"]) for row in rows]


async def carts_with_offer(tx: Transaction, offer_id: int) -> list[tuple[int, int]]:
    """Return (user_id, pickup_id) of each cart holding the offer."""
    rows = await tx.fetchall(
        "SELECT user_id, pickup_id FROM cart_items WHERE offer_id = ?", (offer_id,)
    )
    return [(row["user_id"], row["pickup_id"]) for row in rows]


async def order_has_producer(tx: Transaction, order_id: int, producer_id: int) -> bool:
    """Whether an order has at least one line of the producer's products."""
    value = await tx.scalar(
        """
        SELECT 1 FROM order_lines l JOIN offers f ON f.id = l.offer_id
        JOIN products pr ON pr.id = f.product_id
        WHERE l.order_id = ? AND pr.producer_id = ? LIMIT 1
        """,
        (order_id, producer_id),
    )
    return value is not None


async def set_handover(
    tx: Transaction, order_id: int, producer_id: int, status: str | None, now: datetime
) -> None:
    """Mark the producer's part of an order collected or a no-show; None clears the mark."""
    if status is None:
        await tx.execute(
            "DELETE FROM handovers WHERE order_id = ? AND producer_id = ?",
            (order_id, producer_id),
        )
        return
    await tx.execute(
        """
        INSERT INTO handovers (order_id, producer_id, status, marked_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (order_id, producer_id) DO UPDATE SET
            status = excluded.status, marked_at = excluded.marked_at
        """,
        (order_id, producer_id, status, to_db(now)),
    )


async def unmarked_order_ids(tx: Transaction, pickup_id: int, producer_id: int) -> list[int]:
    """Return the placed orders with the producer's lines that have no handover mark yet."""
    rows = await tx.fetchall(
        """
        SELECT DISTINCT o.id FROM offers f
        JOIN products pr ON pr.id = f.product_id
        JOIN order_lines l ON l.offer_id = f.id
        JOIN orders o ON o.id = l.order_id
        WHERE f.pickup_id = ? AND pr.producer_id = ? AND o.status = 'placed'
          AND NOT EXISTS (SELECT 1 FROM handovers h
                          WHERE h.order_id = o.id AND h.producer_id = pr.producer_id)
        """,
        (pickup_id, producer_id),
    )
    return [row["id"] for row in rows]


#: Found through ``pickups_digest_due``: only pickups still waiting for their digest.
DUE_DIGESTS_SQL = f"""{PICKUP_SELECT}
    WHERE p.status = 'scheduled' AND p.digest_sent_at IS NULL AND p.deadline <= ?
      AND p.ring_id NOT IN (SELECT id FROM rings WHERE archived_at IS NOT NULL)
    ORDER BY p.deadline, p.id"""


async def due_digest_pickups(tx: Transaction, now: datetime) -> list[Pickup]:
    """Return scheduled pickups whose order deadline has passed and whose digest is unsent.

    Pickups of an archived ring are left out: an archived ring gets no digests.
    """
    rows = await tx.fetchall(DUE_DIGESTS_SQL, (to_db(now),))
    return [pickup_from_row(row) for row in rows]


async def mark_digest_sent(tx: Transaction, pickup_id: int, now: datetime) -> bool:
    """Record that a pickup's digests are queued; return False if someone did it first."""
    changed = await tx.execute(
        "UPDATE pickups SET digest_sent_at = ? WHERE id = ? AND digest_sent_at IS NULL",
        (to_db(now), pickup_id),
    )
    return changed == 1


async def producers_at_pickup(tx: Transaction, pickup_id: int) -> list[int]:
    """Return the producers with something on offer at a pickup."""
    rows = await tx.fetchall(
        """
        SELECT DISTINCT pr.producer_id FROM offers f JOIN products pr ON pr.id = f.product_id
        WHERE f.pickup_id = ? AND f.withdrawn_at IS NULL ORDER BY pr.producer_id
        """,
        (pickup_id,),
    )
    return [row["producer_id"] for row in rows]


async def producer_pickups(
    tx: Transaction, producer_id: int, *, ended_after: datetime
) -> list[Pickup]:
    """Return scheduled pickups of the producer's approved rings, not ended before a moment."""
    rows = await tx.fetchall(
        f"""{PICKUP_SELECT}
        JOIN producer_rings pr ON pr.ring_id = p.ring_id
        WHERE pr.producer_id = ? AND pr.status = 'approved' AND p.status = 'scheduled'
          AND p.ends_at > ?
        ORDER BY p.starts_at, p.id""",
        (producer_id, to_db(ended_after)),
    )
    return [pickup_from_row(row) for row in rows]


async def offer_counts(tx: Transaction, producer_id: int, pickup_ids: list[int]) -> dict[int, int]:
    """Return {pickup_id: products on offer} for a producer at some pickups."""
    if not pickup_ids:
        return {}
    marks = ",".join("?" * len(pickup_ids))
    rows = await tx.fetchall(
        f"""
        SELECT f.pickup_id, COUNT(*) AS n FROM offers f JOIN products pr ON pr.id = f.product_id
        WHERE f.pickup_id IN ({marks}) AND pr.producer_id = ? AND f.withdrawn_at IS NULL
        GROUP BY f.pickup_id
        """,
        (*pickup_ids, producer_id),
    )
    return {row["pickup_id"]: row["n"] for row in rows}


async def order_counts(tx: Transaction, producer_id: int, pickup_ids: list[int]) -> dict[int, int]:
    """Return {pickup_id: placed orders with the producer's lines} at some pickups."""
    if not pickup_ids:
        return {}
    marks = ",".join("?" * len(pickup_ids))
    rows = await tx.fetchall(
        f"""
        SELECT f.pickup_id, COUNT(DISTINCT l.order_id) AS n FROM offers f
        JOIN products pr ON pr.id = f.product_id
        JOIN order_lines l ON l.offer_id = f.id
        JOIN orders o ON o.id = l.order_id
        WHERE f.pickup_id IN ({marks}) AND pr.producer_id = ? AND o.status = 'placed'
        GROUP BY f.pickup_id
        """,
        (*pickup_ids, producer_id),
    )
    return {row["pickup_id"]: row["n"] for row in rows}
