"""Copy buttons under a confirmation or reminder: the order number, how to pay, how much.

Paying a REKO producer means typing a Vipps number or an account and an amount into another
app, often on the way to the pickup; a button that puts each on the clipboard saves misreading
them. Telegram copies at most ``COPY_LIMIT`` characters, so payment details longer than that
get no button rather than a cut one (a cut account number is worse than none), and details
without a digit ("cash at the pickup") have nothing to copy. Amounts are
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

#: Characters of a producer's name before an amount, when the order has several producers.
NAME_LENGTH = 20

CopyRows = list[list[tuple[str, str]]]


def worth_copying(payment: str) -> bool:
    """Whether payment details hold a number to type elsewhere and fit Telegram's copy limit.

    "Vipps 123456" or an account number do; "cash or card at the pickup" has nothing to copy.
    """
    return 0 < len(payment) <= COPY_LIMIT and any(char.isdigit() for char in payment)


def order_copy_rows(order: Order) -> CopyRows:
    """The copy rows of an order: its number, then per producer the payment details and amount."""
    rows: CopyRows = [[(f"📋 #{order.number}", f"#{order.number}")]]
    decimal = decimal_separator()
    several = len(order.parts) > 1
    for part in order.parts[:MAX_PRODUCER_ROWS]:
        row: list[tuple[str, str]] = []
        payment = part.payment_info.strip()
        if worth_copying(payment):
            row.append(("📋 " + shorten(" ".join(payment.split()), LABEL_LENGTH), payment))
        if part.subtotal > 0:
            label = money(part.subtotal, order.currency)
            if several:  # say whose amount it is: payment details may be missing or alike
                label = f"{shorten(part.producer_name, NAME_LENGTH)}: {label}"
            row.append(("📋 " + label, amount(part.subtotal, order.currency, decimal)))
        if row:
            rows.append(row)
    return rows
