"""A customer's phone number, shared with the producers of their orders only when they choose.

The number comes from Telegram's own contact button, and only a contact card of the sender
themself is taken: a forwarded card of someone else would put a stranger's number in
producers' files. It is kept on the user, not on each order, so stopping to share it takes it
out of every note and file made from then on; an anonymised or erased order has none.
"""

from __future__ import annotations

import logging
import re

from rekobot.errors import NotFound, NotOwnContact
from rekobot.i18n import N_
from storage import contacts as store
from storage.database import Database

log = logging.getLogger(__name__)

#: What a phone number from Telegram looks like once spaces and dashes are gone.
_PHONE = re.compile(r"\+?[0-9]{5,20}")


#: The two keys of the offer to share (the chat shows them; a refusal names them).
SHARE_KEY = N_("📞 Share my phone number")
NOT_NOW_KEY = N_("✖️ Not now")


def normalised_phone(number: str) -> str:
    """Write a number as Telegram's contact card gives it in international form: ``+4791234567``."""
    digits = re.sub(r"[\s().-]", "", number)
    if not _PHONE.fullmatch(digits):
        raise NotOwnContact(SHARE_KEY)
    return digits if digits.startswith("+") else "+" + digits


class Contacts:
    """Sharing a phone number with producers, and taking it back."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def share_phone(self, user_id: int, contact_user_id: int | None, number: str) -> str:
        """Share the sender's own phone number; return it as producers will see it."""
        if contact_user_id != user_id:
            log.info("user %s sent a contact that is not their own", user_id)
            raise NotOwnContact(SHARE_KEY)
        phone = normalised_phone(number)
        async with self.db.transaction() as tx:
            if not await store.set_phone(tx, user_id, phone):
                raise NotFound()
        log.info("user %s shares a phone number with producers", user_id)
        return phone

    async def stop_sharing(self, user_id: int) -> None:
        """Take the phone number away: no later note or file shows it."""
        async with self.db.transaction() as tx:
            await store.set_phone(tx, user_id, None)
        log.info("user %s stopped sharing their phone number", user_id)

    async def phone(self, user_id: int) -> str | None:
        """Return the phone number the user shares, or None."""
        async with self.db.read() as tx:
            return await store.phone_of(tx, user_id)
