"""The phone number a customer chose to share with the producers of their orders."""

from __future__ import annotations

from storage.database import Transaction


async def phone_of(tx: Transaction, user_id: int) -> str | None:
    """Return the phone number the user shares, or None."""
    value = await tx.scalar("SELECT phone FROM users WHERE id = ?", (user_id,))
    return None if value is None else str(value)


async def set_phone(tx: Transaction, user_id: int, phone: str | None) -> bool:
    """Share (or with None, stop sharing) the user's phone; False when the user is unknown."""
    changed = await tx.execute("UPDATE users SET phone = ? WHERE id = ?", (phone, user_id))
    return changed == 1
