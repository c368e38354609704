"""The digest as a CSV file that opens correctly in Excel in the producer's language.

Excel reads a UTF-8 file correctly only with a byte-order mark, and in locales whose decimal
mark is a comma (nb, nn, sv, fi, da) it expects ``;`` between fields and ``12,50`` in them.
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

from rekobot.digest import Digest
from rekobot.i18n import _, decimal_separator
from rekobot.models import HandoverStatus, PriceBasis

BOM = "\ufeff"
#: A cell starting with one of these would be run as a formula by a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def separators(locale: str) -> tuple[str, str]:
    """Return (field separator, decimal mark) for a locale."""
    decimal = decimal_separator(locale)
    return (";" if decimal == "," else ","), decimal


def amount(minor_units: int, currency: str, decimal: str) -> str:
    """Write minor units as a plain number, e.g. ``1234,50``: no symbol, no grouping."""
    digits = get_currency_precision(currency)
    sign = "-" if minor_units < 0 else ""
    whole, fraction = divmod(abs(minor_units), 10**digits)
    if not digits:
        return f"{sign}{whole}"
    return f"{sign}{whole}{decimal}{fraction:0{digits}d}"


def safe_cell(text: str) -> str:
    """Keep user text from being read as a spreadsheet formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def status_text(status: HandoverStatus | None) -> str:
    """Name a handover status in the current locale."""
    if status is HandoverStatus.COLLECTED:
        return _("collected")
    if status is HandoverStatus.NO_SHOW:
        return _("no-show")
    return ""


def basis_text(basis: PriceBasis) -> str:
    """What a price is per, for a file's column: "kg", "l", "100 g", or "" per item."""
    if basis is PriceBasis.KG:
        return _("kg")
    if basis is PriceBasis.LITRE:
        return _("l")
    if basis is PriceBasis.HECTOGRAM:
        return _("100 g")
    return ""


def weighed_cell(grams: int | None, basis: PriceBasis, decimal: str) -> str:
    """The weighed amount in kg (or litres) as a plain number, e.g. ``2,140``; "" if none."""
    if grams is None:
        return ""
    whole, fraction = divmod(grams, 1000)
    return f"{whole}{decimal}{fraction:03d}" if basis.by_weight else ""


def digest_csv(digest: Digest, locale: str) -> bytes:
    """Return the digest as CSV bytes: one row per order line, in the current locale's words.

    Each row repeats the order's customer, contact and note, so a filtered or sorted sheet
    still says whom a line is for and what they asked.
    """
    delimiter, decimal = separators(locale)
    currency = digest.ring.currency
    amounts: dict[int, str] = {}

    def cell(minor_units: int) -> str:
        # The same few prices and amounts recur on thousands of lines.
        text = amounts.get(minor_units)
        if text is None:
            text = amounts[minor_units] = amount(minor_units, currency, decimal)
        return text

    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(
        [
            _("Order number"),
            _("Customer"),
            _("Product"),
            _("Unit"),
            _("Quantity"),
            _("Unit price"),
            _("Amount"),
            _("Status"),
            _("Approximate"),
            _("Price per"),
            _("Weighed"),
            _("Contact"),
            _("Note"),
        ]
    )
    yes = _("yes")
    products: dict[tuple[str, str], tuple[str, str]] = {}
    rows = []
    for order in digest.orders:
        customer = safe_cell(order.customer)
        contact = safe_cell(", ".join(order.contacts))
        comment = safe_cell(order.comment or "")
        status = status_text(order.handover)
        for line in order.lines:
            product = products.get((line.product_name, line.unit))
            if product is None:
                product = products[(line.product_name, line.unit)] = (
                    safe_cell(line.product_name),
                    safe_cell(line.unit),
                )
            rows.append(
                (
                    order.number,
                    customer,
                    product[0],
                    product[1],
                    line.quantity,
                    cell(line.unit_price),
                    cell(line.amount),
                    status,
                    yes if line.estimated else "",
                    basis_text(line.price_basis),
                    weighed_cell(line.weighed_grams, line.price_basis, decimal),
                    contact,
                    comment,
                )
            )
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def digest_filename(digest: Digest, extension: str = "csv") -> str:
    """Name a digest file after the ring and the pickup's local date."""
    local = digest.pickup.starts_at.astimezone(ZoneInfo(digest.ring.timezone))
    return f"reko-{digest.ring.slug}-{local.date().isoformat()}.{extension}"
