"""An iCalendar (.ics) entry for a pickup, so the customer's phone reminds them too."""

from __future__ import annotations

from datetime import UTC, datetime

from rekobot.i18n import _
from rekobot.models import Pickup, Ring

_FOLD_AT = 73  # octets per line before folding (RFC 5545 §3.1 allows 75)


def _escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Fold a content line into pieces of at most 75 octets, never inside a character.

    The line is encoded once and cut by octets, each cut moved back to the start of the
    character it would split (a UTF-8 continuation octet is 10xxxxxx); a piece after the first
    starts with the space that marks a folded line.
    """
    data = line.encode("utf-8")
    if len(data) <= _FOLD_AT:
        return [line]
    pieces: list[str] = []
    start, room = 0, _FOLD_AT
    while len(data) - start > room:
        end = start + room
        while data[end] & 0xC0 == 0x80:
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, room = end, _FOLD_AT - 1
    pieces.append(data[start:].decode("utf-8"))
    return [pieces[0], *(" " + piece for piece in pieces[1:])]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def pickup_event(ring: Ring, pickup: Pickup, *, order_number: int | None, now: datetime) -> bytes:
    """Return a one-event calendar for the pickup, with the order number in its title."""
    location = pickup.location
    summary = (
        _("REKO pickup: {ring}, order #{number}").format(ring=ring.name, number=order_number)
        if order_number is not None
        else _("REKO pickup: {ring}").format(ring=ring.name)
    )
    place = ", ".join(part for part in (location.name, location.address) if part)
    description = location.directions
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rekobot//REKO pickup//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:pickup-{pickup.id}-ring-{ring.id}@rekobot",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(pickup.starts_at)}",
        f"DTEND:{_stamp(pickup.ends_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(place)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    if location.has_pin:
        lines.append(f"GEO:{location.latitude:.6f};{location.longitude:.6f}")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{_escape(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    folded = [piece for line in lines for piece in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")
