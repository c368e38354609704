"""The files a producer packs from: the PDF pick list and the XLSX workbook, read back.

The PDF is opened with pypdf and the workbook with openpyxl, as a producer's computer would
open them; the chat stories check that both arrive with the digest, at the deadline through
the outbox and on request.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import openpyxl
import pypdf
import pytest

from rekobot.app import RekoApplication
from rekobot.digest import Digest
from rekobot.digest_xlsx import digest_xlsx, money_format
from rekobot.i18n import use_locale
from rekobot.models import HandoverStatus, Location, Pickup, PriceBasis, Producer, Ring
from rekobot.models.digest import CustomerOrder, DigestLine
from rekobot.picklist import pick_list_pdf
from rekobot.scheduling import run_due_work
from rekobot.settings import Settings
from tests.conftest import FARMER_ID, MovableClock, World
from tests.customer_bot import running_bot
from tests.fakes.calls import UploadedFile, plain
from tests.fakes.updates import TgUser
from tests.producer_support import customer, order
from tests.test_outbox import drain_all

START = datetime(2026, 12, 3, 17, tzinfo=UTC)
BERG = TgUser(FARMER_ID, "Berg", language_code="nb")
KARI = 1001
EMMA = 1002


def line(k: int, quantity: int, *, price: int = 4550, estimated: bool = False) -> DigestLine:
    """A line of ``Produkt k`` (1 kg); an estimated one is priced per kg, reckoned at 1 kg."""
    if estimated:
        return DigestLine(k, f"Produkt {k}", "1 kg", quantity, price, PriceBasis.KG, 1000)
    return DigestLine(k, f"Produkt {k}", "1 kg", quantity, price)


def customer_order(number: int, name: str, *lines: DigestLine, **extra: object) -> CustomerOrder:
    """An order numbered ``number`` with the given lines."""
    return CustomerOrder(
        order_id=number,
        number=number,
        user_id=10_000 + number,
        customer_name=name,
        lines=lines,
        **extra,  # type: ignore[arg-type]
    )


def digest_of(
    orders: list[CustomerOrder],
    *,
    currency: str = "NOK",
    timezone: str = "Europe/Oslo",
    now: datetime = START,
) -> Digest:
    """A digest of Berg Gård at REKO Testby's pickup on 3 December."""
    ring = Ring(
        id=1, slug="testby", name="REKO Testby", timezone=timezone, locale="nb", currency=currency
    )
    pickup = Pickup(
        id=1,
        ring_id=1,
        location=Location(id=1, ring_id=1, name="Coop Extra parkering", address="Storgata 1"),
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        deadline=START - timedelta(hours=36),
    )
    producer = Producer(id=1, owner_user_id=FARMER_ID, name="Berg Gård")
    return Digest.build(producer, ring, pickup, orders, now=now)


def many_orders(count: int) -> list[CustomerOrder]:
    """``count`` orders of three lines each, given in reverse to prove the sorting."""
    return [
        customer_order(n, f"Kari {n}", *(line(k, 1 + (n + k) % 3) for k in range(3)))
        for n in range(count, 0, -1)
    ]


def pages(data: bytes) -> list[str]:
    """The text of each page, as a PDF reader extracts it (no-break spaces folded)."""
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [plain(page.extract_text()) for page in reader.pages]


