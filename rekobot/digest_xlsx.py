"""The digest as an Excel workbook: one sheet of totals per product, one of order lines.

Quantities and money are real number cells, shown in the ring's currency with the producer's
locale's pattern, so the producer can sum and sort them. Excel applies the decimal mark of the
computer that opens the file, so the number format says only where the symbol goes. Every
text is written as a string cell: a name starting with "=" stays a name, never a formula.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from babel import Locale
from babel.numbers import get_currency_precision, get_currency_symbol

from rekobot.digest import Digest
from rekobot.digest_csv import basis_text, status_text
from rekobot.i18n import _

#: Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def money_format(currency: str, locale: str) -> str:
    """Return an Excel number format for amounts, e.g. ``#,##0.00 "kr"`` for NOK in nb."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    symbol = get_currency_symbol(currency, locale=locale)
    digits = get_currency_precision(currency)
    number = "#,##0" + ("." + "0" * digits if digits else "")
    before, _sep, after = pattern.partition("¤")
    if not _sep:
        return number
    space = " " if before.endswith(("\xa0", " ")) or after.startswith(("\xa0", " ")) else ""
    if before.strip("\xa0 ") == "":  # the symbol comes first, e.g. "¤#,##0.00" in English
        return f'"{symbol}"{space}{number}'
    return f'{number}{space}"{symbol}"'


def sheet_name(text: str) -> str:
    """Make a translated word a valid sheet name (at most 31 characters, no []:*?/\\)."""
    return text.translate(_SHEET_FORBIDDEN).strip()[:31] or "Sheet"


def digest_xlsx(digest: Digest, locale: str) -> bytes:
    """Return the digest as an XLSX workbook in the current locale's words."""
    currency = digest.ring.currency
    scale = Decimal(10) ** get_currency_precision(currency)

    def value(minor_units: int) -> float:
        return float(Decimal(minor_units) / scale)

    buffer = io.BytesIO()
    options: dict[str, Any] = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    workbook = xlsxwriter.Workbook(buffer, options)
    workbook.set_properties(
        {
            "title": digest.producer.name,
            "subject": digest.ring.name,
            "created": digest.pickup.deadline.replace(tzinfo=None),
        }
    )
    head = workbook.add_format({"bold": True, "bottom": 1})
    head_number = workbook.add_format({"bold": True, "bottom": 1, "align": "right"})
    amount = workbook.add_format({"num_format": money_format(currency, locale)})
    bold_amount = workbook.add_format({"num_format": money_format(currency, locale), "bold": True})
    bold = workbook.add_format({"bold": True})

    totals = workbook.add_worksheet(sheet_name(_("Totals")))
    columns = [_("Product"), _("Unit"), _("Quantity"), _("Amount")]
    for col, title in enumerate(columns):
        totals.write_string(0, col, title, head_number if col >= 2 else head)
    for row, product in enumerate(digest.products, start=1):
        totals.write_string(row, 0, product.name)
        totals.write_string(row, 1, product.unit)
        totals.write_number(row, 2, product.quantity)
        totals.write_number(row, 3, value(product.amount), amount)
    last = len(digest.products) + 1
    totals.write_string(last, 0, _("Total"), bold)
    totals.write_number(last, 3, value(digest.total), bold_amount)
    totals.set_column(0, 0, 36)
    totals.set_column(1, 1, 14)
    totals.set_column(2, 3, 14)
    totals.freeze_panes(1, 0)

    lines = workbook.add_worksheet(sheet_name(_("Order lines")))
    columns = [
        _("Order number"),
        _("Customer"),
        _("Contact"),
        _("Product"),
        _("Unit"),
        _("Quantity"),
        _("Unit price"),
        _("Amount"),
        _("Approximate"),
        _("Status"),
        _("Note"),
        _("Price per"),
        _("Weighed"),
    ]
    numeric = {0, 5, 6, 7, 12}
    kilos = workbook.add_format({"num_format": "0.000"})
    for col, title in enumerate(columns):
        lines.write_string(0, col, title, head_number if col in numeric else head)
    yes = _("yes")

    def text(row: int, col: int, value: str) -> None:
        if value:  # an empty cell stays empty, not an empty text
            lines.write_string(row, col, value)

    row = 0
    for order in digest.orders:
        contact = ", ".join(order.contacts)
        status = status_text(order.handover)
        for line in order.lines:
            row += 1
            lines.write_number(row, 0, order.number)
            lines.write_string(row, 1, order.customer)
            text(row, 2, contact)
            lines.write_string(row, 3, line.product_name)
            lines.write_string(row, 4, line.unit)
            lines.write_number(row, 5, line.quantity)
            lines.write_number(row, 6, value(line.unit_price), amount)
            lines.write_number(row, 7, value(line.amount), amount)
            text(row, 8, yes if line.estimated else "")
            text(row, 9, status)
            text(row, 10, order.comment or "")
            text(row, 11, basis_text(line.price_basis))
            if line.weighed_grams is not None:
                lines.write_number(row, 12, line.weighed_grams / 1000, kilos)
    for col, width in enumerate((10, 28, 18, 30, 12, 10, 12, 12, 10, 12, 30, 10, 10)):
        lines.set_column(col, col, width)
    lines.freeze_panes(1, 0)
    lines.autofilter(0, 0, max(row, 1), len(columns) - 1)
    workbook.close()
    return buffer.getvalue()
