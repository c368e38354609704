"""Every Nordic REKO country in its own language, through the real Application.

Swedish, Finnish, Danish and Nynorsk beside Bokmål and English: the language Telegram reports
is the one the bot speaks, money and dates follow the reader and the ring, and every screen and
notification renders in each language without falling back to another one or breaking
Telegram's limits.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from rekobot.app import RekoApplication
from rekobot.catalogs import po_path, read_catalog
from rekobot.i18n import (
    LANGUAGE_NAMES,
    SHIPPED_LOCALES,
    _,
    available_locales,
    decimal_separator,
    guess_locale,
    use_locale,
)
from rekobot.scheduling import run_due_work
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, BAKER_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import last, running_bot, texts
from tests.producer_support import customer, make_admin, order
from tests.telegram_fake import (
    BotDriver,
    Call,
    EntityParseError,
    TgUser,
    UpdateFactory,
    buttons,
    parse_html,
    plain,
)
from tests.test_outbox import Wire, drain_all, outbox_bot

NEW_LOCALES = ("sv", "fi", "da", "nn")

#: Where each country's rings are: the zone and the money (Nynorsk rings are Norwegian).
COUNTRY = {
    "nb": ("Europe/Oslo", "NOK"),
    "nn": ("Europe/Oslo", "NOK"),
    "en": ("Europe/Oslo", "NOK"),
    "sv": ("Europe/Stockholm", "SEK"),
    "fi": ("Europe/Helsinki", "EUR"),
    "da": ("Europe/Copenhagen", "DKK"),
}


def tr(locale: str, msgid: str) -> str:
    """The translation of ``msgid`` in ``locale``, as the bot would render it."""
    with use_locale(locale):
        return _(msgid)


async def move_ring(services: Services, ring_id: int, timezone: str, currency: str) -> None:
    """Give the test ring another country's zone and money."""
    await services.db.execute(
        "UPDATE rings SET timezone = ?, currency = ? WHERE id = ?", (timezone, currency, ring_id)
    )


# --- which language a user gets ---------------------------------------------------------------


def test_all_six_languages_ship_with_a_catalog() -> None:
    assert available_locales() == SHIPPED_LOCALES
    assert set(SHIPPED_LOCALES) == {"nb", "nn", "en", "sv", "fi", "da"}
    for locale in NEW_LOCALES:
        assert po_path(locale).exists()


@pytest.mark.parametrize(
    ("language_code", "locale"),
    [
        ("sv", "sv"),
        ("sv-SE", "sv"),
        ("sv_FI", "sv"),
        ("fi", "fi"),
        ("fi-FI", "fi"),
        ("da", "da"),
        ("da-DK", "da"),
        ("nn", "nn"),
        ("nn-NO", "nn"),
        ("nb", "nb"),
        ("no", "nb"),
        ("nb-NO", "nb"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "sv"),  # a language we do not ship: the default given
        (None, "fi"),
        ("", "da"),
    ],
)
def test_telegrams_language_code_picks_the_shipped_locale(
    language_code: str | None, locale: str
) -> None:
    default = {"de": "sv", None: "fi", "": "da"}.get(language_code, "nb")
    assert guess_locale(language_code, default) == locale


@dataclass(frozen=True)
class Expected:
    """What a customer reading one language must see, written by hand per language."""

    welcome: str
    when: str
    deadline: str
    by_producer: str
    add: str
    cart: str
    check_out: str
    confirm: str
    cart_line: str
    total: str
    placed: str
    pay: str
    summary: str
    orders: str
    upcoming: str


CUSTOMER_SEES = {
    "sv": Expected(
        welcome="Välkommen till REKO Testby!",
        when="torsdag 3 december 2026 kl. 18:00–19:00",
        deadline="Beställ senast onsdag 2 december 2026 kl. 06:00",
        by_producer="Per producent",
        add="Lägg till",
        cart="Varukorg",
        check_out="Till kassan",
        confirm="Ja, skicka beställningen",
        cart_line="• 2 × Poteter (2 kg) — 120,00 kr",
        total="Totalt: 120,00 kr",
        placed="Beställning #1 är mottagen",
        pay="Betalning: Vipps 123456",
        summary="SUMMARY:REKO-utdelning: REKO Testby\\, beställning #1",
        orders="Dina beställningar i REKO Testby",
        upcoming="1 kommande beställning.",
    ),
    "fi": Expected(
        welcome="Tervetuloa mukaan: REKO Testby!",
        when="torstai 3. joulukuuta 2026 klo 19.00–20.00",
        deadline="Tilausten takaraja: keskiviikko 2. joulukuuta 2026 klo 7.00",
        by_producer="Tuottajittain",
        add="Lisää",
        cart="Ostoskori",
        check_out="Kassalle",
        confirm="Kyllä, lähetä tilaus",
        cart_line="• 2 × Poteter (2 kg) — 120,00 €",
        total="Yhteensä: 120,00 €",
        placed="Tilaus #1 on vastaanotettu",
        pay="Maksu: Vipps 123456",
        summary="SUMMARY:REKO-jako: REKO Testby\\, tilaus #1",
        orders="Tilauksesi renkaassa REKO Testby",
        upcoming="1 tuleva tilaus.",
    ),
    "da": Expected(
        welcome="Velkommen til REKO Testby!",
        when="torsdag den 3. december 2026 kl. 18.00–19.00",
        deadline="Bestil senest onsdag den 2. december 2026 kl. 06.00",
        by_producer="Efter producent",
        add="Tilføj",
        cart="Kurv",
        check_out="Til kassen",
        confirm="Ja, send bestillingen",
        cart_line="• 2 × Poteter (2 kg) — 120,00 kr.",
        total="I alt: 120,00 kr.",
        placed="Bestilling #1 er modtaget",
        pay="Betaling: Vipps 123456",
        summary="SUMMARY:REKO-udlevering: REKO Testby\\, bestilling #1",
        orders="Dine bestillinger i REKO Testby",
        upcoming="1 kommende bestilling.",
    ),
    "nn": Expected(
        welcome="Velkomen til REKO Testby!",
        when="torsdag 3. desember 2026 kl. 18:00–19:00",
        deadline="Bestill innan onsdag 2. desember 2026 kl. 06:00",
        by_producer="Etter produsent",
        add="Legg til",
        cart="Handlekorg",
        check_out="Til kassa",
        confirm="Ja, send bestillinga",
        cart_line="• 2 × Poteter (2 kg) — 120,00 kr",
        total="Totalt: 120,00 kr",
        placed="Bestilling #1 er motteken",
        pay="Betaling: Vipps 123456",
        summary="SUMMARY:REKO-utlevering: REKO Testby\\, bestilling #1",
        orders="Bestillingane dine i REKO Testby",
        upcoming="1 komande bestilling.",
    ),
}


