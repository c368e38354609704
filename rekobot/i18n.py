"""Translations and locale-aware formatting.

Every text a user sees goes through :func:`gettext` / :func:`ngettext` in the locale of the
update being handled, which lives in a ContextVar. Catalogs are read from the ``.po`` files in
``locales/`` when first needed, so running and testing need no compile step. ``locales`` is a
package of its own with the catalogs as package data: a checkout and an installed wheel find
them the same way, through the package's location.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, match_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.support import NullTranslations, Translations

from rekobot.clock import Clock, utcnow


def _locales_dir() -> Path:
    """Return the folder of the ``locales`` package, where the catalogs are installed."""
    folder = files("locales")
    if not isinstance(folder, Path):  # pip unpacks wheels; only a zipped install could differ
        raise RuntimeError(f"the locales package is not a folder on disk: {folder}")
    return folder


LOCALES_DIR = _locales_dir()
DOMAIN = "messages"
FALLBACK_LOCALE = "nb"

#: Every language rekobot speaks, in the order /language lists them.
SHIPPED_LOCALES: tuple[str, ...] = ("nb", "nn", "en", "sv", "fi", "da")

#: Each language named in itself, for the /language buttons.
LANGUAGE_NAMES: dict[str, str] = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "en": "English",
    "sv": "Svenska",
    "fi": "Suomi",
    "da": "Dansk",
}

_current: ContextVar[str] = ContextVar("rekobot_locale", default=FALLBACK_LOCALE)


@functools.cache
def available_locales() -> tuple[str, ...]:
    """Return the shipped locales that have a catalog on disk (English always counts)."""
    return tuple(
        code
        for code in SHIPPED_LOCALES
        if code == "en" or (LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po").exists()
    )


@functools.cache
def translations(locale: str) -> NullTranslations:
    """Load the catalog of one locale from its .po file (fuzzy entries are left out)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def get_locale() -> str:
    """Return the locale of the update being handled."""
    return _current.get()


def set_locale(locale: str) -> None:
    """Make ``locale`` the language of the rest of this update."""
    _current.set(locale)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render in ``locale`` inside the block, e.g. for a message to another user."""
    token = _current.set(locale)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """Translate ``message`` into the current locale."""
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on the number ``n``."""
    return translations(_current.get()).ungettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction; translate it later with :func:`gettext`."""
    return message


def guess_locale(language_code: str | None, default: str) -> str:
    """Map Telegram's ``language_code`` (e.g. ``nb``, ``no``, ``sv-SE``) to a shipped locale."""
    if not language_code:
        return default
    code = language_code.lower().replace("_", "-").split("-")[0]
    if code in {"no", "nb"}:
        code = "nb"
    return code if code in available_locales() else default


# The formatters below are memoised on all their inputs, the locale resolved first: Babel
# parses the locale's patterns on every call, about 0.3 ms of an update that shows a cart,
# while a screen formats the same few prices, dates and times again and again.
MEMO = 4096


def money(minor_units: int, currency: str, locale: str | None = None) -> str:
    """Format an amount of minor units (øre, cent) as money in the current locale."""
    return _money(minor_units, currency, locale or _current.get())


@functools.lru_cache(maxsize=MEMO)
def _money(minor_units: int, currency: str, locale: str) -> str:
    digits = get_currency_precision(currency)
    value = Decimal(minor_units).scaleb(-digits)
    return format_currency(value, currency, locale=locale)


def number(value: int | Decimal, locale: str | None = None) -> str:
    """Format a plain number in the current locale."""
    return _number(value, locale or _current.get())


@functools.lru_cache(maxsize=MEMO)
def _number(value: int | Decimal, locale: str) -> str:
    return format_decimal(value, locale=locale)


#: A date closer than this many months ahead is shown without its year ("torsdag 3. desember"):
#: weekday, day and month name the day beyond doubt. Further ahead the year is shown.
YEARLESS_MONTHS_AHEAD = 11
#: Past dates lose the year only this close: last week's pickup, never last year's.
YEARLESS_BEHIND = timedelta(days=31)

