"""Safe HTML text for handlers: escaping what users typed, splitting what is too long.

The functions live in ``rekobot.render`` so that services rendering queued messages use the
very same ones; handlers import them from here.
"""

from __future__ import annotations

from rekobot.render import CAPTION_LIMIT, MESSAGE_LIMIT, esc, shorten, split_message

__all__ = ["CAPTION_LIMIT", "MESSAGE_LIMIT", "esc", "shorten", "split_message"]
