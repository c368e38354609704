"""What the bot stores about one person, erasing them, and anonymising old orders.

An order outlives its customer: producers and the ring keep order numbers, lines and amounts for
their books. So an order is never deleted here; it is *detached*: moved to a tombstone user whose
synthetic id is ``-orders.id`` (Telegram user ids are positive). One tombstone per order keeps
``orders_one_placed_per_pickup`` valid, links no two orders of the same person, and leaves the
Telegram id free, so a person who comes back starts as a fresh user.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rekobot.clock import from_db, to_db
from storage.bot_state import USER_DATA
from storage.comments import drop_order_comments
from storage.database import Transaction

CONVERSATION = "conversation:"


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


async def order_ids_of_user(tx: Transaction, user_id: int) -> list[int]:
    """Return every order the user placed, in any ring, newest first."""
    rows = await tx.fetchall(
        "SELECT id FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC", (user_id,)
    )
    return [row["id"] for row in rows]


async def user_created_at(tx: Transaction, user_id: int) -> datetime | None:
    """Return when the bot first saw the user."""
    value = await tx.scalar("SELECT created_at FROM users WHERE id = ?", (user_id,))
    return None if value is None else from_db(value)


async def membership_dates(tx: Transaction, user_id: int) -> dict[int, datetime]:
    """Return {ring_id: joined_at} of the user's memberships."""
    rows = await tx.fetchall(
        "SELECT ring_id, joined_at FROM memberships WHERE user_id = ?", (user_id,)
    )
    return {row["ring_id"]: from_db(row["joined_at"]) for row in rows}


async def cart_items(tx: Transaction, user_id: int) -> list[dict[str, Any]]:
    """Return the user's cart items with their product, producer and pickup, for the export."""
    rows = await tx.fetchall(
        """
        SELECT c.pickup_id, p.starts_at, r.name AS ring, pr.name AS product, pr.unit,
               pd.name AS producer, i.quantity, i.added_at
        FROM cart_items i
        JOIN carts c ON c.user_id = i.user_id AND c.pickup_id = i.pickup_id
        JOIN pickups p ON p.id = c.pickup_id JOIN rings r ON r.id = p.ring_id
        JOIN offers f ON f.id = i.offer_id JOIN products pr ON pr.id = f.product_id
        JOIN producers pd ON pd.id = pr.producer_id
        WHERE i.user_id = ? ORDER BY p.starts_at, pd.name, pr.name
        """,
        (user_id,),
    )
    return [
        {
            "ring": row["ring"],
            "pickup_starts_at": row["starts_at"],
            "producer": row["producer"],
            "product": row["product"],
            "unit": row["unit"],
            "quantity": row["quantity"],
            "added_at": row["added_at"],
        }
        for row in rows
    ]


async def cart_comments(tx: Transaction, user_id: int) -> list[dict[str, Any]]:
    """Return the comments the user wrote on their carts, for the export."""
    rows = await tx.fetchall(
        """
        SELECT p.starts_at, r.name AS ring, pd.name AS producer, c.comment, c.updated_at
        FROM cart_comments c JOIN pickups p ON p.id = c.pickup_id
        JOIN rings r ON r.id = p.ring_id JOIN producers pd ON pd.id = c.producer_id
        WHERE c.user_id = ? ORDER BY p.starts_at, pd.name
        """,
        (user_id,),
    )
    return [
        {
            "ring": row["ring"],
            "pickup_starts_at": row["starts_at"],
            "producer": row["producer"],
            "comment": row["comment"],
            "written_at": row["updated_at"],
        }
        for row in rows
    ]


async def follows(tx: Transaction, user_id: int) -> list[dict[str, Any]]:
    """Return the producers the user follows, per ring, for the export."""
    rows = await tx.fetchall(
        """
        SELECT r.name AS ring, pd.name AS producer, f.created_at FROM producer_follows f
        JOIN rings r ON r.id = f.ring_id JOIN producers pd ON pd.id = f.producer_id
        WHERE f.user_id = ? ORDER BY f.created_at, f.producer_id
        """,
        (user_id,),
    )
    return [
        {"ring": row["ring"], "producer": row["producer"], "since": row["created_at"]}
        for row in rows
    ]


