"""Ring data is shown only in private chats; groups and channels get a pointer there.

Admins will add the bot to their ring's Telegram group. Orders, carts, payment details and
member cards must never be posted there, so this guard runs before anything else that reads
ring data and stops every update that does not come from a private chat:

- a command in a group, supergroup or channel gets one line and a button that opens the
  private chat (``t.me/<bot>?start=<payload>``, the /start payload carried over);
- a button pressed on a group message, or on an inline message (which has no chat at all),
  gets the same line as an alert, whatever its callback data says;
- the bot being added to or removed from a group is logged, and nothing is posted;
- anything else from a group or channel is ignored.

It runs before the sender is registered: someone who only typed in a group is not stored.
"""

from __future__ import annotations

import contextlib
import logging
import re

from telegram import ChatMemberUpdated, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from handlers.context import Ctx
from handlers.replies import keyboard, link_button
from rekobot.i18n import _

log = logging.getLogger(__name__)

#: What Telegram allows after ``?start=``; anything else is dropped from the link.
DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def private_link(bot_username: str, payload: str = "") -> str:
    """The link that opens the private chat with the bot, carrying a /start payload if valid."""
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={payload}" if DEEP_LINK_PAYLOAD.match(payload) else link


async def keep_private(update: Update, context: Ctx) -> None:
    """Let private chats through; answer or ignore everything else, and stop it."""
    if update.my_chat_member is not None:
        _log_membership(update.my_chat_member)
        raise ApplicationHandlerStop  # nothing reads these; a private one has no question
    query = update.callback_query
    if query is not None:
        if query.message is not None and query.message.chat.type == ChatType.PRIVATE:
            return
        log.info(
            "button pressed outside a private chat (chat %s, user %s)",
            query.message.chat.id if query.message is not None else "inline",
            query.from_user.id,
        )
        with contextlib.suppress(TelegramError):
            await query.answer(_private_only_alert(context.bot.username), show_alert=True)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return
    message = update.message or update.channel_post
    if message is not None and chat is not None:
        payload = _command_payload(message, context.bot.username)
        if payload is not None:
            log.info("command in %s %s; pointing to the private chat", chat.type, chat.id)
            await _point_to_private_chat(message, context.bot.username, payload)
    raise ApplicationHandlerStop


def _command_payload(message: Message, bot_username: str) -> str | None:
    """The /start payload of a command meant for this bot ("" for others), or None."""
    text = message.text or ""
    entities = message.entities
    if not entities or entities[0].type != "bot_command" or entities[0].offset != 0:
        return None
    command = text[: entities[0].length]
    name, _at, addressee = command[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None  # a command for another bot in the same group
    words = text.split()
    return words[1] if name.lower() == "start" and len(words) > 1 else ""


async def _point_to_private_chat(message: Message, bot_username: str, payload: str) -> None:
    """Answer in the group with one line and the button that opens the private chat."""
    link = private_link(bot_username, payload)
    markup = keyboard([[link_button(_("Open the private chat"), link)]])
    text = _("I show orders and ring details only in a private chat. Tap the button to open it.")
    try:
        await message.reply_text(text, reply_markup=markup, do_quote=False)
    except TelegramError as exc:  # e.g. not allowed to write in this group: nothing to lose
        log.info("could not answer in chat %s: %s", message.chat.id, exc)


def _private_only_alert(bot_username: str) -> str:
    return _("This works only in the private chat with me: open @{bot} and send /start.").format(
        bot=bot_username
    )


def _log_membership(member: ChatMemberUpdated) -> None:
    """Log the bot joining or leaving a group or channel, or a user blocking it."""
    log.info(
        "bot is now %s in %s chat %s (%s), changed by user %s",
        member.new_chat_member.status,
        member.chat.type,
        member.chat.id,
        member.chat.title or "private",
        member.from_user.id,
    )
