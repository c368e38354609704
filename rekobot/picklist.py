"""The pick list: a producer's digest as an A4 PDF to print, pack from and tick at the pickup.

Page one says what to bring (the totals per product). Then comes one block per order, by order
number: the customer, how to reach them, their note, and each line with a box to tick. A block
never breaks across pages unless it is taller than a whole page. Every page ends with the
pickup and "page x/y".

Everything a customer or producer typed is drawn as plain text, never read as markup. fpdf2
needs a TrueType font for æøå, äö and the rest of Unicode: DejaVu Sans ships inside the
package (``rekobot/fonts``, with its license).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from rekobot.digest import Digest
from rekobot.digest_csv import status_text
from rekobot.i18n import _, get_locale, money, ngettext
from rekobot.models.digest import CustomerOrder, DigestLine
from rekobot.render import deadline_text, pickup_when, price_text, weight_text

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"

MARGIN = 15.0
#: Room below the last block for the footer.
BOTTOM = 18.0
#: Width of the order number, left of the tick boxes.
NUMBER_WIDTH = 18.0
#: Side of a tick box.
BOX = 3.8
#: Where text starts, from the left margin (after the number and the box).
TEXT_OFFSET = NUMBER_WIDTH + 7.0
AMOUNT_WIDTH = 34.0
GAP = 2.0


@dataclass(frozen=True, slots=True)
class _Row:
    """One measured row of a block: a left column, wrapped text, an amount on the right."""

    text: str
    lines: int
    line_height: float
    size: float
    bold: bool = False
    number: str = ""
    amount: str = ""
    box: bool = False

    @property
    def height(self) -> float:
        return self.lines * self.line_height


class _PickListPdf(FPDF):
    """An A4 document in DejaVu Sans whose pages end with the pickup and the page number."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        # Blocks are placed by hand so that none is torn across a page.
        self.set_auto_page_break(False, margin=BOTTOM)
        self.text_width = self.epw - TEXT_OFFSET - AMOUNT_WIDTH
        self._widths: dict[tuple[str, str, float], float] = {}

    def width(self, text: str) -> float:
        """Return the width of ``text`` in the current font (amounts and lines repeat a lot)."""
        key = (text, self.font_style, self.font_size_pt)
        found = self._widths.get(key)
        if found is None:
            found = self._widths[key] = self.get_string_width(text)
        return found

    def footer(self) -> None:
        """Print the pickup on the left and "page x/y" on the right."""
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(80)
        page = _("Page {page}/{pages}").format(
            page=self.page_no(), pages=self.str_alias_nb_pages
        )
        page_width = self.get_string_width(page) + 8
        self.cell(self.epw - page_width, 5, _fit(self, self.footer_text, self.epw - page_width))
        self.cell(page_width, 5, page, align="R")
        self.set_text_color(0)

    def measure(self, text: str, width: float, size: float, *, bold: bool = False) -> int:
        """Return how many lines ``text`` wraps to in a column of ``width``."""
        self.set_font(FAMILY, "B" if bold else "", size)
        if self.width(text) <= width - 2 * self.c_margin:
            return 1
        lines = self.multi_cell(
            width, text=text, dry_run=True, output=MethodReturnValue.LINES, align="L"
        )
        assert isinstance(lines, list)
        return max(len(lines), 1)

    def row(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        number: str = "",
        amount: str = "",
        box: bool = False,
    ) -> _Row:
        """Measure a row of an order block (its line height follows the font size)."""
        lines = self.measure(text, self.text_width, size, bold=bold)
        return _Row(text, lines, size * 0.56, size, bold, number, amount, box)

    def draw(self, row: _Row, y: float) -> None:
        """Draw a measured row with its top at ``y``."""
        left = self.l_margin
        self.set_font(FAMILY, "B" if row.bold else "", row.size)
        # Where cell() would put the baseline; text() is several times faster than cell(),
        # which counts on a pick list of thousands of rows.
        baseline = y + row.line_height / 2 + 0.3 * self.font_size
        if row.number:
            self.text(left + self.c_margin, baseline, row.number)
        if row.box:
            self.rect(left + NUMBER_WIDTH + 1, y + (row.line_height - BOX) / 2, BOX, BOX)
        if row.lines == 1:
            self.text(left + TEXT_OFFSET + self.c_margin, baseline, row.text)
        else:
            self.set_xy(left + TEXT_OFFSET, y)
            self.multi_cell(self.text_width, row.line_height, row.text, align="L")
        if row.amount:
            right = self.w - self.r_margin - self.c_margin
            self.text(right - self.width(row.amount), baseline, row.amount)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Cut ``text`` with an ellipsis so that it fits on one line of ``width``."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _place(digest: Digest) -> str:
    location = digest.pickup.location
    return ", ".join(part for part in (location.name, location.address) if part)


