"""The command menu, set with setMyCommands in every shipped language at start-up."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats

from rekobot.i18n import N_, _, available_locales, use_locale

#: (command, description) in the order the menu shows them; descriptions are translated.
CUSTOMER_COMMANDS: list[tuple[str, str]] = [
    ("shop", N_("Order for the next pickup")),
    ("cart", N_("Your cart")),
    ("orders", N_("Your orders")),
    ("start", N_("Join a REKO ring")),
    ("language", N_("Change language")),
    ("privacy", N_("Your data and privacy")),
    ("help", N_("How this bot works")),
    ("cancel", N_("Stop what you are doing")),
]

#: Telegram clients in Norwegian Bokmål may report either code.
TELEGRAM_CODES: dict[str, tuple[str, ...]] = {"nb": ("nb", "no")}

#: Other parts of the bot (producer, admin) append their commands here before start-up.
EXTRA_COMMANDS: list[tuple[str, str]] = []


def menu() -> list[BotCommand]:
    """Return the command menu in the current locale."""
    return [BotCommand(name, _(text)) for name, text in CUSTOMER_COMMANDS + EXTRA_COMMANDS]


async def publish_commands(bot: Bot, default_locale: str) -> None:
    """Set the menu for every language, and the default for everyone else."""
    scope = BotCommandScopeAllPrivateChats()
    for locale in available_locales():
        with use_locale(locale):
            for code in TELEGRAM_CODES.get(locale, (locale,)):
                await bot.set_my_commands(menu(), scope=scope, language_code=code)
    with use_locale(default_locale):
        await bot.set_my_commands(menu(), scope=scope)