async def questions_asked(tx: Transaction, user_id: int) -> list[dict[str, Any]]:
    """Return the questions the user asked producers, with the answers, for the export."""
    rows = await tx.fetchall(
        """
        SELECT r.name AS ring, pd.name AS producer, q.text, q.answer, q.created_at,
               q.answered_at
        FROM producer_questions q
        JOIN rings r ON r.id = q.ring_id JOIN producers pd ON pd.id = q.producer_id
        WHERE q.customer_id = ? ORDER BY q.created_at, q.id
        """,
        (user_id,),
    )
    return [
        {
            "ring": row["ring"],
            "producer": row["producer"],
            "question": row["text"],
            "asked_at": row["created_at"],
            "answer": row["answer"],
            "answered_at": row["answered_at"],
        }
        for row in rows
    ]


async def posts_turned_off(tx: Transaction, user_id: int) -> bool:
    """Whether the user turned producers' posts off."""
    found = await tx.scalar("SELECT 1 FROM producer_post_optouts WHERE user_id = ?", (user_id,))
    return found is not None


async def owned_producer_names(tx: Transaction, user_id: int) -> list[str]:
    """Return the names of the producers the user runs."""
    rows = await tx.fetchall(
        "SELECT name FROM producers WHERE owner_user_id = ? ORDER BY name", (user_id,)
    )
    return [row["name"] for row in rows]


#: A conversation key is a JSON list such as [chat_id, user_id]; this matches the user's id in it.
_HOLDS_USER = "EXISTS (SELECT 1 FROM json_each(bot_state.key) WHERE json_each.value = ?)"


async def bot_state_of_user(tx: Transaction, user_id: int) -> dict[str, Any]:
    """Return the user's PTB user data, their open conversations and their open question."""
    data = await tx.scalar(
        "SELECT data FROM bot_state WHERE kind = ? AND key = ?", (USER_DATA, str(user_id))
    )
    rows = await tx.fetchall(
        f"SELECT kind, data FROM bot_state WHERE kind LIKE ? || '%' AND {_HOLDS_USER}",
        (CONVERSATION, user_id),
    )
    question = await tx.fetchone(
        "SELECT kind, asking, draft, updated_at FROM questions WHERE user_id = ?", (user_id,)
    )
    return {
        "user_data": json.loads(data) if data is not None else {},
        "conversations": {
            row["kind"].removeprefix(CONVERSATION): json.loads(row["data"]) for row in rows
        },
        "open_question": None
        if question is None
        else {
            "form": question["kind"],
            "asking": question["asking"],
            "draft": json.loads(question["draft"]),
            "updated_at": question["updated_at"],
        },
    }


async def detach_orders(tx: Transaction, order_ids: list[int], now: datetime) -> int:
    """Move orders to their tombstone users; return how many were moved.

    A tombstone has no name, gets no reminders or announcements and is marked unreachable, so
    nothing is ever sent to its (negative, group-like) id. Checkout keys, which hold the
    customer's Telegram id, go too: a finished order needs no protection from a double tap.
    """
    if not order_ids:
        return 0
    stamp = to_db(now)
    await tx.executemany(
        "INSERT OR IGNORE INTO users (id, first_name, reminders_enabled, announcements_enabled, "
        "unreachable_at, created_at) VALUES (?, '', 0, 0, ?, ?)",
        [(-order_id, stamp, stamp) for order_id in order_ids],
    )
    marks = _marks(order_ids)
    await tx.execute(f"DELETE FROM checkouts WHERE order_id IN ({marks})", order_ids)
    # A comment is free text that may say who wrote it ("Kari, red car"): it goes too.
    await drop_order_comments(tx, order_ids)
    await tx.execute(f"UPDATE carts SET order_id = NULL WHERE order_id IN ({marks})", order_ids)
    return await tx.execute(
        f"UPDATE orders SET user_id = -id WHERE id IN ({marks}) AND user_id > 0", order_ids
    )