class _Amounts:
    """Money in the current locale, "approx." for estimates; each amount formatted once."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.locale = get_locale()
        self.approx = _("approx. {amount}")
        self._seen: dict[tuple[int, bool], str] = {}

    def __call__(self, amount: int, estimated: bool = False) -> str:
        text = self._seen.get((amount, estimated))
        if text is None:
            text = money(amount, self.currency, self.locale)
            if estimated:
                text = self.approx.format(amount=text)
            self._seen[(amount, estimated)] = text
        return text


def _first_page(pdf: _PickListPdf, digest: Digest, amounts: _Amounts) -> None:
    """Title, the pickup, and the totals per product."""
    ring, pickup = digest.ring, digest.pickup
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    title = _("Pick list: {producer}").format(producer=digest.producer.name)
    pdf.multi_cell(pdf.epw, 8, title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    facts = [ring.name, pickup_when(pickup, ring.timezone), _place(digest)]
    count = len(digest.orders)
    facts.append(
        ngettext("{n} order, {amount} in all", "{n} orders, {amount} in all", count).format(
            n=count, amount=amounts(digest.total, digest.estimated)
        )
    )
    for fact in facts:
        pdf.multi_cell(pdf.epw, 6, fact, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if digest.preliminary:
        pdf.set_font(FAMILY, "B", 11)
        warning = _("Preliminary: orders can still change until {deadline}.").format(
            deadline=deadline_text(pickup, ring.timezone)
        )
        pdf.multi_cell(pdf.epw, 6, warning, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(pdf.epw, 8, _("What to bring"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _totals_table(pdf, digest, amounts)


def _totals_table(pdf: _PickListPdf, digest: Digest, amounts: _Amounts) -> None:
    """One row per product with a box to tick when it is packed, then the grand total."""
    unit_width, quantity_width = 32.0, 22.0
    name_width = pdf.epw - 8 - unit_width - quantity_width - AMOUNT_WIDTH
    line_height = 5.5

    def header() -> None:
        pdf.set_font(FAMILY, "B", 10)
        pdf.set_x(pdf.l_margin + 8)
        pdf.cell(name_width, 7, _("Product"), border="B")
        pdf.cell(unit_width, 7, _("Unit"), border="B")
        pdf.cell(quantity_width, 7, _("Quantity"), border="B", align="R")
        pdf.cell(AMOUNT_WIDTH, 7, _("Amount"), border="B", align="R")
        pdf.ln(8)

    header()
    for product in digest.products:
        lines = pdf.measure(product.name, name_width, 10)
        height = lines * line_height
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            header()
        y = pdf.get_y()
        pdf.rect(pdf.l_margin + 1, y + (line_height - BOX) / 2, BOX, BOX)
        pdf.set_font(FAMILY, "", 10)
        pdf.set_xy(pdf.l_margin + 8, y)
        pdf.multi_cell(name_width, line_height, product.name, align="L")
        pdf.set_xy(pdf.l_margin + 8 + name_width, y)
        pdf.cell(unit_width, line_height, _fit(pdf, product.unit, unit_width))
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(quantity_width, line_height, str(product.quantity), align="R")
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(AMOUNT_WIDTH, line_height, amounts(product.amount, product.estimated), align="R")
        pdf.set_y(y + height + 1)
    pdf.set_font(FAMILY, "B", 11)
    total = _("Total to collect: {amount}").format(
        amount=amounts(digest.total, digest.estimated)
    )
    pdf.cell(pdf.epw, 8, total, border="T", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _order_rows(
    pdf: _PickListPdf, order: CustomerOrder, amounts: _Amounts, line_text: Callable[..., str]
) -> list[_Row]:
    """Measure an order's block: who, how to reach them, their note, and the lines."""
    rows = [
        pdf.row(
            order.customer,
            11,
            bold=True,
            number=f"#{order.number}",
            amount=amounts(order.amount, order.estimated),
        )
    ]
    rows += [pdf.row(contact, 9) for contact in order.contacts]
    if order.comment:
        rows.append(pdf.row(_("Note: {comment}").format(comment=order.comment), 9))
    status = status_text(order.handover)
    if status:
        rows.append(pdf.row(status, 9, bold=True))
    rows += [
        pdf.row(
            line_text(quantity=line.quantity, product=line.product_name, unit=line.unit)
            + _by_weight(line, amounts.currency),
            10,
            box=True,
            amount=amounts(line.amount, line.estimated),
        )
        for line in order.lines
    ]
    return rows


