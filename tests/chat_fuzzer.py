"""Random input thrown at every conversation step, through the real bot; shared by the fuzz
test (tests/test_fuzz_chat.py) and the long run (benchmarks/fuzz_chat.py).

A story reaches one step through the chat the way a person would (a customer typing a
quantity, a producer filling in a product or an offer, an admin filling in a form), then
throws random moves at it: text of every shape, commands, real and forged buttons, photos,
stickers, locations, contacts, edits of old messages, inline-message presses. After each
story the data must still add up: stock equals the order lines, and SQLite finds the file
intact with every foreign key satisfied.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from handlers import callbacks
from rekobot.app import build_application
from rekobot.settings import Settings
from storage.sqlite import SqliteDatabase
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, build_world
from tests.engines import dangling_references
from tests.fakes.calls import JSON, Call, utf16_len
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory

CUSTOMER = TgUser(1101, "Fuzzy", "Customer", "fuzzy", language_code="en")
FARMER = TgUser(FARMER_ID, "Berg", None, "berg", language_code="en")
ADMIN = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="en")
NEWCOMER = TgUser(1102, "Liv", "Li", "livli", language_code="en")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") * 2 + b"rest"

#: Strings people (and attackers) actually send: numbers in every form, HTML, odd Unicode.
TRICKY = [
    "0",
    "-1",
    "1",
    "2",
    "+3",
    "999",
    "1000",
    "1e9",
    "12,50",
    "12.50",
    "kr 45",
    "45,-",
    "99999999999999999999999",
    "1 000",
    "١٢",
    "½",
    "NaN",
    "inf",
    "0x10",
    "3.12",
    "31.2",
    "17-18",
    "18-17",
    "17:30-18:30",
    "Europe/Oslo",
    "Mars/Olympus",
    "../../etc/passwd",
    "a" * 307,
    "x" * 4096,
    "<b>",
    "</i>",
    "<a href='x'>",
    "&",
    "&amp;",
    "<",
    ">",
    "\"'",
    "🍞" * 50,
    "\u202e",
    "\u200b",
    "\x00",
    "\t",
    " ",
    "\n\n",
    "/",
    "@",
    "#1",
    "testby",
    "Nittedal",
    "nittedal",
    "skip",
    "ja",
    "yes",
    "Ja, send bestillingen",
]
COMMANDS = [
    "start",
    "shop",
    "cart",
    "orders",
    "help",
    "language",
    "cancel",
    "admin",
    "producer",
    "digest",
    "notifications",
    "unknown",
]


@dataclass(frozen=True)
class Move:
    """One random thing a user does: ``kind`` and what it carries."""

    kind: str
    value: Any = None


def _forged_callback() -> st.SearchStrategy[str]:
    """Well-formed callback data of any registered button, with arbitrary field values."""
    fields_of = {
        prefix: dataclasses.fields(cls) for prefix, cls in sorted(callbacks._REGISTRY.items())
    }

    def pack(prefix: str, values: list[str]) -> str:
        return ":".join([prefix, *values])[:64]

    field_value = st.one_of(
        st.integers(-3, 12).map(str),
        st.integers(-(10**15), 10**15).map(str),
        st.sampled_from(["show", "set", "x", "admin", "block", "0", "pku", "inv", "blockok"]),
        st.text(string.ascii_lowercase + string.digits + "_", min_size=1, max_size=16),
    )
    return st.sampled_from(sorted(fields_of)).flatmap(
        lambda prefix: st.lists(
            field_value, min_size=len(fields_of[prefix]), max_size=len(fields_of[prefix])
        ).map(lambda values: pack(prefix, values))
    )


def moves() -> st.SearchStrategy[Move]:
    """Any single move a user can make in the private chat."""
    text = st.one_of(
        st.sampled_from(TRICKY),
        st.text(min_size=1, max_size=40),
        st.from_regex(r"[+-]?\d{1,25}([.,]\d{0,4})?", fullmatch=True),
        st.builds(lambda c, n: c * n, st.characters(), st.integers(1, 5000)),
    )
    command = st.builds(
        lambda name, args: f"/{name} {args}".strip(),
        st.sampled_from(COMMANDS),
        st.one_of(st.just(""), st.sampled_from(TRICKY), st.text(max_size=30)),
    )
    return st.one_of(
        text.map(lambda t: Move("text", t)),
        text.map(lambda t: Move("text", t)),
        command.map(lambda c: Move("text", c)),
        st.integers(0, 50).map(lambda i: Move("press", i)),
        st.integers(0, 50).map(lambda i: Move("press", i)),
        _forged_callback().map(lambda d: Move("callback", d)),
        st.text(max_size=64).map(lambda d: Move("callback", d)),
        _forged_callback().map(lambda d: Move("inline", d)),
        st.sampled_from(["photo", "sticker", "contact", "document", "voice", "dice"]).map(
            lambda kind: Move(kind)
        ),
        st.tuples(st.floats(-90, 90), st.floats(-180, 180)).map(lambda p: Move("location", p)),
        text.map(lambda t: Move("edit", t)),
    )


async def reach(bot: BotDriver, user: TgUser, *path: str) -> None:
    """Leave whatever was open, speak English again, then follow the path: command, buttons."""
    await bot.send(user, "/cancel")
    await bot.send(user, "/language")
    await bot.press(user, "English")
    first, *presses = path
    await bot.send(user, first)
    for label in presses:
        await bot.press(user, label)


async def customer_quantity(bot: BotDriver) -> None:
    """The customer is asked to type how many bags of potatoes they want."""
    await reach(bot, CUSTOMER, "/shop", "Berg Gård", "Poteter", "Type a quantity")


async def customer_checkout(bot: BotDriver) -> None:
    """The customer has carrots (never sold out) in the cart and is asked to confirm."""
    await reach(bot, CUSTOMER, "/shop", "Berg Gård", "Gulrøtter")
    await bot.press(CUSTOMER, lambda label: label in ("➕ Add", "➕"))
    await bot.press(CUSTOMER, lambda label: label.startswith("🛒 Cart"))
    await bot.press(CUSTOMER, "Check out")


async def producer_product_name(bot: BotDriver) -> None:
    """The producer starts a new product and is asked for its name."""
    await reach(bot, FARMER, "/producer", "My products", "Add a product")


async def producer_product_price(bot: BotDriver) -> None:
    """The producer has named a product and its unit, and is asked for the price.

    "Add a product" carries on with an unfinished draft, so answer whatever comes first.
    """
    await producer_product_name(bot)
    for _answer in range(6):
        question = bot.last_text(FARMER)
        if "(4/6)" in question:
            return
        if "(2/6)" in question:
            await bot.press(FARMER, "Skip")
        else:
            await bot.send(FARMER, "jar" if "(3/6)" in question else "Honey")


async def producer_offer(bot: BotDriver) -> None:
    """The producer is asked how many of a product to offer at the next pickup."""
    await reach(bot, FARMER, "/producer", "Offers")
    await bot.press(FARMER, lambda label: label.startswith("✅"))  # the first product on offer
    labels = [label for row in bot.buttons(FARMER) for label, _data in row]
    await bot.press(FARMER, "Quantity" if "🔢 Quantity" in labels else "Put on offer")


async def admin_pickup_date(bot: BotDriver) -> None:
    """The admin plans a pickup and is asked for the day."""
    await reach(
        bot, ADMIN, "/admin", "REKO Testby", "Pickups", "One pickup", "Coop Extra parkering"
    )


async def admin_place(bot: BotDriver) -> None:
    """The admin adds a pickup place and is asked for its name."""
    await reach(bot, ADMIN, "/admin", "REKO Testby", "Places", "New place")


async def admin_time_zone(bot: BotDriver) -> None:
    """The admin is asked for the ring's time zone."""
    await reach(bot, ADMIN, "/admin", "REKO Testby", "Settings", "Time zone")


