"""A producer's weekly post: choosing the pickup, and where the post for it stands."""

from __future__ import annotations

import dataclasses

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import home_row
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.i18n import _, day, ngettext
from rekobot.models.voice import PostRule, PostStatus
from rekobot.render import pickup_when
from rekobot.services.producer_posts import PostSlot


@dataclasses.dataclass(frozen=True)
class ChoosePostPickup(Callback, prefix="ppostl"):
    """The pickups a producer can post for."""


@dataclasses.dataclass(frozen=True)
class PostPickup(Callback, prefix="pposts"):
    """Where the post for one pickup stands."""

    pickup_id: int


@dataclasses.dataclass(frozen=True)
class WritePost(Callback, prefix="ppostw"):
    """Write (or write again) the post for a pickup."""

    pickup_id: int


def status_mark(slot: PostSlot) -> str:
    """A pickup's post at a glance."""
    if slot.post is None:
        return ""
    return {PostStatus.SENT: "✅ ", PostStatus.PENDING: "⏳ ", PostStatus.REJECTED: "❌ "}[
        slot.post.status
    ]


def slot_label(slot: PostSlot, many_rings: bool) -> str:
    """A pickup's button: its post's state, the day, and the ring when there are several."""
    label = status_mark(slot) + day(slot.pickup.starts_at, slot.ring.timezone)
    if many_rings:
        label += f" · {slot.ring.name}"
    return shorten(label, 60)


@on_button(ChoosePostPickup)
async def on_choose_post_pickup(update: Update, context: Ctx, data: ChoosePostPickup) -> None:
    """List the pickups the producer can write a post for."""
    await show_post_pickups(update, context)


async def show_post_pickups(update: Update, context: Ctx) -> None:
    """The pickups a producer can post for, with where each post stands."""
    slots = await context.bot_data.services.producer_posts.slots(current_user().id)
    many = len({slot.ring.id for slot in slots}) > 1
    lines = [
        "📝 <b>" + _("Weekly post") + "</b>",
        _(
            "Tell customers what you bring this week, with a photo if you like. One post per "
            "pickup; it goes to your followers, and to all members where the ring allows it."
        ),
    ]
    if not slots:
        lines.append(_("No pickup takes orders right now."))
    rows = [[button(slot_label(slot, many), PostPickup(slot.pickup.id))] for slot in slots]
    await show(update, context, "\n\n".join(lines), [*rows, home_row()])


def audience_text(slot: PostSlot) -> str:
    """Whom a post for this pickup can reach."""
    followers = ngettext(
        "{n} member follows you here.", "{n} members follow you here.", slot.followers
    ).format(n=slot.followers)
    if slot.rule is PostRule.ON:
        rule = _("{ring} lets you post to all members.")
    elif slot.rule is PostRule.APPROVAL:
        rule = _("{ring} lets you post to all members once an admin approves it.")
    else:
        rule = _("{ring} sends posts to followers only.")
    return followers + " " + rule.format(ring=esc(slot.ring.name))


def slot_text(slot: PostSlot) -> str:
    """Where the post for a pickup stands."""
    lines = [
        "📝 <b>" + _("Weekly post") + "</b>",
        "🗓 " + pickup_when(slot.pickup, slot.ring.timezone) + f" · {esc(slot.ring.name)}",
        audience_text(slot),
        "",
    ]
    post = slot.post
    if post is None:
        lines.append(_("You have not written a post for this pickup yet."))
    elif post.status is PostStatus.SENT:
        lines.append(
            ngettext(
                "Your post went out to {n} member:",
                "Your post went out to {n} members:",
                post.recipients,
            ).format(n=post.recipients)
        )
    elif post.status is PostStatus.PENDING:
        lines.append(_("Your post waits for an admin's approval:"))
    else:
        lines.append(_("An admin did not approve your post; you can write it again:"))
    if post is not None:
        lines.append("<i>" + esc(shorten(post.text, 600)) + "</i>")
    return "\n".join(lines)


@on_button(PostPickup)
async def on_post_pickup(update: Update, context: Ctx, data: PostPickup) -> None:
    """Show where the post for a pickup stands, and how to write it."""
    slots = await context.bot_data.services.producer_posts.slots(current_user().id)
    slot = next((s for s in slots if s.pickup.id == data.pickup_id), None)
    if slot is None:
        await show_post_pickups(update, context)
        return
    rows: list[list[Button]] = []
    if slot.post is None:
        rows.append([button("✏️ " + _("Write the post"), WritePost(slot.pickup.id))])
    elif slot.post.status is not PostStatus.SENT:
        rows.append([button("✏️ " + _("Write it again"), WritePost(slot.pickup.id))])
    rows += [[button("⬅️ " + _("Back"), ChoosePostPickup())], home_row()]
    await show(update, context, slot_text(slot), rows)


#: Plain buttons of this screen (also ways out of an open producer question).
BUTTONS = [on_choose_post_pickup, on_post_pickup]
