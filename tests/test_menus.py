"""Menus and /help per role, and the wiring that adds every handler in one place.

Customers see the short default menu; a producer or an admin gets their own menu in their
language when the role is granted, and loses it when the role goes. The menus are read back
from the fake Telegram with getMyCommands, as a client would see them.
"""

from __future__ import annotations

import ast
import json

from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.ext import CommandHandler, ConversationHandler

from handlers.application import RekoApplication
from handlers.commands import (
    ADMIN_COMMANDS,
    CUSTOMER_COMMANDS,
    PRODUCER_COMMANDS,
    UNLISTED_COMMANDS,
)
from handlers.producer.apply import review_buttons
from rekobot.app import build_application
from rekobot.services.producers import ApplicationForm
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, running_bot
from tests.fakes.calls import plain
from tests.fakes.driver import BotDriver
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser
from tests.process import ROOT
from tests.producer_support import deliver, make_admin

LIV = TgUser(700, "Liv", "Li", "livli", language_code="nb")
ADA = TgUser(ADMIN_ID, "Ada", language_code="en")
BERG = TgUser(FARMER_ID, "Berg", language_code="nb")
FORM = ApplicationForm(
    name="Li Gård", description="Egg", payment_info="Vipps 123456", contact="99 88 77 66"
)
STAFF_ONLY = {"admin", "digest", "notifications"}


async def default_menu(bot: BotDriver, language: str) -> dict[str, str]:
    """The menu a customer whose app speaks `language` sees."""
    commands = await bot.app.bot.get_my_commands(
        scope=BotCommandScopeAllPrivateChats(), language_code=language
    )
    return {c.command: c.description for c in commands}


async def own_menu(bot: BotDriver, user: TgUser) -> dict[str, str]:
    """The menu set for this user's chat alone (empty: they see the default)."""
    commands = await bot.app.bot.get_my_commands(scope=BotCommandScopeChat(user.id))
    return {c.command: c.description for c in commands}


def chat_menu_calls(bot: BotDriver, user: TgUser) -> list[str]:
    """The setMyCommands/deleteMyCommands calls scoped to this user's chat, by method."""
    found = []
    for call in bot.request.calls(ok=True):
        if call.method not in ("setMyCommands", "deleteMyCommands"):
            continue
        scope = call.params.get("scope") or {}
        scope = json.loads(scope) if isinstance(scope, str) else scope
        if scope.get("type") == "chat" and int(scope["chat_id"]) == user.id:
            found.append(call.method)
    return found


