"""Forms: how an admin fills in a ring, a place, a pickup or a broadcast, one answer at a time.

A form keeps a draft in the user's (persisted) data. It first asks for what is still missing,
then shows a summary with a button per detail to change it, and Save. A bad answer keeps the
draft and says why; /cancel leaves the form and saves nothing. Each form's buttons carry a
token, so a button of an older form does nothing.
"""

from __future__ import annotations

import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from telegram import InlineKeyboardButton, Message, Update
from telegram.ext import ConversationHandler

from handlers.admin.buttons import FormAction
from handlers.context import Ctx
from handlers.replies import button, on_button, show
from rekobot.errors import InvalidInput, Refusal
from rekobot.i18n import N_, _

log = logging.getLogger(__name__)

INPUT = 1
END = ConversationHandler.END
FORM_KEY = "admin_form"
Rows = list[list[InlineKeyboardButton]]


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


@dataclass
class FormState:
    """An open form: which one, its draft, and what it is asking now."""

    kind: str
    ring_id: int
    target_id: int = 0
    draft: dict[str, Any] = field(default_factory=dict)
    asking: str = ""
    token: int = field(default_factory=lambda: secrets.randbelow(2**31 - 1) + 1)

    def to_json(self) -> dict[str, Any]:
        """The state as JSON-able data."""
        return {
            "kind": self.kind,
            "ring_id": self.ring_id,
            "target_id": self.target_id,
            "draft": self.draft,
            "asking": self.asking,
            "token": self.token,
        }

    @classmethod
    def from_json(cls, data: object) -> FormState | None:
        """Read a state back; None when there is none or it is unreadable."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                kind=str(data["kind"]),
                ring_id=int(data["ring_id"]),
                target_id=int(data.get("target_id", 0)),
                draft=dict(data.get("draft") or {}),
                asking=str(data.get("asking", "")),
                token=int(data["token"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class Form(ABC):
    """A kind of form: its fields and what it does with the answers."""

    kind: ClassVar[str]
    fields: ClassVar[tuple[FormField, ...]]
    save_label: ClassVar[str] = N_("✅ Save")

    def field(self, key: str) -> FormField:
        """Return a field by key."""
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def missing(self, state: FormState) -> list[str]:
        """Keys still to ask, in order, before the summary makes sense."""
        return []

    def changeable(self, state: FormState) -> list[str]:
        """Keys that get a "change" button on the summary."""
        return [f.key for f in self.fields]

    async def check(self, context: Ctx, user_id: int, state: FormState) -> None:
        """Refuse to open the form unless the user may (the services check again on save)."""
        return None

    async def choices(self, context: Ctx, state: FormState, form_field: FormField) -> list[Choice]:
        """Buttons that answer the question, if any."""
        return []

    async def parse(
        self, context: Ctx, state: FormState, form_field: FormField, message: Message
    ) -> object:
        """Read a typed answer (or a sent location or photo); raise InvalidInput if wrong."""
        return message.text or ""

    def accept(self, state: FormState, form_field: FormField, value: object) -> None:
        """Put an answer into the draft."""
        state.draft[form_field.key] = value

    def accept_choice(self, state: FormState, form_field: FormField, value: str) -> None:
        """Put a tapped answer into the draft."""
        self.accept(state, form_field, value)

    def skip(self, state: FormState, form_field: FormField) -> None:
        """Leave an optional detail empty."""
        state.draft[form_field.key] = None

    async def finish(self, update: Update, context: Ctx, state: FormState) -> int | None:
        """Act as soon as nothing is missing (a search); None shows the summary instead."""
        return None

    @abstractmethod
    async def summary(self, context: Ctx, state: FormState) -> str:
        """The draft as it stands."""

    @abstractmethod
    async def save(self, update: Update, context: Ctx, state: FormState, *, confirmed: bool) -> int:
        """Save the draft and show the result; return INPUT to stay in the form, else END."""


#: The forms the admin conversation can open, by kind (filled by ``add_forms`` at wiring).
FORMS: dict[str, Form] = {}


def add_forms(forms: Iterable[Form]) -> None:
    """Make these forms known by their kind (adding one again replaces it)."""
    for form in forms:
        FORMS[form.kind] = form


def load_state(context: Ctx) -> FormState | None:
    """The open form of this user, if any."""
    assert context.user_data is not None
    return FormState.from_json(context.user_data.get(FORM_KEY))


def store_state(context: Ctx, state: FormState) -> None:
    """Remember the open form."""
    assert context.user_data is not None
    context.user_data[FORM_KEY] = state.to_json()


def close_form(context: Ctx) -> None:
    """Forget the open form (its draft is dropped)."""
    if context.user_data is not None:
        context.user_data.pop(FORM_KEY, None)


def action(state: FormState, name: str, arg: int = 0) -> FormAction:
    """A button of this form."""
    return FormAction(state.token, name, arg)


def two_per_row(buttons: Sequence[InlineKeyboardButton]) -> Rows:
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
    draft: dict[str, Any] | None = None,
) -> int:
    """Open a form (after checking the user may) and ask its first question."""
    form = FORMS[kind]
    state = FormState(kind=kind, ring_id=ring_id, target_id=target_id, draft=draft or {})
    await form.check(context, user_id, state)
    store_state(context, state)
    return await advance(update, context, form, state)


async def advance(update: Update, context: Ctx, form: Form, state: FormState) -> int:
    """Ask for what is missing, or show the summary."""
    missing = form.missing(state)
    if missing:
        return await ask(update, context, form, state, missing[0])
    finished = await form.finish(update, context, state)
    if finished is not None:
        return finished
    return await show_summary(update, context, form, state)


async def ask(update: Update, context: Ctx, form: Form, state: FormState, key: str) -> int:
    """Ask one question, with its answer buttons."""
    form_field = form.field(key)
    state.asking = key
    store_state(context, state)
    choices = await form.choices(context, state, form_field)
    rows = two_per_row([button(c.label, action(state, "pick", i)) for i, c in enumerate(choices)])
    last = []
    if form_field.optional:
        last.append(button(_("Skip"), action(state, "skip")))
    if not form.missing(state):
        last.append(button(_("◀️ Back"), action(state, "back")))
    last.append(button(_("✖️ Cancel"), action(state, "cancel")))
    rows.append(last)
    await show(update, context, _(form_field.prompt), rows)
    return INPUT


async def show_summary(
    update: Update, context: Ctx, form: Form, state: FormState, *, note: str = ""
) -> int:
    """Show the draft with a button per detail, Save and Cancel."""
    state.asking = ""
    store_state(context, state)
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
            button(_("✖️ Cancel"), action(state, "cancel")),
        ]
    )
    await show(update, context, text, rows)
    return INPUT


def message_kind(message: Message) -> str:
    """What the user sent: text, location (a pin or a venue) or photo."""
    if message.location is not None:
        return "location"
    if message.photo:
        return "photo"
    return "text"


async def take_input(update: Update, context: Ctx) -> int:
    """Read the answer to the question being asked; a bad one keeps the draft and says why."""
    message = update.effective_message
    state = load_state(context)
    if message is None or state is None or state.kind not in FORMS:
        close_form(context)
        return END
    form = FORMS[state.kind]
    if not state.asking:
        await show(update, context, _("Please tap one of the buttons above, or /cancel."))
        return INPUT
    form_field = form.field(state.asking)
    kind = message_kind(message)
    try:
        if kind not in form_field.accepts:
            raise InvalidInput(wrong_kind(form_field))
        value = await form.parse(context, state, form_field, message)
        form.accept(state, form_field, value)
    except Refusal as refusal:
        store_state(context, state)
        rows = [[button(_("✖️ Cancel"), action(state, "cancel"))]]
        if form_field.optional:
            rows[0].insert(0, button(_("Skip"), action(state, "skip")))
        await show(update, context, refusal.message() + "\n\n" + _(form_field.prompt), rows)
        return INPUT
    store_state(context, state)
    return await advance(update, context, form, state)


def wrong_kind(form_field: FormField) -> str:
    """Say what kind of answer the question wants."""
    if form_field.accepts == frozenset({"photo"}):
        return _("Please send a photo.")
    if "location" in form_field.accepts:
        return _("Please send a location, or type the coordinates.")
    return _("Please type your answer.")


@on_button(FormAction)
async def form_button(update: Update, context: Ctx, data: FormAction) -> int | None:
    """A button of the open form."""
    state = load_state(context)
    query = update.callback_query
    assert query is not None
    if state is None or state.token != data.token or state.kind not in FORMS:
        await query.answer(_("This form is closed. Open /admin to start again."), show_alert=True)
        return None
    form = FORMS[state.kind]
    if data.action == "cancel":
        close_form(context)
        await show(update, context, _("Cancelled. Nothing was saved. /admin for the menu."))
        return END
    if data.action == "back":
        return await show_summary(update, context, form, state)
    if data.action == "ask" and 0 <= data.arg < len(form.fields):
        return await ask(update, context, form, state, form.fields[data.arg].key)
    if data.action in ("pick", "skip") and state.asking:
        form_field = form.field(state.asking)
        if data.action == "skip" and form_field.optional:
            form.skip(state, form_field)
        elif data.action == "pick":
            choices = await form.choices(context, state, form_field)
            if not 0 <= data.arg < len(choices):
                raise Refusal()
            form.accept_choice(state, form_field, choices[data.arg].value)
        store_state(context, state)
        return await advance(update, context, form, state)
    if data.action in ("save", "confirm"):
        try:
            return await form.save(update, context, state, confirmed=data.action == "confirm")
        except Refusal as refusal:
            return await show_summary(update, context, form, state, note="⚠️ " + refusal.message())
    return None


async def cancel_form(update: Update, context: Ctx) -> int:
    """Leave the form; nothing is saved."""
    close_form(context)
    await show(update, context, _("Cancelled. Nothing was saved. /admin for the menu."))
    return END
