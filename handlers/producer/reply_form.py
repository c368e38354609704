"""A producer answers a customer's question: Reply under it, type the answer, it is relayed."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.forms.engine import END, Form, FormField, FormState, Rows, close_form, start_form
from handlers.producer.common import home_row
from handlers.replies import on_button, show
from handlers.text import esc, shorten
from rekobot.i18n import N_, _
from rekobot.parsing import clean_text
from rekobot.services.producer_questions import MAX_ANSWER, who


@dataclasses.dataclass(frozen=True)
class ReplyToQuestion(Callback, prefix="qrep"):
    """Answer a question (``reply_button`` in the questions service packs the same)."""

    question_id: int


class ReplyDraft(BaseModel):
    """An answer being typed, with whom and what it answers (as shown when it opened)."""

    customer_label: str = ""
    question: str = ""
    text: str | None = None


class ReplyForm(Form[ReplyDraft]):
    """The answer to one question (``target_id``); sent when typed."""

    kind = "preply"
    title: ClassVar[str] = N_("Answer to a customer")
    draft_type = ReplyDraft
    fields = (FormField("text", N_("Answer"), ""),)

    def missing(self, state: FormState[ReplyDraft]) -> list[str]:
        return ["text"] if state.draft.text is None else []

    async def check(self, context: Ctx, user_id: int, state: FormState[ReplyDraft]) -> None:
        await context.bot_data.services.producer_questions.question(user_id, state.target_id)

    def prompt(self, state: FormState[ReplyDraft], form_field: FormField) -> str:
        return "\n".join(
            [
                _("↩️ Your answer to {customer}").format(customer=state.draft.customer_label),
                _("They asked: {question}").format(
                    question=esc(shorten(state.draft.question, 600))
                ),
                "",
                _("Type your answer; the bot passes it on with your name."),
            ]
        )

    async def parse(
        self, context: Ctx, state: FormState[ReplyDraft], form_field: FormField, message: Message
    ) -> object:
        return clean_text(message.text or "", max_length=MAX_ANSWER, field=_("The answer"))

    def leave(self, state: FormState[ReplyDraft]) -> Rows:
        return [home_row()]

    async def finish(self, update: Update, context: Ctx, state: FormState[ReplyDraft]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[ReplyDraft]) -> str:
        return ""

    async def save(
        self, update: Update, context: Ctx, state: FormState[ReplyDraft], *, confirmed: bool
    ) -> int:
        talk = await context.bot_data.services.producer_questions.answer(
            current_user().id, state.target_id, state.draft.text or ""
        )
        await close_form(context)
        await show(
            update,
            context,
            _("✉️ Your answer went to {customer}.").format(customer=who(talk.customer)),
            [home_row()],
        )
        return END


@on_button(ReplyToQuestion)
async def on_reply(update: Update, context: Ctx, data: ReplyToQuestion) -> int:
    """Open the answer to a question (a forged, stale or answered one is refused kindly)."""
    user_id = current_user().id
    question, talk = await context.bot_data.services.producer_questions.question(
        user_id, data.question_id
    )
    draft = ReplyDraft(customer_label=who(talk.customer), question=question.text)
    return await start_form(
        update,
        context,
        ReplyForm.kind,
        user_id=user_id,
        ring_id=talk.ring.id,
        target_id=question.id,
        draft=draft,
    )
