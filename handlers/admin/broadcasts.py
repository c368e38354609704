"""Writing a broadcast: text, photo, map pin, audience; a preview, a confirmation, and stop."""

from __future__ import annotations

from typing import ClassVar

from telegram import Message, Update

from handlers.admin.forms import AdminForm, BroadcastAnswers
from handlers.admin.progress import StopBroadcast, progress_rows, progress_text
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    INPUT,
    Choice,
    FormField,
    FormState,
    action,
    close_form,
)
from handlers.outbox import send_out_message
from handlers.replies import button, on_button, show
from handlers.text import esc, shorten
from rekobot.errors import InvalidInput
from rekobot.i18n import N_, _, ngettext, number
from rekobot.render import pickup_when
from rekobot.services.broadcasts import (
    PICKUP_AUDIENCES,
    AudienceSize,
    BroadcastDraft,
    parse_broadcast_text,
)
from storage.broadcasts import Audience

AUDIENCE_LABELS = {
    Audience.ALL: N_("All members"),
    Audience.ORDERED: N_("Customers with an order for a pickup"),
    Audience.NOT_ORDERED: N_("Members without an order for a pickup"),
    Audience.PRODUCERS: N_("The ring's producers"),
}

BROADCAST_FIELDS = (
    FormField("text", N_("Message"), N_("What do you want to tell them? Send the text.")),
    FormField(
        "photo",
        N_("Photo"),
        N_("Add a photo? Send it, or tap Skip."),
        optional=True,
        accepts=frozenset({"photo"}),
    ),
    FormField(
        "place",
        N_("Map pin"),
        N_("Attach a pickup place as a map pin? Tap one, or Skip."),
        optional=True,
    ),
    FormField("audience", N_("Audience"), N_("Who should get it?")),
    FormField("pickup", N_("Pickup"), N_("Which pickup is it about?")),
)


