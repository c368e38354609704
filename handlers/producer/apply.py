"""Applying to sell in a ring, step by step, and the admins' approve and reject buttons."""

from __future__ import annotations

import dataclasses
import logging
from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    Form,
    FormField,
    FormState,
    Rows,
    ask,
    close_form,
    load_state,
    start_form,
)
from handlers.producer.common import StartOver, home_row
from handlers.producer.product_form import start_product
from handlers.producer.products import ListProducts
from handlers.replies import button, on_button, show
from handlers.text import esc
from rekobot.errors import NotFound, Refusal
from rekobot.i18n import N_, _
from rekobot.services.notices import decision_record
from rekobot.services.producers import ApplicationForm, ProfileField, clean_profile_field

log = logging.getLogger(__name__)

#: The questions of the form, in order.
STEPS: list[ProfileField] = [
    ProfileField.NAME,
    ProfileField.DESCRIPTION,
    ProfileField.PAYMENT_INFO,
    ProfileField.CONTACT,
]


@dataclasses.dataclass(frozen=True)
class ApplyToRing(Callback, prefix="papr"):
    """Apply to sell in this ring."""

    ring_id: int


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
    number = STEPS.index(field) + 1
    return f"({number}/{len(STEPS)}) " + question(field)


class ApplicationDraft(BaseModel):
    """An application being written: the ring, and the profile unless there is one already."""

    ring_id: int
    existing: bool = False
    name: str = ""
    description: str = ""
    payment_info: str = ""
    contact: str = ""


class ApplyForm(Form[ApplicationDraft]):
    """Applying to sell in a ring: the four parts of the profile, then Send."""

    kind = "papply"
    title: ClassVar[str] = N_("Your application")
    draft_type = ApplicationDraft
    save_label: ClassVar[str] = N_("✅ Send application")
    fields = (
        FormField(ProfileField.NAME.value, N_("Name"), ""),
        FormField(ProfileField.DESCRIPTION.value, N_("Description"), ""),
        FormField(ProfileField.PAYMENT_INFO.value, N_("Payment"), ""),
        FormField(ProfileField.CONTACT.value, N_("Contact"), ""),
    )

    def missing(self, state: FormState[ApplicationDraft]) -> list[str]:
        if state.draft.existing:
            return []
        return [f.value for f in STEPS if not getattr(state.draft, f.value)]

    def changeable(self, state: FormState[ApplicationDraft]) -> list[str]:
        return [] if state.draft.existing else [f.value for f in STEPS]

    def prompt(self, state: FormState[ApplicationDraft], form_field: FormField) -> str:
        return numbered_question(ProfileField(form_field.key))

    async def parse(
        self,
        context: Ctx,
        state: FormState[ApplicationDraft],
        form_field: FormField,
        message: Message,
    ) -> object:
        return clean_profile_field(ProfileField(form_field.key), message.text or "")

    def leave(self, state: FormState[ApplicationDraft]) -> Rows:
        if state.draft.existing:
            return [home_row()]
        return [[button("↩️ " + _("Start over"), StartOver("form"))]]

    async def summary(self, context: Ctx, state: FormState[ApplicationDraft]) -> str:
        form = state.draft
        ring_name = await _ring_name(context, form.ring_id)
        if form.existing:
            return _(
                "Apply to sell in <b>{ring}</b> with your producer profile? The ring's admins "
                "will see your name, description, payment instructions and contact."
            ).format(ring=esc(ring_name))
        return "\n".join(
            [
                _("<b>Your application to {ring}</b>").format(ring=esc(ring_name)),
                _("Name: {name}").format(name=esc(form.name)),
                _("Description: {description}").format(description=esc(form.description)),
                _("Payment: {payment}").format(payment=esc(form.payment_info)),
                _("Contact: {contact}").format(contact=esc(form.contact)),
                "",
                _("Send it to the ring's admins?"),
            ]
        )

    async def save(
        self, update: Update, context: Ctx, state: FormState[ApplicationDraft], *, confirmed: bool
    ) -> int:
        form = state.draft
        application = None
        if not form.existing:
            application = ApplicationForm(
                name=form.name,
                description=form.description,
                payment_info=form.payment_info,
                contact=form.contact,
            )
        await close_form(context)
        try:
            result = await context.bot_data.services.producers.apply(
                current_user().id, form.ring_id, application, review_buttons=review_buttons
            )
        except Refusal as refusal:
            await show(update, context, refusal.message(), [home_row()])
            return END
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


async def start_application(update: Update, context: Ctx) -> int:
    """Begin (or continue) the application of someone who is not a producer yet."""
    user_id = current_user().id
    rings = await context.bot_data.services.producers.rings_to_apply(user_id)
    known = {ring.id for ring, _status in rings}
    open_question = await load_state(context)
    if (
        open_question is not None
        and open_question.kind == ApplyForm.kind
        and open_question.ring_id in known
    ):
        form = ApplyForm()
        note = _("Let us continue your application.")
        missing = form.missing(open_question)
        if missing:
            return await ask(update, context, form, open_question, missing[0], note=note)
    if not rings:
        await show(update, context, _("There are no REKO rings here yet. Ask your ring's admin."))
        return END
    intro = _(
        "Sell your food through REKO: customers order here, pay you directly and collect at "
        "the pickup."
    )
    if len(rings) == 1:
        await show(update, context, intro)
        return await open_application(update, context, rings[0][0].id, existing=False)
    rows = [[button(ring.name, ApplyToRing(ring.id))] for ring, _status in rings]
    await show(update, context, intro + "\n\n" + _("Which REKO ring do you want to sell in?"), rows)
    return END


async def open_application(update: Update, context: Ctx, ring_id: int, *, existing: bool) -> int:
    """Open the application form for a ring."""
    draft = ApplicationDraft(ring_id=ring_id, existing=existing)
    return await start_form(
        update,
        context,
        ApplyForm.kind,
        user_id=current_user().id,
        ring_id=ring_id,
        draft=draft,
    )


async def _ring_name(context: Ctx, ring_id: int) -> str:
    rings = await context.bot_data.services.producers.rings_to_apply(current_user().id)
    for ring, _status in rings:
        if ring.id == ring_id:
            return ring.name
    raise NotFound()


@on_button(ApplyToRing)
async def on_apply_to_ring(update: Update, context: Ctx, data: ApplyToRing) -> None:
    """Start an application to the ring that was tapped."""
    await _ring_name(context, data.ring_id)  # refuses rings that do not exist
    profile = await context.bot_data.services.producers.profile(current_user().id)
    await open_application(update, context, data.ring_id, existing=profile is not None)


@on_button(StartOver)
async def on_start_over(update: Update, context: Ctx, data: StartOver) -> None:
    """Forget the unfinished draft and begin again."""
    if data.draft == "form":
        await close_form(context)
        if await context.bot_data.services.producers.profile(current_user().id) is not None:
            await show(update, context, _("OK, nothing was sent."), [home_row()])
        else:
            await start_application(update, context)
        return
    if data.draft != "product":
        raise NotFound()
    await start_product(update, context, fresh=True)


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
