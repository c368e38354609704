"""The broadcast progress message an admin watches while the outbox sends a broadcast.

A mixin of ``OutboxSender``: it edits each running broadcast's progress message at most every
``PROGRESS_EVERY`` seconds, within the admin chat's one-message-a-second gap, and stops once
the broadcast is over and its last started deliveries went out.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from handlers.admin.progress import progress_rows, progress_text
from handlers.sending import NO_RETRIES, chat_gap, keyboard_of, retry_seconds, typed_markup
from rekobot.i18n import use_locale
from rekobot.services.deliveries import BroadcastProgress, Deliveries
from rekobot.services.registry import Services

if TYPE_CHECKING:
    from handlers.outbox import SenderStats, _Active

log = logging.getLogger("handlers.outbox")

#: Seconds between two updates of a broadcast's progress message.
PROGRESS_EVERY = 3.0


@dataclass
class _ProgressState:
    """When a broadcast's progress message was last edited, and whether counts changed."""

    last_edit: float = float("-inf")
    dirty: bool = True
    editable: bool = True


class BroadcastProgressEdits(ABC):
    """The sender's part that keeps broadcast progress messages up to date."""

    bot: Bot
    services: Services
    deliveries: Deliveries
    stats: SenderStats
    _active: dict[int, _Active]
    _chat_ready: dict[int, float]
    _progress: dict[int, _ProgressState]
    _pause_until: float

    @abstractmethod
    def _now(self) -> float:
        """The sender's clock (monotonic seconds), which paces the edits like the sends."""

    def _touch_broadcast(self, broadcast_id: int | None) -> None:
        if broadcast_id is not None:
            self._progress.setdefault(broadcast_id, _ProgressState()).dirty = True

    def _progress_pending(self) -> bool:
        return any(state.dirty for state in self._progress.values())

    async def _edit_progress_if_due(self, now: float) -> bool:
        """Update one broadcast's progress message when it is due; True if a call was made."""
        for broadcast_id, state in list(self._progress.items()):
            if not state.dirty or now - state.last_edit < PROGRESS_EVERY:
                continue
            state.dirty = False
            progress = await self.deliveries.broadcast_progress(broadcast_id)
            finished = progress is None or progress.broadcast.status.value != "sending"
            if finished and any(
                a.delivery.broadcast_id == broadcast_id for a in self._active.values()
            ):
                finished = False  # a stopped broadcast's started deliveries still finish
            broadcast = progress.broadcast if progress is not None else None
            if (
                progress is None
                or broadcast is None
                or not state.editable
                or broadcast.progress_chat_id is None
                or broadcast.progress_message_id is None
            ):
                if finished:
                    self._progress.pop(broadcast_id, None)
                continue
            chat = broadcast.progress_chat_id
            if self._chat_ready.get(chat, float("-inf")) > now:
                state.dirty = True  # the admin's chat had a message less than a second ago
                continue
            state.last_edit = now
            self._chat_ready[chat] = now + chat_gap(chat)
            state.editable = await self._edit_progress(progress)
            if finished and not state.dirty:  # dirty again: Telegram asked us to wait
                self._progress.pop(broadcast_id, None)
            return True
        return False

    async def _edit_progress(self, progress: BroadcastProgress) -> bool:
        """Edit the admin's progress message; False when it cannot be edited any more."""
        broadcast = progress.broadcast
        assert broadcast.progress_chat_id is not None
        assert broadcast.progress_message_id is not None
        locale = await self._author_locale(broadcast.author_user_id, broadcast.ring_id)
        with use_locale(locale):
            text = progress_text(progress)
            rows = progress_rows(progress)
        extra: dict[str, Any] = {}
        if isinstance(self.bot, ExtBot) and self.bot.rate_limiter is not None:
            extra["rate_limit_args"] = NO_RETRIES
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=broadcast.progress_chat_id,
                message_id=broadcast.progress_message_id,
                reply_markup=typed_markup(keyboard_of(rows)),
                **extra,
            )
        except RetryAfter as exc:
            self._pause_until = max(self._pause_until, self._now() + retry_seconds(exc))
            self._touch_broadcast(broadcast.id)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True
            log.info("outbox: cannot edit progress of broadcast %s: %s", broadcast.id, exc)
            return False
        except (Forbidden, NetworkError) as exc:
            log.info("outbox: cannot edit progress of broadcast %s: %s", broadcast.id, exc)
            return not isinstance(exc, Forbidden)
        self.stats.progress_edits += 1
        return True

    async def _author_locale(self, user_id: int | None, ring_id: int) -> str:
        members = self.services.members
        user = await members.get_user(user_id) if user_id is not None else None
        if user is None:
            return members.default_locale
        return members.locale_of(user)