async def admin_broadcast(bot: BotDriver) -> None:
    """The admin starts a broadcast to the ring."""
    await reach(bot, ADMIN, "/admin", "REKO Testby", "Broadcast")


async def admin_member_search(bot: BotDriver) -> None:
    """The admin searches the ring's members."""
    await reach(bot, ADMIN, "/admin", "REKO Testby", "Members", "Search")


async def producer_application(bot: BotDriver) -> None:
    """Someone new applies to sell in the ring."""
    await bot.send(NEWCOMER, "/start testby")
    await reach(bot, NEWCOMER, "/producer")


@dataclass(frozen=True)
class Step:
    """A conversation step, who is at it, and how they got there through the chat."""

    name: str
    user: TgUser
    reach: Callable[[BotDriver], Awaitable[None]]


STEPS = [
    Step("customer quantity", CUSTOMER, customer_quantity),
    Step("customer checkout", CUSTOMER, customer_checkout),
    Step("producer product name", FARMER, producer_product_name),
    Step("producer product price", FARMER, producer_product_price),
    Step("producer offer", FARMER, producer_offer),
    Step("admin pickup date", ADMIN, admin_pickup_date),
    Step("admin place", ADMIN, admin_place),
    Step("admin time zone", ADMIN, admin_time_zone),
    Step("admin broadcast", ADMIN, admin_broadcast),
    Step("admin member search", ADMIN, admin_member_search),
    Step("producer application", NEWCOMER, producer_application),
]


