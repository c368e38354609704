"""Forms: how the bot asks for something one answer at a time, for any role.

A form keeps a typed draft in the user's one open question (stored in the database, read for
every update). It first asks for what is still missing, then shows a summary with a button per
detail to change it, and Save. A bad answer keeps the draft and asks again, with the reason and
the same buttons; Cancel or /cancel closes the form, saves nothing and leads on. Opening a form
while another is open closes the old one and says so in the first question: the user's newest
tap says what they want, and nothing half-decided has to be remembered. Every button carries the
question's token, so a button of a closed form is refused kindly.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic

from pydantic import BaseModel
from telegram import Message, Update
from telegram.ext import MessageHandler, filters

from handlers.context import Ctx, current_user
from handlers.forms.buttons import FormAction
from handlers.forms.state import D as D  # re-exported: forms are Form[D] subclasses
from handlers.forms.state import EmptyDraft as EmptyDraft
from handlers.forms.state import FormState as FormState
from handlers.forms.state import (
    drop_question,
    load_question,
    read_draft,
    save_question,
)
from handlers.replies import answer, button, on_button, show
from handlers.sending import Button
from rekobot.errors import InvalidInput, Refusal
from rekobot.i18n import N_, _

log = logging.getLogger(__name__)

#: What ``save`` and ``finish`` return: stay in the form (INPUT) or leave it (END).
INPUT = 1
END = -1
Rows = list[list[Button]]
Handler = Callable[[Update, Ctx], Coroutine[Any, Any, object]]

#: What a question can be answered with: typed text, a location or venue, a photo, a contact.
ANSWERS = filters.ChatType.PRIVATE & (
    (filters.TEXT & ~filters.COMMAND) | filters.LOCATION | filters.PHOTO | filters.CONTACT
)


@dataclass(frozen=True)
class Choice:
    """A button that answers a question, with the value it stands for."""

    label: str
    value: str


@dataclass(frozen=True)
class FormField:
    """One detail a form asks for; ``label`` and ``prompt`` are msgids."""

    key: str
    label: str
    prompt: str
    optional: bool = False
    accepts: frozenset[str] = frozenset({"text"})


class Form(ABC, Generic[D]):
    """A kind of form: its fields, its draft's type, and what it does with the answers."""

    kind: ClassVar[str]
    #: The pydantic model of the draft; a stored draft is validated against it when read.
    draft_type: type[D]
    fields: ClassVar[tuple[FormField, ...]]
    #: What the form is, for "your unfinished … was closed" (a msgid).
    title: ClassVar[str] = N_("Question")
    save_label: ClassVar[str] = N_("✅ Save")
    #: Ask in a new message below the pressed one, instead of in its place (a product card).
    ask_below: ClassVar[bool] = False

    def field(self, key: str) -> FormField:
        """Return a field by key."""
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def missing(self, state: FormState[D]) -> list[str]:
        """Keys still to ask, in order, before the summary makes sense."""
        return []

    def changeable(self, state: FormState[D]) -> list[str]:
        """Keys that get a "change" button on the summary."""
        return [f.key for f in self.fields]

    async def check(self, context: Ctx, user_id: int, state: FormState[D]) -> None:
        """Refuse to open the form unless the user may (the services check again on save)."""
        return None

    async def choices(
        self, context: Ctx, state: FormState[D], form_field: FormField
    ) -> list[Choice]:
        """Buttons that answer the question, if any."""
        return []

    async def parse(
        self, context: Ctx, state: FormState[D], form_field: FormField, message: Message
    ) -> object:
        """Read a typed answer (or a sent location or photo); raise InvalidInput if wrong."""
        return message.text or ""

    def prompt(self, state: FormState[D], form_field: FormField) -> str:
        """The question as the user reads it (by default the field's prompt, translated)."""
        return _(form_field.prompt)

    def cancel_label(self) -> str:
        """The label of the button that leaves the form."""
        return _("✖️ Cancel")

    def accept(self, state: FormState[D], form_field: FormField, value: object) -> None:
        """Put an answer into the draft."""
        state.draft = self.draft_type.model_validate(
            {**state.draft.model_dump(), form_field.key: value}
        )

    def accept_choice(self, state: FormState[D], form_field: FormField, value: str) -> None:
        """Put a tapped answer into the draft."""
        self.accept(state, form_field, value)

    def skip(self, state: FormState[D], form_field: FormField) -> None:
        """Leave an optional detail empty."""
        self.accept(state, form_field, None)

    async def finish(self, update: Update, context: Ctx, state: FormState[D]) -> int | None:
        """Act as soon as nothing is missing (a search); None shows the summary instead."""
        return None

    @abstractmethod
    def leave(self, state: FormState[D]) -> Rows:
        """Where the user goes on after the form is cancelled (the role's menu, the item)."""

    async def cancelled(self, update: Update, context: Ctx, state: FormState[D]) -> None:
        """Say the form was left (it is closed already), with the way on."""
        await show(update, context, _("Cancelled. Nothing was saved."), self.leave(state))

    @abstractmethod
    async def summary(self, context: Ctx, state: FormState[D]) -> str:
        """The draft as it stands."""

    @abstractmethod
    async def save(
        self, update: Update, context: Ctx, state: FormState[D], *, confirmed: bool
    ) -> int:
        """Save the draft and show the result (with a button on); INPUT stays, END closes."""


