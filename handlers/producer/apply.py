"""Applying to sell in a ring, step by step, and the admins' approve and reject buttons."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.producer.common import (
    APPLY_CONFIRM,
    APPLY_CONTACT,
    APPLY_DESCRIPTION,
    APPLY_NAME,
    APPLY_PAYMENT,
    FORM,
    StartOver,
    ask,
    draft,
    drop,
    home_row,
    typed_text,
)
from handlers.producer.product_form import start_product
from handlers.producer.products import ListProducts
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import NotFound, Refusal
from rekobot.i18n import _
from rekobot.services.producer_messages import decision_record
from rekobot.services.producers import ApplicationForm, ProfileField, clean_profile_field

log = logging.getLogger(__name__)

END = ConversationHandler.END

#: The questions of the form, in order, with the state that waits for each answer.
STEPS: list[tuple[ProfileField, int]] = [
    (ProfileField.NAME, APPLY_NAME),
    (ProfileField.DESCRIPTION, APPLY_DESCRIPTION),
    (ProfileField.PAYMENT_INFO, APPLY_PAYMENT),
    (ProfileField.CONTACT, APPLY_CONTACT),
]


@dataclasses.dataclass(frozen=True)
class ApplyToRing(Callback, prefix="papr"):
    """Apply to sell in this ring."""

    ring_id: int


@dataclasses.dataclass(frozen=True)
class SendApplication(Callback, prefix="papok"):
    """Send the finished application to the ring's admins."""


@dataclasses.dataclass(frozen=True)
class Review(Callback, prefix="prev"):
    """An admin approves (1) or rejects (0) a producer for a ring."""

    producer_id: int
    ring_id: int
    approve: int


def review_buttons(producer_id: int, ring_id: int) -> list[list[tuple[str, str]]]:
    """The admin's buttons under an application, in the admin's language."""
    return [
        [
            ("✅ " + _("Approve"), Review(producer_id, ring_id, 1).pack()),
            ("❌ " + _("Reject"), Review(producer_id, ring_id, 0).pack()),
        ]
    ]


def question(field: ProfileField) -> str:
    """Ask for one part of the profile."""
    if field is ProfileField.NAME:
        return _("What is the name of your farm or business?")
    if field is ProfileField.DESCRIPTION:
        return _("Describe what you sell in a sentence or two. Customers will see this.")
    if field is ProfileField.PAYMENT_INFO:
        return _(
            "How do customers pay you? For example “Vipps 123456”, “Swish 123 456 78 90” or "
            "“cash or card at the pickup”."
        )
    return _("How can the ring's admins reach you? A phone number or an e-mail address.")


def numbered_question(field: ProfileField) -> str:
    """Ask for one part of the form, saying which step of how many it is."""
    number = [f for f, _state in STEPS].index(field) + 1
    return f"({number}/{len(STEPS)}) " + question(field)


async def start_application(update: Update, context: Ctx) -> int:
    """Begin (or continue) the application of someone who is not a producer yet."""
    rings = await context.bot_data.services.producers.rings_to_apply(current_user().id)
    form = draft(context, FORM)
    known = {ring.id for ring, _status in rings}
    if form.get("ring_id") in known:
        return await ask_next(update, context, resumed=True)
    if not rings:
        await show(update, context, _("There are no REKO rings here yet. Ask your ring's admin."))
        return END
    intro = _(
        "Sell your food through REKO: customers order here, pay you directly and collect at "
        "the pickup."
    )
    if len(rings) == 1:
        form.clear()
        form["ring_id"] = rings[0][0].id
        await show(update, context, intro)
        return await ask_next(update, context)
    rows = [[button(ring.name, ApplyToRing(ring.id))] for ring, _status in rings]
    await show(update, context, intro + "\n\n" + _("Which REKO ring do you want to sell in?"), rows)
    return END


def _missing(form: dict[str, object]) -> tuple[ProfileField, int] | None:
    for field, state in STEPS:
        if not form.get(field.value):
            return field, state
    return None


async def ask_next(update: Update, context: Ctx, *, resumed: bool = False) -> int:
    """Ask the first unanswered question, or show the finished application to send."""
    form = draft(context, FORM)
    missing = _missing(form)
    if missing is not None:
        field, state = missing
        text = numbered_question(field)
        rows: list[list[InlineKeyboardButton]] = []
        if resumed:
            text = _("Let us continue your application.") + "\n\n" + text
            rows.append([button("↩️ " + _("Start over"), StartOver("form"))])
        await ask(update, context, text, rows)
        return state
    return await show_summary(update, context)


