"""Strict parsing of what people type: quantities, prices and free text.

Both ``12,50`` and ``12.50`` are prices; ``1e9``, ``0``, ``-1`` and ``abc`` are not. A
refusal says why in the user's language, and the caller keeps the cart or draft.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rekobot.errors import InvalidInput
from rekobot.i18n import _, available_locales
from rekobot.models import RingField
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


# --- a ring's settings -------------------------------------------------------------------------

#: The currencies of the REKO countries.
CURRENCIES = ("NOK", "SEK", "EUR", "DKK")
MAX_DEADLINE_HOURS = 14 * 24
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})


def parse_name(text: str, *, field_label: str | None = None, max_length: int = 60) -> str:
    """A ring's or a place's name."""
    return clean_text(text, max_length=max_length, field=field_label or _("The name"))


def suggest_slug(name: str) -> str:
    """Turn a ring's name into a link code, e.g. "REKO Nittedal" → "nittedal"."""
    text = unicodedata.normalize("NFKC", name).lower().translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in {"reko", "ring", "ringen"}]
    slug = "-".join(words)[:32].strip("-")
    return slug if _SLUG.match(slug) else ""


def parse_slug(text: str) -> str:
    """A link code: 2–32 lower-case letters, digits, - or _ (it goes into t.me/...?start=)."""
    slug = text.strip().lower()
    if not _SLUG.match(slug):
        raise InvalidInput(
            _(
                "The link code may only have the letters a–z, digits, - and _, "
                "2 to 32 characters, for example nittedal."
            )
        )
    return slug


def parse_locale(text: str) -> str:
    """One of the languages the bot speaks."""
    code = text.strip().lower()
    if code not in available_locales():
        raise InvalidInput(
            _("Choose one of: {codes}.").format(codes=", ".join(available_locales()))
        )
    return code


def parse_currency(text: str) -> str:
    """NOK, SEK, EUR or DKK."""
    code = text.strip().upper()
    if code not in CURRENCIES:
        raise InvalidInput(_("Choose one of: {codes}.").format(codes=", ".join(CURRENCIES)))
    return code


def parse_hours(text: str) -> int:
    """The order deadline as whole hours before the pickup starts."""
    cleaned = text.strip().lower().removesuffix("h").removesuffix("timer").strip()
    if not cleaned.isdigit() or len(cleaned) > 4:
        raise InvalidInput(_("Send a whole number of hours, for example 36."))
    hours = int(cleaned)
    if hours > MAX_DEADLINE_HOURS:
        raise InvalidInput(
            _("That is too early. The most is {n} hours (two weeks).").format(n=MAX_DEADLINE_HOURS)
        )
    return hours


def parse_time_of_day(text: str) -> time:
    """A time such as 19:00, 19.00 or 19."""
    match = _TIME.match(text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise InvalidInput(_("Send a time like 19:00."))


def parse_description(text: str) -> str:
    """A short description of the ring."""
    return clean_text(text, max_length=1000, field=_("The description"))


def parse_categories(text: str) -> list[str]:
    """Product categories, one a line or separated by commas."""
    names: list[str] = []
    for part in re.split(r"[,;\n]+", text):
        name = " ".join(part.split())
        if not name:
            continue
        name = clean_text(name, max_length=40, field=_("A category"))
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if not names:
        raise InvalidInput(_("Send the categories separated by commas, e.g. Vegetables, Meat."))
    if len(names) > 30:
        raise InvalidInput(_("That is too many categories. The most is 30."))
    return names


def parse_ring_field(ring_field: RingField, text: str) -> object:
    """Check what was typed for one ring setting."""
    parsers = {
        RingField.NAME: parse_name,
        RingField.SLUG: parse_slug,
        RingField.TIMEZONE: parse_timezone,
        RingField.LOCALE: parse_locale,
        RingField.CURRENCY: parse_currency,
        RingField.DEADLINE_HOURS: parse_hours,
        RingField.EVENING_REMINDER_TIME: parse_time_of_day,
        RingField.DESCRIPTION: parse_description,
        RingField.CATEGORIES: parse_categories,
    }
    return parsers[ring_field](text)


# --- places and broadcasts -------------------------------------------------------------------

_NUMBER = r"([-+]?\d{1,3}(?:[.,]\d+)?)"
_COORDINATES = re.compile(rf"^\s*{_NUMBER}\s*[,;\s]\s*{_NUMBER}\s*$")
_DOTTED = re.compile(r"^\s*([-+]?\d{1,3}\.\d+)\s*,\s*([-+]?\d{1,3}\.\d+)\s*$")


def parse_coordinates(text: str) -> tuple[float, float]:
    """Typed coordinates: "59.91, 10.75", "59,91 10,75" or "59.91;10.75"."""
    match = _DOTTED.match(text) or _COORDINATES.match(text)
    if match:
        latitude = float(match[1].replace(",", "."))
        longitude = float(match[2].replace(",", "."))
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return latitude, longitude
    raise InvalidInput(
        _(
            "Send the pin as a location (📎 → Location), or type the coordinates "
            "like 59.9139, 10.7522."
        )
    )


def parse_address(text: str) -> str:
    """A street address."""
    return clean_text(text, max_length=200, field=_("The address"))


def parse_directions(text: str) -> str:
    """How to find the spot."""
    return clean_text(text, max_length=500, field=_("The directions"))


#: The longest broadcast an admin may write (a photo's caption is shorter still).
MAX_BROADCAST_TEXT = 3500


def parse_broadcast_text(text: str) -> str:
    """What the admin wants to say."""
    return clean_text(text, max_length=MAX_BROADCAST_TEXT, field=_("The message"))


MAX_POST_TEXT = 2000


def parse_post_text(text: str) -> str:
    """What the producer wants to say this week."""
    return clean_text(text, max_length=MAX_POST_TEXT, field=_("The post"))
