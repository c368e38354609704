"""What an item costs when it is sold by weight: the price basis and whole-minor-unit sums.

A price is per item, or per kg, litre or 100 g; weights are whole grams (or ml). The models,
the storage's SQL sums (``storage.orders.LINE_AMOUNT_SQL``) and every display reckon a line
the same way: rounded once, over the whole line, to the nearest minor unit.
"""

from __future__ import annotations

from enum import StrEnum


class PriceBasis(StrEnum):
    """What a price is for: one item, or a weighed or measured amount of it."""

    UNIT = "unit"
    KG = "kg"
    LITRE = "l"
    HECTOGRAM = "100g"

    @property
    def by_weight(self) -> bool:
        """Whether the amount is known only when the item is weighed (or measured)."""
        return self is not PriceBasis.UNIT

    @property
    def grams(self) -> int:
        """Grams (or millilitres) the price is for; 1 for a price per item."""
        return _BASIS_GRAMS[self]


_BASIS_GRAMS = {
    PriceBasis.UNIT: 1,
    PriceBasis.KG: 1000,
    PriceBasis.LITRE: 1000,
    PriceBasis.HECTOGRAM: 100,
}


def weighed_amount(price: int, basis: PriceBasis, grams: int) -> int:
    """What ``grams`` (or ml) cost at ``price`` per basis, to the nearest minor unit."""
    return (price * grams + basis.grams // 2) // basis.grams


def line_amount(
    price: int,
    basis: PriceBasis,
    quantity: int,
    estimate_grams: int | None,
    weighed_grams: int | None = None,
) -> int:
    """What a line costs: per item, or by the weighed (else the estimated) weight.

    Money stays whole minor units: a weight line is rounded once, over the whole line.
    """
    if not basis.by_weight:
        return price * quantity
    if weighed_grams is not None:
        return weighed_amount(price, basis, weighed_grams)
    return weighed_amount(price, basis, (estimate_grams or 0) * quantity)
