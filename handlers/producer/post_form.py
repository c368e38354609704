"""Writing the weekly post, as a form: the text, an optional photo, whom it goes to, Send."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    Choice,
    Form,
    FormField,
    FormState,
    Rows,
    close_form,
    start_form,
)
from handlers.producer.common import home_row
from handlers.producer.posts import PostPickup, WritePost
from handlers.replies import button, on_button, show
from rekobot.errors import InvalidInput
from rekobot.i18n import N_, _, ngettext
from rekobot.models.voice import PostRule, PostStatus
from rekobot.parsing import parse_post_text

FOLLOWERS, ALL = "followers", "all"


class PostDraft(BaseModel):
    """A post being written; ``rule`` is the ring's rule when the form opened."""

    text: str | None = None
    photo: str | None = None
    photo_asked: bool = False
    audience: str | None = None
    rule: str = PostRule.OFF.value
    followers: int = 0


class PostForm(Form[PostDraft]):
    """The producer's post for one pickup (``target_id``)."""

    kind = "ppost"
    title: ClassVar[str] = N_("Weekly post")
    save_label: ClassVar[str] = N_("📤 Send")
    draft_type = PostDraft
    fields = (
        FormField(
            "text",
            N_("Text"),
            N_(
                "What do you want to tell customers about this pickup? New products, the "
                "season, your farm: write it as you would on Facebook."
            ),
        ),
        FormField(
            "photo",
            N_("Photo"),
            N_("Send a photo for the post, or tap Skip."),
            optional=True,
            accepts=frozenset({"photo"}),
        ),
        FormField("audience", N_("Recipients"), N_("Who should get the post?")),
    )

    def missing(self, state: FormState[PostDraft]) -> list[str]:
        draft = state.draft
        keys = []
        if draft.text is None:
            keys.append("text")
        if not draft.photo_asked:
            keys.append("photo")
        if draft.audience is None and draft.rule != PostRule.OFF.value:
            keys.append("audience")
        return keys

    def changeable(self, state: FormState[PostDraft]) -> list[str]:
        keys = ["text", "photo"]
        return keys + (["audience"] if state.draft.rule != PostRule.OFF.value else [])

    async def check(self, context: Ctx, user_id: int, state: FormState[PostDraft]) -> None:
        await context.bot_data.services.producer_posts.slot(user_id, state.target_id)

    async def choices(
        self, context: Ctx, state: FormState[PostDraft], form_field: FormField
    ) -> list[Choice]:
        if form_field.key != "audience":
            return []
        followers = ngettext(
            "My followers ({n})", "My followers ({n})", state.draft.followers
        ).format(n=state.draft.followers)
        everyone = (
            _("All members (after an admin's approval)")
            if state.draft.rule == PostRule.APPROVAL.value
            else _("All members")
        )
        return [Choice(followers, FOLLOWERS), Choice(everyone, ALL)]

    async def parse(
        self, context: Ctx, state: FormState[PostDraft], form_field: FormField, message: Message
    ) -> object:
        if form_field.key == "photo":
            return message.photo[-1].file_id
        if form_field.key == "audience":
            raise InvalidInput(_("Please tap one of the buttons."))
        return parse_post_text(message.text or "")

    def accept(self, state: FormState[PostDraft], form_field: FormField, value: object) -> None:
        super().accept(state, form_field, value)
        if form_field.key == "photo":
            state.draft = state.draft.model_copy(update={"photo_asked": True})

    def leave(self, state: FormState[PostDraft]) -> Rows:
        return [[button("📝 " + _("Weekly post"), PostPickup(state.target_id))], home_row()]

    async def summary(self, context: Ctx, state: FormState[PostDraft]) -> str:
        draft = state.draft
        messages = await context.bot_data.services.producer_posts.preview(
            current_user().id, state.target_id, draft.text or "", draft.photo
        )
        body = "\n".join(m.text or m.caption or "" for m in messages if m.text or m.caption)
        if draft.audience == ALL:
            whom = (
                _("Goes to all members once an admin approves it.")
                if draft.rule == PostRule.APPROVAL.value
                else _("Goes to all members.")
            )
        else:
            whom = ngettext(
                "Goes to your {n} follower.", "Goes to your {n} followers.", draft.followers
            ).format(n=draft.followers)
        lines = [_("📝 <b>Your post, as members will see it:</b>"), "", body, ""]
        if draft.photo:
            lines.append(_("📷 With your photo."))
        lines.append(whom)
        return "\n".join(lines)

    async def save(
        self, update: Update, context: Ctx, state: FormState[PostDraft], *, confirmed: bool
    ) -> int:
        draft = state.draft
        post = await context.bot_data.services.producer_posts.submit(
            current_user().id,
            state.target_id,
            draft.text or "",
            draft.photo,
            to_all=draft.audience == ALL,
        )
        await close_form(context)
        if post.status is PostStatus.PENDING:
            text = _("⏳ Your post waits for an admin's approval. You will be told either way.")
        else:
            text = ngettext(
                "📤 Your post is on its way to {n} member.",
                "📤 Your post is on its way to {n} members.",
                post.recipients,
            ).format(n=post.recipients)
        await show(update, context, text, self.leave(state))
        return END


@on_button(WritePost)
async def on_write_post(update: Update, context: Ctx, data: WritePost) -> int:
    """Open the post form for a pickup."""
    user_id = current_user().id
    slot = await context.bot_data.services.producer_posts.slot(user_id, data.pickup_id)
    draft = PostDraft(
        rule=slot.rule.value,
        followers=slot.followers,
        audience=FOLLOWERS if slot.rule is PostRule.OFF else None,
    )
    return await start_form(
        update,
        context,
        PostForm.kind,
        user_id=user_id,
        ring_id=slot.ring.id,
        target_id=data.pickup_id,
        draft=draft,
    )