async def show_summary(update: Update, context: Ctx) -> int:
    """Show the application before it goes to the admins."""
    form = draft(context, FORM)
    ring_name = await _ring_name(context, form.get("ring_id"))
    if form.get("existing"):
        text = _(
            "Apply to sell in <b>{ring}</b> with your producer profile? The ring's admins will "
            "see your name, description, payment instructions and contact."
        ).format(ring=esc(ring_name))
    else:
        text = "\n".join(
            [
                _("<b>Your application to {ring}</b>").format(ring=esc(ring_name)),
                _("Name: {name}").format(name=esc(str(form.get("name")))),
                _("Description: {description}").format(
                    description=esc(str(form.get("description")))
                ),
                _("Payment: {payment}").format(payment=esc(str(form.get("payment_info")))),
                _("Contact: {contact}").format(contact=esc(str(form.get("contact")))),
                "",
                _("Send it to the ring's admins?"),
            ]
        )
    rows = [
        [button("✅ " + _("Send application"), SendApplication())],
        [button("↩️ " + _("Start over"), StartOver("form"))],
    ]
    await ask(update, context, text, rows)
    return APPLY_CONFIRM


async def _ring_name(context: Ctx, ring_id: object) -> str:
    rings = await context.bot_data.services.producers.rings_to_apply(current_user().id)
    for ring, _status in rings:
        if ring.id == ring_id:
            return ring.name
    raise NotFound()


@on_button(ApplyToRing)
async def on_apply_to_ring(update: Update, context: Ctx, data: ApplyToRing) -> int:
    """Start an application to the ring that was tapped."""
    await _ring_name(context, data.ring_id)  # refuses rings that do not exist
    form = draft(context, FORM)
    profile = await context.bot_data.services.producers.profile(current_user().id)
    if profile is not None:
        form.clear()
        form.update({"ring_id": data.ring_id, "existing": True})
        return await show_summary(update, context)
    if form.get("ring_id") != data.ring_id:
        form.clear()
        form["ring_id"] = data.ring_id
    return await ask_next(update, context)


@on_button(StartOver)
async def on_start_over(update: Update, context: Ctx, data: StartOver) -> int:
    """Forget the unfinished draft and begin again."""
    if data.draft == "form":
        drop(context, FORM)
        if await context.bot_data.services.producers.profile(current_user().id) is not None:
            await show(update, context, _("OK, nothing was sent."), [home_row()])
            return END
        return await start_application(update, context)
    if data.draft != "product":
        raise NotFound()
    await context.bot_data.services.catalog.products(current_user().id)  # a producer at all?
    return await start_product(update, context, fresh=True)


def receiver(field: ProfileField, state: int) -> Callable[[Update, Ctx], Coroutine[Any, Any, int]]:
    """Make the handler that takes the typed answer to one question of the form."""

    async def receive(update: Update, context: Ctx) -> int:
        try:
            value = clean_profile_field(field, typed_text(update))
        except Refusal as refusal:
            await ask(update, context, refusal.message() + "\n\n" + numbered_question(field))
            return state
        draft(context, FORM)[field.value] = value
        return await ask_next(update, context)

    receive.__doc__ = f"Take the answer for {field.value}, or ask again saying why."
    return receive


@on_button(SendApplication)
async def on_send(update: Update, context: Ctx, data: SendApplication) -> int:
    """Send the application to the ring's admins and tell the applicant what happens next."""
    form = draft(context, FORM)
    ring_id = form.get("ring_id")
    if not isinstance(ring_id, int):
        raise NotFound()
    application = None
    if not form.get("existing"):
        application = ApplicationForm(
            name=str(form.get("name", "")),
            description=str(form.get("description", "")),
            payment_info=str(form.get("payment_info", "")),
            contact=str(form.get("contact", "")),
        )
    try:
        result = await context.bot_data.services.producers.apply(
            current_user().id, ring_id, application, review_buttons=review_buttons
        )
    except Refusal:
        drop(context, FORM)
        raise
    drop(context, FORM)
    text = "\n".join(
        [
            _("Thank you! Your application is with the admins of <b>{ring}</b>.").format(
                ring=esc(result.ring.name)
            ),
            _("You will get a message here when they have decided."),
            _("Meanwhile, you can add your products."),
        ]
    )
    rows = [[button("🧺 " + _("My products"), ListProducts(0))], home_row()]
    await show(update, context, text, rows)
    return END


@on_button(Review)
async def on_review(update: Update, context: Ctx, data: Review) -> None:
    """Record an admin's decision and show it in place of the buttons."""
    if data.approve not in (0, 1):
        raise Refusal()
    admin = current_user()
    decision = await context.bot_data.services.producers.decide(
        admin.id, data.producer_id, data.ring_id, approve=bool(data.approve)
    )
    await show(
        update,
        context,
        decision_record(decision.producer, decision.ring, decision.approved, admin.display_name),
    )


#: Buttons that begin or restart this conversation.
ENTRY_POINTS = [on_apply_to_ring, on_start_over]
