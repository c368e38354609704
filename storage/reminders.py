"""What the pickup reminders need: pickups about to start, and the orders to remind.

Every query here is one index search, so a sweep costs the same however much history the
database holds: upcoming pickups come from ``pickups_upcoming`` (only those with orders their
due round has not seen, so a sweep with nothing due reads no pickup), a pickup's new orders from
``orders_placed_by_pickup`` after the round's watermark (``*_reminded_order``), and a chunk's
orders with their lines and customers in one statement. ``tests/test_due_work.py`` checks
the query plans.
"""

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
    User,
)
from rekobot.models.due import ReminderBatch, ReminderRound
from storage.database import Transaction, enum_member
from storage.orders import order_line_from_row
from storage.pickups import PICKUP_SELECT, pickup_from_row
from storage.users import user_from_row

REMINDER_COLUMNS = {"evening": "evening_reminder_sent_at", "hour": "hour_reminder_sent_at"}
MARK_COLUMNS = {"evening": "evening_reminded_order", "hour": "hour_reminded_order"}

#: The upcoming pickups whose due round has orders it has not dealt with: at most one round
#: is possible at a time (the hour one from an hour before the start, the evening one until
#: then), so a pickup whose possible round is past its newest order is left out in SQL. The
#: sweep with nothing due reads no pickup rows, only ``pickups_upcoming`` and, per upcoming
#: pickup, the newest order from ``orders_placed_by_pickup``.
CANDIDATES_SQL = f"""{PICKUP_SELECT}
    WHERE p.id IN (
        SELECT r.id FROM (
            SELECT u.id, u.starts_at, u.evening_reminded_order, u.hour_reminded_order,
                   (SELECT o.id FROM orders o WHERE o.pickup_id = u.id AND o.status = 'placed'
                    ORDER BY o.id DESC LIMIT 1) AS newest_order
            FROM pickups u
            WHERE u.status = 'scheduled' AND u.starts_at > :start AND u.starts_at <= :end
              AND u.ring_id NOT IN (SELECT id FROM rings WHERE archived_at IS NOT NULL)
        ) AS r
        WHERE (r.starts_at <= :hour_from AND r.newest_order > r.hour_reminded_order)
           OR (r.starts_at > :hour_from AND r.newest_order > r.evening_reminded_order))
    ORDER BY p.starts_at"""

ROUND_SQL = """
    SELECT p.id, p.evening_reminded_order, p.hour_reminded_order,
           (SELECT o.id FROM orders o WHERE o.pickup_id = p.id AND o.status = 'placed'
            ORDER BY o.id DESC LIMIT 1) AS newest_order
    FROM pickups p WHERE p.id IN (SELECT value FROM json_each(?))"""

BATCH_SQL = """
    WITH chunk AS (
        SELECT o.id, o.number, o.user_id, o.created_at, o.updated_at FROM orders o
        WHERE o.pickup_id = ? AND o.status = 'placed' AND o.id > ?
        ORDER BY o.id LIMIT ?
    )
    SELECT c.id AS o_id, c.number AS o_number, c.created_at AS o_created_at,
           c.updated_at AS o_updated_at,
           u.id, u.first_name, u.last_name, u.username, u.language_code, u.locale,
           u.current_ring_id, u.reminders_enabled, u.announcements_enabled, u.orders_open_enabled,
           u.unreachable_at,
           l.offer_id, l.quantity, l.unit_price, l.price_basis, l.estimate_grams,
           l.weighed_grams, pr.name AS product_name, pr.unit,
           pd.id AS producer_id, pd.name AS producer_name, pd.payment_info,
           h.status AS handover
    FROM chunk c JOIN users u ON u.id = c.user_id
    LEFT JOIN order_lines l ON l.order_id = c.id
    LEFT JOIN offers f ON f.id = l.offer_id
    LEFT JOIN products pr ON pr.id = f.product_id
    LEFT JOIN producers pd ON pd.id = pr.producer_id
    LEFT JOIN handovers h ON h.order_id = c.id AND h.producer_id = pd.id
    ORDER BY c.id, pd.name COLLATE NOCASE, pr.name COLLATE NOCASE"""