async def erase_user(tx: Transaction, user_id: int, now: datetime) -> int:
    """Erase a person, keeping their orders on tombstones; return how many orders were kept.

    The caller has made sure the user runs no producer and admins no ring. Whatever still
    points at the user (a foreign key we did not clear) makes the final DELETE fail, and the
    transaction with it: nothing is half erased.
    """
    kept = await detach_orders(tx, await order_ids_of_user(tx, user_id), now)
    await tx.execute("DELETE FROM carts WHERE user_id = ?", (user_id,))  # cart_items cascade
    await tx.execute("DELETE FROM memberships WHERE user_id = ?", (user_id,))
    # Queued and sent messages to the person are theirs; one being sent right now is left to
    # finish (the sender holds it), everything else goes, including its dedupe key.
    await tx.execute("DELETE FROM deliveries WHERE chat_id = ? AND status != 'sending'", (user_id,))
    await tx.execute("DELETE FROM bot_state WHERE kind = ? AND key = ?", (USER_DATA, str(user_id)))
    await tx.execute(
        f"DELETE FROM bot_state WHERE kind LIKE ? || '%' AND {_HOLDS_USER}",
        (CONVERSATION, user_id),
    )
    await tx.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
    # Traces of a former admin: the ring keeps what was done, not who did it.
    await tx.execute("UPDATE audit_log SET user_id = NULL WHERE user_id = ?", (user_id,))
    await tx.execute("UPDATE producer_rings SET decided_by = NULL WHERE decided_by = ?", (user_id,))
    await tx.execute(
        "UPDATE broadcasts SET author_user_id = NULL WHERE author_user_id = ?", (user_id,)
    )
    await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
    return kept


# --- anonymising old orders, found by index ------------------------------------------------


#: The rings anonymising after one number of days: a search of ``pickups_to_anonymise``
#: (ring_id, ends_at) per ring, up to the cutoff; a ring's pickups not yet old enough, or
#: anonymised, are never read.
_ANONYMISE_PART = """
    SELECT p.id, p.ends_at FROM pickups p
    WHERE p.ring_id IN (SELECT r.id FROM rings r WHERE r.anonymise_after_days = ?)
      AND p.anonymised_at IS NULL AND p.ends_at <= ?"""


def anonymise_candidates_sql(cutoffs: int) -> str:
    """The pickups due anonymising, oldest first, for ``cutoffs`` distinct numbers of days.

    Rings with the same number of days share a cutoff, so there is usually one part however
    many rings there are; the parameters are the days and the cutoff per part, then the limit.
    """
    parts = " UNION ALL ".join([_ANONYMISE_PART] * cutoffs)
    return f"SELECT due.id FROM ({parts}) AS due ORDER BY due.ends_at, due.id LIMIT ?"


async def anonymising_days(tx: Transaction) -> list[int]:
    """Return every number of days after which some ring anonymises orders (not 0: never)."""
    rows = await tx.fetchall(
        "SELECT DISTINCT anonymise_after_days FROM rings WHERE anonymise_after_days > 0 "
        "ORDER BY anonymise_after_days"
    )
    return [row[0] for row in rows]


async def pickups_to_anonymise(
    tx: Transaction, cutoffs: dict[int, datetime], limit: int
) -> list[int]:
    """Return pickups that ended before their ring's cutoff and are not anonymised yet.

    ``cutoffs`` maps a number of days to its cutoff (now less the days): each ring's pickups
    are held against the cutoff of its own days. The oldest pickups come first.
    """
    if not cutoffs:
        return []
    params: list[object] = []
    for days, cutoff in cutoffs.items():
        params += [days, to_db(cutoff)]
    rows = await tx.fetchall(anonymise_candidates_sql(len(cutoffs)), (*params, limit))
    return [row["id"] for row in rows]


async def identified_orders(tx: Transaction, pickup_id: int, limit: int) -> list[int]:
    """Return orders of a pickup that still point at a real person."""
    rows = await tx.fetchall(
        "SELECT id FROM orders WHERE pickup_id = ? AND user_id > 0 ORDER BY number LIMIT ?",
        (pickup_id, limit),
    )
    return [row["id"] for row in rows]


async def finish_pickup(tx: Transaction, pickup_id: int, now: datetime) -> None:
    """Stamp a pickup whose orders are all anonymised, and drop its leftover carts."""
    await tx.execute("DELETE FROM carts WHERE pickup_id = ?", (pickup_id,))
    await tx.execute(
        "UPDATE pickups SET anonymised_at = ? WHERE id = ? AND anonymised_at IS NULL",
        (to_db(now), pickup_id),
    )