@pytest.mark.parametrize("locale", NEW_LOCALES)
async def test_a_customer_gets_the_bot_in_their_telegram_language_without_choosing(
    locale: str, settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await move_ring(services, world.ring_id, *COUNTRY[locale])
    see = CUSTOMER_SEES[locale]
    shopper = TgUser(2001, "Saga", None, None, language_code=locale)
    async with running_bot(settings, clock) as bot:
        await bot.send(shopper, "/start testby")
        welcome = last(bot, shopper)
        await bot.send(shopper, "/shop")
        shop = last(bot, shopper)
        await bot.press(shopper, see.by_producer)
        await bot.press(shopper, "Berg Gård")
        await bot.press(shopper, "Poteter")
        await bot.press(shopper, see.add)
        await bot.press(shopper, see.add)
        await bot.press(shopper, see.cart)
        cart = last(bot, shopper)
        await bot.press(shopper, see.check_out)
        calls = await bot.press(shopper, see.confirm)
        confirmation = texts(bot, shopper)[-2]
        await bot.send(shopper, "/orders")
        orders = last(bot, shopper)
        user = await services.members.get_user(shopper.id)

    assert welcome.splitlines()[0] == see.welcome
    assert see.when in shop and see.deadline in shop
    assert see.cart_line in cart and see.total in cart
    assert see.placed in confirmation and see.pay in confirmation and see.when in confirmation
    document = next(c for c in calls if c.method == "sendDocument")
    assert see.summary in bytes(document.files["document"]).decode()
    assert see.orders in orders and see.upcoming in orders
    assert user is not None and user.locale is None  # nothing was chosen: Telegram's language


LANGUAGE_SET = {
    "nb": "Språket er satt til norsk bokmål.",
    "nn": "Språket er no nynorsk.",
    "en": "Language set to English.",
    "sv": "Språket är nu svenska.",
    "fi": "Kieli on nyt suomi.",
    "da": "Sproget er nu dansk.",
}
HELP_TITLE = {
    "nb": "Slik virker REKO her",
    "nn": "Slik fungerer REKO her",
    "en": "How REKO works here",
    "sv": "Så fungerar REKO här",
    "fi": "Näin REKO toimii täällä",
    "da": "Sådan fungerer REKO her",
}


async def test_language_lists_all_six_and_switches_among_them(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    reader = TgUser(2002, "Aino", None, None, language_code="fi")
    said: dict[str, str] = {}
    helped: dict[str, str] = {}
    async with running_bot(settings, clock) as bot:
        await bot.send(reader, "/start testby")
        await bot.send(reader, "/language")
        offered = [label for row in bot.buttons(reader) for label, _data in row]
        for locale in ("sv", "da", "nn", "en", "nb", "fi"):
            await bot.send(reader, "/language")
            await bot.press(reader, LANGUAGE_NAMES[locale])
            said[locale] = last(bot, reader)
            await bot.send(reader, "/help")
            helped[locale] = last(bot, reader)
        user = await services.members.get_user(reader.id)

    assert offered == [LANGUAGE_NAMES[code] for code in SHIPPED_LOCALES]
    for locale in SHIPPED_LOCALES:
        assert said[locale].startswith(LANGUAGE_SET[locale]), locale
        assert helped[locale].startswith(HELP_TITLE[locale]), locale
    assert user is not None and user.locale == "fi"


COMMAND_MENU = {
    "nb": {"shop": "Bestill til neste utlevering", "language": "Bytt språk"},
    "nn": {"shop": "Bestill til neste utlevering", "language": "Byt språk"},
    "en": {"shop": "Order for the next pickup", "language": "Change language"},
    "sv": {"shop": "Beställ till nästa utdelning", "language": "Byt språk"},
    "fi": {"shop": "Tilaa seuraavaan jakoon", "language": "Vaihda kieltä"},
    "da": {"shop": "Bestil til næste udlevering", "language": "Skift sprog"},
}


async def test_the_command_menu_is_set_in_every_language(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        calls = [c for c in bot.request.calls("setMyCommands", ok=True) if not scope_chat(c)]
        menus = {
            str(call.params.get("language_code") or ""): {
                c["command"]: c["description"] for c in commands_of(call)
            }
            for call in calls
        }

    assert set(menus) == {"", "nb", "no", "nn", "en", "sv", "fi", "da"}
    assert menus["no"] == menus["nb"] == menus[""]  # Bokmål is the default
    for locale in SHIPPED_LOCALES:
        menu = menus[locale]
        assert {"shop", "cart", "orders", "start", "language", "help", "cancel"} <= set(menu)
        for command, description in COMMAND_MENU[locale].items():
            assert menu[command] == description, (locale, command)
        english = menus["en"]
        for command, description in menu.items():
            assert description == tr(locale, english[command]), (locale, command)
            if locale != "en":
                assert description != english[command], (locale, command)


def scope_chat(call: Call) -> int | None:
    """The chat a setMyCommands call's menu is for, or None for a menu of every private chat."""
    scope = call.params.get("scope") or {}
    scope = json.loads(scope) if isinstance(scope, str) else scope
    return int(scope["chat_id"]) if scope.get("type") == "chat" else None


def commands_of(call: Call) -> list[dict[str, str]]:
    """The commands a setMyCommands call carried."""
    commands = call.params.get("commands") or []
    return list(json.loads(commands) if isinstance(commands, str) else commands)


# --- money and dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "timezone", "currency", "price", "when"),
    [
        ("sv", "Europe/Stockholm", "SEK", "60,00 kr", "torsdag 3 december 2026 kl. 18:00–19:00"),
        ("fi", "Europe/Helsinki", "EUR", "60,00 €", "torstai 3. joulukuuta 2026 klo 19.00–20.00"),
        (
            "da",
            "Europe/Copenhagen",
            "DKK",
            "60,00 kr.",
            "torsdag den 3. december 2026 kl. 18.00–19.00",
        ),
        ("nn", "Europe/Oslo", "NOK", "60,00 kr", "torsdag 3. desember 2026 kl. 18:00–19:00"),
        # The reader's locale with the ring's money and zone: a Finnish ring read in Swedish,
        # a Swedish ring read in Finnish or Danish, a Danish ring read in English.
        ("sv", "Europe/Helsinki", "EUR", "60,00 €", "torsdag 3 december 2026 kl. 19:00–20:00"),
        (
            "fi",
            "Europe/Stockholm",
            "SEK",
            "60,00 SEK",
            "torstai 3. joulukuuta 2026 klo 18.00–19.00",
        ),
        (
            "da",
            "Europe/Stockholm",
            "SEK",
            "60,00 SEK",
            "torsdag den 3. december 2026 kl. 18.00–19.00",
        ),
        (
            "en",
            "Europe/Copenhagen",
            "DKK",
            "DKK60.00",
            "Thursday, December 3, 2026, 6:00 PM–7:00 PM",
        ),
    ],
)
async def test_money_and_times_follow_the_reader_and_the_rings_currency_and_zone(
    locale: str,
    timezone: str,
    currency: str,
    price: str,
    when: str,
    settings: Settings,
    clock: MovableClock,
    world: World,
    services: Services,
) -> None:
    await move_ring(services, world.ring_id, timezone, currency)
    reader = TgUser(2003, "Freja", None, None, language_code=locale)
    async with running_bot(settings, clock) as bot:
        await bot.send(reader, "/start testby")
        await bot.send(reader, "/shop")
        shop = last(bot, reader)
        await bot.press(reader, tr(locale, "🏷 By category"))
        await bot.press(reader, "Grønnsaker")
        shelf = last(bot, reader)

    assert when in shop
    assert f"Poteter, 2 kg — {price} — " in shelf


# --- every message, as written -----------------------------------------------------------------

_TAG = re.compile(r"</?[a-z]+[^>]*>")
MAX_ALERT = 200
_COMMAND = re.compile(r"(?<![\w/])/[a-z_]+\b")


def symbols(text: str) -> list[str]:
    """The emoji and pictographs of a text, in order (variation selectors dropped)."""
    return [char for char in text if unicodedata.category(char) == "So"]


def sample(text: str) -> str:
    """Fill every placeholder with a plausible value, as the bot would."""
    return re.sub(r"\{[a-z_]+\}", "REKO Testby 12", text)


def every_translation(locale: str) -> list[tuple[str, str]]:
    """(msgid, translation) for every message and plural form of a locale."""
    pairs = []
    for message in read_catalog(po_path(locale), locale):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else message.string or []
        pairs += [(ids[min(i, len(ids) - 1)], string) for i, string in enumerate(strings)]
    return pairs


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_every_translation_keeps_the_tags_emoji_and_commands_of_its_message(locale: str) -> None:
    broken = []
    for msgid, string in every_translation(locale):
        if sorted(_TAG.findall(string)) != sorted(_TAG.findall(msgid)):
            broken.append(f"tags differ: {string!r}")
        if symbols(string) != symbols(msgid):
            broken.append(f"emoji differ: {string!r}")
        if sorted(_COMMAND.findall(string)) != sorted(_COMMAND.findall(msgid)):
            broken.append(f"commands differ: {string!r}")
        try:
            parse_html(sample(string))
        except EntityParseError as error:
            broken.append(f"Telegram would refuse {string!r}: {error}")
    assert broken == []


def shown_length(text: str) -> int:
    """How many characters a message has once its placeholders are filled and tags rendered."""
    return len(parse_html(sample(text))[0])


@pytest.mark.parametrize("locale", NEW_LOCALES)
def test_no_translation_outgrows_an_alert_its_english_fits_in(locale: str) -> None:
    """Refusals are shown as alerts, which are cut at 200 characters (MAX_ALERT)."""
    too_long = [
        string
        for msgid, string in every_translation(locale)
        if shown_length(msgid) <= MAX_ALERT < shown_length(string)
    ]
    assert too_long == []


# --- every screen and notification, in every language ----------------------------------------

_PLACEHOLDER_OR_TAG = re.compile(r"\{[a-z_][a-z0-9_]*\}|<[^>]+>")
#: A literal stretch at least this long is specific enough to identify one language.
MARKER_LENGTH = 12


def longest_literal(text: str) -> str:
    """The longest stretch of a message between its placeholders and HTML tags."""
    return max((piece.strip() for piece in _PLACEHOLDER_OR_TAG.split(text)), key=len, default="")


@functools.cache
def translations_of(locale: str) -> dict[str, tuple[str, ...]]:
    """Every translation in a locale's catalog, by singular msgid (English: the msgids)."""
    found: dict[str, tuple[str, ...]] = {}
    for message in read_catalog(po_path(locale), locale):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        found[key] = tuple(s for s in strings if s)
    return found


@functools.cache
def foreign_markers(locale: str) -> dict[str, tuple[str, str]]:
    """Stretches of other languages' messages that no message of ``locale`` contains.

    Seeing one in what a ``locale`` reader was shown means a text fell back to (or was
    rendered in) that other language. Maps the stretch to (its language, its msgid).
    """
    own = translations_of(locale)
    own_text = "\n".join(s for strings in own.values() for s in strings)
    markers: dict[str, tuple[str, str]] = {}
    for other in SHIPPED_LOCALES:
        if other == locale:
            continue
        for msgid, strings in translations_of(other).items():
            for string in strings:
                if string in own.get(msgid, ()):
                    continue  # the two languages say it the same way
                marker = longest_literal(string)
                if len(marker) >= MARKER_LENGTH and marker not in own_text:
                    markers.setdefault(marker, (other, msgid))
    return markers


def fallbacks(locale: str, shown: str, typed: Iterable[str] = ()) -> list[str]:
    """Which other languages' messages appear in what a ``locale`` reader was shown.

    ``typed`` is what people typed (product names, places...): it is taken out first, since a
    Norwegian farmer's "Egg og meieri" is not the bot falling back to Norwegian.
    """
    text = plain(shown)
    for data in typed:
        text = text.replace(data, "\N{SYMBOL FOR UNIT SEPARATOR}")
    return sorted(
        f"{other}: {msgid!r} (seen {marker!r})"
        for marker, (other, msgid) in foreign_markers(locale).items()
        if marker in text
    )


def seen(locale: str, msgid: str, shown: str) -> bool:
    """Whether some form of ``msgid``, in ``locale``, was shown (placeholders filled in)."""
    for translation in translations_of(locale)[msgid]:
        pieces = _PLACEHOLDER_OR_TAG.split(translation)
        placeholders = _PLACEHOLDER_OR_TAG.findall(translation)
        pattern = re.escape(pieces[0])
        for placeholder, piece in zip(placeholders, pieces[1:], strict=True):
            pattern += ("" if placeholder.startswith("<") else ".+?") + re.escape(piece)
        if re.search(pattern, shown):
            return True
    return False


def test_the_fallback_check_sees_a_sentence_left_in_english_or_bokmal() -> None:
    swedish = tr("sv", "Your cart is empty.") + "\n" + tr("sv", "⬅ Back to the cart")
    assert fallbacks("sv", swedish) == []
    english = swedish + "\n" + "Your cart is empty. Tap /shop to see what is on offer."
    bokmal = swedish + "\n" + tr("nb", "You have no orders yet. Tap /shop to order.")
    assert any(
        found.startswith("en: 'Your cart is empty. Tap /shop") for found in fallbacks("sv", english)
    )
    assert any(
        found.startswith("nb: 'You have no orders yet.") for found in fallbacks("sv", bokmal)
    )
    # Nynorsk and Bokmål are close; a Bokmål sentence in a Nynorsk chat is still seen.
    assert fallbacks("nn", tr("nb", "Nothing is on offer for this pickup yet.")) != []


SHOPPER = 2101
NEIGHBOUR = 2102
EGG_LOVER = 2103
LATE = 2104
APPLICANT = 2105
TURNED_DOWN = 2106

# The world's pickup: Thursday 3 December 2026, 17:00–18:00 UTC; the deadline is 36 hours
# earlier, Wednesday 05:00 UTC; the evening reminder comes at 19:00 in the ring's zone.
AFTER_DEADLINE = datetime(2026, 12, 2, 5, 1, tzinfo=UTC)
EVENING_BEFORE = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
HOUR_BEFORE = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
DURING = datetime(2026, 12, 3, 17, 10, tzinfo=UTC)
AFTER = datetime(2026, 12, 3, 18, 10, tzinfo=UTC)


@dataclass
class Scene:
    """One ring where everybody reads ``locale``: customers, producers and the admin."""

    locale: str
    application: RekoApplication
    wire: Wire
    driver: BotDriver
    world: World
    clock: MovableClock

    @property
    def services(self) -> Services:
        """The bot's services."""
        return self.application.services

    def user(self, user_id: int, name: str) -> TgUser:
        """A Telegram user whose app speaks the scene's language."""
        return TgUser(user_id, name, None, None, language_code=self.locale)

    def t(self, msgid: str) -> str:
        """A text in the scene's language."""
        return tr(self.locale, msgid)

    async def send(self, who: TgUser, text: str) -> None:
        """Type a message or a command."""
        await self.driver.send(who, text)

    async def press(self, who: TgUser, msgid: str) -> None:
        """Tap the button labelled with this message (with or without an emoji before it)."""
        label = self.t(msgid)
        await self.driver.press(who, lambda text: text == label or text.endswith(" " + label))

    async def tap(self, who: TgUser, data_text: str) -> None:
        """Tap a button by (part of) its text, for labels that are data, e.g. product names."""
        await self.driver.press(who, data_text)

    async def deliver(self) -> None:
        """Run the due work and send everything the outbox holds, as the running bot would."""
        await run_due_work(self.services.due_work)
        await drain_all(self.application, self.clock)
        unsent = await self.services.db.fetchall(
            "SELECT kind, chat_id, status, last_error FROM deliveries "
            "WHERE status NOT IN ('sent', 'cancelled')"
        )
        assert [dict(row) for row in unsent] == [], "an unprompted message was not sent"

    async def typed(self) -> list[str]:
        """What people typed into the ring (names, products, places): data, in no language."""
        queries = [
            "SELECT name FROM rings",
            "SELECT name FROM categories",
            "SELECT name, address, directions FROM locations",
            "SELECT name, description, payment_info, contact FROM producers",
            "SELECT name, description, unit, category FROM products",
            "SELECT first_name, last_name FROM users",
            "SELECT text FROM broadcasts",
        ]
        found = {
            str(value)
            for query in queries
            for row in await self.services.db.fetchall(query)
            for value in tuple(row)
            if value
        }
        return sorted(found, key=len, reverse=True)

    def shown(self, chat_ids: Iterable[int]) -> str:
        """Every text, caption, button, alert and file the bot showed these chats."""
        request = self.wire.request
        parts: list[str] = []
        for chat_id in chat_ids:
            parts += request.texts(chat_id)
            for call in request.calls(chat_id=chat_id, ok=True):
                parts += [label for row in buttons(call) for label, _data in row]
            parts += [
                bytes(upload).decode("utf-8-sig")
                for upload in request.uploads(chat_id)
                if upload.filename.endswith((".csv", ".ics"))
            ]
        for call in request.calls("answerCallbackQuery", ok=True):
            parts.append(str(call.params.get("text") or ""))
        for call in request.calls("setMyCommands", ok=True):
            if call.params.get("language_code") == self.locale:
                parts += [command["description"] for command in commands_of(call)]
        return plain("\n".join(parts))


async def customer_screens(s: Scene) -> None:
    """Saga joins, browses, orders, changes her order and sets her notifications."""
    saga = s.user(SHOPPER, "Saga")
    await s.send(saga, "/start testby")
    await s.send(saga, "/start nowhere")
    await s.tap(saga, "REKO Testby")
    await s.driver.feed(s.driver.factory.callback(saga, "zz:1"))
    await s.send(saga, "/help")
    await s.send(saga, "/language")
    await s.send(saga, "/cart")
    await s.send(saga, "/orders")
    await s.send(saga, "/shop")
    await s.press(saga, "🧑\u200d🌾 By producer")
    await s.tap(saga, "Berg Gård")
    await s.tap(saga, "Poteter")
    await s.press(saga, "➕ Add")
    await s.press(saga, "➕ Add")
    await s.press(saga, "✏️ Type a quantity")
    await s.send(saga, "abc")
    await s.send(saga, "11")
    await s.send(saga, "/cancel")
    await s.send(saga, "/shop")
    await s.press(saga, "🏷 By category")
    await s.tap(saga, "Grønnsaker")
    await s.tap(saga, "Gulrøtter")
    await s.press(saga, "➕ Add")
    await s.send(saga, "/cart")
    await s.press(saga, "✅ Check out")
    await s.press(saga, "✅ Yes, place the order")
    await s.send(saga, "/orders")
    await s.tap(saga, "#1 ·")
    await s.press(saga, "❌ Cancel the order")
    await s.press(saga, "No, keep it")
    await s.press(saga, "✏️ Change")
    await s.press(saga, "✅ Check out")
    await s.press(saga, "✅ Yes, place the order")
    await s.send(saga, "/notifications")
    await s.press(saga, "Turn reminders off")
    await s.press(saga, "Turn reminders on")
    await s.send(saga, "hello there")
    await s.send(saga, "/cancel")


async def other_customers(s: Scene) -> None:
    """Neighbours who order through the services, change their minds, or leave a cart."""
    services, world = s.services, s.world
    offers = world.offer_ids
    for user_id, name in ((NEIGHBOUR, "Nora"), (EGG_LOVER, "Eino"), (LATE, "Lars"), (2107, "Ida")):
        await customer(services, user_id, name, language=s.locale)
    await order(services, NEIGHBOUR, world.pickup_id, {offers["potatoes"]: 1, offers["eggs"]: 1})
    await order(services, EGG_LOVER, world.pickup_id, {offers["eggs"]: 1})
    ida = await order(services, 2107, world.pickup_id, {offers["carrots"]: 1, offers["bread"]: 1})
    await services.carts.edit_order(2107, ida)
    await services.carts.set_quantity(2107, offers["carrots"], 2)
    await services.carts.set_quantity(2107, offers["bread"], 0)
    cart = await services.carts.view(2107, world.pickup_id)
    await services.ordering.checkout(2107, world.pickup_id, cart.version)
    await services.ordering.cancel(2107, ida)
    await services.carts.set_quantity(LATE, offers["potatoes"], 1)  # never checked out


async def producer_screens(s: Scene) -> None:
    """Berg looks after his products, his offers, his settings and his orders."""
    berg = s.user(FARMER_ID, "Berg")
    await s.send(berg, "/producer")
    await s.press(berg, "My products")
    await s.tap(berg, "Poteter")
    await s.press(berg, "Price")
    await s.send(berg, "0")
    await s.send(berg, "/cancel")
    await s.send(berg, "/producer")
    await s.press(berg, "My products")
    await s.press(berg, "Add a product")
    await s.send(berg, "Honning")
    await s.press(berg, "Skip")
    await s.send(berg, "glass 350 g")
    await s.send(berg, "abc")
    await s.send(berg, "129,50")
    await s.press(berg, "No category")
    await s.press(berg, "Skip")
    await s.press(berg, "Hide")
    await s.press(berg, "Show")
    await s.press(berg, "Delete")
    await s.press(berg, "Yes, delete it")
    await s.send(berg, "/producer")
    await s.press(berg, "Offers")
    await s.tap(berg, "✅ Poteter")
    await s.press(berg, "Quantity")
    await s.send(berg, "1")
    await s.press(berg, "Unlimited")
    await s.press(berg, "Most per customer")
    await s.press(berg, "No limit")
    await s.press(berg, "Back to the list")
    await s.tap(berg, "✅ Egg")
    await s.press(berg, "Switch off")
    await s.press(berg, "Yes, switch it off")
    await s.tap(berg, "⬜ Egg")
    await s.send(berg, "5")
    await s.press(berg, "Sold out now")
    await s.send(berg, "/producer")
    await s.press(berg, "Settings")
    await s.press(berg, "Turn order notes off")
    await s.press(berg, "Turn order notes on")
    await s.press(berg, "Name")
    await s.send(berg, "/cancel")
    await s.send(berg, "/producer")
    await s.press(berg, "Another ring")
    await s.send(berg, "/producer")
    await s.press(berg, "Orders, digest and handover")
    await s.press(berg, "Digest and file")
    await s.press(berg, "Handover list")


async def applications(s: Scene) -> None:
    """Liv applies and is approved, Per applies and is turned down, by the ring's admin."""
    ada = s.user(ADMIN_ID, "Ada")
    for user_id, name, approve in ((APPLICANT, "Liv", True), (TURNED_DOWN, "Per", False)):
        applicant = s.user(user_id, name)
        await s.send(applicant, "/producer")
        for answer in (f"{name} Gård", "Grønnsaker og egg", "Vipps 555555", "99 88 77 66"):
            await s.send(applicant, answer)
        await s.press(applicant, "✅ Send application")
        await s.deliver()
        await s.press(ada, "Approve" if approve else "Reject")
        await s.deliver()
        await s.send(applicant, "/producer")


async def after_the_deadline(s: Scene) -> None:
    """The digests go out, a forgotten cart is emptied, reminders come, orders are handed over."""
    berg, saga, lars = s.user(FARMER_ID, "Berg"), s.user(SHOPPER, "Saga"), s.user(LATE, "Lars")
    s.clock.now = AFTER_DEADLINE
    await s.deliver()
    await s.send(lars, "/shop")
    await s.send(berg, "/producer")
    await s.press(berg, "Orders, digest and handover")
    await s.press(berg, "Handover list")
    await s.tap(berg, "⬜ #1")
    s.clock.now = EVENING_BEFORE
    await s.deliver()
    s.clock.now = HOUR_BEFORE
    await s.deliver()
    await s.press(saga, "🔕 Turn off reminders")
    s.clock.now = AFTER
    await s.send(berg, "/producer")
    await s.press(berg, "Orders, digest and handover")
    await s.press(berg, "Handover list")
    await s.driver.press(berg, lambda text: text.startswith("❌ "))
    await s.press(berg, "Yes, mark them")
    await s.send(saga, "/orders")
    await s.tap(saga, "#1 ·")


async def admin_screens(s: Scene) -> None:
    """Ada plans, announces, moves and cancels a pickup, writes to its customers, and looks
    after the ring's members, places, admins, settings and invite link."""
    ada, berg = s.user(ADMIN_ID, "Ada"), s.user(FARMER_ID, "Berg")
    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "🗓 Pickups")
    await s.press(ada, "➕ One pickup")
    await s.tap(ada, "Coop Extra parkering")
    await s.send(ada, "31.2")
    await s.send(ada, "10.12")
    await s.send(ada, "18-17")
    await s.send(ada, "17-18")
    await s.press(ada, "✅ Plan the pickup")
    await s.press(ada, "🗓 Open the pickup")
    await s.press(ada, "📣 Announce to the members")
    await s.press(ada, "📣 Yes, announce it")
    await s.deliver()

    await s.send(berg, "/producer")
    await s.press(berg, "Offers")
    await s.press(berg, "Same as last time")
    next_pickup = await s.services.db.fetchone("SELECT MAX(id) FROM pickups")
    assert next_pickup is not None
    potatoes = await s.services.db.fetchone(
        "SELECT id FROM offers WHERE pickup_id = ? AND product_id = ?",
        (next_pickup[0], s.world.product_ids["potatoes"]),
    )
    assert potatoes is not None
    await order(s.services, NEIGHBOUR, next_pickup[0], {potatoes[0]: 1})
    await s.deliver()

    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "🗓 Pickups")
    await s.tap(ada, "10")
    await s.press(ada, "✏️ Change or move")
    await s.press(ada, "Time")
    await s.send(ada, "18-19")
    await s.press(ada, "✅ Save")
    await s.press(ada, "✅ Save and tell them")
    await s.deliver()
    await s.press(ada, "📊 Overview")
    await s.press(ada, "◀️ Pickup")
    await s.press(ada, "✉️ Message the customers")
    await s.send(ada, "Husk handlenett!")
    await s.press(ada, "Skip")
    await s.press(ada, "Skip")
    await s.press(ada, "👀 Preview")
    await s.press(ada, "✅ Send it")
    await s.deliver()
    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "🗓 Pickups")
    await s.tap(ada, "10")
    await s.press(ada, "❌ Cancel the pickup")
    await s.press(ada, "❌ Yes, cancel the pickup")
    await s.deliver()

    await s.press(ada, "◀️ Pickups")
    await s.press(ada, "◀️ Menu")
    await s.press(ada, "📣 Broadcast")
    await s.send(ada, "Velkommen til nye medlemmer!")
    await s.press(ada, "Skip")
    await s.press(ada, "Skip")
    await s.press(ada, "All members")
    await s.press(ada, "👀 Preview")
    await s.press(ada, "✅ Send it")
    await s.press(ada, "⏹ Stop sending")
    await s.deliver()

    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "👥 Members")
    await s.press(ada, "🔍 Search")
    await s.send(ada, "Saga")
    await s.tap(ada, "Saga")
    await s.press(ada, "🛡 Make admin")
    await s.press(ada, "Remove as admin")
    await s.press(ada, "🚫 Block from the ring")
    await s.press(ada, "◀️ No")
    await s.press(ada, "◀️ Members")
    await s.press(ada, "◀️ Menu")
    await s.press(ada, "🛡 Admins")
    await s.press(ada, "◀️ Menu")
    await s.press(ada, "🔗 Invite link and QR code")
    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "⚙️ Settings")
    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "📍 Places")
    await s.tap(ada, "Coop Extra parkering")
    await s.press(ada, "🗺 Pin and photo")
    await s.send(ada, "/admin")
    await s.tap(ada, "REKO Testby")
    await s.press(ada, "📍 Places")
    await s.press(ada, "➕ New place")
    await s.send(ada, "Låven")
    await s.send(ada, "/cancel")
    await s.send(ada, "/admin")
    await s.press(ada, "➕ New ring")
    await s.send(ada, "REKO Nyby")
    await s.send(ada, "/cancel")