async def reminder_candidates(
    tx: Transaction, start: datetime, end: datetime, hour_from: datetime
) -> list[Pickup]:
    """Return scheduled pickups starting in (``start``, ``end``] with orders a round has not seen.

    ``hour_from`` is ``start`` plus the hour before a pickup: a pickup starting by then can only
    be due its hour round, a later one only its evening round. Pickups of an archived ring are
    left out: an archived ring gets no reminders.
    """
    rows = await tx.fetchall(
        CANDIDATES_SQL,
        {"start": to_db(start), "end": to_db(end), "hour_from": to_db(hour_from)},
    )
    return [pickup_from_row(row) for row in rows]


async def reminder_rounds(tx: Transaction, pickup_ids: list[int]) -> dict[int, ReminderRound]:
    """Return the pickups' reminder watermarks and newest placed orders, in one query."""
    rows = await tx.fetchall(ROUND_SQL, (json.dumps(pickup_ids),))
    return {row["id"]: ReminderRound.model_validate(dict(row)) for row in rows}


async def reminder_batch(
    tx: Transaction, pickup: Pickup, ring_name: str, currency: str, *, after: int, limit: int
) -> ReminderBatch:
    """Return up to ``limit`` placed orders of a pickup with ids above ``after``, in one query.

    Every order of the chunk is returned with its customer, whether or not they want
    reminders: the caller decides, and the watermark moves past all of them.
    """
    rows = await tx.fetchall(BATCH_SQL, (pickup.id, after, limit))
    heads: dict[int, tuple[int, datetime, datetime, User]] = {}
    lines: dict[int, dict[int, list[OrderLine]]] = {}
    producers: dict[int, tuple[str, str, HandoverStatus | None]] = {}
    for row in rows:
        order_id = row["o_id"]
        if order_id not in heads:
            heads[order_id] = (
                row["o_number"],
                from_db(row["o_created_at"]),
                from_db(row["o_updated_at"]),
                user_from_row(row),
            )
            lines[order_id] = {}
        if row["offer_id"] is None or row["producer_id"] is None:
            continue
        lines[order_id].setdefault(row["producer_id"], []).append(order_line_from_row(row))
        producers[row["producer_id"]] = (
            row["producer_name"],
            row["payment_info"],
            enum_member(HandoverStatus, row["handover"]) if row["handover"] else None,
        )
    orders = []
    for order_id, (number, created_at, updated_at, user) in heads.items():
        order = Order(
            id=order_id,
            number=number,
            user_id=user.id,
            pickup=pickup,
            ring_name=ring_name,
            currency=currency,
            status=OrderStatus.PLACED,
            parts=tuple(
                OrderPart(
                    producer_id=producer_id,
                    producer_name=producers[producer_id][0],
                    payment_info=producers[producer_id][1],
                    lines=tuple(part),
                    handover=producers[producer_id][2],
                )
                for producer_id, part in lines[order_id].items()
            ),
            created_at=created_at,
            updated_at=updated_at,
        )
        orders.append((order, user))
    return ReminderBatch(orders=orders, last_order=max(heads, default=after))


async def advance_round(
    tx: Transaction, pickup: Pickup, kind: str, last_order: int, now: datetime
) -> bool:
    """Move the round's watermark to ``last_order`` and stamp when the round first went out.

    Returns False when the pickup was moved or cancelled since the chunk was read: its
    reminders would name the wrong time.
    """
    mark, sent = MARK_COLUMNS[kind], REMINDER_COLUMNS[kind]
    changed = await tx.execute(
        f"UPDATE pickups SET {mark} = MAX({mark}, ?), {sent} = COALESCE({sent}, ?) "
        "WHERE id = ? AND starts_at = ? AND status = 'scheduled'",
        (last_order, to_db(now), pickup.id, to_db(pickup.starts_at)),
    )
    return changed == 1


async def reset_rounds(tx: Transaction, pickup_id: int) -> None:
    """Forget that reminders went out (the pickup moved: remind about the new time)."""
    await tx.execute(
        "UPDATE pickups SET evening_reminder_sent_at = NULL, hour_reminder_sent_at = NULL, "
        "evening_reminded_order = 0, hour_reminded_order = 0 WHERE id = ?",
        (pickup_id,),
    )


async def set_reminders_enabled(tx: Transaction, user_id: int, enabled: bool) -> None:
    """Turn a user's pickup reminders on or off."""
    await tx.execute("UPDATE users SET reminders_enabled = ? WHERE id = ?", (int(enabled), user_id))


async def set_announcements_enabled(tx: Transaction, user_id: int, enabled: bool) -> None:
    """Turn a user's announcements of new pickups on or off."""
    await tx.execute(
        "UPDATE users SET announcements_enabled = ? WHERE id = ?", (int(enabled), user_id)
    )
