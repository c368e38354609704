"""Strict parsing of what people type: quantities, prices and free text.

Both ``12,50`` and ``12.50`` are prices; ``1e9``, ``0``, ``-1`` and ``abc`` are not. A
refusal says why in the user's language, and the caller keeps the cart or draft.
"""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rekobot.errors import InvalidInput
from rekobot.i18n import _
from rekobot.render import esc

MAX_QUANTITY = 999
MAX_PRICE_MINOR = 10_000_00  # 10 000 kr/€ for one unit is not a REKO product
#: The longest IANA zone name is 32 characters; a longer one is no zone, and the file name
#: zoneinfo would look up could be too long for the file system (OSError).
MAX_TIMEZONE_LENGTH = 64

_INTEGER = re.compile(r"^\+?\d{1,6}$")
_CURRENCY_WORDS = re.compile(
    r"(?i)^(?:kr\.?|nok|sek|dkk|eur|€)\s*|\s*(?:kr\.?|nok|sek|dkk|eur|€|,-|\.-)$"
)
_PRICE = re.compile(r"^(?P<whole>\d{1,3}(?:[ \u00a0\u202f]\d{3})*|\d+)(?:[.,](?P<frac>\d{1,2}))?$")


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


def parse_price(text: str) -> int:
    """Read a price such as ``45``, ``45,50``, ``45.50`` or ``kr 45`` into minor units."""
    cleaned = text.strip()
    if len(cleaned) > 30:
        raise InvalidInput(_("Please send a price such as 45 or 45,50."))
    for _round in range(2):
        cleaned = _CURRENCY_WORDS.sub("", cleaned).strip()
    if cleaned.startswith("-"):
        raise InvalidInput(_("The price must be more than zero."))
    match = _PRICE.match(cleaned)
    if not match:
        raise InvalidInput(_("Please send a price such as 45 or 45,50."))
    whole = int(re.sub(r"\D", "", match["whole"]))
    fraction = int((match["frac"] or "0").ljust(2, "0"))
    minor = whole * 100 + fraction
    if minor <= 0:
        raise InvalidInput(_("The price must be more than zero."))
    if minor > MAX_PRICE_MINOR:
        raise InvalidInput(_("That price is too high. Please check it."))
    return minor


def clean_text(text: str, *, max_length: int, field: str) -> str:
    """Normalise typed text and enforce a length; ``field`` is already translated."""
    cleaned = unicodedata.normalize("NFC", text).strip()
    cleaned = "".join(ch for ch in cleaned if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if not cleaned:
        raise InvalidInput(_("{field} cannot be empty.").format(field=field))
    if len(cleaned) > max_length:
        raise InvalidInput(
            _("{field} is too long: at most {n} characters, you sent {m}.").format(
                field=field, n=max_length, m=len(cleaned)
            )
        )
    return cleaned


def parse_timezone(text: str) -> str:
    """An IANA time zone such as Europe/Oslo."""
    name = text.strip()
    if len(name) > MAX_TIMEZONE_LENGTH:
        raise InvalidInput(_("That is too long for a time zone. Send one like Europe/Oslo."))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInput(
            _("I do not know the time zone “{zone}”. Send one like Europe/Oslo.").format(
                zone=esc("".join(ch for ch in name[:40] if ch.isprintable()))
            )
        ) from exc
    if "/" not in name:
        raise InvalidInput(_("Send a time zone like Europe/Oslo."))
    return name