async def apply_as(bot: BotDriver, user: TgUser) -> int:
    """Let the user apply to sell in the test ring; return their producer id."""
    services: Services = bot.app.bot_data.services
    ring_id = (await services.members.memberships(user.id))[0].ring.id
    await services.producers.apply(user.id, ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(user.id)
    assert profile is not None
    return profile.producer.id


# --- the customers' default menu -----------------------------------------------------------


async def test_a_customers_menu_lists_no_admin_digest_or_notifications_in_nb_and_en(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        norwegian = await default_menu(bot, "nb")
        english = await default_menu(bot, "en")
        everyone = await default_menu(bot, "")

    for menu in (norwegian, english, everyone):
        assert list(menu) == [name for name, _text in CUSTOMER_COMMANDS]
        assert not STAFF_ONLY & set(menu)
    assert norwegian["shop"] == "Bestill til neste utlevering"
    assert english["shop"] == "Order for the next pickup"
    assert english["producer"] == "Sell your products as a producer"


# --- a producer's menu ---------------------------------------------------------------------


async def test_a_producer_approved_by_an_admin_gets_their_menu_in_their_language_and_a_message(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(ADA, "/start")
        await bot.send(LIV, "/start testby")
        await apply_as(bot, LIV)
        await deliver(bot)
        before = await own_menu(bot, LIV)
        await bot.press(ADA, "Approve")
        after = await own_menu(bot, LIV)
        (told,) = await deliver(bot)
        await bot.press(LIV, "Åpne produsentmenyen")
        home = plain(bot.last_text(LIV))

    assert before == {}
    assert list(after) == [name for name, _text in CUSTOMER_COMMANDS + PRODUCER_COMMANDS]
    assert after["digest"] == "Produsenter: bestillingene til en utlevering"  # Liv reads nb
    assert after["shop"] == "Bestill til neste utlevering"
    assert "admin" not in after
    assert "Gode nyheter: du er godkjent for å selge i <b>REKO Testby</b>!" in told.text
    assert told.messages[0].buttons is not None
    assert told.messages[0].buttons[0][0][0] == "🧺 Åpne produsentmenyen"
    assert "REKO Testby: ✅ godkjent" in home


async def test_a_rejected_applicant_keeps_the_customers_menu(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(ADA, "/start")
        await bot.send(LIV, "/start testby")
        await apply_as(bot, LIV)
        await deliver(bot)
        await bot.press(ADA, "Reject")
        (told,) = await deliver(bot)
        menu = await own_menu(bot, LIV)

    assert menu == {}
    assert chat_menu_calls(bot, LIV) == []
    assert "ble ikke godkjent" in told.text
    assert told.messages[0].buttons is None


# --- an admin's menu -----------------------------------------------------------------------


async def test_an_admin_added_gets_the_admin_menu_and_loses_it_when_removed(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await bot.send(EMMA, "/start testby")
        await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, EMMA.id, True)
        admin_menu = await own_menu(bot, EMMA)
        (welcome,) = await deliver(bot)
        await bot.press(EMMA, "Open the admin menu")
        rings = plain(bot.last_text(EMMA))

        await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, EMMA.id, False)
        removed_menu = await own_menu(bot, EMMA)
        (goodbye,) = await deliver(bot)

    assert list(admin_menu) == [name for name, _text in CUSTOMER_COMMANDS + ADMIN_COMMANDS]
    assert admin_menu["admin"] == "Run your REKO ring"  # Emma reads English
    assert "You are now an admin of <b>REKO Testby</b>." in welcome.text
    assert welcome.messages[0].buttons is not None
    assert welcome.messages[0].buttons[0][0][0] == "🛠 Open the admin menu"
    assert "REKO Testby" in rings
    assert removed_menu == {}
    assert chat_menu_calls(bot, EMMA) == ["setMyCommands", "deleteMyCommands"]
    assert "You are no longer an admin of <b>REKO Testby</b>." in goodbye.text


async def test_a_producer_who_stops_being_admin_keeps_the_producer_menu(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        services = bot.app.bot_data.services
        await bot.send(BERG, "/start testby")
        await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, BERG.id, True)
        both = await own_menu(bot, BERG)
        await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, BERG.id, False)
        producer_only = await own_menu(bot, BERG)

    assert list(both) == [
        name for name, _text in CUSTOMER_COMMANDS + PRODUCER_COMMANDS + ADMIN_COMMANDS
    ]
    assert both["admin"] == "Administrer REKO-ringen din"
    assert list(producer_only) == [name for name, _text in CUSTOMER_COMMANDS + PRODUCER_COMMANDS]


async def test_operators_get_the_admin_menu_at_start_up(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        menu = await own_menu(bot, ADA)

    assert list(menu) == [name for name, _text in CUSTOMER_COMMANDS + ADMIN_COMMANDS]
    assert menu["admin"] == "Administrer REKO-ringen din"  # never met: the bot's language


async def test_a_new_language_sets_a_producers_own_menu_again(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/start testby")
        await bot.send(BERG, "/language")
        await bot.press(BERG, "English")
        menu = await own_menu(bot, BERG)

    assert menu["digest"] == "Producers: your orders for a pickup"


# --- /help per role ------------------------------------------------------------------------


async def test_help_explains_only_the_customers_steps_to_a_customer(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/help")
        norwegian = plain(bot.last_text(KARI))
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/help")
        english = plain(bot.last_text(EMMA))

    assert "Slik virker REKO her" in norwegian
    assert "/notifications slår påminnelser og kunngjøringer av eller på." in norwegian
    assert "How REKO works here" in english
    for text in (norwegian, english):
        assert "/digest" not in text and "/admin" not in text


async def test_help_explains_each_role_a_user_holds_in_order(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/start testby")
        await bot.send(BERG, "/help")
        producer = plain(bot.last_text(BERG))
        await make_admin(bot.app.bot_data.services, BERG.id, world.ring_id)
        await bot.send(BERG, "/help")
        producer_and_admin = plain(bot.last_text(BERG))
        await bot.send(ADA, "/start")
        await bot.send(ADA, "/help")
        operator = plain(bot.last_text(ADA))

    assert "Som produsent" in producer and "/digest:" in producer
    assert "Som administrator" not in producer
    customer = producer_and_admin.index("Slik virker REKO her")
    selling = producer_and_admin.index("Som produsent")
    running = producer_and_admin.index("Som administrator")
    assert customer < selling < running
    assert "How REKO works here" in operator and "As an admin" in operator
    assert "/admin: your ring's pickup places, pickups, announcements and members." in operator
    assert "As a producer" not in operator


# --- the wiring ----------------------------------------------------------------------------


def registered_commands(application: RekoApplication) -> list[tuple[int, str]]:
    """Every command a handler answers, conversations' entry points and fallbacks included."""
    found: list[tuple[int, str]] = []

    def walk(group: int, handler: object) -> None:
        if isinstance(handler, CommandHandler):
            found.extend((group, command) for command in sorted(handler.commands))
        elif isinstance(handler, ConversationHandler):
            for inner in [*handler.entry_points, *handler.fallbacks]:
                walk(group, inner)

    for group, handlers in sorted(application.handlers.items()):
        for handler in handlers:
            walk(group, handler)
    return found


def handler_name(handler: object) -> str:
    """A conversation's name, or nothing."""
    return str(getattr(handler, "name", "") or "")


def handler_shapes(application: RekoApplication) -> list[tuple[int, str, str]]:
    """Each handler's group, type and callback, in the order PTB tries them."""
    return [
        (
            group,
            type(handler).__name__,
            getattr(getattr(handler, "callback", None), "__qualname__", handler_name(handler)),
        )
        for group, handlers in sorted(application.handlers.items())
        for handler in handlers
    ]


async def test_two_applications_get_the_same_handlers_and_menus(settings: Settings) -> None:
    menus = []
    shapes = []
    for _ in range(2):
        request = RecordingRequest()
        application = build_application(settings, request=request, rate_limit=False)
        async with application:
            pass
        shapes.append(handler_shapes(application))
        menus.append(
            [(c.params.get("language_code"), c.params.get("commands")) for c in request.calls()]
        )

    assert shapes[0] == shapes[1]
    assert menus[0] == menus[1]
    assert len(shapes[0]) > 40


async def test_every_command_has_a_handler_and_every_handled_command_a_place(
    settings: Settings,
) -> None:
    application = build_application(settings, request=RecordingRequest(), rate_limit=False)
    handled = {command for _group, command in registered_commands(application)}
    listed = {name for name, _t in CUSTOMER_COMMANDS + PRODUCER_COMMANDS + ADMIN_COMMANDS}

    assert listed <= handled
    assert handled == listed | set(UNLISTED_COMMANDS)


def test_importing_a_module_adds_nothing_anywhere() -> None:
    """No module runs a call at import (no menu appended, no handler or form registered)."""
    calls_at_import = []
    for folder in ("handlers", "rekobot", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "__main__.py":
                continue
            tree = ast.parse(path.read_text("utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
                    calls_at_import.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    handler_adders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        if ".add_handler(" in path.read_text("utf-8")
    ]

    assert calls_at_import == []
    assert handler_adders == ["handlers/wiring.py"]
    for commands in (CUSTOMER_COMMANDS, PRODUCER_COMMANDS, ADMIN_COMMANDS):
        assert isinstance(commands, tuple)  # a constant: nothing can append to a menu
