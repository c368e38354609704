"""Callback data: compact, within 64 bytes, and never trusted when it does not decode."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.callbacks import MAX_BYTES, Callback, decode
from handlers.customer.cart import Confirm
from handlers.customer.shop import ShelfPage, StepOffer


def test_a_button_round_trips_through_its_data() -> None:
    data = ShelfPage(pickup_id=12, by="p", shelf_id=345, page=2).pack()
    assert data == "cls:12:p:345:2"
    assert decode(data) == ShelfPage(12, "p", 345, 2)


def test_the_largest_ids_still_fit_in_64_bytes() -> None:
    big = 10**15 - 1
    assert len(Confirm(big, big).pack().encode()) <= MAX_BYTES


@pytest.mark.parametrize(
    "forged",
    ["", "cadd", "cadd:1", "cadd:x:1", "cadd:1:1:1", "nope:1", "cls:1:P:2:0", "a" * 65, None, 7],
)
def test_forged_or_malformed_data_decodes_to_nothing(forged: object) -> None:
    assert decode(forged) is None
    assert StepOffer.unpack(forged) is None


def test_data_of_another_button_type_is_not_accepted() -> None:
    assert StepOffer.unpack(Confirm(1, 2).pack()) is None


def test_oversized_payloads_are_refused_when_packed() -> None:
    @dataclasses.dataclass(frozen=True)
    class Wide(Callback, prefix="twide"):
        a: int
        b: int
        c: int
        d: int
        e: int

    with pytest.raises(ValueError, match="64"):
        Wide(10**14, 10**14, 10**14, 10**14, 10**14).pack()
