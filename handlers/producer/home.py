"""`/producer`: the producer's home screen, their settings and applying to more rings."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.forms.engine import END, Form, FormField, FormState, Rows, close_form, start_form
from handlers.producer import apply
from handlers.producer.common import Home, home_row
from handlers.producer.links import MyLinks
from handlers.producer.offers import ChooseOfferPickup
from handlers.producer.orders import OrderPickups
from handlers.producer.page_photo import EditPagePhoto
from handlers.producer.posts import ChoosePostPickup
from handlers.producer.products import ListProducts
from handlers.replies import button, on_button, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.errors import Refusal
from rekobot.i18n import N_, _, ngettext
from rekobot.render import pickup_when
from rekobot.services.digests import PickupSummary
from rekobot.services.producers import (
    ProducerProfile,
    ProfileField,
    RingStatus,
    clean_profile_field,
)


@dataclasses.dataclass(frozen=True)
class ProducerSettings(Callback, prefix="pset"):
    """Profile and notes."""


@dataclasses.dataclass(frozen=True)
class SetNotes(Callback, prefix="pnote"):
    """Turn the per-order notes on (1) or off (0)."""

    on: int


@dataclasses.dataclass(frozen=True)
class EditProfile(Callback, prefix="pprof"):
    """Type a new value for a part of the profile."""

    field: str


@dataclasses.dataclass(frozen=True)
class OtherRings(Callback, prefix="prings"):
    """The rings the producer could apply to."""


def status_text(status: RingStatus) -> str:
    """Say where a producer stands with a ring."""
    if status is RingStatus.APPROVED:
        return "✅ " + _("approved")
    if status is RingStatus.PENDING:
        return "⏳ " + _("waiting for approval")
    return "❌ " + _("not approved")


def home_text(profile: ProducerProfile, coming: list[PickupSummary]) -> str:
    """The producer's name, their standing in each ring, and their coming pickups."""
    lines = [f"🧑‍🌾 <b>{esc(profile.producer.name)}</b>"]
    for entry in profile.rings:
        lines.append(f"{esc(entry.ring.name)}: {status_text(entry.status)}")
    if not profile.approved_rings:
        lines += ["", _("While you wait for approval, you can add your products.")]
    for summary in coming[:3]:
        offered = ngettext("{n} product on offer", "{n} products on offer", summary.offered).format(
            n=summary.offered
        )
        orders = ngettext("{n} order", "{n} orders", summary.orders).format(n=summary.orders)
        when = pickup_when(summary.pickup, summary.ring.timezone)
        if len(profile.approved_rings) > 1:
            when = f"{esc(summary.ring.name)}, {when}"
        lines.append(f"\n🗓 {when}\n{offered} · {orders}")
    return "\n".join(lines)


def home_rows() -> list[list[Button]]:
    """The producer menu."""
    return [
        [
            button("🧺 " + _("My products"), ListProducts(0)),
            button("📦 " + _("Offers"), ChooseOfferPickup()),
        ],
        [button("📋 " + _("Orders, digest and handover"), OrderPickups())],
        [
            button("📝 " + _("Weekly post"), ChoosePostPickup()),
            button("🔗 " + _("My link and QR code"), MyLinks()),
        ],
        [
            button("⚙️ " + _("Settings"), ProducerSettings()),
            button("➕ " + _("Another ring"), OtherRings()),
        ],
    ]


async def show_home(update: Update, context: Ctx, profile: ProducerProfile) -> None:
    """Show the producer menu."""
    coming: list[PickupSummary] = []
    if profile.approved_rings:
        now = context.bot_data.services.clock()
        summaries = await context.bot_data.services.digests.pickups(current_user().id)
        coming = [s for s in summaries if s.pickup.ends_at > now]
    await show(update, context, home_text(profile, coming), home_rows())


async def producer_command(update: Update, context: Ctx) -> int:
    """Show the producer menu, or start an application for someone new."""
    profile = await context.bot_data.services.producers.profile(current_user().id)
    if profile is None:
        return await apply.start_application(update, context)
    await show_home(update, context, profile)
    return END


@on_button(Home)
async def on_home(update: Update, context: Ctx, data: Home) -> int:
    """Back to the producer menu."""
    return await producer_command(update, context)


def settings_text(profile: ProducerProfile) -> str:
    """The profile as customers and admins see it, and the notes setting."""
    producer = profile.producer
    notes = _("on") if producer.notes_enabled else _("off")
    return "\n".join(
        [
            "⚙️ <b>" + _("Settings") + "</b>",
            _("Name: {name}").format(name=esc(producer.name)),
            _("Description: {description}").format(
                description=esc(shorten(producer.description, 300)) or "—"
            ),
            _("Payment: {payment}").format(payment=esc(producer.payment_info) or "—"),
            _("Contact: {contact}").format(contact=esc(producer.contact) or "—"),
            _("A note for each new or changed order: {state}").format(state=notes),
        ]
    )


