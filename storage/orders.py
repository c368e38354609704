"""Orders and their lines; the price of a line is frozen when it is ordered."""

from __future__ import annotations

import json
from datetime import datetime

from rekobot.clock import from_db, to_db
from rekobot.models import (
    HandoverStatus,
    Order,
    OrderLine,
    OrderPart,
    OrderStatus,
    Pickup,
    PriceBasis,
)
from storage.database import Row, Transaction, enum_member
from storage.pickups import PICKUP_SELECT, get_pickup, pickup_from_row

#: What an order line ``l`` costs, as ``rekobot.models.line_amount`` reckons it: per item, or
#: by the weighed (else the estimated) grams, rounded once to the nearest minor unit.
LINE_AMOUNT_SQL = """
    (CASE l.price_basis WHEN 'unit' THEN l.quantity * l.unit_price
     ELSE (l.unit_price * COALESCE(l.weighed_grams, l.estimate_grams * l.quantity)
           + (CASE l.price_basis WHEN '100g' THEN 50 ELSE 500 END))
          / (CASE l.price_basis WHEN '100g' THEN 100 ELSE 1000 END)
     END)"""


async def next_order_number(tx: Transaction, pickup_id: int) -> int:
    """Return the next short number for an order at this pickup."""
    value = await tx.scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM orders WHERE pickup_id = ?", (pickup_id,)
    )
    return int(value)


async def insert_order(tx: Transaction, *, pickup_id: int, user_id: int, now: datetime) -> int:
    """Create a placed order with the next number and return its id."""
    number = await next_order_number(tx, pickup_id)
    return await tx.insert(
        "INSERT INTO orders (pickup_id, user_id, number, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (pickup_id, user_id, number, to_db(now), to_db(now)),
    )


async def placed_order_id(tx: Transaction, user_id: int, pickup_id: int) -> int | None:
    """Return the id of the customer's standing order for a pickup, if any."""
    value = await tx.scalar(
        "SELECT id FROM orders WHERE user_id = ? AND pickup_id = ? AND status = 'placed'",
        (user_id, pickup_id),
    )
    return None if value is None else int(value)


async def placed_order_number(tx: Transaction, order_id: int) -> int | None:
    """Return the number the customer knows an order by, while it stands (status placed)."""
    value = await tx.scalar(
        "SELECT number FROM orders WHERE id = ? AND status = 'placed'", (order_id,)
    )
    return None if value is None else int(value)


async def line_quantities(tx: Transaction, order_id: int) -> dict[int, tuple[int, int]]:
    """Return {offer_id: (quantity, unit_price)} of an order."""
    rows = await tx.fetchall(
        "SELECT offer_id, quantity, unit_price FROM order_lines WHERE order_id = ?", (order_id,)
    )
    return {row["offer_id"]: (row["quantity"], row["unit_price"]) for row in rows}


async def set_line(
    tx: Transaction,
    order_id: int,
    offer_id: int,
    quantity: int,
    unit_price: int,
    *,
    price_basis: str = "unit",
    estimate_grams: int | None = None,
) -> None:
    """Set an order line; zero removes it.

    A changed line is reckoned anew: its price basis and estimate per item are taken as they
    are now, and a weight entered before is forgotten (the quantity it weighed is gone).
    """
    if quantity <= 0:
        await tx.execute(
            "DELETE FROM order_lines WHERE order_id = ? AND offer_id = ?", (order_id, offer_id)
        )
        return
    await tx.execute(
        """
        INSERT INTO order_lines (order_id, offer_id, quantity, unit_price, price_basis,
                                 estimate_grams)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (order_id, offer_id) DO UPDATE SET
            quantity = excluded.quantity, unit_price = excluded.unit_price,
            price_basis = excluded.price_basis, estimate_grams = excluded.estimate_grams,
            weighed_grams = NULL, weighed_at = NULL
        """,
        (order_id, offer_id, quantity, unit_price, price_basis, estimate_grams),
    )