#: CLDR's nb and nn "MMMMEd" drop the ordinal dot that their own "MMMMd" and full formats have
#: ("3 desember"); Norwegian writes "3. desember".
_PATTERN_FIXES: dict[tuple[str, str], str] = {
    ("nb", "MMMMEd"): "E d. MMMM",
    ("nn", "MMMMEd"): "E d. MMMM",
}

_date_clock: list[Clock] = [utcnow]


def set_date_clock(clock: Clock) -> None:
    """Make ``clock`` the "today" that decides whether a date shows its year (tests move it)."""
    _date_clock[0] = clock


def date_clock() -> Clock:
    """Return the clock that says "today" for dates (handed to the digest worker process)."""
    return _date_clock[0]


def shows_year(moment: date, today: date) -> bool:
    """Whether a date needs its year: more than 11 months ahead, or over a month ago."""
    if moment < today - YEARLESS_BEHIND:
        return True
    ahead = (moment.year - today.year) * 12 + moment.month - today.month
    return ahead > YEARLESS_MONTHS_AHEAD or (
        ahead == YEARLESS_MONTHS_AHEAD and moment.day >= today.day
    )


@functools.cache
def _skeleton(skeleton: str, locale: str, *, long_weekday: bool) -> str:
    """The locale's pattern for a CLDR skeleton, with the weekday written out if asked.

    Babel picks the nearest pattern but keeps its field widths ("tor." for "EEEE"); CLDR says
    to widen them to the skeleton's, which is done here for the weekday.
    """
    available = Locale.parse(locale).datetime_skeletons
    found = match_skeleton(skeleton, available) or skeleton
    pattern = _PATTERN_FIXES.get((locale, found), str(available[found].pattern))
    if not long_weekday:
        return pattern
    parts = re.split(r"('[^']*')", pattern)  # leave quoted literals alone
    return "".join(
        part if part.startswith("'") else re.sub(r"E{1,3}(?!E)|c{1,3}(?!c)", _widen, part)
        for part in parts
    )


def _widen(match: re.Match[str]) -> str:
    return match.group(0)[0] * 4


def _local_date(moment: datetime, timezone: str) -> tuple[date, date]:
    zone = ZoneInfo(timezone)
    return moment.astimezone(zone).date(), _date_clock[0]().astimezone(zone).date()


def day(moment: datetime, timezone: str, locale: str | None = None) -> str:
    """The date of ``moment`` in the ring's zone: "torsdag 3. desember", with the year if far."""
    local, today = _local_date(moment, timezone)
    return _day(local, today, locale or _current.get())


@functools.lru_cache(maxsize=MEMO)
def _day(local: date, today: date, code: str) -> str:
    if shows_year(local, today):
        return format_date(local, format="full", locale=code)
    return format_date(local, _skeleton("MMMMEd", code, long_weekday=True), locale=code)


def short_day(moment: datetime, timezone: str, locale: str | None = None) -> str:
    """The date for a button: "tor. 3. des.", with the year if far."""
    local, today = _local_date(moment, timezone)
    return _short_day(local, today, locale or _current.get())


@functools.lru_cache(maxsize=MEMO)
def _short_day(local: date, today: date, code: str) -> str:
    skeleton = "yMMMEd" if shows_year(local, today) else "MMMEd"
    return format_date(local, _skeleton(skeleton, code, long_weekday=False), locale=code)


def clock_time(moment: datetime, timezone: str, locale: str | None = None) -> str:
    """Format the time of day of ``moment`` in the ring's zone, e.g. "16:30"."""
    return _clock_time(moment, timezone, locale or _current.get())


@functools.lru_cache(maxsize=MEMO)
def _clock_time(moment: datetime, timezone: str, locale: str) -> str:
    return format_time(moment, format="short", tzinfo=ZoneInfo(timezone), locale=locale)


def when(moment: datetime, timezone: str, locale: str | None = None) -> str:
    """Format a date and time together, e.g. "fredag 4. desember 16:30"."""
    return f"{day(moment, timezone, locale)} {clock_time(moment, timezone, locale)}"


def decimal_separator(locale: str | None = None) -> str:
    """Return the locale's decimal mark, for the CSV digest and the copy buttons."""
    return _decimal_separator(locale or _current.get())


@functools.lru_cache(maxsize=MEMO)
def _decimal_separator(locale: str) -> str:
    return str(Locale.parse(locale).number_symbols["latn"]["decimal"])
