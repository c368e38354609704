"""A pickup as an admin types it: day, time window, deadline, opening, and a weekly series.

What is typed is read in the ring's zone and checked here (``parse_*``); ``PickupDraft`` holds
it between the questions of the form (as JSON in the user's data) and turns it into UTC times.
The rules that need the database (the place, the times not passed) are ``PickupAdmin``'s.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from rekobot.errors import InvalidInput
from rekobot.i18n import _
from rekobot.models import Pickup, Ring
from rekobot.parsing import MAX_OPEN_DAYS, parse_hours
from rekobot.services.windows import default_opening

MAX_SERIES = 52
_DATE_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\.?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CLOCK = r"(\d{1,2})(?:[:.]?(\d{2}))?"
_RANGE = re.compile(rf"^{_CLOCK}\s*(?:-|–|—|til|to)\s*{_CLOCK}$", re.IGNORECASE)
_DEADLINE_AT = re.compile(r"^(\S+)\s+(?:kl\.?\s*)?(\d{1,2}[:.]\d{2})$", re.IGNORECASE)


class PickupField(StrEnum):
    """A detail of a pickup an admin can set."""

    PLACE = "place"
    DATE = "date"
    TIME = "time"
    DEADLINE = "deadline"
    EVERY = "every"
    COUNT = "count"
    OPENS = "opens"


#: ``PickupDraft.opens`` when orders open only once the admin announces the pickup.
OPENS_ON_ANNOUNCE = "announce"


# --- what admins type ------------------------------------------------------------------------


def parse_date(text: str, today: date) -> date:
    """A day such as 4.12, 4.12.2026 or 2026-12-04; without a year, the next such day."""
    cleaned = text.strip()
    match = _DATE_ISO.match(cleaned)
    try:
        if match:
            found = date(int(match[1]), int(match[2]), int(match[3]))
        elif (match := _DATE_DMY.match(cleaned)) is not None:
            day_, month = int(match[1]), int(match[2])
            if match[3]:
                year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
                found = date(year, month, day_)
            else:
                found = date(today.year, month, day_)
                if found < today:
                    found = date(today.year + 1, month, day_)
        else:
            raise ValueError(cleaned)
    except ValueError as exc:
        raise InvalidInput(_("Send a date like 4.12 or 4.12.2026.")) from exc
    if found < today:
        raise InvalidInput(_("That date has passed. Send a date from today on."))
    if found > today + timedelta(days=366):
        raise InvalidInput(_("That is more than a year ahead. Please check the date."))
    return found


def _clock(hour: str, minute: str | None) -> time:
    value = int(hour), int(minute or 0)
    if value[0] > 23 or value[1] > 59:
        raise ValueError(hour)
    return time(*value)


def parse_time_range(text: str) -> tuple[time, time]:
    """A time window such as 17:00-18:00, 17-18 or 17.30–18.15."""
    match = _RANGE.match(text.strip())
    try:
        if not match:
            raise ValueError(text)
        start, end = _clock(match[1], match[2]), _clock(match[3], match[4])
    except ValueError as exc:
        raise InvalidInput(_("Send the start and end like 17:00-18:00.")) from exc
    if end <= start:
        raise InvalidInput(_("The end must be after the start, e.g. 17:00-18:00."))
    return start, end


def parse_count(text: str) -> int:
    """How many pickups a series has."""
    cleaned = text.strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_SERIES:
        raise InvalidInput(_("Send how many pickups, from 1 to {n}.").format(n=MAX_SERIES))
    return int(cleaned)


def local_moment(day_: date, clock_: time, timezone: str) -> datetime:
    """A wall-clock time on a day in the ring's zone."""
    return datetime.combine(day_, clock_, tzinfo=ZoneInfo(timezone))