def boxes_per_page(data: bytes) -> list[int]:
    """How many rectangles (tick boxes) each page draws."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [len(re.findall(rb"\sre\s", page.get_contents().get_data())) for page in reader.pages]  # type: ignore[union-attr]


def render_pdf(digest: Digest, locale: str) -> bytes:
    """The pick list in ``locale``."""
    with use_locale(locale):
        return pick_list_pdf(digest)


def test_the_pick_list_starts_with_what_to_bring_then_each_order_in_bokmal() -> None:
    digest = digest_of(
        [
            customer_order(2, "Emma Nordmann", line(0, 1), handover=HandoverStatus.COLLECTED),
            customer_order(
                1,
                "Kari Nordmann",
                line(0, 2),
                line(1, 1, price=7500),
                contacts=("@kari",),
                comment="Ring på døra, takk",
            ),
        ]
    )

    data = render_pdf(digest, "nb")

    first, orders = pages(data)
    assert first.startswith("Plukkliste: Berg Gård\nREKO Testby\n")
    assert "torsdag 3. desember, 18:00–19:00" in first
    assert "Coop Extra parkering, Storgata 1" in first
    assert "2 bestillinger, 211,50 kr totalt" in first
    assert "Dette skal du ta med\nProdukt Enhet Antall Beløp\n" in first
    assert "Produkt 0 1 kg 3 136,50 kr\nProdukt 1 1 kg 1 75,00 kr\n" in first
    assert "Totalt å kreve inn: 211,50 kr" in first
    assert "Foreløpig" not in first
    assert first.endswith("Side 1/2")
    assert orders.startswith("Bestillinger etter nummer\n")
    assert (
        "#1 Kari Nordmann 166,00 kr\n@kari\nMerknad: Ring på døra, takk\n"
        "2 × Produkt 0 (1 kg) 91,00 kr\n1 × Produkt 1 (1 kg) 75,00 kr\n"
        "#2 Emma Nordmann 45,50 kr\nhentet\n1 × Produkt 0 (1 kg) 45,50 kr"
    ) in orders
    footer = "Berg Gård · REKO Testby · torsdag 3. desember, 18:00–19:00 · Coop Extra"
    assert footer in orders and orders.endswith("Side 2/2")
    # A box for each product on page one, and for each line of each order.
    assert boxes_per_page(data) == [2, 3]


def test_the_pick_list_speaks_finnish_in_euros_with_nordic_letters_and_estimates() -> None:
    digest = digest_of(
        [
            customer_order(
                7,
                "Äijä Öhman-Ståhlberg",
                line(0, 2, price=1290, estimated=True),
                line(1, 1, price=500),
            )
        ],
        currency="EUR",
        timezone="Europe/Helsinki",
        now=START - timedelta(days=3),  # before the deadline
    )

    first, orders = pages(render_pdf(digest, "fi"))

    assert first.startswith("Keräilylista: Berg Gård\n")
    assert "torstai 3. joulukuuta klo 19.00–20.00" in first  # Helsinki time
    assert "Alustava: tilaukset voivat vielä muuttua takarajaan asti" in first
    assert "Tuo mukanasi" in first
    assert "Produkt 0 1 kg 2 n. 25,80 €" in first
    assert "Perittävää yhteensä: n. 30,80 €" in first
    assert "#7 Äijä Öhman-Ståhlberg n. 30,80 €" in orders
    assert "2 × Produkt 0 (1 kg) · 12,90 €/kg n. 25,80 €\n1 × Produkt 1 (1 kg) 5,00 €" in orders
    assert orders.endswith("Sivu 2/2")


def test_a_long_pick_list_runs_over_pages_by_number_and_never_splits_an_order() -> None:
    digest = digest_of(many_orders(300))

    data = render_pdf(digest, "nb")

    texts = pages(data)
    assert len(texts) > 10
    assert all(text.endswith(f"Side {n}/{len(texts)}") for n, text in enumerate(texts, 1))
    numbers = [int(n) for n in re.findall(r"^#(\d+) Kari", "\n".join(texts), re.MULTILINE)]
    assert numbers == list(range(1, 301))  # each order once, sorted by number
    for page in texts[1:]:
        body = page.rsplit("\nBerg Gård · ", 1)[0]  # without the footer
        blocks = re.split(r"\n(?=#\d+ Kari)", body)
        if blocks[0] == "Bestillinger etter nummer":
            blocks = blocks[1:]
        for block in blocks:
            assert re.match(r"#\d+ Kari \d+ ", block), block  # every page starts with an order
            assert block.count("× Produkt") == 3, block  # the whole order on this page
    assert sum(boxes_per_page(data)) == 3 + 300 * 3


def test_names_wrap_whole_and_markup_is_printed_as_typed() -> None:
    long_name = " ".join(["Kari-Margrethe Østby Ødegård"] * 8)
    digest = digest_of(
        [
            customer_order(1, long_name, line(0, 1)),
            customer_order(2, "<b>Emma</b> & <i>Co</i>", line(1, 1)),
            customer_order(3, '=HYPERLINK("x")', line(1, 2)),
        ]
    )

    orders = pages(render_pdf(digest, "nb"))[1]

    assert " ".join(orders.split()).count("Kari-Margrethe Østby Ødegård") == 8  # nothing cut
    name_lines = orders.split("#1 ", 1)[1].split("\n45,50 kr", 1)[0].split("\n")
    assert len(name_lines) >= 4 and all(len(text) < 60 for text in name_lines)  # wrapped
    assert "#2 <b>Emma</b> & <i>Co</i> 45,50 kr" in orders
    assert '#3 =HYPERLINK("x") 91,00 kr' in orders


def test_an_order_taller_than_a_page_goes_on_with_its_number() -> None:
    digest = digest_of(
        [
            customer_order(1, "Kari", line(0, 1)),
            customer_order(2, "Storkunde", *(line(k, 1) for k in range(80))),
        ]
    )

    texts = pages(render_pdf(digest, "nb"))

    joined = "\n".join(texts)
    assert "#2 Storkunde, fortsettelse" in joined
    assert all(f"1 × Produkt {k} (1 kg)" in joined for k in range(80))


def workbook(data: bytes) -> openpyxl.Workbook:
    """Open XLSX bytes as Excel would."""
    assert data.startswith(b"PK")
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_workbook_has_totals_and_lines_as_numbers_in_bokmal() -> None:
    digest = digest_of(
        [
            customer_order(2, "=SUM(A1)", line(0, 1)),
            customer_order(
                1,
                "Kari Nordmann",
                line(0, 2),
                line(1, 1, price=7500),
                contacts=("@kari",),
                comment="Ring på døra",
            ),
        ]
    )

    with use_locale("nb"):
        book = workbook(digest_xlsx(digest, "nb"))

    assert book.sheetnames == ["Totalt", "Bestillingslinjer"]
    totals, lines = book.worksheets
    assert [list(row) for row in totals.iter_rows(values_only=True)] == [
        ["Produkt", "Enhet", "Antall", "Beløp"],
        ["Produkt 0", "1 kg", 3, 136.5],
        ["Produkt 1", "1 kg", 1, 75],
        ["Totalt", None, None, 211.5],
    ]
    assert totals["D2"].number_format == '#,##0.00 "kr"'
    rows = [list(row) for row in lines.iter_rows(values_only=True)]
    assert rows[0] == [
        "Bestillingsnummer",
        "Kunde",
        "Kontakt",
        "Produkt",
        "Enhet",
        "Antall",
        "Enhetspris",
        "Beløp",
        "Omtrentlig",
        "Status",
        "Merknad",
        "Pris per",
        "Veid",
    ]
    note, kari = "Ring på døra", "Kari Nordmann"
    assert rows[1:] == [
        [2, "=SUM(A1)", None, "Produkt 0", "1 kg", 1, 45.5, 45.5, None, None, None, None, None],
        [1, kari, "@kari", "Produkt 0", "1 kg", 2, 45.5, 91, None, None, note, None, None],
        [1, kari, "@kari", "Produkt 1", "1 kg", 1, 75, 75, None, None, note, None, None],
    ]
    assert lines["B2"].data_type == "s"  # a name, not a formula
    assert lines["G2"].data_type == "n" and lines["H2"].number_format == '#,##0.00 "kr"'


def test_the_workbook_in_english_shows_euros_before_the_amount_and_marks_estimates() -> None:
    digest = digest_of(
        [customer_order(1, "Emma", line(0, 2, price=1290, estimated=True))], currency="EUR"
    )

    with use_locale("en"):
        book = workbook(digest_xlsx(digest, "en"))

    assert book.sheetnames == ["Totals", "Order lines"]
    lines = book["Order lines"]
    assert [cell.value for cell in lines[1]][7:9] == ["Amount", "Approximate"]
    assert [cell.value for cell in lines[2]][5:9] == [2, 12.9, 25.8, "yes"]
    assert lines["H2"].number_format == '"€"#,##0.00'


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("nb", "NOK", '#,##0.00 "kr"'),
        ("sv", "SEK", '#,##0.00 "kr"'),
        ("da", "DKK", '#,##0.00 "kr."'),
    ],
)
def test_money_cells_follow_the_locales_currency_pattern(
    locale: str, currency: str, expected: str
) -> None:
    assert money_format(currency, locale) == expected


def _files(uploads: list[UploadedFile]) -> dict[str, UploadedFile]:
    return {upload.filename.rsplit(".", 1)[1]: upload for upload in uploads}


async def test_the_producer_gets_the_pick_list_and_workbook_with_the_digest_at_the_deadline(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await services.members.register(
            user_id=KARI, first_name="Kari", last_name="Nordmann", username="kari_n"
        )
        await services.members.join(KARI, "testby")
        await customer(services, EMMA, "Emma")
        await order(services, KARI, world.pickup_id, {world.offer_ids["potatoes"]: 2})
        await order(services, EMMA, world.pickup_id, {world.offer_ids["eggs"]: 1})
        clock.advance(days=2)  # past the deadline

        await run_due_work(services.due_work)
        assert isinstance(bot.app, RekoApplication)
        await drain_all(bot.app, clock)

        documents = bot.request.calls("sendDocument", chat_id=BERG.id, ok=True)
        texts = [plain(t) for t in bot.texts(BERG)]
        uploads = bot.request.uploads(BERG.id)

    assert any("Hvem får hva" in text for text in texts)
    assert [plain(call.text or "").split("\n")[0].split(":")[0] for call in documents] == [
        "🖨 Plukkliste til utskrift",
        "📊 De samme bestillingene som Excel-arbeidsbok",
        "De samme linjene som CSV-fil, for regneark eller regnskapsprogram.",
    ]
    files = _files(uploads)
    assert sorted(files) == ["csv", "pdf", "xlsx"]
    assert files["pdf"].filename == "reko-testby-2026-12-03.pdf"
    first, orders = pages(bytes(files["pdf"]))
    assert "Poteter 2 kg 2 120,00 kr\nEgg 12 stk 1 75,00 kr" not in first  # sorted by name
    assert "Egg 12 stk 1 75,00 kr\nPoteter 2 kg 2 120,00 kr" in first
    assert "#1 Kari Nordmann 120,00 kr\n@kari_n\n2 × Poteter (2 kg) 120,00 kr" in orders
    assert "#2 Emma Nordmann 75,00 kr\n1 × Egg (12 stk) 75,00 kr" in orders
    book = workbook(bytes(files["xlsx"]))
    assert [row[0].value for row in book["Bestillingslinjer"].iter_rows(min_row=2)] == [1, 2]


async def test_the_producer_gets_the_three_files_when_asking_for_the_digest(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await customer(services, KARI)
        await order(services, KARI, world.pickup_id, {world.offer_ids["potatoes"]: 1})
        await bot.send(BERG, "/digest")
        uploads = bot.request.uploads(BERG.id)

    files = _files(uploads)
    assert [upload.filename for upload in uploads] == [
        "reko-testby-2026-12-03.pdf",
        "reko-testby-2026-12-03.xlsx",
        "reko-testby-2026-12-03.csv",
    ]
    first, orders = pages(bytes(files["pdf"]))
    assert "Foreløpig: bestillingene kan fortsatt endres fram til" in first
    assert "#1 Kari Nordmann 60,00 kr\n1 × Poteter (2 kg) 60,00 kr" in orders
    totals = workbook(bytes(files["xlsx"]))["Totalt"]
    assert [cell.value for cell in totals[2]] == ["Poteter", "2 kg", 1, 60]
