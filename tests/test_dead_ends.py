"""The dead-end walk: every screen a user reaches by commands and buttons offers a way on.

For each role (customer, producer, ring admin, operator) and in `nb` and `en`, the walk starts
from the commands of the role's menu (`handlers.commands.commands_for`) in a ring with a
place, an upcoming pickup, two producers with offers, a member and an order. Breadth-first it
then presses every inline callback button of every bot message it reached, through the real
Application and the fake Telegram, and judges the screen each step leaves the user on.

A *step* is one command sent or one button pressed. Its *screen* is the last message the bot
sent or edited in that step, as that message is after the step. A screen is a dead end when

- it has no inline keyboard, and
- its text names no ``/command``, or it asks for typed input (its text ends with "?" or ":")
  and does not name ``/cancel``.

A step that sends or edits nothing leaves the user on the screen they pressed, which had a
button, so it is no dead end. Errors a handler raises fail the walk as well.

Buttons are pressed once per *shape*: the callback data with every number replaced by "#"
(a button for order 3 and one for order 4 lead to the same kind of screen). A screen is counted
once per text shape (numbers folded likewise). Each walk presses at most `MAX_PRESSES` buttons,
so all eight walks together stay well under a minute on a loaded machine. The number of
distinct screens per role is printed (``pytest -s``) and asserted to be more than a handful,
so a walk that silently stops reaching screens fails too.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import pytest

from handlers.commands import commands_for
from rekobot.models import Role
from rekobot.services.registry import Services
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import running_bot
from tests.fakes.calls import JSON, Call, keyboard_rows, plain
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.producer_support import customer, make_admin, order

MAX_PRESSES = 150
#: Buttons the walk leaves alone: picking another language would end the walk "in nb".
SKIPPED_PREFIXES = ("clang",)
RING_ADMIN_ID = 700
MEMBER_ID = 1001

#: Dead ends found by this walk in modules another branch is rewriting right now, excused here
#: and listed for that work: each entry is the command or callback-data shape of the step.
#: The set is expected to empty when those branches land.
FORM_DEAD_ENDS: frozenset[str] = frozenset()

_COMMAND = re.compile(r"(?<![\w/])/[a-z_]{2,32}\b")
_NUMBER = re.compile(r"\d+")


def shape(text: str) -> str:
    """Fold the numbers out of a callback data or a text, so like screens compare equal."""
    return _NUMBER.sub("#", text)


def names_command(text: str) -> bool:
    """Tell whether a text names a command the user can send to go on."""
    return _COMMAND.search(text) is not None


def asks_for_input(text: str) -> bool:
    """Tell whether a text asks the user to type something."""
    return text.rstrip().endswith(("?", ":"))


def dead_end(message: JSON) -> bool:
    """Apply the module's definition of a dead end to a message as it is now."""
    if keyboard_rows(message.get("reply_markup")):
        return False
    text = plain(message.get("text", message.get("caption")))
    if asks_for_input(text):
        return "/cancel" not in text
    return not names_command(text)


@dataclass
class Walk:
    """What one walk reached: distinct screens, and the dead ends with the path to them."""

    user: TgUser
    screens: set[str] = field(default_factory=set)
    dead_ends: list[str] = field(default_factory=list)
    presses: int = 0

    def judge(self, bot: BotDriver, calls: list[Call], how: str, label: str) -> list[JSON]:
        """Judge the screen a step left the user on; return the messages it sent or edited.

        `how` is the command sent or the callback data pressed, `label` the button's text.
        """
        touched: list[int] = []
        for call in calls:
            message = call.message
            if call.ok and message is not None and message["chat"]["id"] == self.user.id:
                if message["message_id"] in touched:
                    touched.remove(message["message_id"])
                touched.append(message["message_id"])
        now = [bot.request.message(self.user.id, mid) for mid in touched]
        reached = [message for message in now if message is not None]
        for message in reached:
            self.screens.add(shape(plain(message.get("text", message.get("caption")))[:80]))
        if reached and dead_end(reached[-1]) and shape(how) not in FORM_DEAD_ENDS:
            text = plain(reached[-1].get("text", reached[-1].get("caption")))
            self.dead_ends.append(f"{how!r} ({label}) -> {text[:160]!r}")
        return reached


async def walk(bot: BotDriver, user: TgUser, roles: frozenset[Role]) -> Walk:
    """Send the role's menu commands, then press every button shape breadth-first."""
    result = Walk(user)
    queue: deque[JSON] = deque()
    pressed: set[str] = set()
    for name, _ in commands_for(roles):
        queue.extend(result.judge(bot, await bot.send(user, f"/{name}"), f"/{name}", ""))
    while queue and result.presses < MAX_PRESSES:
        message = queue.popleft()
        for row in keyboard_rows(message.get("reply_markup")):
            for label, data in row:
                if data is None or not _is_callback(message, label) or shape(data) in pressed:
                    continue
                if data.split(":", 1)[0] in SKIPPED_PREFIXES:
                    continue
                pressed.add(shape(data))
                result.presses += 1
                update = bot.factory.callback(user, data, message=message)
                calls = await bot.feed(update)
                queue.extend(result.judge(bot, calls, data, label))
    return result


def _is_callback(message: JSON, label: str) -> bool:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == label and "callback_data" in button:
                return True
    return False


ROLES: dict[str, tuple[int, frozenset[Role]]] = {
    "customer": (MEMBER_ID, frozenset({Role.CUSTOMER})),
    "producer": (FARMER_ID, frozenset({Role.PRODUCER})),
    "ring admin": (RING_ADMIN_ID, frozenset({Role.ADMIN})),
    "operator": (ADMIN_ID, frozenset({Role.ADMIN})),
}


async def _set_up(services: Services, world: World, locale: str) -> None:
    """A member with an order, a ring admin, and every role's user writing in `locale`."""
    await customer(services, MEMBER_ID, "Kari", locale)
    await order(services, MEMBER_ID, world.pickup_id, {world.offer_ids["potatoes"]: 2})
    await customer(services, RING_ADMIN_ID, "Liv", locale)
    await make_admin(services, RING_ADMIN_ID, world.ring_id)
    await customer(services, ADMIN_ID, "Ada", locale)
    for user_id in (FARMER_ID, MEMBER_ID, RING_ADMIN_ID, ADMIN_ID):
        await services.members.set_locale(user_id, locale)


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize("role", list(ROLES))
async def test_every_screen_offers_a_way_on(
    role: str,
    locale: str,
    settings: Settings,
    clock: MovableClock,
    services: Services,
    world: World,
) -> None:
    user_id, roles = ROLES[role]
    await _set_up(services, world, locale)
    user = TgUser(user_id, role.title().replace(" ", ""), language_code=locale)
    async with running_bot(settings, clock) as bot:
        bot.raise_errors = False
        result = await walk(bot, user, roles)
        errors = [repr(error) for error in bot.errors]
    print(
        f"dead-end walk: {role} ({locale}): {len(result.screens)} screens, {result.presses} presses"
    )
    assert not errors, "handlers raised during the walk:\n" + "\n".join(errors)
    assert not result.dead_ends, f"dead ends for the {role} ({locale}):\n" + "\n".join(
        result.dead_ends
    )
    assert len(result.screens) >= 8, result.screens