@dataclass(frozen=True)
class PickupDraft:
    """A pickup (or a series) being planned or changed, as local date and times."""

    place_id: int | None = None
    day: str = ""  # ISO date, in the ring's zone
    start: str = ""  # "HH:MM"
    end: str = ""
    deadline_hours: int | None = None  # None: the ring's default (unless deadline_at)
    deadline_at: str = ""  # ISO UTC: a deadline typed as a date and time
    every_weeks: int = 1  # a series: 1 every week, 2 every other week
    count: int = 1
    #: When orders open: "" the ring's rule, "announce", days before the start ("3"), or an
    #: ISO UTC time typed as a day and time (the first pickup of a series; the others keep
    #: the same distance to their start).
    opens: str = ""

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-able data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PickupDraft:
        """Read a draft back."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def of(cls, pickup: Pickup, ring: Ring) -> PickupDraft:
        """A draft holding a pickup as it is."""
        zone = ZoneInfo(ring.timezone)
        start = pickup.starts_at.astimezone(zone)
        opens = ""
        if pickup.orders_open_fixed:
            opens = pickup.orders_open_at.isoformat() if pickup.orders_open_at else ""
            opens = opens or OPENS_ON_ANNOUNCE
        return cls(
            place_id=pickup.location.id,
            day=start.date().isoformat(),
            start=start.strftime("%H:%M"),
            end=pickup.ends_at.astimezone(zone).strftime("%H:%M"),
            deadline_at=pickup.deadline.isoformat(),
            opens=opens,
        )

    def with_value(self, pickup_field: PickupField, value: object) -> PickupDraft:
        """Return the draft with one detail changed."""
        if pickup_field is PickupField.PLACE:
            return replace(self, place_id=int(str(value)))
        if pickup_field is PickupField.DATE:
            assert isinstance(value, date)
            return replace(self, day=value.isoformat())
        if pickup_field is PickupField.TIME:
            assert isinstance(value, tuple)
            start, end = value
            return replace(self, start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
        if pickup_field is PickupField.DEADLINE:
            if isinstance(value, datetime):
                return replace(self, deadline_at=value.isoformat(), deadline_hours=None)
            return replace(self, deadline_hours=int(str(value)), deadline_at="")
        if pickup_field is PickupField.OPENS:
            if isinstance(value, datetime):
                return replace(self, opens=value.astimezone(UTC).isoformat())
            return replace(self, opens=str(value))
        if pickup_field is PickupField.EVERY:
            return replace(self, every_weeks=2 if int(str(value)) == 2 else 1)
        return replace(self, count=int(str(value)))

    @property
    def missing(self) -> list[PickupField]:
        """What must still be given."""
        needed = []
        if self.place_id is None:
            needed.append(PickupField.PLACE)
        if not self.day:
            needed.append(PickupField.DATE)
        if not self.start or not self.end:
            needed.append(PickupField.TIME)
        return needed

    def times(self, ring: Ring, week: int = 0) -> tuple[datetime, datetime, datetime]:
        """(start, end, deadline) of the pickup, or of occurrence ``week`` of a series."""
        day_ = date.fromisoformat(self.day) + timedelta(weeks=week * self.every_weeks)
        starts = local_moment(day_, time.fromisoformat(self.start), ring.timezone)
        ends = local_moment(day_, time.fromisoformat(self.end), ring.timezone)
        if self.deadline_at and week == 0:
            deadline = datetime.fromisoformat(self.deadline_at)
        else:
            hours = self.deadline_hours if self.deadline_hours is not None else ring.deadline_hours
            deadline = starts - timedelta(hours=hours)
        return starts, ends, deadline

    def opening(self, ring: Ring, week: int = 0) -> tuple[datetime | None, bool]:
        """When occurrence ``week`` opens for orders (None: when announced), and if it is fixed.

        Fixed means the admin chose it for this pickup: a later change of the ring's
        ``orders_open_days`` leaves it alone.
        """
        starts, _ends, _deadline = self.times(ring, week)
        if not self.opens:
            return default_opening(ring, starts), False
        if self.opens == OPENS_ON_ANNOUNCE:
            return None, True
        if self.opens.isdigit():
            return starts - timedelta(days=int(self.opens)), True
        first, _e, _d = self.times(ring)
        return starts - (first - datetime.fromisoformat(self.opens)), True


def parse_opening(text: str, draft: PickupDraft, ring: Ring, today: date) -> str | datetime:
    """Days before the start ("7"), a day and time ("30.11 18:00"), or "announce"."""
    cleaned = text.strip().lower()
    if cleaned == OPENS_ON_ANNOUNCE or cleaned == "":
        return cleaned
    if cleaned.isdigit():
        if int(cleaned) > MAX_OPEN_DAYS:
            raise InvalidInput(
                _("Orders can open at most {n} days before the pickup.").format(n=MAX_OPEN_DAYS)
            )
        opens: str | datetime = str(int(cleaned))
        moment = draft.with_value(PickupField.OPENS, opens).opening(ring)[0]
    else:
        match = _DEADLINE_AT.match(cleaned)
        try:
            if match is None:
                raise ValueError(cleaned)
            hour, minute = match[2].replace(".", ":").split(":")
            day_ = parse_date(match[1], today)
            opens = moment = local_moment(day_, _clock(hour, minute), ring.timezone)
        except (InvalidInput, ValueError) as exc:
            raise InvalidInput(
                _("Send days before the pickup, like 7, or a day and time like 30.11 18:00.")
            ) from exc
    if draft.day and draft.start and moment is not None:
        _starts, _ends, deadline = draft.times(ring)
        if moment >= deadline:
            raise InvalidInput(_("Orders must open before the order deadline."))
    return opens


def parse_deadline(text: str, draft: PickupDraft, ring: Ring, today: date) -> int | datetime:
    """Hours before the start ("36"), or a day and time ("2.12 20:00")."""
    cleaned = text.strip()
    match = _DEADLINE_AT.match(cleaned)
    if match is None:
        return parse_hours(cleaned)
    try:
        day_ = parse_date(match[1], today)
        hour, minute = match[2].replace(".", ":").split(":")
        moment = local_moment(day_, _clock(hour, minute), ring.timezone)
    except (InvalidInput, ValueError) as exc:
        raise InvalidInput(
            _("Send hours before the start, like 36, or a day and time like 2.12 20:00.")
        ) from exc
    if draft.day and draft.start:
        starts, _ends, _deadline = draft.times(ring)
        if moment > starts:
            raise InvalidInput(_("The order deadline must be before the pickup starts."))
    return moment