class BroadcastForm(AdminForm[BroadcastAnswers]):
    """A broadcast: asked step by step, then previewed exactly as members will see it."""

    draft_type = BroadcastAnswers
    kind = "bcast"
    title: ClassVar[str] = N_("Broadcast")
    fields = BROADCAST_FIELDS
    save_label: ClassVar[str] = N_("👀 Preview")

    async def check(self, context: Ctx, user_id: int, state: FormState[BroadcastAnswers]) -> None:
        await context.bot_data.services.ring_admin.ring(user_id, state.ring_id)

    def draft(self, state: FormState[BroadcastAnswers]) -> BroadcastDraft:
        """The draft as a BroadcastDraft."""
        return BroadcastDraft.from_json(self.data(state))

    def asked(self, state: FormState[BroadcastAnswers]) -> list[str]:
        """Optional questions already answered or skipped."""
        return list(state.draft.asked)

    def missing(self, state: FormState[BroadcastAnswers]) -> list[str]:
        draft = self.draft(state)
        keys = [] if draft.text else ["text"]
        keys += [k for k in ("photo", "place", "audience") if k not in self.asked(state)]
        if draft.audience_kind in PICKUP_AUDIENCES and draft.pickup_id is None:
            keys.append("pickup")
        return keys

    def changeable(self, state: FormState[BroadcastAnswers]) -> list[str]:
        keys = ["text", "photo", "place", "audience"]
        if self.draft(state).audience_kind in PICKUP_AUDIENCES:
            keys.append("pickup")
        return keys

    def remember(self, state: FormState[BroadcastAnswers], key: str, **changes: object) -> None:
        """Change the draft and note the question as answered."""
        draft = self.draft(state).changed(**changes)
        self.put(state, {**draft.to_json(), "asked": sorted({*self.asked(state), key})})

    async def choices(
        self, context: Ctx, state: FormState[BroadcastAnswers], form_field: FormField
    ) -> list[Choice]:
        services = context.bot_data.services
        user_id = current_user().id
        if form_field.key == "place":
            places = await services.place_admin.places(user_id, state.ring_id)
            return [Choice(place.name, str(place.id)) for place in places]
        if form_field.key == "audience":
            return [Choice(_(label), kind.value) for kind, label in AUDIENCE_LABELS.items()]
        if form_field.key == "pickup":
            ring = await services.ring_admin.ring(user_id, state.ring_id)
            pickups = await services.pickup_admin.pickups(user_id, state.ring_id)
            return [
                Choice(f"{pickup_when(p, ring.timezone)}"[:60], str(p.id))
                for p in pickups
                if p.status.value == "scheduled"
            ]
        return []

    async def parse(
        self,
        context: Ctx,
        state: FormState[BroadcastAnswers],
        form_field: FormField,
        message: Message,
    ) -> object:
        if form_field.key == "text":
            return parse_broadcast_text(message.text or "")
        if form_field.key == "photo":
            return message.photo[-1].file_id
        raise InvalidInput(_("Please tap one of the buttons."))

    def accept(
        self, state: FormState[BroadcastAnswers], form_field: FormField, value: object
    ) -> None:
        key = form_field.key
        if key == "text":
            self.remember(state, key, text=value)
        elif key == "photo":
            self.remember(state, key, photo_file_id=value)
        elif key == "place":
            self.remember(state, key, place_id=int(str(value)))
        elif key == "audience":
            self.remember(state, key, audience=Audience(str(value)).value)
        elif key == "pickup":
            self.remember(state, key, pickup_id=int(str(value)))

    def skip(self, state: FormState[BroadcastAnswers], form_field: FormField) -> None:
        if form_field.key == "photo":
            self.remember(state, "photo", photo_file_id=None)
        elif form_field.key == "place":
            self.remember(state, "place", place_id=None)

    async def size(self, context: Ctx, state: FormState[BroadcastAnswers]) -> AudienceSize:
        """How many the broadcast would reach now."""
        return await context.bot_data.services.broadcasts.audience_size(
            current_user().id, state.ring_id, self.draft(state)
        )

    async def summary(self, context: Ctx, state: FormState[BroadcastAnswers]) -> str:
        services = context.bot_data.services
        draft = self.draft(state)
        size = await self.size(context, state)
        audience = _(AUDIENCE_LABELS.get(draft.audience_kind, AUDIENCE_LABELS[Audience.ALL]))
        if draft.pickup_id is not None and draft.audience_kind in PICKUP_AUDIENCES:
            info = await services.pickup_admin.info(current_user().id, draft.pickup_id)
            audience += f" ({pickup_when(info.pickup, info.ring.timezone)})"
        place = "—"
        if draft.place_id is not None:
            place = esc((await services.place_admin.place(current_user().id, draft.place_id)).name)
        lines = [
            _("📣 <b>New broadcast</b>"),
            _("To: {audience}").format(audience=audience),
            ngettext("That is {n} person.", "That is {n} people.", size.reachable).format(
                n=number(size.reachable)
            ),
        ]
        if size.unreachable:
            lines.append(
                ngettext(
                    "{n} blocked the bot and is left out.",
                    "{n} blocked the bot and are left out.",
                    size.unreachable,
                ).format(n=number(size.unreachable))
            )
        lines += [
            _("Photo: {value}").format(value=_("yes") if draft.photo_file_id else "—"),
            _("Map pin: {value}").format(value=place),
            "",
            esc(shorten(draft.text, 600)),
        ]
        return "\n".join(lines)

    async def save(
        self, update: Update, context: Ctx, state: FormState[BroadcastAnswers], *, confirmed: bool
    ) -> int:
        services = context.bot_data.services
        user_id = current_user().id
        draft = self.draft(state)
        chat = update.effective_chat
        assert chat is not None
        if not confirmed:
            size = await self.size(context, state)
            preview = await services.broadcasts.preview(user_id, state.ring_id, draft)
            await show(update, context, _("👀 <b>Preview</b> — this is what they will get:"))
            for message in preview:
                await send_out_message(context.bot, chat.id, message, outbox=False)
            text = ngettext(
                "Send this to {n} person now?", "Send this to {n} people now?", size.reachable
            ).format(n=number(size.reachable))
            rows = [
                [button(_("✅ Send it"), action(state, "confirm"))],
                [
                    button(_("✏️ Change"), action(state, "back")),
                    button(_("✖️ Cancel"), action(state, "cancel")),
                ],
            ]
            await show(update, context, text, rows, new_message=True)
            return INPUT
        query = update.callback_query
        assert query is not None and query.message is not None
        # The confirmation becomes the progress message, which the sender keeps up to date.
        broadcast, _count = await services.broadcasts.send(
            user_id, state.ring_id, draft, progress=(chat.id, query.message.message_id)
        )
        await close_form(context)
        progress = await services.broadcasts.progress(user_id, broadcast.id)
        await show(update, context, progress_text(progress), progress_rows(progress))
        return END


@on_button(StopBroadcast)
async def stop_broadcast(update: Update, context: Ctx, data: StopBroadcast) -> None:
    """Stop a running broadcast; what has not gone out is not sent."""
    progress = await context.bot_data.services.broadcasts.stop(current_user().id, data.broadcast_id)
    await show(update, context, progress_text(progress), progress_rows(progress))
