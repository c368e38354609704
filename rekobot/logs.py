"""Logging for the running bot: one stderr handler that never writes the bot token.

The token is part of every Bot API URL, so it turns up in places a message filter cannot see:
httpx's request lines at DEBUG, and the text of exceptions in tracebacks (PTB's
``InvalidToken`` quotes it when Telegram answers 401). Redaction therefore happens on the
finished line, after the formatter has added the traceback, and covers the token as a whole,
URL-encoded, and its secret part on its own.

A refused token (``InvalidToken``) is an operator's setting, not a bug: its records lose their
traceback, and ``rekobot run`` explains how to get a token instead.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from types import TracebackType
from typing import TextIO

from telegram.error import InvalidToken

from rekobot.settings import Settings

REDACTED = "<token>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("rekobot")


def token_pattern(token: str) -> re.Pattern[str] | None:
    """Match the token (``id:secret``, also with ``%3A``) and its secret part alone."""
    token = token.strip()
    if not token:
        return None
    bot_id, separator, secret = token.partition(":")
    forms = [re.escape(token)]
    if separator and bot_id and secret:
        forms.append(re.escape(bot_id) + r"(?:%3[Aa])" + re.escape(secret))
        forms.append(re.escape(secret))
    return re.compile("|".join(forms))


def redact(text: str, pattern: re.Pattern[str] | None) -> str:
    """Replace every form of the token in ``text``."""
    return text if pattern is None else pattern.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """Format a record with its traceback, then take the token out of the whole line."""

    def __init__(self, token: str, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.pattern = token_pattern(token)

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual (message, traceback, stack), then redact the result."""
        return redact(super().format(record), self.pattern)


class QuietInvalidToken(logging.Filter):
    """Drop the traceback of a refused token: it is a setting to fix, not a bug to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, without exc_info when the exception is ``InvalidToken``."""
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], InvalidToken):
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.getMessage()} (Telegram refused the bot token)"
            record.args = None
        return True


def setup_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Log to ``stream`` (stderr) at the configured level, the token redacted; return the handler.

    httpx logs one line per request at INFO, so it stays at WARNING unless the whole bot runs
    at DEBUG. Uncaught exceptions go through the same handler, so their tracebacks are redacted.
    """
    level = settings.log_level.upper()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(RedactingFormatter(settings.token.get_secret_value()))
    handler.addFilter(QuietInvalidToken())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_error
    return handler


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """Send an uncaught exception through logging (and so through the redaction)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    log.critical("rekobot stopped on an unexpected error", exc_info=(kind, error, traceback))


def _log_thread_error(args: threading.ExceptHookArgs) -> None:
    """Send an exception that ended a thread through logging, like the uncaught ones."""
    if args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    log.error(
        "thread %s stopped on an error",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
