"""What producers' posts say: the post as members get it, and its buttons.

The refusals are in rekobot/errors/voice.py, the post's text is read by ``parsing.parse_post_text``.
"""

from __future__ import annotations

from rekobot.i18n import _
from rekobot.models import Pickup, Producer, Ring
from rekobot.models.voice import Post
from rekobot.render import CAPTION_LIMIT, esc, pickup_when, shorten
from rekobot.services.outbox import OutMessage

#: The toggle under every post (``NotificationsToggle("post", 0, 0)`` in handlers).
POSTS_OFF = "anotif:post:0:0"


def page_button(pickup_id: int, producer_id: int) -> str:
    """The callback data of the producer's page (``ProducerPageButton`` in handlers)."""
    return f"cpp:{pickup_id}:{producer_id}"


def decision_button(post_id: int, approve: bool) -> str:
    """The callback data of an admin's Approve / Reject (``DecidePost`` in handlers)."""
    return f"apost:{post_id}:{int(approve)}"


def post_messages(
    ring: Ring, pickup: Pickup, producer: Producer, post: Post, *, buttons: bool = True
) -> list[OutMessage]:
    """The post as a member gets it (in the current locale): who, which pickup, the text."""
    body = "\n".join(
        [
            f"🧑‍🌾 <b>{esc(producer.name)}</b> · {esc(ring.name)}",
            "🗓 " + pickup_when(pickup, ring.timezone),
            "",
            esc(post.text),
        ]
    )
    rows = (
        [
            [
                (
                    shorten(_("🧺 See what {producer} offers").format(producer=producer.name), 60),
                    page_button(pickup.id, producer.id),
                )
            ],
            [(_("🔕 No more producer posts"), POSTS_OFF)],
        ]
        if buttons
        else None
    )
    if post.photo_file_id and len(body) <= CAPTION_LIMIT:
        return [OutMessage(photo_file_id=post.photo_file_id, caption=body, buttons=rows)]
    if post.photo_file_id:
        return [OutMessage(photo_file_id=post.photo_file_id), OutMessage(text=body, buttons=rows)]
    return [OutMessage(text=body, buttons=rows)]
