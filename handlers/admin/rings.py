"""Creating a ring and changing its settings, as forms."""

from __future__ import annotations

from typing import ClassVar

from telegram import Message, Update

from handlers.admin.buttons import AdminHome, RingScreen, StartForm
from handlers.admin.forms import AdminForm, RingAnswers
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    Choice,
    FormField,
    FormState,
    close_form,
    start_form,
)
from handlers.replies import button, show
from handlers.text import esc
from rekobot.errors import NotAllowed
from rekobot.i18n import LANGUAGE_NAMES, N_, _, available_locales, ngettext
from rekobot.models import Ring
from rekobot.parsing import CURRENCIES, suggest_slug
from rekobot.services.rings_admin import (
    TIMEZONES,
    USUAL_CATEGORIES,
    ZONE_CURRENCY,
    RingDraft,
    RingField,
    parse_ring_field,
)

RING_FIELDS = (
    FormField("name", N_("Name"), N_("What is the ring called? For example: REKO Nittedal")),
    FormField(
        "slug",
        N_("Link code"),
        N_(
            "Which code goes into the ring's invite link? Lower-case letters a–z, digits "
            "and -, for example nittedal."
        ),
    ),
    FormField(
        "timezone",
        N_("Time zone"),
        N_("Which time zone is the ring in? Tap one, or type one like Europe/Oslo."),
    ),
    FormField("locale", N_("Language"), N_("Which language should the bot start in?")),
    FormField("currency", N_("Currency"), N_("Which currency are prices in?")),
    FormField(
        "deadline_hours",
        N_("Order deadline"),
        N_("How many hours before a pickup should ordering close? Tap one, or type a number."),
    ),
    FormField(
        "evening_reminder_time",
        N_("Reminder time"),
        N_(
            "At what time on the evening before a pickup should customers get their "
            "reminder? Tap one, or type a time like 19:00."
        ),
    ),
    FormField(
        "description",
        N_("Description"),
        N_("Describe the ring in a sentence or two."),
        optional=True,
    ),
    FormField(
        "categories",
        N_("Categories"),
        N_(
            "Which product categories should producers choose from? Send them separated by "
            "commas, e.g. Vegetables, Meat, Bakery."
        ),
        optional=True,
    ),
)


def ring_summary(draft: RingDraft, bot_username: str) -> list[str]:
    """The ring's settings, one a line."""
    none = "—"
    hours = ngettext(
        "{n} hour before the pickup", "{n} hours before the pickup", draft.deadline_hours
    ).format(n=draft.deadline_hours)
    link = f"t.me/{bot_username}?start={draft.slug}" if draft.slug else none
    return [
        _("Name: {value}").format(value=esc(draft.name) or none),
        _("Link code: {value}").format(value=esc(draft.slug) or none) + f" ({esc(link)})",
        _("Time zone: {value}").format(value=esc(draft.timezone)),
        _("Language: {value}").format(value=LANGUAGE_NAMES.get(draft.locale, draft.locale)),
        _("Currency: {value}").format(value=draft.currency),
        _("Order deadline: {value}").format(value=hours),
        _("Reminder: {time} the evening before").format(time=draft.evening_reminder_time),
        _("Description: {value}").format(value=esc(draft.description) or none),
        _("Categories: {value}").format(value=esc(", ".join(draft.categories)) or none),
    ]


class RingForm(AdminForm[RingAnswers]):
    """A new ring: the name and link code are asked, the rest has defaults."""

    draft_type = RingAnswers
    kind = "ring"
    title: ClassVar[str] = N_("New ring")
    fields = RING_FIELDS
    save_label: ClassVar[str] = N_("✅ Create the ring")

    async def check(self, context: Ctx, user_id: int, state: FormState[RingAnswers]) -> None:
        if not context.bot_data.services.ring_admin.is_operator(user_id):
            raise NotAllowed()

    def draft(self, state: FormState[RingAnswers]) -> RingDraft:
        """The draft as a RingDraft."""
        return RingDraft.from_json(self.data(state))

    def missing(self, state: FormState[RingAnswers]) -> list[str]:
        draft = self.draft(state)
        return [key for key in ("name", "slug") if not getattr(draft, key)]

    async def choices(
        self, context: Ctx, state: FormState[RingAnswers], form_field: FormField
    ) -> list[Choice]:
        if form_field.key == "slug":
            suggestion = suggest_slug(self.draft(state).name)
            return [Choice(suggestion, suggestion)] if suggestion else []
        if form_field.key == "timezone":
            return [Choice(zone, zone) for zone in TIMEZONES]
        if form_field.key == "locale":
            return [Choice(LANGUAGE_NAMES[code], code) for code in available_locales()]
        if form_field.key == "currency":
            return [Choice(code, code) for code in CURRENCIES]
        if form_field.key == "deadline_hours":
            return [Choice(_("{n} h").format(n=n), str(n)) for n in (24, 36, 48)]
        if form_field.key == "evening_reminder_time":
            return [Choice(t, t) for t in ("18:00", "19:00", "20:00")]
        if form_field.key == "categories":
            return [Choice(_("Use the usual ones"), "usual")]
        return []

    async def parse(
        self, context: Ctx, state: FormState[RingAnswers], form_field: FormField, message: Message
    ) -> object:
        return parse_ring_field(RingField(form_field.key), message.text or "")

    def accept(self, state: FormState[RingAnswers], form_field: FormField, value: object) -> None:
        self.put(state, self.draft(state).with_value(RingField(form_field.key), value).to_json())

    def accept_choice(
        self, state: FormState[RingAnswers], form_field: FormField, value: str
    ) -> None:
        if form_field.key == "categories" and value == "usual":
            self.accept(state, form_field, [_(name) for name in USUAL_CATEGORIES])
        else:
            self.accept(state, form_field, parse_ring_field(RingField(form_field.key), value))

    def skip(self, state: FormState[RingAnswers], form_field: FormField) -> None:
        empty: object = [] if form_field.key == "categories" else ""
        self.put(state, self.draft(state).with_value(RingField(form_field.key), empty).to_json())

    async def summary(self, context: Ctx, state: FormState[RingAnswers]) -> str:
        lines = [_("🆕 <b>New ring</b>"), *ring_summary(self.draft(state), context.bot.username)]
        return "\n".join(lines)

    async def save(
        self, update: Update, context: Ctx, state: FormState[RingAnswers], *, confirmed: bool
    ) -> int:
        services = context.bot_data.services
        ring = await services.ring_admin.create_ring(current_user().id, self.draft(state))
        await close_form(context)
        await show_created(update, context, ring)
        return END


