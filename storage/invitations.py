"""One-time invitations to set up a ring: stored by the hash of their token, used once."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import from_db, to_db
from rekobot.models.running import InvitationRow
from storage.database import Row, Transaction


async def create_invitation(
    tx: Transaction, *, token_hash: str, created_by: int, now: datetime, expires_at: datetime
) -> int:
    """Store a new invitation and return its id."""
    return await tx.insert(
        "INSERT INTO ring_invitations (token_hash, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (token_hash, created_by, to_db(now), to_db(expires_at)),
    )


_SELECT = (
    "SELECT id, created_by, created_at, expires_at, used_by, used_at, ring_id FROM ring_invitations"
)


async def invitation_by_hash(tx: Transaction, token_hash: str) -> InvitationRow | None:
    """Return the invitation whose token hashes to ``token_hash``."""
    return _invitation(await tx.fetchone(f"{_SELECT} WHERE token_hash = ?", (token_hash,)))


async def get_invitation(tx: Transaction, invitation_id: int) -> InvitationRow | None:
    """Return an invitation by id."""
    return _invitation(await tx.fetchone(f"{_SELECT} WHERE id = ?", (invitation_id,)))


def _invitation(row: Row | None) -> InvitationRow | None:
    if row is None:
        return None
    return InvitationRow(
        id=row["id"],
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        used_by=row["used_by"],
        used_at=None if row["used_at"] is None else from_db(row["used_at"]),
        ring_id=row["ring_id"],
    )


async def use_invitation(
    tx: Transaction, invitation_id: int, *, user_id: int, ring_id: int, now: datetime
) -> bool:
    """Mark an unused, unexpired invitation used for ``ring_id``; False when it was not."""
    changed = await tx.execute(
        "UPDATE ring_invitations SET used_by = ?, used_at = ?, ring_id = ? "
        "WHERE id = ? AND used_at IS NULL AND expires_at > ?",
        (user_id, to_db(now), ring_id, invitation_id, to_db(now)),
    )
    return changed == 1