async def prepare(bot: BotDriver) -> None:
    """Everyone joins the ring first, so each step is reachable."""
    for user in (CUSTOMER, FARMER, NEWCOMER):
        await bot.send(user, "/start testby")


def _content(bot: BotDriver, move: Move) -> JSON:
    """The message content of a non-text move."""
    unique = f"u{bot.request.mark()}"
    if move.kind == "photo":
        file_id = bot.request.add_file(PNG, "photo.png", "image/png")
        return {
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": 64,
                    "height": 64,
                    "file_size": len(PNG),
                }
            ]
        }
    if move.kind == "sticker":
        return {
            "sticker": {
                "file_id": "st" + unique,
                "file_unique_id": unique,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🍞",
            }
        }
    if move.kind == "contact":
        return {"contact": {"phone_number": "+4712345678", "first_name": "<b>Ola</b>"}}
    if move.kind == "document":
        return {
            "document": {
                "file_id": "doc" + unique,
                "file_unique_id": unique,
                "file_name": "<order>.pdf",
                "mime_type": "application/pdf",
            }
        }
    if move.kind == "voice":
        return {"voice": {"file_id": "v" + unique, "file_unique_id": unique, "duration": 2}}
    if move.kind == "dice":
        return {"dice": {"emoji": "🎲", "value": 3}}
    latitude, longitude = move.value
    return {"location": {"latitude": latitude, "longitude": longitude}}


async def play(bot: BotDriver, user: TgUser, move: Move) -> list[Call]:
    """Make one move as ``user``; return the calls the bot made."""
    factory = bot.factory
    if move.kind == "text":
        text = str(move.value)[:4096]
        update = factory.message(user, text)
        if (
            not text.startswith("/")
            or utf16_len(text.split(maxsplit=1)[0]) != update["message"]["entities"][0]["length"]
        ):
            update["message"].pop("entities", None)
        return await bot.feed(update)
    if move.kind == "press":
        cells = [
            data
            for row in bot.buttons(user)
            for _label, data in row
            if data is not None and not data.startswith("http")
        ]
        if not cells:
            return await bot.send(user, "/shop")
        message = bot.request.last_keyboard_message(user.id)
        data = cells[int(move.value) % len(cells)]
        return await bot.feed(factory.callback(user, data, message=message))
    if move.kind == "callback":
        return await bot.feed(factory.callback(user, str(move.value)))
    if move.kind == "inline":
        update = factory.callback(user, str(move.value))
        del update["callback_query"]["message"]
        update["callback_query"]["inline_message_id"] = "AgAAAEl0aW5saW5l"
        return await bot.feed(update)
    if move.kind == "edit":
        message = factory.user_message(user, {"text": str(move.value)[:4096]})
        message["message_id"] = max(1, message["message_id"] - 3)
        message["edit_date"] = message["date"]
        return await bot.feed(factory.update(edited_message=message))
    return await bot.feed(factory.update(message=factory.user_message(user, _content(bot, move))))