async def show_created(update: Update, context: Ctx, ring: Ring) -> None:
    """Say the ring exists and what to do next."""
    text = "\n".join(
        [
            _("✅ <b>{ring}</b> is created.").format(ring=esc(ring.name)),
            _("Next: add a pickup place, then plan the first pickup."),
        ]
    )
    rows = [
        [button(_("📍 Add a pickup place"), StartForm("place", ring.id, 0))],
        [button(_("🔗 Invite link and QR code"), RingScreen(ring.id, "inv"))],
        [button(_("⚙️ Ring menu"), AdminHome(ring.id))],
    ]
    await show(update, context, text, rows)


def new_ring_draft(context: Ctx) -> dict[str, str]:
    """What a new ring starts with: the bot's time zone, language and the zone's currency."""
    settings = context.bot_data.services.settings
    return {
        "timezone": settings.timezone,
        "locale": settings.default_locale,
        "currency": ZONE_CURRENCY.get(settings.timezone, "NOK"),
    }


class RingSettingsForm(RingForm):
    """A ring's settings: change any, then save."""

    kind = "ringset"
    title: ClassVar[str] = N_("Ring settings")
    save_label: ClassVar[str] = N_("✅ Save")

    async def check(self, context: Ctx, user_id: int, state: FormState[RingAnswers]) -> None:
        await context.bot_data.services.ring_admin.ring(user_id, state.ring_id)

    def missing(self, state: FormState[RingAnswers]) -> list[str]:
        return []

    async def summary(self, context: Ctx, state: FormState[RingAnswers]) -> str:
        draft = self.draft(state)
        lines = [
            _("⚙️ <b>Settings of {ring}</b>").format(ring=esc(draft.name)),
            *ring_summary(draft, context.bot.username),
        ]
        return "\n".join(lines)

    async def save(
        self, update: Update, context: Ctx, state: FormState[RingAnswers], *, confirmed: bool
    ) -> int:
        services = context.bot_data.services
        user_id = current_user().id
        current = await services.ring_admin.settings(user_id, state.ring_id)
        draft = self.draft(state)
        before = settings_draft(current.ring, current.categories)
        for ring_field in RingField:
            value = getattr(draft, ring_field.value)
            if value != getattr(before, ring_field.value):
                await services.ring_admin.change(user_id, state.ring_id, ring_field, value)
        await close_form(context)
        await show(
            update,
            context,
            _("✅ Saved."),
            [[button(_("⚙️ Ring menu"), AdminHome(state.ring_id))]],
        )
        return END


def settings_draft(ring: Ring, categories: list[str]) -> RingDraft:
    """A draft holding a ring's settings as they are."""
    return RingDraft(
        name=ring.name,
        slug=ring.slug,
        timezone=ring.timezone,
        locale=ring.locale,
        currency=ring.currency,
        deadline_hours=ring.deadline_hours,
        evening_reminder_time=ring.evening_reminder_time.strftime("%H:%M"),
        description=ring.description,
        categories=categories,
    )


async def open_settings(update: Update, context: Ctx, ring_id: int) -> int:
    """Open the settings form of a ring."""
    user_id = current_user().id
    current = await context.bot_data.services.ring_admin.settings(user_id, ring_id)
    return await start_form(
        update,
        context,
        "ringset",
        user_id=user_id,
        ring_id=ring_id,
        draft=settings_draft(current.ring, current.categories).to_json(),
    )
