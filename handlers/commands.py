"""The command menus per role, in one place, and publishing them with setMyCommands.

Customers see the default menu, set for every shipped language at start-up. A producer or an
admin gets a menu of their own (``BotCommandScopeChat``) in their language: the customer's
commands, then the producer's, then the admin's. It is set when the role is granted, removed
(``deleteMyCommands``) when the last extra role goes, and set for the operators
(``REKOBOT_ADMIN_IDS``) at start-up.

Adding a command to a menu is one line in one of the lists below; its handler is added in
``handlers/wiring.py``.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from handlers.admin.buttons import AdminHome
from handlers.producer.common import Home
from rekobot.i18n import N_, _, available_locales, use_locale
from rekobot.models import Role
from rekobot.services.roles import RoleChange, Roles, in_order

log = logging.getLogger(__name__)

#: (command, description) in the order the menu shows them; descriptions are translated.
CUSTOMER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("shop", N_("Order for the next pickup")),
    ("cart", N_("Your cart")),
    ("orders", N_("Your orders")),
    ("start", N_("Join a REKO ring")),
    ("producer", N_("Sell your products as a producer")),
    ("language", N_("Change language")),
    ("privacy", N_("Your data and privacy")),
    ("help", N_("How this bot works")),
    ("cancel", N_("Stop what you are doing")),
)

PRODUCER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("digest", N_("Producers: your orders for a pickup")),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (("admin", N_("Run your REKO ring")),)

#: Commands that work for everyone but stay out of the menus: /notifications is reached from
#: the button under every reminder and announcement, /id (for the operator) from the answers
#: that need it; /help names both.
UNLISTED_COMMANDS: tuple[str, ...] = ("notifications", "id")

COMMANDS_BY_ROLE: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.CUSTOMER: CUSTOMER_COMMANDS,
    Role.PRODUCER: PRODUCER_COMMANDS,
    Role.ADMIN: ADMIN_COMMANDS,
}

#: Telegram clients in Norwegian Bokmål may report either code.
TELEGRAM_CODES: dict[str, tuple[str, ...]] = {"nb": ("nb", "no")}


def commands_for(roles: frozenset[Role] | tuple[Role, ...]) -> list[tuple[str, str]]:
    """Return the commands of these roles in menu order, each command once."""
    seen: set[str] = set()
    commands: list[tuple[str, str]] = []
    for role in in_order(frozenset(roles) | {Role.CUSTOMER}):
        for name, text in COMMANDS_BY_ROLE[role]:
            if name not in seen:
                seen.add(name)
                commands.append((name, text))
    return commands


def menu_buttons(role: Role) -> list[list[tuple[str, str]]]:
    """The button under a welcome message that opens the new role's menu (current locale)."""
    if role is Role.PRODUCER:
        return [[("🧺 " + _("Open the producer menu"), Home().pack())]]
    if role is Role.ADMIN:
        return [[("🛠 " + _("Open the admin menu"), AdminHome(0).pack())]]
    return []


def menu(roles: frozenset[Role] | tuple[Role, ...] = (Role.CUSTOMER,)) -> list[BotCommand]:
    """Return the command menu of these roles in the current locale."""
    return [BotCommand(name, _(text)) for name, text in commands_for(roles)]


async def publish_commands(bot: Bot, default_locale: str) -> None:
    """Set the customers' menu for every language, and the default for everyone else."""
    scope = BotCommandScopeAllPrivateChats()
    for locale in available_locales():
        with use_locale(locale):
            for code in TELEGRAM_CODES.get(locale, (locale,)):
                await bot.set_my_commands(menu(), scope=scope, language_code=code)
    with use_locale(default_locale):
        await bot.set_my_commands(menu(), scope=scope)


async def set_user_menu(bot: Bot, user_id: int, roles: frozenset[Role], locale: str) -> None:
    """Give a producer or an admin their own menu, or put a customer back on the default."""
    scope = BotCommandScopeChat(user_id)
    if roles <= {Role.CUSTOMER}:
        await bot.delete_my_commands(scope=scope)
        return
    with use_locale(locale):
        await bot.set_my_commands(menu(roles), scope=scope)


class RoleMenus:
    """Keeps each user's menu in step with their roles (a listener of ``Roles``).

    A menu Telegram refused to set is logged, never raised: the role stands either way, and
    an operator who never opened the chat has no chat to scope a menu to yet.
    """

    def __init__(self, bot: Bot, roles: Roles) -> None:
        self.bot = bot
        self.roles = roles

    async def on_role_change(self, change: RoleChange) -> None:
        """Set or remove the user's own menu after a role was granted or taken."""
        await self._apply(change.user_id, change.after, change.locale)

    async def refresh(self, user_id: int) -> None:
        """Set a producer's or an admin's menu again from their roles (e.g. a new language)."""
        async with self.roles.db.read() as tx:
            held = await self.roles.held(tx, user_id)
            locale = await self.roles.locale_of(tx, user_id)
        if held <= {Role.CUSTOMER}:
            return  # the default menu already follows their language
        await self._apply(user_id, held, locale)

    async def publish_operators(self) -> None:
        """Give each operator (``REKOBOT_ADMIN_IDS``) the admin menu at start-up."""
        for operator in sorted(self.roles.admin_ids):
            await self.refresh(operator)

    async def _apply(self, user_id: int, roles: frozenset[Role], locale: str) -> None:
        try:
            await set_user_menu(self.bot, user_id, roles, locale)
        except TelegramError as error:
            log.warning("could not set the command menu of user %s: %s", user_id, error)
