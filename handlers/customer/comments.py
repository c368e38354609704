"""The checkout's comment question: a short line to one producer, as a one-question form.

Asked from the checkout screen ("💬 Comment to Berg Gård"), it is the customer's open question
(``handlers.forms``): the next text they send is the comment, it survives a restart, and a
comment that is too long is refused with its length while the question stays open. A comment
already written can be removed with a button; answered, the checkout is shown again.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.cart import WriteComment, show_checkout
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
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.i18n import N_, _
from rekobot.services.comments import clean_comment, comment_hint

#: The value of the "remove the comment" button.
REMOVE = "remove"


@dataclasses.dataclass(frozen=True)
class BackToCheckout(Callback, prefix="ccmb"):
    """Go back to the checkout of a pickup, as it is now."""

    pickup_id: int


class CommentDraft(BaseModel):
    """Whose comment it is, what it said so far, and the answer once given ("" removes it)."""

    pickup_id: int
    producer_id: int
    producer: str
    current: str | None = None
    comment: str | None = None


class CommentForm(Form[CommentDraft]):
    """One producer's comment of the cart; answered, it is kept at once."""

    kind = "ccomment"
    title: ClassVar[str] = N_("Comment")
    draft_type = CommentDraft
    fields = (FormField("comment", N_("Comment"), N_("Comment")),)

    def missing(self, state: FormState[CommentDraft]) -> list[str]:
        return ["comment"] if state.draft.comment is None else []

    async def check(self, context: Ctx, user_id: int, state: FormState[CommentDraft]) -> None:
        draft = state.draft
        await context.bot_data.services.comments.producer_name(
            user_id, draft.pickup_id, draft.producer_id
        )

    def prompt(self, state: FormState[CommentDraft], form_field: FormField) -> str:
        lines = [
            _("💬 <b>Comment to {producer}</b>").format(producer=esc(state.draft.producer)),
            comment_hint(),
        ]
        if state.draft.current:
            lines.append(
                _("Now: {comment}").format(comment="<i>" + esc(state.draft.current) + "</i>")
            )
        lines.append(_("Send the comment as a message, or /cancel."))
        return "\n\n".join(lines)

    async def choices(
        self, context: Ctx, state: FormState[CommentDraft], form_field: FormField
    ) -> list[Choice]:
        if not state.draft.current:
            return []
        return [Choice(_("🗑 Remove the comment"), REMOVE)]

    def accept_choice(
        self, state: FormState[CommentDraft], form_field: FormField, value: str
    ) -> None:
        self.accept(state, form_field, "" if value == REMOVE else state.draft.current)

    async def parse(
        self, context: Ctx, state: FormState[CommentDraft], form_field: FormField, message: Message
    ) -> object:
        return clean_comment(message.text or "")

    def leave(self, state: FormState[CommentDraft]) -> Rows:
        return [[button(_("⬅ Back to the checkout"), BackToCheckout(state.draft.pickup_id))]]

    async def cancelled(self, update: Update, context: Ctx, state: FormState[CommentDraft]) -> None:
        await show(update, context, _("OK, the comment is unchanged."), self.leave(state))

    async def finish(self, update: Update, context: Ctx, state: FormState[CommentDraft]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[CommentDraft]) -> str:
        return ""

    async def save(
        self, update: Update, context: Ctx, state: FormState[CommentDraft], *, confirmed: bool
    ) -> int:
        draft = state.draft
        await context.bot_data.services.comments.set_comment(
            current_user().id, draft.pickup_id, draft.producer_id, draft.comment or ""
        )
        await close_form(context)
        # A typed comment is a new message: the checkout follows it; a tap edits in place.
        typed = update.message is not None
        await show_checkout(update, context, draft.pickup_id, new_message=typed)
        return END


@on_button(WriteComment)
async def on_write_comment(update: Update, context: Ctx, data: WriteComment) -> None:
    """Ask for the comment to one producer, showing the one written so far."""
    services = context.bot_data.services
    user = current_user()
    name = await services.comments.producer_name(user.id, data.pickup_id, data.producer_id)
    ring, cart = await services.carts.view_in_ring(user.id, data.pickup_id)
    current = next((g.comment for g in cart.groups if g.producer_id == data.producer_id), None)
    draft = CommentDraft(
        pickup_id=data.pickup_id, producer_id=data.producer_id, producer=name, current=current
    )
    await start_form(
        update, context, CommentForm.kind, user_id=user.id, ring_id=ring.id, draft=draft
    )


@on_button(BackToCheckout)
async def on_back_to_checkout(update: Update, context: Ctx, data: BackToCheckout) -> None:
    """Show the checkout as it is now."""
    await show_checkout(update, context, data.pickup_id)
