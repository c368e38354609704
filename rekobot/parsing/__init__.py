"""Strict parsing of what people type: quantities, prices, a ring's settings and free text.

A reader returns the clean value or raises ``InvalidInput``, whose message says why in the
user's language; the caller keeps the cart or draft. The readers live by what they read
(``text``, ``prices``, ``ring``, ``places``, ``messages``); this package names them all, so
callers import them from ``rekobot.parsing``.
"""

from __future__ import annotations

from rekobot.parsing.messages import (
    MAX_BROADCAST_TEXT,
    MAX_POST_TEXT,
    parse_broadcast_text,
    parse_post_text,
)
from rekobot.parsing.places import parse_address, parse_coordinates, parse_directions
from rekobot.parsing.prices import (
    MAX_PRICE_MINOR,
    MAX_WEIGHT_GRAMS,
    TypedPrice,
    parse_priced,
    parse_weighed,
    parse_weight,
)
from rekobot.parsing.ring import (
    CURRENCIES,
    MAX_CART_REMINDER_HOURS,
    MAX_DEADLINE_HOURS,
    MAX_OPEN_DAYS,
    MAX_RETENTION_DAYS,
    MAX_TIMEZONE_LENGTH,
    parse_cart_reminder_hours,
    parse_categories,
    parse_currency,
    parse_description,
    parse_hours,
    parse_locale,
    parse_name,
    parse_open_days,
    parse_retention_days,
    parse_ring_field,
    parse_slug,
    parse_time_of_day,
    parse_timezone,
    suggest_slug,
)
from rekobot.parsing.text import (
    MAX_QUANTITY,
    clean_text,
    one_line,
    parse_quantity,
    parse_search,
)

__all__ = [
    "CURRENCIES",
    "MAX_BROADCAST_TEXT",
    "MAX_CART_REMINDER_HOURS",
    "MAX_DEADLINE_HOURS",
    "MAX_OPEN_DAYS",
    "MAX_POST_TEXT",
    "MAX_PRICE_MINOR",
    "MAX_QUANTITY",
    "MAX_RETENTION_DAYS",
    "MAX_TIMEZONE_LENGTH",
    "MAX_WEIGHT_GRAMS",
    "TypedPrice",
    "clean_text",
    "one_line",
    "parse_address",
    "parse_broadcast_text",
    "parse_cart_reminder_hours",
    "parse_categories",
    "parse_coordinates",
    "parse_currency",
    "parse_description",
    "parse_directions",
    "parse_hours",
    "parse_locale",
    "parse_name",
    "parse_open_days",
    "parse_post_text",
    "parse_priced",
    "parse_quantity",
    "parse_retention_days",
    "parse_ring_field",
    "parse_search",
    "parse_slug",
    "parse_time_of_day",
    "parse_timezone",
    "parse_weighed",
    "parse_weight",
    "suggest_slug",
]
