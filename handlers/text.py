"""Safe HTML text: escaping what users typed, and splitting what is too long for one message."""

from __future__ import annotations

from rekobot.render import esc

__all__ = ["CAPTION_LIMIT", "MESSAGE_LIMIT", "esc", "shorten", "split_message"]

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def shorten(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters with an ellipsis (escape after shortening)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into messages of at most ``limit`` characters, between lines where possible.

    Blocks separated by a blank line are kept together when they fit, so a customer's lines in
    a digest are never torn across two messages. HTML tags never span lines in our messages,
    so cutting at line ends keeps them balanced.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = ""
        for line in block.split("\n"):
            while len(line) > limit:
                chunks.append(line[:limit])
                line = line[limit:]
            candidate = f"{current}\n{line}" if current else line
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = line
    if current:
        chunks.append(current)
    return chunks