async def set_weighed(
    tx: Transaction, order_id: int, offer_id: int, grams: int | None, now: datetime
) -> bool:
    """Record the weighed grams of a line sold by weight (None forgets them)."""
    changed = await tx.execute(
        "UPDATE order_lines SET weighed_grams = ?, weighed_at = ? "
        "WHERE order_id = ? AND offer_id = ? AND price_basis != 'unit'",
        (grams, None if grams is None else to_db(now), order_id, offer_id),
    )
    return changed > 0


async def touch_order(tx: Transaction, order_id: int, now: datetime) -> None:
    """Record that an order changed."""
    await tx.execute("UPDATE orders SET updated_at = ? WHERE id = ?", (to_db(now), order_id))


async def mark_cancelled(tx: Transaction, order_id: int, now: datetime) -> None:
    """Cancel an order (its stock is released by the caller)."""
    await tx.execute(
        "UPDATE orders SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ?",
        (to_db(now), to_db(now), order_id),
    )


async def checkout_order(tx: Transaction, key: str) -> int | None:
    """Return the order an earlier checkout with this key produced."""
    value = await tx.scalar("SELECT order_id FROM checkouts WHERE key = ?", (key,))
    return None if value is None else int(value)


async def record_checkout(tx: Transaction, key: str, order_id: int, now: datetime) -> None:
    """Remember which order a checkout key produced."""
    await tx.execute(
        "INSERT INTO checkouts (key, order_id, created_at) VALUES (?, ?, ?)",
        (key, order_id, to_db(now)),
    )


async def load_order(
    tx: Transaction, order_id: int, *, pickup: Pickup | None = None
) -> Order | None:
    """Return an order with its pickup and its lines grouped by producer.

    ``pickup``: the order's pickup, when the caller read it in this transaction already.
    """
    row = await tx.fetchone(
        """
        SELECT o.*, r.name AS ring_name, r.currency FROM orders o
        JOIN pickups p ON p.id = o.pickup_id JOIN rings r ON r.id = p.ring_id
        WHERE o.id = ?
        """,
        (order_id,),
    )
    if row is None:
        return None
    if pickup is None or pickup.id != row["pickup_id"]:
        pickup = await get_pickup(tx, row["pickup_id"])
        assert pickup is not None
    return await _build_order(tx, row, pickup)


LINE_SELECT = """
    SELECT l.order_id, l.offer_id, l.quantity, l.unit_price, l.price_basis, l.estimate_grams,
           l.weighed_grams, pr.name AS product_name, pr.unit,
           pd.id AS producer_id, pd.name AS producer_name, pd.payment_info,
           h.status AS handover, c.comment
    FROM order_lines l
    JOIN offers o ON o.id = l.offer_id
    JOIN products pr ON pr.id = o.product_id
    JOIN producers pd ON pd.id = pr.producer_id
    LEFT JOIN handovers h ON h.order_id = l.order_id AND h.producer_id = pd.id
    LEFT JOIN order_comments c ON c.order_id = l.order_id AND c.producer_id = pd.id
"""


async def _build_order(tx: Transaction, order_row: Row, pickup: Pickup) -> Order:
    line_rows = await tx.fetchall(
        f"""{LINE_SELECT} WHERE l.order_id = ?
        ORDER BY pd.name COLLATE NOCASE, pr.name COLLATE NOCASE""",
        (order_row["id"],),
    )
    return _order_from(order_row, pickup, line_rows)


