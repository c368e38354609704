"""Button labels that fit a phone, the cart's one-line header, and what a +/− tap answers.

Telegram draws a button label on one line and cuts what does not fit with "…", wherever that
falls, mid-word included. In portrait a phone shows about 30–40 characters on a full-width
button (fewer with emoji, which are wide), and a row of two buttons splits the width evenly.
So labels are kept to 32 characters on a full-width button and 16 on a half one, the lower
end that still fits a 360-dp Android phone, and they are shortened here at a word boundary:
the date of a pickup stays whole, its place gives way.
"""

from __future__ import annotations

import re

from rekobot.i18n import _, clock_time, short_day
from rekobot.models import Pickup, Ring
from rekobot.render import esc

#: Characters a full-width button shows on a phone without cutting.
LABEL_LIMIT = 32
#: Characters a button shows when it shares its row with one other.
HALF_LABEL_LIMIT = 16
#: A place shortened below this many characters says nothing: leave it out.
SHORTEST_PLACE = 6

_TRAILING = " ,.;:·-–—/("
#: Where a word ends: before a space or a mark that separates words.
_WORD_END = re.compile(r"[\s,.;:·/()–—-]")


def fit_words(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters at a word boundary, ending with "…".

    Only a first word longer than the whole limit is cut inside: there is no boundary before.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(limit - 1, 1)
    ends = [m.start() for m in _WORD_END.finditer(text) if 0 < m.start() <= room]
    kept = text[: ends[-1]] if ends else text[:room]
    return kept.rstrip(_TRAILING) + "…"


def pickup_label(ring: Ring, pickup: Pickup, limit: int = LABEL_LIMIT) -> str:
    """A pickup's button: its whole date, then as much of its place as fits, e.g.
    "tor. 3. des. · Nittedal stasjon…"."""
    date = short_day(pickup.starts_at, ring.timezone)
    room = limit - len(date) - 3
    if room < SHORTEST_PLACE:
        return date
    return f"{date} · {fit_words(pickup.location.name, room)}"


def cart_header(ring: Ring, pickup: Pickup, *, with_deadline: bool) -> str:
    """The cart's one line about its pickup: date and time · place (· order deadline)."""
    zone = ring.timezone
    start, end = clock_time(pickup.starts_at, zone), clock_time(pickup.ends_at, zone)
    when = f"{short_day(pickup.starts_at, zone)} {start}–{end}"
    line = f"🗓 {when} · {esc(pickup.location.name)}"
    if with_deadline:
        deadline = _("{day} at {time}").format(
            day=short_day(pickup.deadline, zone), time=clock_time(pickup.deadline, zone)
        )
        line += " · " + _("order by {deadline}").format(deadline=deadline)
    return line


def quantity_toast(product_name: str, quantity: int) -> str:
    """What a +/− tap answers: the new quantity, and that a cart is not an order yet."""
    if quantity <= 0:
        return _("🗑 {product} is out of the cart").format(product=product_name)
    return _("🛒 {n} × {product}, not ordered yet").format(n=quantity, product=product_name)
