"""A ring's settings as an admin types them: name, link code, time zone, language, deadlines.

``parse_ring_field`` is the one door for the settings screen: each ``RingField`` has its
reader here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rekobot.errors import InvalidInput
from rekobot.i18n import _, available_locales
from rekobot.models import RingField
from rekobot.parsing.text import clean_text
from rekobot.render import esc

#: The currencies of the REKO countries.
CURRENCIES = ("NOK", "SEK", "EUR", "DKK")
MAX_DEADLINE_HOURS = 14 * 24
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})

#: The longest IANA zone name is 32 characters; a longer one is no zone, and the file name
#: zoneinfo would look up could be too long for the file system (OSError).
MAX_TIMEZONE_LENGTH = 64

_COUNT_WITH_UNIT = re.compile(r"^(\d{1,5})\s*[^\W\d_]*\.?$")
#: The most hours before the order deadline a cart reminder may go out.
MAX_CART_REMINDER_HOURS = 72
#: The most days after a pickup that names may stay on its orders (ten years).
MAX_RETENTION_DAYS = 3650
#: The most days before a pickup that it may open for orders.
MAX_OPEN_DAYS = 60


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
        RingField.CART_REMINDER_HOURS: parse_cart_reminder_hours,
        RingField.ORDERS_OPEN_DAYS: parse_open_days,
        RingField.ANONYMISE_AFTER_DAYS: parse_retention_days,
    }
    return parsers[ring_field](text)


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


def _count(text: str, maximum: int) -> int | None:
    """A whole number from 0 to ``maximum``, with any unit word after it ("7 dager"), or None."""
    match = _COUNT_WITH_UNIT.match(text.strip())
    if match is None or int(match[1]) > maximum:
        return None
    return int(match[1])


def parse_cart_reminder_hours(text: str) -> int:
    """Hours before the order deadline a cart not ordered yet is recalled; 0 = never."""
    hours = _count(text, MAX_CART_REMINDER_HOURS)
    if hours is None:
        raise InvalidInput(
            _("Send a whole number of hours from 0 to {n}, for example 3. 0 turns it off.").format(
                n=MAX_CART_REMINDER_HOURS
            )
        )
    return hours


def parse_retention_days(text: str) -> int:
    """Days after a pickup until customers' names leave its orders; 0 = never."""
    days = _count(text, MAX_RETENTION_DAYS)
    if days is None:
        raise InvalidInput(
            _(
                "Send a whole number of days from 0 to {n}, for example 90. 0 keeps the names "
                "until a customer deletes their data."
            ).format(n=MAX_RETENTION_DAYS)
        )
    return days


def parse_open_days(text: str) -> int:
    """Days before a pickup that it opens for orders; 0 = when an admin announces it."""
    days = _count(text, MAX_OPEN_DAYS)
    if days is None:
        raise InvalidInput(
            _(
                "Send a whole number of days from 0 to {n}, for example 7. 0 opens orders "
                "only when you announce the pickup."
            ).format(n=MAX_OPEN_DAYS)
        )
    return days
