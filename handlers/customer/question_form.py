""" "Ask the producer": the customer types a question, and the bot relays it at once."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.context import Ctx, current_user
from handlers.customer.producer_buttons import AskProducer
from handlers.forms.engine import END, Form, FormField, FormState, Rows, close_form, start_form
from handlers.replies import on_button, show
from handlers.text import esc
from rekobot.i18n import N_, _
from rekobot.parsing import clean_text
from rekobot.services.producer_questions import MAX_QUESTION, who


class QuestionDraft(BaseModel):
    """A question being typed, and whom it goes to (names as shown when it opened)."""

    producer_name: str = ""
    customer_label: str = ""
    text: str | None = None


class QuestionForm(Form[QuestionDraft]):
    """One question to a producer (``target_id``) in a ring (``ring_id``); sent when typed."""

    kind = "cquestion"
    title: ClassVar[str] = N_("Question to a producer")
    draft_type = QuestionDraft
    fields = (FormField("text", N_("Question"), ""),)

    def missing(self, state: FormState[QuestionDraft]) -> list[str]:
        return ["text"] if state.draft.text is None else []

    async def check(self, context: Ctx, user_id: int, state: FormState[QuestionDraft]) -> None:
        await context.bot_data.services.producer_questions.can_ask(
            user_id, state.ring_id, state.target_id
        )

    def prompt(self, state: FormState[QuestionDraft], form_field: FormField) -> str:
        return "\n".join(
            [
                _("❓ What do you want to ask <b>{producer}</b>?").format(
                    producer=esc(state.draft.producer_name)
                ),
                _(
                    "Type your question. The bot passes it on with your name, {customer}, "
                    "and the answer comes to you here."
                ).format(customer=state.draft.customer_label),
            ]
        )

    async def parse(
        self, context: Ctx, state: FormState[QuestionDraft], form_field: FormField, message: Message
    ) -> object:
        return clean_text(message.text or "", max_length=MAX_QUESTION, field=_("The question"))

    def leave(self, state: FormState[QuestionDraft]) -> Rows:
        return []

    async def cancelled(
        self, update: Update, context: Ctx, state: FormState[QuestionDraft]
    ) -> None:
        await show(update, context, _("OK, nothing was sent. /shop to order."))

    async def finish(self, update: Update, context: Ctx, state: FormState[QuestionDraft]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[QuestionDraft]) -> str:
        return ""

    async def save(
        self, update: Update, context: Ctx, state: FormState[QuestionDraft], *, confirmed: bool
    ) -> int:
        talk = await context.bot_data.services.producer_questions.ask(
            current_user().id, state.ring_id, state.target_id, state.draft.text or ""
        )
        await close_form(context)
        await show(
            update,
            context,
            _("✉️ Your question went to {producer}. Their answer will come to you here.").format(
                producer=esc(talk.producer.name)
            ),
        )
        return END


@on_button(AskProducer)
async def on_ask_producer(update: Update, context: Ctx, data: AskProducer) -> int:
    """Open the question to a producer (refused for a blocked member or over the limit)."""
    user_id = current_user().id
    talk = await context.bot_data.services.producer_questions.can_ask(
        user_id, data.ring_id, data.producer_id
    )
    draft = QuestionDraft(producer_name=talk.producer.name, customer_label=who(talk.customer))
    return await start_form(
        update,
        context,
        QuestionForm.kind,
        user_id=user_id,
        ring_id=data.ring_id,
        target_id=data.producer_id,
        draft=draft,
    )