#: The forms that can be opened, by kind (filled by ``add_forms`` at wiring).
FORMS: dict[str, Form[Any]] = {}


def add_forms(forms: Iterable[Form[Any]]) -> None:
    """Make these forms known by their kind (adding one again replaces it)."""
    for form in forms:
        FORMS[form.kind] = form


async def load_state(context: Ctx, user_id: int | None = None) -> FormState[Any] | None:
    """The open form of this user (the sender by default), if any and still readable."""
    user_id = current_user().id if user_id is None else user_id
    question = await load_question(context, user_id)
    if question is None:
        return None
    form = FORMS.get(question.kind)
    state = None if form is None else read_draft(question, form.draft_type)
    if state is None:
        await drop_question(context, user_id)
    return state


async def store_state(context: Ctx, state: FormState[Any]) -> None:
    """Remember the open form."""
    await save_question(context, state)


async def close_form(context: Ctx, user_id: int | None = None) -> None:
    """Forget the open form of this user (the sender by default); its draft is dropped."""
    await drop_question(context, current_user().id if user_id is None else user_id)


def action(state: FormState[Any], name: str, arg: int = 0) -> FormAction:
    """A button of this form."""
    return FormAction(state.token, name, arg)


def two_per_row(buttons: Sequence[Button]) -> Rows:
    """Lay buttons out two a row."""
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


async def start_form(
    update: Update,
    context: Ctx,
    kind: str,
    *,
    user_id: int,
    ring_id: int,
    target_id: int = 0,
    draft: BaseModel | Mapping[str, Any] | None = None,
) -> int:
    """Open a form (after checking the user may) and ask its first question.

    A form the user still had open is closed, and the first question says so.
    """
    form = FORMS[kind]
    data = draft.model_dump() if isinstance(draft, BaseModel) else dict(draft or {})
    state: FormState[Any] = FormState(
        user_id=user_id,
        kind=kind,
        ring_id=ring_id,
        target_id=target_id,
        draft=form.draft_type.model_validate(data),
    )
    await form.check(context, user_id, state)
    previous = await load_state(context, user_id)
    note = ""
    if previous is not None:
        title = _(FORMS[previous.kind].title)
        note = "ℹ️ " + _(
            "“{form}”, which you had open, was closed; nothing of it was saved."
        ).format(form=title)
    await store_state(context, state)
    return await advance(update, context, form, state, note=note)


async def advance(
    update: Update, context: Ctx, form: Form[Any], state: FormState[Any], *, note: str = ""
) -> int:
    """Ask for what is missing, or show the summary."""
    missing = form.missing(state)
    if missing:
        return await ask(update, context, form, state, missing[0], note=note)
    finished = await form.finish(update, context, state)
    if finished is not None:
        return finished
    return await show_summary(update, context, form, state, note=note)


async def ask(
    update: Update,
    context: Ctx,
    form: Form[Any],
    state: FormState[Any],
    key: str,
    *,
    note: str = "",
) -> int:
    """Ask one question with its buttons: answers, Skip if optional, Back, Cancel."""
    form_field = form.field(key)
    state.asking = key
    await store_state(context, state)
    choices = await form.choices(context, state, form_field)
    rows = two_per_row([button(c.label, action(state, "pick", i)) for i, c in enumerate(choices)])
    last = []
    if form_field.optional:
        last.append(button(_("Skip"), action(state, "skip")))
    if not form.missing(state):
        last.append(button(_("◀️ Back"), action(state, "back")))
    last.append(button(form.cancel_label(), action(state, "cancel")))
    rows.append(last)
    text = form.prompt(state, form_field)
    text = f"{note}\n\n{text}" if note else text
    await show(update, context, text, rows, new_message=form.ask_below)
    return INPUT


