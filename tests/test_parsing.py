"""What people type: quantities and prices are parsed strictly, with a reason when refused.

Prices are read the way producers write them in every shipped language, with what they are
per ("289 kr/kg", "35 kr/hg", "12,90 €/kg"); one that does not say has no basis, and the
product form asks.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rekobot.errors import InvalidInput
from rekobot.i18n import use_locale
from rekobot.models import PriceBasis
from rekobot.parsing import (
    TypedPrice,
    clean_text,
    parse_priced,
    parse_quantity,
    parse_weighed,
    parse_weight,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1", 1), (" 3 ", 3), ("+2", 2), ("999", 999)],
)
def test_quantities_customers_type_are_read(typed: str, expected: int) -> None:
    assert parse_quantity(typed) == expected


@pytest.mark.parametrize("typed", ["abc", "-1", "0", "1e9", "2.5", "1000", "x" * 5000, ""])
def test_garbage_quantities_are_refused_with_a_reason(typed: str) -> None:
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        parse_quantity(typed)
    assert refused.value.message()


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("45", 4500),
        ("45,50", 4550),
        ("45.50", 4550),
        ("kr 45", 4500),
        ("45 kr", 4500),
        ("45,-", 4500),
        ("1 234,50", 123450),
        ("0,5", 50),
    ],
)
def test_prices_are_read_in_either_decimal_style(typed: str, minor: int) -> None:
    assert parse_priced(typed).minor == minor


@pytest.mark.parametrize("typed", ["0", "-5", "abc", "1e9", "99999", "45,555", ""])
def test_zero_negative_and_absurd_prices_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_priced(typed)


def test_long_text_is_refused_with_its_length() -> None:
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        clean_text("a" * 5000, max_length=100, field="Name")
    assert "100" in refused.value.message() and "5000" in refused.value.message()


# --- prices per kg, litre or 100 g, the way producers write them -------------------------------

KG, LITRE, HECTO, UNIT = PriceBasis.KG, PriceBasis.LITRE, PriceBasis.HECTOGRAM, PriceBasis.UNIT


@pytest.mark.parametrize(
    ("typed", "minor", "basis"),
    [
        # no basis: the form asks what the price is per
        ("289", 28900, None),
        ("289,50", 28950, None),
        ("kr 289", 28900, None),
        ("289 kr", 28900, None),
        ("289 kr.", 28900, None),
        ("289 nok", 28900, None),
        ("289:-", 28900, None),  # sv
        ("12,90 €", 1290, None),  # fi
        ("12,90e", 1290, None),  # fi, "e" for euro
        # nb / nn / da
        ("289 kr/kg", 28900, KG),
        ("289/kg", 28900, KG),
        ("289 per kg", 28900, KG),
        ("289 kr pr kg", 28900, KG),
        ("289 kr pr. kg", 28900, KG),
        ("kr 289,- per kg", 28900, KG),
        ("289,- pr. kilo", 28900, KG),
        ("289 kr per kilo", 28900, KG),
        ("289 kr kg", 28900, KG),
        ("kilopris 289", 28900, KG),
        ("1 234,50 kr/kg", 123450, KG),
        ("289kr/kg", 28900, KG),
        ("45 kr/l", 4500, LITRE),
        ("45 kr per liter", 4500, LITRE),
        ("45 kr/stk", 4500, UNIT),
        ("45 kr per glass", 4500, UNIT),  # any other word names the item itself
        ("35 kr per 100 g", 3500, HECTO),
        ("35 kr/100g", 3500, HECTO),
        # sv
        ("289:-/kg", 28900, KG),
        ("35 kr/hg", 3500, HECTO),
        ("29 kr/st", 2900, UNIT),
        ("45 kr/ltr", 4500, LITRE),
        # fi
        ("12,90 €/kg", 1290, KG),
        ("12,90 e/kg", 1290, KG),
        ("12 euroa/kg", 1200, KG),
        ("12,90 €/kilo", 1290, KG),
        ("4 €/litra", 400, LITRE),
        ("3,50 €/kpl", 350, UNIT),
        ("kilohinta 12,90", 1290, KG),
        # en
        ("€12.90/kg", 1290, KG),
        ("12.90 per kilo", 1290, KG),
        ("5 € each", 500, UNIT),
        ("4.50 per litre", 450, LITRE),
        ("289 kr a kg", 28900, KG),
    ],
)
def test_prices_are_read_with_what_they_are_per(
    typed: str, minor: int, basis: PriceBasis | None
) -> None:
    assert parse_priced(typed) == TypedPrice(minor, basis)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("289/g", "rather than per gram"),
        ("2,89 kr per gram", "rather than per gram"),
        ("45 kr/2kg", "per kg, per litre, per 100 g or per item"),
        ("25 kr/dl", "per kg, per litre, per 100 g or per item"),
        ("45 glass", "per kg, per litre, per 100 g or per item"),
        ("kilopris 289 kr/l", "per kg, per litre, per 100 g or per item"),
        ("289 kr/kg/stk", "such as 45, 45,50 or 289 kr/kg"),
        ("ca 289", "such as 45, 45,50 or 289 kr/kg"),
        ("abc", "such as 45, 45,50 or 289 kr/kg"),
        ("0/kg", "more than zero"),
        ("-5 kr/kg", "more than zero"),
        ("99999 kr/kg", "too high"),
        ("", "such as 45, 45,50 or 289 kr/kg"),
    ],
)
def test_prices_that_cannot_be_read_are_refused_with_a_reason(typed: str, reason: str) -> None:
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        parse_priced(typed)
    assert reason in refused.value.message()


@pytest.mark.parametrize(
    ("typed", "basis", "grams"),
    [
        ("2 kg", KG, (2000, 2000)),
        ("ca. 2 kg", KG, (2000, 2000)),
        ("ca 1,8–2,2 kg", KG, (1800, 2200)),
        ("1.8-2.2kg", KG, (1800, 2200)),
        ("c:a 800 g", KG, (800, 800)),
        ("noin 1,5 kg", KG, (1500, 1500)),
        ("800 g - 1,2 kg", KG, (800, 1200)),
        ("1,5 til 2 kg", KG, (1500, 2000)),
        ("2", KG, (2000, 2000)),  # a bare number under 50 is kg
        ("500", HECTO, (500, 500)),  # from 50 on it is grams
        ("3 hg", HECTO, (300, 300)),
        ("0,5 l", LITRE, (500, 500)),
        ("7 dl", LITRE, (700, 700)),
        ("omkring 1 liter", LITRE, (1000, 1000)),
    ],
)
def test_estimated_weights_are_read_in_grams_or_ml(
    typed: str, basis: PriceBasis, grams: tuple[int, int]
) -> None:
    assert parse_weight(typed, basis) == grams


@pytest.mark.parametrize(
    ("typed", "basis"),
    [("0", KG), ("abc", KG), ("200 kg", KG), ("2 l", KG), ("2 kg", LITRE), ("2 stk", KG)],
)
def test_weights_that_make_no_sense_are_refused(typed: str, basis: PriceBasis) -> None:
    with use_locale("en"), pytest.raises(InvalidInput):
        parse_weight(typed, basis)


def test_a_weighed_amount_is_one_figure_not_a_range() -> None:
    assert parse_weighed("2,14 kg", KG) == 2140
    assert parse_weighed("2140 g", KG) == 2140
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        parse_weighed("2-3 kg", KG)
    assert "one weight" in refused.value.message()


#: Text shaped like what producers type: digits, separators, currencies and units.
PRICE_LIKE = st.one_of(
    st.text(alphabet="0123456789 ,.-–:/€krpelgtaoc~", max_size=30),
    st.from_regex(
        r"(ca\. )?\d{1,4}([.,]\d{1,3})?( ?- ?\d{1,3}([.,]\d)?)? ?(kg|g|hg|l|dl)?", fullmatch=True
    ),
    st.from_regex(
        r"(kr )?\d{1,5}([.,]\d{1,2})?(,-|:-| kr| €)? ?(/|per|pr\.?) ?\w{0,6}", fullmatch=True
    ),
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=60), PRICE_LIKE))
def test_no_typed_price_or_weight_crashes_the_parsers(text: str) -> None:
    for parse in (
        parse_priced,
        lambda t: parse_weight(t, KG),
        lambda t: parse_weight(t, LITRE),
    ):
        with contextlib.suppress(InvalidInput):
            parse(text)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(["{p} kr/kg", "kr {p},- per kg", "{p}:-/kg", "{p} € /kg", "{p} pr. kg"]),
)
def test_any_price_per_kg_reads_back_to_its_minor_units(
    whole: int, cents: int, pattern: str
) -> None:
    typed = pattern.format(p=f"{whole},{cents:02d}")
    assert parse_priced(typed) == TypedPrice(whole * 100 + cents, KG)