#: One message from each screen and notification; each must be seen in the reader's language.
SEEN_ON_EVERY_SCREEN = [
    # customer: joining, help, language, shop, cart, checkout, orders, notifications
    "REKO: you order local food straight from the producers, pay them directly, and collect "
    "it at the pickup.",
    "<b>How REKO works here</b>",
    "Choose your language:",
    "Your cart is empty. Tap /shop to see what is on offer.",
    "You have no orders yet. Tap /shop to order.",
    "Order by {deadline}",
    "Choose a producer:",
    "In your cart: {n}, not ordered yet. Check out by {deadline}.",
    "Not ordered yet: check out by {deadline}.",
    "How many of <b>{product}</b> ({unit}) do you want? Send a number, or /cancel.",
    "Please send a whole number, for example 2.",
    "OK, your cart is unchanged.",
    "Choose a category:",
    "Place this order? You pay each producer directly, as shown in the confirmation. You can "
    "change or cancel it until the deadline.",
    "✅ <b>Order #{number} is placed</b>",
    "Say your order number, #{number}, at the pickup. You can change or cancel the order in "
    "/orders until {deadline}.",
    "Add the pickup to your calendar.",
    "REKO pickup: {ring}, order #{number}",
    "<b>Your orders in {ring}</b>",
    "Cancel order #{number}? The producers will be told.",
    "You are changing order #{number}. Check out to save the changes.",
    "✅ <b>Order #{number} is updated</b>",
    "🔔 <b>Notifications</b>",
    "Reminders are off.",
    "I did not understand that. Tap /shop to order, /orders for your orders, /help for help.",
    "Nothing to cancel. /shop to order, /help for help.",
    "Your cart for the pickup on {when} was emptied: the order deadline has passed, so nothing "
    "from it was ordered.",
    "collected",
    # producer: catalog, offers, settings, orders, digest and its file, handover
    "Send the new price of one {unit} of “{name}”, for example 45 or 45,50.",
    "The price must be more than zero.",
    "Stopped. Nothing you saved is lost.",
    "What is the product called? For example “Poteter”.",
    "What does one {unit} cost? For example 45 or 45,50.",
    "Please send a price such as 45 or 45,50.",
    "Hidden: it is not listed when you set your offers.",
    "Delete “{name}” for good?",
    "“{name}” is deleted.",
    "Tap a product to switch it on or to change it.",
    "How many “{product}” ({unit}) can you bring? Send a number.",
    "Customers have already ordered {n}, so the quantity cannot be lower than {n}.",
    "How many “{product}” may one customer order at most? Send a number.",
    "{n} customer has ordered “{product}”. Switching it off removes it from their order, and "
    "we tell them. Switch it off?",
    "“{product}” is off.",
    "A note for each new or changed order: {state}",
    "Send the new text, or /cancel to keep it.",
    "Sell in another ring",
    "⚠️ <b>Preliminary</b>: orders can still change until {deadline}.",
    "<b>Who gets what</b>",
    "🖨 Pick list to print: what to bring, then each order with boxes to tick.",
    "📊 The same orders as an Excel workbook: totals and lines.",
    "The same lines as a CSV file, for any spreadsheet or accounting program.",
    "Order number",
    "You can tick off orders once the order deadline has passed.",
    "Tap an order when the customer has collected it.",
    "Mark every order that was not collected as a no-show? The customers see it in their orders.",
    # producers applying, and the admin deciding
    "Sell your food through REKO: customers order here, pay you directly and collect at the "
    "pickup.",
    "How do customers pay you? For example “Vipps 123456”, “Swish 123 456 78 90” or “cash or "
    "card at the pickup”.",
    "Thank you! Your application is with the admins of <b>{ring}</b>.",
    "<b>New producer application</b> for {ring}",
    "✅ {producer} is approved for {ring} (by {admin}).",
    "❌ {producer} was rejected for {ring} (by {admin}).",
    "Good news: you are approved to sell in <b>{ring}</b>!",
    "Your application to sell in <b>{ring}</b> was not approved. Please contact the ring's "
    "admins if you have questions.",
    # notifications: notes, withdrawals, digests, reminders
    "🆕 New order <b>#{number}</b> from {customer}",
    "✏️ Order <b>#{number}</b> from {customer} was changed",
    "✏️ Order <b>#{number}</b> from {customer} no longer includes your products",
    "🚫 Order <b>#{number}</b> from {customer} was cancelled",
    "Sorry: {producer} can no longer bring {product} to the pickup.",
    "It has been removed from your order #{number}. New total: {total}.",
    "It was all you had ordered, so your order #{number} has been cancelled.",
    "<b>{ring}</b>: the order deadline has passed.",
    "Nobody ordered from {producer} this time.",
    "⏰ <b>Reminder: your REKO pickup is tomorrow.</b>",
    "⏰ <b>Your REKO pickup starts in about an hour.</b>",
    "Your order number is <b>#{number}</b>. Say it at the pickup.",
    "🔕 Turn off reminders",
    # customers who take a wrong turn
    "There is no REKO ring called “{slug}”.",
    "You are shopping in <b>{ring}</b>.",
    "This button is out of date. Please open the menu again, e.g. with /shop.",
    "Sorry, only {n} of {product} is left.",
    # admin: the menu, pickups, overview, broadcasts, members, places, settings, a new ring
    "⚙️ <b>{ring}</b> — admin",
    "What do you want to do?",
    "🗓 <b>Pickups of {ring}</b>",
    "Where is the pickup? Tap a place.",
    "Send a date like 4.12 or 4.12.2026.",
    "The end must be after the start, e.g. 17:00-18:00.",
    "🗓 <b>New pickup</b>",
    "✅ {n} pickup is planned:",
    "Announce it when the producers have put up their offers.",
    "Tell {n} member that the pickup takes orders?",
    "✏️ <b>Change the pickup</b>",
    "{customers} with an order and {producers} with offers will be told. Their orders stay.",
    "📊 <b>Overview</b>",
    "<b>Per producer</b>",
    "📣 <b>New broadcast</b>",
    "👀 <b>Preview</b> — this is what they will get:",
    "Send this to {n} person now?",
    "✅ <b>Broadcast sent.</b>",
    "Sent: {sent} of {total}",
    "⏹ <b>Broadcast stopped.</b>",
    "Cancel the pickup on <b>{when}</b>?",
    "✅ The pickup is cancelled.",
    "👥 <b>Members of {ring}</b>",
    "Search “{query}”: {n} found",
    "Telegram id: {id}",
    "Block <b>{name}</b> from the ring? They can no longer order or rejoin, and get no messages "
    "from the ring.",
    "🛡 <b>Admins of {ring}</b>",
    "🔗 <b>Invite link of {ring}</b>",
    "⚙️ <b>Settings of {ring}</b>",
    "📍 <b>Pickup places of {ring}</b>",
    "What is the place called? For example: Coop Extra car park",
    "Cancelled. Nothing was saved.",
    "What is the ring called? For example: REKO Nittedal",
    # notices about pickups: announced, moved, cancelled
    "🧺 <b>A new pickup takes orders!</b>",
    "📍 <b>The pickup has changed.</b>",
    "Your order #{number} still stands.",
    "Your offers and orders stay as they are.",
    "❌ <b>This pickup is cancelled.</b>",
    "Your order #{number} is cancelled. You do not need to pay anything.",
    "Your offers for it are closed and its orders are cancelled. Do not bring anything.",
]


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
async def test_every_screen_and_notification_speaks_the_readers_language(
    locale: str, settings: Settings, clock: MovableClock, world: World
) -> None:
    # The ring itself speaks another language, so a text rendered in the ring's language
    # instead of the reader's is caught too.
    ring_locale = "en" if locale == "nb" else "nb"
    async with outbox_bot(settings, clock, rate_limit=False) as (application, wire):
        services = application.services
        await services.db.execute(
            "UPDATE rings SET locale = ? WHERE id = ?", (ring_locale, world.ring_id)
        )
        for user_id, name in ((FARMER_ID, "Berg"), (BAKER_ID, "Solbakken"), (ADMIN_ID, "Ada")):
            await services.members.register(user_id=user_id, first_name=name, language_code=locale)
        await make_admin(services, ADMIN_ID, world.ring_id)
        driver = BotDriver(application, wire.request, UpdateFactory(wire.request, clock=clock))
        scene = Scene(locale, application, wire, driver, world, clock)

        await customer_screens(scene)
        await other_customers(scene)
        await scene.deliver()
        await producer_screens(scene)
        await scene.deliver()
        await applications(scene)
        await after_the_deadline(scene)
        await admin_screens(scene)

        typed = await scene.typed()
        readers = [SHOPPER, NEIGHBOUR, EGG_LOVER, LATE, 2107, APPLICANT, TURNED_DOWN]
        shown = scene.shown([*readers, FARMER_ID, BAKER_ID, ADMIN_ID])
        sheets = [
            bytes(upload).decode("utf-8-sig")
            for upload in wire.request.uploads(FARMER_ID)
            if upload.filename.endswith(".csv")
        ]

    assert fallbacks(locale, shown, typed) == []
    missing = [msgid for msgid in SEEN_ON_EVERY_SCREEN if not seen(locale, msgid, shown)]
    assert missing == []
    header = [tr(locale, m) for m in ("Order number", "Customer", "Product", "Unit", "Quantity")]
    delimiter = ";" if decimal_separator(locale) == "," else ","
    assert sheets
    for sheet in sheets:
        assert next(csv.reader(io.StringIO(sheet), delimiter=delimiter))[:5] == header