def _by_weight(line: DigestLine, currency: str) -> str:
    """For a line sold by weight: its price per kg, and the weight once it is weighed."""
    if not line.price_basis.by_weight:
        return ""
    text = " · " + price_text(line.unit_price, line.price_basis, currency)
    if line.weighed_grams is not None:
        text += " · " + _("weighed {weight}").format(
            weight=weight_text(line.weighed_grams, None, line.price_basis)
        )
    return text


def _orders(pdf: _PickListPdf, digest: Digest, amounts: _Amounts) -> None:
    """One block per order, by number, each kept on one page."""
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(pdf.epw, 8, _("Orders by number"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    line_text = _("{quantity} × {product} ({unit})").format
    continued = _("#{number} {customer}, continued")
    page_room = pdf.page_break_trigger - pdf.t_margin
    for order in sorted(digest.orders, key=lambda o: o.number):
        rows = _order_rows(pdf, order, amounts, line_text)
        height = sum(row.height for row in rows) + GAP
        if pdf.get_y() + height > pdf.page_break_trigger and (
            height <= page_room or pdf.get_y() > pdf.t_margin + page_room / 2
        ):
            pdf.add_page()
        y = pdf.get_y()
        for index, row in enumerate(rows):
            if y + row.height > pdf.page_break_trigger:  # only a block taller than a page
                pdf.add_page()
                y = pdf.get_y()
                head = pdf.row(
                    continued.format(number=order.number, customer=order.customer), 9, bold=True
                )
                pdf.draw(head, y)
                y += head.height
            pdf.draw(row, y)
            y += row.height + (0.6 if index == 0 else 0.0)
        y += GAP / 2
        pdf.set_draw_color(170)
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_draw_color(0)
        pdf.set_y(y + GAP / 2)


def pick_list_pdf(digest: Digest) -> bytes:
    """Render the digest as an A4 pick list in the current locale."""
    ring = digest.ring
    footer = " · ".join(
        (digest.producer.name, ring.name, pickup_when(digest.pickup, ring.timezone), _place(digest))
    )
    pdf = _PickListPdf(footer)
    pdf.set_title(_("Pick list: {producer}").format(producer=digest.producer.name))
    pdf.set_creator("rekobot")
    pdf.set_lang(get_locale())
    # Dated by the deadline, not by the rendering: the same digest gives the same file.
    pdf.set_creation_date(digest.pickup.deadline)
    amounts = _Amounts(ring.currency)
    _first_page(pdf, digest, amounts)
    if digest.orders:
        _orders(pdf, digest, amounts)
    return bytes(pdf.output())