async def problems(bot: BotDriver) -> list[str]:
    """What no longer adds up in the database: stock, integrity, foreign keys."""
    db = bot.app.bot_data.services.db
    found: list[str] = []
    stock = await db.fetchall(
        """
        SELECT o.id, o.quantity_reserved, o.quantity_total,
               COALESCE((SELECT SUM(l.quantity) FROM order_lines l
                         JOIN orders r ON r.id = l.order_id
                         WHERE l.offer_id = o.id AND r.status = 'placed'), 0) AS ordered
        FROM offers o WHERE o.withdrawn_at IS NULL
        """
    )
    for row in stock:
        if row["quantity_reserved"] != row["ordered"]:
            found.append(
                f"offer {row['id']}: reserved {row['quantity_reserved']}, ordered {row['ordered']}"
            )
        if row["quantity_total"] is not None and row["ordered"] > row["quantity_total"]:
            found.append(f"offer {row['id']}: {row['ordered']} ordered of {row['quantity_total']}")
    if isinstance(db, SqliteDatabase):  # PostgreSQL checks pages and references itself
        integrity = [row[0] for row in await db.fetchall("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            found.append(f"integrity_check: {integrity}")
    async with db.read() as tx:
        broken = await dangling_references(db, tx)
    found.extend(f"foreign key: {row}" for row in broken)
    return found


class Fuzzer:
    """The whole bot over a small ring, played with random stories; counts what it saw."""

    def __init__(self, settings: Settings, clock: MovableClock, *, raise_errors: bool) -> None:
        request = RecordingRequest(clock=clock)
        application = build_application(settings, request=request, clock=clock, rate_limit=False)
        factory = UpdateFactory(request, clock=clock)
        self.bot = BotDriver(application, request, factory, raise_errors=raise_errors)
        self.clock = clock
        self.inputs = 0
        self.stories = 0
        self.problems: list[str] = []
        self.reached: dict[str, int] = {}
        self.unreached: list[str] = []

    async def start(self) -> None:
        """Start the bot, build the ring and let everyone join it."""
        await self.bot.__aenter__()
        await build_world(self.bot.app.bot_data.services, self.clock)
        await prepare(self.bot)

    async def stop(self) -> None:
        """Shut the bot down."""
        await self.bot.__aexit__(None, None, None)

    def next_step(self) -> Step:
        """The steps in turn, so that every run visits each of them equally."""
        return STEPS[self.stories % len(STEPS)]

    async def story(self, step: Step, random_moves: list[Move]) -> None:
        """Reach ``step`` through the chat, throw the moves at it, then check the data.

        Earlier stories may have changed the way (a new place, a half-filled draft); a step
        that cannot be reached is counted, and the moves go to wherever the user is.
        """
        try:
            await step.reach(self.bot)  # with raise_errors, a failure of the bot raises here
        except AssertionError as exc:
            self.unreached.append(f"{step.name}: {exc}")
        else:
            self.reached[step.name] = self.reached.get(step.name, 0) + 1
        for move in random_moves:
            await play(self.bot, step.user, move)
            self.inputs += 1
        self.stories += 1
        self.problems += [f"after {step.name}: {p}" for p in await problems(self.bot)]
        self.forget_old_messages()

    def forget_old_messages(self, keep: int = 40) -> None:
        """Let the fake forget all but each chat's latest messages, and the recorded calls.

        The fake copies a chat's whole history on every look-up; a long run would slow down
        quadratically. A press on a forgotten message is like one on a forged button, which
        the stories send anyway.
        """
        request = self.bot.request
        request.clear()
        with request._lock:
            for chat, messages in request._messages.items():
                if len(messages) > keep:
                    request._messages[chat] = dict(list(messages.items())[-keep:])
