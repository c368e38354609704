"""What is written to many people at once: an admin's broadcast and a producer's weekly post."""

from __future__ import annotations

from rekobot.i18n import _
from rekobot.parsing.text import clean_text

#: The longest broadcast an admin may write (a photo's caption is shorter still).
MAX_BROADCAST_TEXT = 3500


def parse_broadcast_text(text: str) -> str:
    """What the admin wants to say."""
    return clean_text(text, max_length=MAX_BROADCAST_TEXT, field=_("The message"))


MAX_POST_TEXT = 2000


def parse_post_text(text: str) -> str:
    """What the producer wants to say this week."""
    return clean_text(text, max_length=MAX_POST_TEXT, field=_("The post"))
