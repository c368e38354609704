"""A pickup place as an admin types it: its address, directions and map pin."""

from __future__ import annotations

import re

from rekobot.errors import InvalidInput
from rekobot.i18n import _
from rekobot.parsing.text import clean_text

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
