"""Copy buttons under a confirmation or reminder: the order number, how to pay, how much.

Paying a REKO producer means typing a Vipps number or an account and an amount into another
app, often on the way to the pickup; a button that puts each on the clipboard saves misreading
them. Telegram copies at most ``COPY_LIMIT`` characters, so payment details longer than that
get no button rather than a cut one (a cut account number is worse than none). Amounts are
copied as plain numbers in the customer's locale ("120,00"), the way payment apps take them.
"""

from __future__ import annotations

from rekobot.digest_csv import amount
from rekobot.i18n import decimal_separator, money
from rekobot.models import Order
from rekobot.render import shorten

#: Bot API: a CopyTextButton copies 1-256 characters.
COPY_LIMIT = 256
#: Telegram allows 100 buttons on a message; an order with more producers than this is unheard
#: of, and the number row comes first.
MAX_PRODUCER_ROWS = 40
#: Characters of the payment details on a button's label (the full text is copied).
LABEL_LENGTH = 30

CopyRows = list[list[tuple[str, str]]]


def order_copy_rows(order: Order) -> CopyRows:
    """The copy rows of an order: its number, then per producer the payment details and amount."""
    rows: CopyRows = [[(f"📋 #{order.number}", f"#{order.number}")]]
    decimal = decimal_separator()
    for part in order.parts[:MAX_PRODUCER_ROWS]:
        row: list[tuple[str, str]] = []
        payment = part.payment_info.strip()
        if payment and len(payment) <= COPY_LIMIT:
            row.append(("📋 " + shorten(" ".join(payment.split()), LABEL_LENGTH), payment))
        if part.subtotal > 0:
            row.append(
                (
                    "📋 " + money(part.subtotal, order.currency),
                    amount(part.subtotal, order.currency, decimal),
                )
            )
        if row:
            rows.append(row)
    return rows
