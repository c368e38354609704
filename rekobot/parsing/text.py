"""The readers every other one builds on: free text with a length, and a number of units.

Typed text is normalised (NFC, no control characters) before its length is counted, so what
is stored is what was counted.
"""

from __future__ import annotations

import re
import unicodedata

from rekobot.errors import InvalidInput
from rekobot.i18n import _

MAX_QUANTITY = 999

_INTEGER = re.compile(r"^\+?\d{1,6}$")


def parse_quantity(text: str, *, maximum: int = MAX_QUANTITY) -> int:
    """Read a whole, positive number of units."""
    cleaned = text.strip()
    if len(cleaned) > 20 or not _INTEGER.match(cleaned):
        raise InvalidInput(_("Please send a whole number, for example 2."))
    value = int(cleaned)
    if value <= 0:
        raise InvalidInput(_("The quantity must be at least 1."))
    if value > maximum:
        raise InvalidInput(_("That is too many. The most you can enter is {n}.").format(n=maximum))
    return value


def _without_controls(text: str) -> str:
    """NFC, and no control characters but newlines and tabs (a NUL cannot even be stored)."""
    cleaned = unicodedata.normalize("NFC", text).strip()
    return "".join(ch for ch in cleaned if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def one_line(text: str) -> str:
    """Typed text as one line: NFC, no control characters, each run of spaces one space.

    A NUL or another control character is dropped, not kept: PostgreSQL's text cannot hold a
    NUL, so a comment of only that was stored on SQLite but broke the CHECK on PostgreSQL.
    """
    return " ".join(_without_controls(text).split())


def parse_search(text: str, *, max_length: int = 64) -> str:
    """Read what an admin searches for: one line of words, without control characters."""
    cleaned = one_line(text)
    if not cleaned or len(cleaned) > max_length:
        raise InvalidInput(_("Send a name, @username or id (at most 64 characters)."))
    return cleaned


def clean_text(text: str, *, max_length: int, field: str) -> str:
    """Normalise typed text and enforce a length; ``field`` is already translated."""
    cleaned = _without_controls(text)
    if not cleaned:
        raise InvalidInput(_("{field} cannot be empty.").format(field=field))
    if len(cleaned) > max_length:
        raise InvalidInput(
            _("{field} is too long: at most {n} characters, you sent {m}.").format(
                field=field, n=max_length, m=len(cleaned)
            )
        )
    return cleaned
