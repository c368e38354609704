"""What people type: quantities and prices are parsed strictly, with a reason when refused."""

from __future__ import annotations

import pytest

from rekobot.errors import InvalidInput
from rekobot.i18n import use_locale
from rekobot.parsing import clean_text, parse_price, parse_quantity


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
    assert parse_price(typed) == minor


@pytest.mark.parametrize("typed", ["0", "-5", "abc", "1e9", "99999", "45,555", ""])
def test_zero_negative_and_absurd_prices_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_price(typed)


def test_long_text_is_refused_with_its_length() -> None:
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        clean_text("a" * 5000, max_length=100, field="Name")
    assert "100" in refused.value.message() and "5000" in refused.value.message()
