"""Producers' posts, for a ring's admin: the ring's rule, and approving posts to every member."""

from __future__ import annotations

import dataclasses

from telegram import Update

from handlers.admin.buttons import AdminHome
from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.replies import answer, button, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.errors import NotFound
from rekobot.i18n import _
from rekobot.models.voice import PostRule, PostStatus
from rekobot.render import pickup_when
from rekobot.services.producer_posts import PendingPost


@dataclasses.dataclass(frozen=True)
class PostRules(Callback, prefix="aposts"):
    """The ring's producer posts screen; ``rule`` "show" only shows it, a rule sets it."""

    ring_id: int
    rule: str


@dataclasses.dataclass(frozen=True)
class DecidePost(Callback, prefix="apost"):
    """Approve (1) or reject (0) a post to every member (``decision_button`` packs the same)."""

    post_id: int
    approve: int


def rule_text(rule: PostRule) -> str:
    """What a rule means, in a line."""
    if rule is PostRule.ON:
        return _("Producers may post to all members.")
    if rule is PostRule.APPROVAL:
        return _("Producers may post to all members once an admin approves the post.")
    return _("Producers' posts go only to their followers.")


def rule_label(rule: PostRule, current: PostRule) -> str:
    """A rule's button label, ticked when it is the ring's."""
    label = {
        PostRule.OFF: _("Followers only"),
        PostRule.ON: _("All members"),
        PostRule.APPROVAL: _("All members, after approval"),
    }[rule]
    return ("✅ " if rule is current else "") + label


def pending_line(item: PendingPost, timezone: str) -> str:
    """One waiting post: whose, for which pickup, how it begins."""
    when = pickup_when(item.pickup, timezone)
    return f"• <b>{esc(item.producer.name)}</b> · {when}\n{esc(shorten(item.post.text, 200))}"


@on_button(PostRules)
async def on_post_rules(update: Update, context: Ctx, data: PostRules) -> None:
    """Show (or set) the ring's rule for producers' posts, and the posts waiting for approval."""
    services = context.bot_data.services
    user = current_user()
    if data.rule != "show":
        try:
            rule = PostRule(data.rule)
        except ValueError:
            raise NotFound() from None
        await services.producer_posts.set_rule(user.id, data.ring_id, rule)
    ring = await services.ring_admin.ring(user.id, data.ring_id)
    current = await services.producer_posts.rule(user.id, data.ring_id)
    waiting = await services.producer_posts.pending(user.id, data.ring_id)
    lines = [
        _("📝 <b>Producers' posts in {ring}</b>").format(ring=esc(ring.name)),
        _(
            "Each producer can write one post per pickup, with a photo. Followers always get "
            "it; you choose whether it may also reach every member."
        ),
        "",
        rule_text(current),
    ]
    rows: list[list[Button]] = [
        [button(rule_label(rule, current), PostRules(ring.id, rule.value))] for rule in PostRule
    ]
    if waiting:
        lines += ["", _("<b>Waiting for approval</b>")]
    for item in waiting:
        lines.append(pending_line(item, ring.timezone))
        name = shorten(item.producer.name, 30)
        rows.append(
            [
                button(_("✅ {producer}").format(producer=name), DecidePost(item.post.id, 1)),
                button(_("❌ {producer}").format(producer=name), DecidePost(item.post.id, 0)),
            ]
        )
    rows.append([button(_("◀️ Menu"), AdminHome(ring.id))])
    await show(update, context, "\n".join(lines), rows)


@on_button(DecidePost)
async def on_decide_post(update: Update, context: Ctx, data: DecidePost) -> None:
    """Approve or reject a post to every member; the producer is told either way."""
    if data.approve not in (0, 1):
        raise NotFound()
    post = await context.bot_data.services.producer_posts.decide(
        current_user().id, data.post_id, approve=bool(data.approve)
    )
    if post.status is PostStatus.SENT:
        text = _("✅ Approved. The post goes to {n} members; the producer has been told.").format(
            n=post.recipients
        )
    else:
        text = _("❌ Rejected. Nothing was sent; the producer has been told.")
    query = update.callback_query
    assert query is not None
    await answer(query, text, show_alert=True)
    await show(update, context, text)
