"""Prices as producers type them, what they are per (kg, litre, 100 g, item), and weights.

Both ``12,50`` and ``12.50`` are prices; ``1e9``, ``0``, ``-1`` and ``abc`` are not. A price
per gram or per decilitre is refused with the way to write it, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rekobot.errors import InvalidInput
from rekobot.i18n import _
from rekobot.models import PriceBasis

MAX_PRICE_MINOR = 10_000_00  # 10 000 kr/€ for one unit is not a REKO product

_CURRENCY_WORDS = re.compile(
    r"(?i)^(?:kr\.?|nok|sek|dkk|eur|€)\s*|\s*(?:kr\.?|nok|sek|dkk|eur|euro|euroa|€|,-|\.-|:-)$"
    r"|(?<=\d)\s*e$"
)
_PRICE = re.compile(r"^(?P<whole>\d{1,3}(?:[ \u00a0\u202f]\d{3})*|\d+)(?:[.,](?P<frac>\d{1,2}))?$")


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
