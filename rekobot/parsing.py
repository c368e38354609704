"""Strict parsing of what people type: quantities, prices and free text.

Both ``12,50`` and ``12.50`` are prices; ``1e9``, ``0``, ``-1`` and ``abc`` are not. A
refusal says why in the user's language, and the caller keeps the cart or draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rekobot.errors import InvalidInput
from rekobot.i18n import _, available_locales
from rekobot.models import PriceBasis, RingField
from rekobot.render import esc

MAX_QUANTITY = 999
MAX_PRICE_MINOR = 10_000_00  # 10 000 kr/€ for one unit is not a REKO product
#: The longest IANA zone name is 32 characters; a longer one is no zone, and the file name
#: zoneinfo would look up could be too long for the file system (OSError).
MAX_TIMEZONE_LENGTH = 64

_INTEGER = re.compile(r"^\+?\d{1,6}$")
_CURRENCY_WORDS = re.compile(
    r"(?i)^(?:kr\.?|nok|sek|dkk|eur|€)\s*|\s*(?:kr\.?|nok|sek|dkk|eur|euro|euroa|€|,-|\.-|:-)$"
    r"|(?<=\d)\s*e$"
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


def _price_amount(cleaned: str, refusal: str) -> int:
    """The money in a price with its basis already cut off, in minor units."""
    if len(cleaned) > 30:
        raise InvalidInput(refusal)
    for _round in range(2):
        cleaned = _CURRENCY_WORDS.sub("", cleaned).strip()
    if cleaned.startswith("-"):
        raise InvalidInput(_("The price must be more than zero."))
    match = _PRICE.match(cleaned)
    if not match:
        raise InvalidInput(refusal)
    whole = int(re.sub(r"\D", "", match["whole"]))
    fraction = int((match["frac"] or "0").ljust(2, "0"))
    minor = whole * 100 + fraction
    if minor <= 0:
        raise InvalidInput(_("The price must be more than zero."))
    if minor > MAX_PRICE_MINOR:
        raise InvalidInput(_("That price is too high. Please check it."))
    return minor


# --- prices per kg, litre or 100 g, and weights -----------------------------------------------

#: What a price may be "per", in the words of nb nn en sv fi da (lower case). Any other word
#: after "/" or "per" (glass, pakke, boks) names the item itself: a price per item.
_BASIS_WORDS: dict[str, PriceBasis] = {
    **dict.fromkeys(
        [
            "kg",
            "kgs",
            "kilo",
            "kilos",
            "kiloa",
            "kilolta",
            "kilogram",
            "kilogramm",
            "kilogramme",
            "kilogramma",
            "1kg",
        ],
        PriceBasis.KG,
    ),
    **dict.fromkeys(
        ["l", "ltr", "lit", "liter", "litre", "litra", "litraa", "litralta", "1l"], PriceBasis.LITRE
    ),
    **dict.fromkeys(
        [
            "hg",
            "hekto",
            "hecto",
            "hektogram",
            "hektogramm",
            "100g",
            "100gr",
            "100gram",
            "100gramm",
            "100grammaa",
        ],
        PriceBasis.HECTOGRAM,
    ),
    **dict.fromkeys(
        [
            "stk",
            "st",
            "stykk",
            "stykke",
            "styck",
            "styk",
            "kpl",
            "kappale",
            "pc",
            "pcs",
            "piece",
            "each",
            "ea",
            "item",
            "unit",
        ],
        PriceBasis.UNIT,
    ),
}
#: "per gram" and friends: real, but no REKO price is written that way.
_GRAM_WORDS = frozenset(["g", "gr", "gram", "gramm", "grams", "grammaa", "grammalta"])
_PER = r"(?:/|\bper\b|\bpr\b\.?|\bà\b|\ba\b)"
_BASIS_TAIL = re.compile(
    rf"^(?P<price>.*?)\s*(?:(?P<per>{_PER})\s*(?P<after>[^\W\d_]+|1\s*[a-z]+|100\s*[a-z]+)|"
    rf"\s(?P<bare>[^\W\d_]+))\.?$"
)
_PER_NUMBER = re.compile(rf"{_PER}\s*\d")
#: "kilopris 289": the basis said first.
_BASIS_PREFIX = re.compile(
    r"^(?P<word>kilopris|kilohinta|kilohintaan|kg-pris|literpris|litrapris|litrahinta|"
    r"hektopris)\s*:?\s*"
)
_PREFIX_BASES = {
    "kilopris": PriceBasis.KG,
    "kilohinta": PriceBasis.KG,
    "kilohintaan": PriceBasis.KG,
    "kg-pris": PriceBasis.KG,
    "literpris": PriceBasis.LITRE,
    "litrapris": PriceBasis.LITRE,
    "litrahinta": PriceBasis.LITRE,
    "hektopris": PriceBasis.HECTOGRAM,
}


@dataclass(frozen=True)
class TypedPrice:
    """A price as a producer typed it: the money, and what it is per when the text said so."""

    minor: int
    basis: PriceBasis | None


def _normalised(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    cleaned = cleaned.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    return " ".join(cleaned.split())


def parse_priced(text: str) -> TypedPrice:
    """Read a price with what it is per: ``289``, ``289 kr/kg``, ``kr 289,- per kg``, ``€/kg``.

    The basis is None when the text does not say (``289``, ``kr 289``): the form then asks.
    """
    refusal = _("Please send a price such as 45, 45,50 or 289 kr/kg.")
    cleaned = _normalised(text)
    if len(cleaned) > 40:
        raise InvalidInput(refusal)
    basis: PriceBasis | None = None
    prefix = _BASIS_PREFIX.match(cleaned)
    if prefix:
        basis = _PREFIX_BASES[prefix["word"]]
        cleaned = cleaned[prefix.end() :]
    tail = None if _PRICE_ONLY.match(cleaned) else _BASIS_TAIL.match(cleaned)
    if tail is not None:
        told = _told_basis(tail["after"], tail["bare"])
        if told is not None:
            if basis is not None and told is not basis:
                raise _per_refusal()
            basis, cleaned = told, tail["price"]
    elif _PER_NUMBER.search(cleaned):
        raise _per_refusal()
    return TypedPrice(_price_amount(cleaned.strip(), refusal), basis)


def _told_basis(after: str | None, bare: str | None) -> PriceBasis | None:
    """The basis named by the word after "/" or "per" (``after``) or last (``bare``).

    None: the last word is the currency ("289 kr"), so the text does not say.
    """
    word = (after or bare or "").replace(" ", "")
    if word in _GRAM_WORDS or word in {"1g", "1gr", "1gram"}:
        raise InvalidInput(
            _("Send a price per kg or per 100 g rather than per gram, for example 289 kr/kg.")
        )
    told = _BASIS_WORDS.get(word)
    if told is not None:
        return told
    if bare is not None and _CURRENCY_ONLY.match(word):
        return None
    if bare is not None or word[:1].isdigit() or word in _OTHER_MEASURES:
        raise _per_refusal()
    return PriceBasis.UNIT  # "45 kr per glass": the word names the item


#: Measures a REKO price is not written per; the producer is asked for kg, litre or 100 g.
_OTHER_MEASURES = frozenset(
    ["dl", "cl", "ml", "mg", "lb", "lbs", "oz", "pund", "pound", "tonn", "ton"]
)
_PRICE_ONLY = re.compile(r"^[\d\s.,]+$")
_CURRENCY_ONLY = re.compile(r"^(?:kr|nok|sek|dkk|eur|euro|euroa|e)$")


def _per_refusal() -> InvalidInput:
    return InvalidInput(
        _("Send the price per kg, per litre, per 100 g or per item, for example 289 kr/kg.")
    )


MAX_WEIGHT_GRAMS = 100_000  # 100 kg (or litres) for one item is not a REKO product
_NUMBER = r"\d{1,6}(?:[.,]\d{1,3})?"
_WEIGHT_UNITS: dict[str, tuple[int, bool]] = {
    # word: (grams or ml per one, whether it is a volume)
    **dict.fromkeys(["g", "gr", "gram", "gramm", "grams", "grammaa"], (1, False)),
    **dict.fromkeys(["hg", "hekto"], (100, False)),
    **dict.fromkeys(["kg", "kilo", "kilos", "kiloa", "kilogram", "kilogramm"], (1000, False)),
    "ml": (1, True),
    "cl": (10, True),
    "dl": (100, True),
    **dict.fromkeys(["l", "ltr", "liter", "litre", "litra", "litraa"], (1000, True)),
}
_WEIGHT = re.compile(
    rf"^(?P<a>{_NUMBER})\s*(?P<ua>[a-z]+)?\.?"
    rf"(?:\s*(?:-|til|till|to|\.\.\.|…)\s*(?P<b>{_NUMBER})\s*(?P<ub>[a-z]+)?\.?)?$"
)
_ABOUT = re.compile(
    r"^(?:ca\.?|c:a|cirka|circa|about|approx\.?|approximately|around|omkring|omkr\.?|omtrent|"
    r"rundt|ungefär|ung\.?|runt|noin|n\.|~|≈)\s*"
)


def parse_weight(text: str, basis: PriceBasis) -> tuple[int, int]:
    """Read the estimated weight of one item: ``2 kg``, ``ca. 1,8–2,2 kg``, ``500 g``, ``0,75 l``.

    Returns (lowest, highest) grams, or ml for a price per litre; equal when one figure was
    typed. A bare number is kg (litres) below 50 and grams (ml) from 50 on.
    """
    volume = basis is PriceBasis.LITRE
    example = (
        _("Send about how much one holds, for example 1 l or 0,5 l.")
        if volume
        else _("Send about how much one weighs, for example 2 kg, 1,8–2,2 kg or 500 g.")
    )
    cleaned = _ABOUT.sub("", _normalised(text)).strip()
    match = _WEIGHT.match(cleaned) if len(cleaned) <= 40 else None
    if not match:
        raise InvalidInput(example)
    first_unit = match["ua"] or match["ub"]
    second_unit = match["ub"] or match["ua"]
    low = _grams(match["a"], first_unit, volume, example)
    high = low if match["b"] is None else _grams(match["b"], second_unit, volume, example)
    low, high = min(low, high), max(low, high)
    if low <= 0:
        raise InvalidInput(example)
    if high > MAX_WEIGHT_GRAMS:
        raise InvalidInput(_("That is too heavy for one item. Please check it."))
    return low, high


def parse_weighed(text: str, basis: PriceBasis) -> int:
    """Read what a line weighed at the handover (one figure: ``2,14 kg``, ``2140 g``, ``2,14``)."""
    low, high = parse_weight(text, basis)
    if low != high:
        raise InvalidInput(_("Send the one weight on the scale, for example 2,14 kg."))
    return low


def _grams(number: str, unit: str | None, volume: bool, example: str) -> int:
    value = Decimal(number.replace(",", "."))
    if unit is None:
        factor = 1000 if value < 50 else 1
    else:
        known = _WEIGHT_UNITS.get(unit)
        if known is None or known[1] is not volume:
            raise InvalidInput(example)
        factor = known[0]
    return int((value * factor).to_integral_value(ROUND_HALF_UP))


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
        RingField.CART_REMINDER_HOURS: parse_cart_reminder_hours,
        RingField.ORDERS_OPEN_DAYS: parse_open_days,
        RingField.ANONYMISE_AFTER_DAYS: parse_retention_days,
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


_COUNT_WITH_UNIT = re.compile(r"^(\d{1,5})\s*[^\W\d_]*\.?$")

#: The most hours before the order deadline a cart reminder may go out.
MAX_CART_REMINDER_HOURS = 72
#: The most days after a pickup that names may stay on its orders (ten years).
MAX_RETENTION_DAYS = 3650
#: The most days before a pickup that it may open for orders.
MAX_OPEN_DAYS = 60


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


MAX_POST_TEXT = 2000


def parse_post_text(text: str) -> str:
    """What the producer wants to say this week."""
    return clean_text(text, max_length=MAX_POST_TEXT, field=_("The post"))
