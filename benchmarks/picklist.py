"""How long a producer's pick list (PDF) and workbook (XLSX) take, and how many pages print.

One producer with 20 products at one pickup; N customers with an order of 2 to 4 lines each,
a third of them with a Telegram username and some with a long name that wraps. The timed work
is what the sweep does per producer at the deadline, apart from the query and the messages
(see benchmarks/digest.py): draw the pick list, and write the workbook. Both run in a worker
thread, so the bot keeps answering while they do.

    .venv/bin/python benchmarks/picklist.py [--orders 200 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from rekobot.digest import Digest
from rekobot.digest_xlsx import digest_xlsx
from rekobot.i18n import use_locale
from rekobot.models import Location, Pickup, Producer, Ring
from rekobot.models.digest import CustomerOrder, DigestLine
from rekobot.picklist import pick_list_pdf

PRODUCTS = 20
START = datetime(2026, 12, 3, 17, tzinfo=UTC)
FIRST = ["Kari", "Ola", "Åse", "Bjørn", "Sigrid", "Øystein", "Ingrid", "Håkon", "Marte", "Emil"]
LAST = ["Nordmann", "Ødegård", "Bakken", "Haugen", "Strøm", "Lie", "Kristiansen-Bråten"]


def make_digest(orders: int) -> Digest:
    """A digest of ``orders`` orders with realistic names, lines and contacts."""
    rng = random.Random(orders)
    products = [
        (k, f"Produkt {k:02d} fra gården", ["1 kg", "6 stk", "glass 350 g"][k % 3], 2500 + 250 * k)
        for k in range(PRODUCTS)
    ]
    customer_orders = []
    for n in range(1, orders + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if n % 50 == 0:
            name = " ".join([name] * 4)  # a few names long enough to wrap
        chosen = sorted(rng.sample(products, rng.randint(2, 4)), key=lambda p: p[1])
        customer_orders.append(
            CustomerOrder(
                order_id=n,
                number=n,
                user_id=10_000 + n,
                customer_name=name,
                lines=tuple(
                    DigestLine(k, title, unit, rng.randint(1, 3), price)
                    for k, title, unit, price in chosen
                ),
                contacts=(f"@kunde{n}",) if n % 3 == 0 else (),
            )
        )
    ring = Ring(
        id=1, slug="bench", name="REKO Bench", timezone="Europe/Oslo", locale="nb", currency="NOK"
    )
    pickup = Pickup(
        id=1,
        ring_id=1,
        location=Location(id=1, ring_id=1, name="Parkeringen", address="Storgata 1"),
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        deadline=START - timedelta(hours=36),
    )
    producer = Producer(id=1, owner_user_id=1, name="Berg Gård")
    return Digest.build(producer, ring, pickup, customer_orders, now=START)


def timed(build: Callable[[], bytes], runs: int) -> tuple[float, bytes]:
    """Return the median seconds of ``runs`` builds, and the last file."""
    samples = []
    data = b""
    for _ in range(runs):
        start = time.perf_counter()
        data = build()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), data


def measure(orders: int, runs: int) -> None:
    """Print the pick list's pages, size and time, and the workbook's, for ``orders`` orders."""
    digest = make_digest(orders)
    with use_locale("nb"):
        pdf_time, pdf = timed(lambda: pick_list_pdf(digest), runs)
        xlsx_time, xlsx = timed(lambda: digest_xlsx(digest, "nb"), runs)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    lines = sum(len(order.lines) for order in digest.orders)
    print(
        f"{orders:>6} orders ({lines} lines): PDF {pages} pages, {len(pdf) / 1024:.0f} KiB, "
        f"median {pdf_time * 1000:.0f} ms; XLSX {len(xlsx) / 1024:.0f} KiB, "
        f"median {xlsx_time * 1000:.0f} ms"
    )


def main() -> None:
    """Measure each size."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for orders in args.orders:
        measure(orders, args.runs)


if __name__ == "__main__":
    main()