async def show_settings(update: Update, context: Ctx) -> None:
    """Show the profile and the notes switch."""
    profile = await context.bot_data.services.producers.profile(current_user().id)
    if profile is None:
        await apply.start_application(update, context)
        return
    notes = (
        button("🔕 " + _("Turn order notes off"), SetNotes(0))
        if profile.producer.notes_enabled
        else button("🔔 " + _("Turn order notes on"), SetNotes(1))
    )
    rows = [
        [
            button("✏️ " + _("Name"), EditProfile(ProfileField.NAME.value)),
            button("✏️ " + _("Description"), EditProfile(ProfileField.DESCRIPTION.value)),
        ],
        [
            button("✏️ " + _("Payment"), EditProfile(ProfileField.PAYMENT_INFO.value)),
            button("✏️ " + _("Contact"), EditProfile(ProfileField.CONTACT.value)),
        ],
        [button("📷 " + _("Photo for your page"), EditPagePhoto())],
        [notes],
        home_row(),
    ]
    await show(update, context, settings_text(profile), rows)


@on_button(ProducerSettings)
async def on_settings(update: Update, context: Ctx, data: ProducerSettings) -> int:
    """Open the settings."""
    await show_settings(update, context)
    return END


@on_button(SetNotes)
async def on_set_notes(update: Update, context: Ctx, data: SetNotes) -> int:
    """Turn the order notes on or off."""
    if data.on not in (0, 1):
        raise Refusal()
    await context.bot_data.services.producers.set_notes(current_user().id, bool(data.on))
    await show_settings(update, context)
    return END


class ProfileChange(BaseModel):
    """Which part of the profile is being changed, and the new text once it is typed."""

    field: ProfileField
    value: str | None = None


class ProfileForm(Form[ProfileChange]):
    """One part of the producer's profile, typed anew; saved as soon as it is valid."""

    kind = "pprofile"
    title: ClassVar[str] = N_("Settings")
    draft_type = ProfileChange
    fields = (FormField("value", N_("Settings"), ""),)

    def missing(self, state: FormState[ProfileChange]) -> list[str]:
        return ["value"] if state.draft.value is None else []

    def prompt(self, state: FormState[ProfileChange], form_field: FormField) -> str:
        return (
            apply.question(state.draft.field)
            + "\n"
            + _("Send the new text, or /cancel to keep it.")
        )

    def cancel_label(self) -> str:
        return "⬅️ " + _("Back")

    async def parse(
        self, context: Ctx, state: FormState[ProfileChange], form_field: FormField, message: Message
    ) -> object:
        return clean_profile_field(state.draft.field, message.text or "")

    def leave(self, state: FormState[ProfileChange]) -> Rows:
        return [[button("⚙️ " + _("Settings"), ProducerSettings())], home_row()]

    async def cancelled(
        self, update: Update, context: Ctx, state: FormState[ProfileChange]
    ) -> None:
        await show_settings(update, context)

    async def finish(self, update: Update, context: Ctx, state: FormState[ProfileChange]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[ProfileChange]) -> str:
        return ""

    async def save(
        self, update: Update, context: Ctx, state: FormState[ProfileChange], *, confirmed: bool
    ) -> int:
        await context.bot_data.services.producers.update_field(
            current_user().id, state.draft.field, state.draft.value or ""
        )
        await close_form(context)
        await show_settings(update, context)
        return END


@on_button(EditProfile)
async def on_edit_profile(update: Update, context: Ctx, data: EditProfile) -> int:
    """Ask for a new value of one part of the profile."""
    try:
        field = ProfileField(data.field)
    except ValueError:
        raise Refusal() from None
    user_id = current_user().id
    if await context.bot_data.services.producers.profile(user_id) is None:
        return await apply.start_application(update, context)
    draft = ProfileChange(field=field)
    return await start_form(
        update, context, ProfileForm.kind, user_id=user_id, ring_id=0, draft=draft
    )


@on_button(OtherRings)
async def on_other_rings(update: Update, context: Ctx, data: OtherRings) -> int:
    """List the rings, with the producer's standing, to apply to another one."""
    rings = await context.bot_data.services.producers.rings_to_apply(current_user().id)
    lines = ["➕ <b>" + _("Sell in another ring") + "</b>"]
    rows = []
    for ring, status in rings:
        if status is None or status is RingStatus.REJECTED:
            rows.append([button(ring.name, apply.ApplyToRing(ring.id))])
        if status is not None:
            lines.append(f"{esc(ring.name)}: {status_text(status)}")
    if rows:
        lines.append(_("Tap a ring to apply to it with your profile."))
    else:
        lines.append(_("There are no other rings to apply to."))
    await show(update, context, "\n".join(lines), [*rows, home_row()])
    return END


#: Plain buttons of this screen.
BUTTONS = [on_home, on_settings, on_set_notes, on_other_rings, on_edit_profile]