async def orders_for_user(
    tx: Transaction, user_id: int, ring_id: int, *, limit: int = 50
) -> list[Order]:
    """Return the user's orders in a ring, newest pickup first, in three statements.

    However long the customer's history, /orders costs the same: the orders, their pickups
    and all their lines each come in one query, not three queries an order.
    """
    rows = await tx.fetchall(
        """
        SELECT o.*, r.name AS ring_name, r.currency FROM orders o
        JOIN pickups p ON p.id = o.pickup_id JOIN rings r ON r.id = p.ring_id
        WHERE o.user_id = ? AND p.ring_id = ?
        ORDER BY p.starts_at DESC, o.id DESC LIMIT ?
        """,
        (user_id, ring_id, limit),
    )
    if not rows:
        return []
    pickup_ids = json.dumps(sorted({row["pickup_id"] for row in rows}))
    pickups = {
        pickup.id: pickup
        for pickup in map(
            pickup_from_row,
            await tx.fetchall(
                f"{PICKUP_SELECT} WHERE p.id IN (SELECT value FROM json_each(?))", (pickup_ids,)
            ),
        )
    }
    lines: dict[int, list[Row]] = {}
    for line in await tx.fetchall(
        f"""{LINE_SELECT} WHERE l.order_id IN (SELECT value FROM json_each(?))
        ORDER BY l.order_id, pd.name COLLATE NOCASE, pr.name COLLATE NOCASE""",
        (json.dumps([row["id"] for row in rows]),),
    ):
        lines.setdefault(line["order_id"], []).append(line)
    return [_order_from(row, pickups[row["pickup_id"]], lines.get(row["id"], [])) for row in rows]


async def order_count(tx: Transaction, user_id: int, ring_id: int) -> int:
    """How many orders the user has in a ring, placed or cancelled."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM orders o JOIN pickups p ON p.id = o.pickup_id "
            "WHERE o.user_id = ? AND p.ring_id = ?",
            (user_id, ring_id),
        )
    )


def order_line_from_row(row: Row) -> OrderLine:
    """Build an order line from a row with ``LINE_SELECT``'s line columns (reminders too)."""
    return OrderLine(
        offer_id=row["offer_id"],
        product_name=row["product_name"],
        unit=row["unit"],
        producer_id=row["producer_id"],
        quantity=row["quantity"],
        unit_price=row["unit_price"],
        price_basis=enum_member(PriceBasis, row["price_basis"]),
        estimate_grams=row["estimate_grams"],
        weighed_grams=row["weighed_grams"],
    )


def _order_from(order_row: Row, pickup: Pickup, line_rows: list[Row]) -> Order:
    order_id = order_row["id"]
    parts: dict[int, list[OrderLine]] = {}
    heads: dict[int, tuple[str, str, HandoverStatus | None, str | None]] = {}
    for line in line_rows:
        parts.setdefault(line["producer_id"], []).append(order_line_from_row(line))
        heads[line["producer_id"]] = (
            line["producer_name"],
            line["payment_info"],
            enum_member(HandoverStatus, line["handover"]) if line["handover"] else None,
            line["comment"],
        )
    return Order(
        id=order_id,
        number=order_row["number"],
        user_id=order_row["user_id"],
        pickup=pickup,
        ring_name=order_row["ring_name"],
        currency=order_row["currency"],
        status=enum_member(OrderStatus, order_row["status"]),
        parts=tuple(
            OrderPart(
                producer_id=producer_id,
                producer_name=heads[producer_id][0],
                payment_info=heads[producer_id][1],
                lines=tuple(lines),
                handover=heads[producer_id][2],
                comment=heads[producer_id][3],
            )
            for producer_id, lines in parts.items()
        ),
        created_at=from_db(order_row["created_at"]),
        updated_at=from_db(order_row["updated_at"]),
    )


async def order_ids_for_user(tx: Transaction, user_id: int, ring_id: int) -> list[int]:
    """Return the user's orders in a ring, newest pickup first."""
    rows = await tx.fetchall(
        """
        SELECT o.id FROM orders o JOIN pickups p ON p.id = o.pickup_id
        WHERE o.user_id = ? AND p.ring_id = ?
        ORDER BY p.starts_at DESC, o.id DESC LIMIT 50
        """,
        (user_id, ring_id),
    )
    return [row["id"] for row in rows]
