"""Typed context for every handler, and who sent the update being handled.

The services live in ``bot_data``, not behind string keys. The sender lives in a ContextVar
that :func:`begin_update` clears first thing in every update, so a handler can never see the
user of an earlier update, whatever failed in between.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from rekobot.models import User
from rekobot.services.registry import Services


@dataclass
class UpdateCounts:
    """Updates the handlers took, and how many ended in the error handler (GET /metrics)."""

    handled: int = 0
    errors: int = 0


class BotData:
    """What every handler shares: the services (set when the application is built)."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self.update_counts = UpdateCounts()

    @property
    def services(self) -> Services:
        """The services of this bot."""
        if self._services is None:
            raise RuntimeError("services are not attached to the application")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


Ctx = CallbackContext[ExtBot[None], dict[str, Any], dict[Any, Any], BotData]

_current_user: ContextVar[User | None] = ContextVar("rekobot_user", default=None)


def forget_current_user() -> None:
    """Start an update knowing nobody: the sender is loaded afresh or not at all."""
    _current_user.set(None)


def set_current_user(user: User | None) -> None:
    """Remember who sent the update being handled."""
    _current_user.set(user)


def current_user() -> User:
    """Return who sent the update being handled (set by the middleware before group 0)."""
    user = _current_user.get()
    if user is None:
        raise RuntimeError("no user for this update")
    return user