async def show_summary(
    update: Update, context: Ctx, form: Form[Any], state: FormState[Any], *, note: str = ""
) -> int:
    """Show the draft with a button per detail, Save and Cancel."""
    state.asking = ""
    await store_state(context, state)
    text = await form.summary(context, state)
    if note:
        text = f"{note}\n\n{text}"
    changes = [
        button("✏️ " + _(form.field(key).label), action(state, "ask", index))
        for index, key in enumerate(f.key for f in form.fields)
        if key in form.changeable(state)
    ]
    rows = two_per_row(changes)
    rows.append(
        [
            button(_(form.save_label), action(state, "save")),
            button(form.cancel_label(), action(state, "cancel")),
        ]
    )
    await show(update, context, text, rows)
    return INPUT


def message_kind(message: Message) -> str:
    """What the user sent: text, location (a pin or a venue), photo or contact."""
    if message.location is not None:
        return "location"
    if message.photo:
        return "photo"
    if message.contact is not None:
        return "contact"
    return "text"


async def take_input(update: Update, context: Ctx) -> bool:
    """Read the answer to the open question; False when the user has none open.

    A bad answer keeps the draft and asks again, with the reason and the same buttons.
    """
    message = update.effective_message
    state = await load_state(context)
    if message is None or state is None:
        return False
    form = FORMS[state.kind]
    if not state.asking:
        note = _("Please tap one of the buttons.")
        await show_summary(update, context, form, state, note="⚠️ " + note)
        return True
    form_field = form.field(state.asking)
    before = state.draft
    try:
        if message_kind(message) not in form_field.accepts:
            raise InvalidInput(wrong_kind(form_field))
        value = await form.parse(context, state, form_field, message)
        form.accept(state, form_field, value)
    except Refusal as refusal:
        await ask(update, context, form, state, form_field.key, note=refusal.message())
        return True
    await answered(update, context, form, state, form_field, before)
    return True


async def answered(
    update: Update,
    context: Ctx,
    form: Form[Any],
    state: FormState[Any],
    form_field: FormField,
    before: BaseModel,
) -> int:
    """Go on after an answer; when acting on it is refused, ask the same question again."""
    await store_state(context, state)
    try:
        return await advance(update, context, form, state)
    except Refusal as refusal:
        state.draft = before
        return await ask(update, context, form, state, form_field.key, note=refusal.message())


def wrong_kind(form_field: FormField) -> str:
    """Say what kind of answer the question wants."""
    if form_field.accepts == frozenset({"photo"}):
        return _("Please send a photo.")
    if "location" in form_field.accepts:
        return _("Please send a location, or type the coordinates.")
    return _("Please type your answer.")


@on_button(FormAction)
async def form_button(update: Update, context: Ctx, data: FormAction) -> int | None:
    """A button of the open form; one of a closed form is refused kindly."""
    state = await load_state(context)
    query = update.callback_query
    assert query is not None
    if state is None or state.token != data.token:
        await answer(
            query, _("This question is closed. Please use the newest message."), show_alert=True
        )
        return None
    form = FORMS[state.kind]
    if data.action == "cancel":
        return await cancel(update, context, form, state)
    if data.action == "back":
        return await show_summary(update, context, form, state)
    if data.action == "ask" and 0 <= data.arg < len(form.fields):
        return await ask(update, context, form, state, form.fields[data.arg].key)
    if data.action in ("pick", "skip") and state.asking:
        form_field = form.field(state.asking)
        before = state.draft
        if data.action == "skip" and form_field.optional:
            form.skip(state, form_field)
        elif data.action == "pick":
            choices = await form.choices(context, state, form_field)
            if not 0 <= data.arg < len(choices):
                raise Refusal()
            form.accept_choice(state, form_field, choices[data.arg].value)
        return await answered(update, context, form, state, form_field, before)
    if data.action in ("save", "confirm"):
        try:
            return await form.save(update, context, state, confirmed=data.action == "confirm")
        except Refusal as refusal:
            return await show_summary(update, context, form, state, note="⚠️ " + refusal.message())
    return None


async def cancel(update: Update, context: Ctx, form: Form[Any], state: FormState[Any]) -> int:
    """Close the form, save nothing, and offer the way on."""
    await close_form(context, state.user_id)
    await form.cancelled(update, context, state)
    return END


def answer_handler(fallback: Handler) -> MessageHandler[Ctx, object]:
    """The one handler of typed answers: to the open question, else to ``fallback``."""

    async def answer(update: Update, context: Ctx) -> None:
        if not await take_input(update, context):
            await fallback(update, context)

    return MessageHandler(ANSWERS, answer)


def cancel_handler(fallback: Handler) -> Handler:
    """/cancel: close the open question and lead on, else ``fallback`` (nothing to cancel)."""

    async def cancel_command(update: Update, context: Ctx) -> None:
        state = await load_state(context)
        if state is None:
            await fallback(update, context)
            return
        await cancel(update, context, FORMS[state.kind], state)

    return cancel_command
