"""Planning a pickup or a weekly series, and changing one, as admin forms."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from telegram import Message, Update

from handlers.admin.buttons import PickupScreen, RingScreen
from handlers.admin.forms import AdminForm, PickupAnswers
from handlers.admin.pickups import people, short_day, show_pickup
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
from handlers.replies import button, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import InvalidInput, NotFound
from rekobot.i18n import N_, _, clock_time, day, ngettext
from rekobot.models import PickupStatus, Ring
from rekobot.render import pickup_when
from rekobot.services.pickups_admin import (
    OPENS_ON_ANNOUNCE,
    PickupDraft,
    PickupField,
    parse_count,
    parse_date,
    parse_deadline,
    parse_opening,
    parse_time_range,
)

Rows = list[list[Button]]

PLACE = FormField("place", N_("Place"), N_("Where is the pickup? Tap a place."))
DATE = FormField(
    "date", N_("Date"), N_("Which day? Tap one, or type a date like 4.12 or 4.12.2026.")
)
FIRST_DATE = FormField(
    "date",
    N_("First date"),
    N_("On which day is the first pickup? Tap one, or type a date like 4.12."),
)
TIME = FormField("time", N_("Time"), N_("From when to when? Tap one, or type it like 17:00-18:00."))
DEADLINE = FormField(
    "deadline",
    N_("Order deadline"),
    N_(
        "When should ordering close? Tap one, or type the hours before the start (36) or "
        "a day and time (2.12 20:00)."
    ),
)
OPENS = FormField(
    "opens",
    N_("Orders open"),
    N_(
        "When should ordering open? Tap one, or type the days before the start (7) or a day "
        "and time (30.11 18:00). Producers can put out offers before that."
    ),
)
#: The choice that keeps the ring's rule (``PickupDraft.opens`` empty).
RING_RULE = "ring"
EVERY = FormField("every", N_("Repeat"), N_("How often?"))
COUNT = FormField(
    "count", N_("How many"), N_("How many pickups in all? Tap one, or type a number.")
)


def opening_line(draft: PickupDraft, ring: Ring) -> str:
    """When the (first) pickup opens for orders, and by which rule."""
    opens, fixed = draft.opening(ring)
    if opens is None:
        return "🛒 " + _("Orders open when you announce the pickup")
    zone = ring.timezone
    line = "🛒 " + _("Orders open {day} at {time}").format(
        day=day(opens, zone), time=clock_time(opens, zone)
    )
    if not fixed:
        line += " (" + _("the ring's rule") + ")"
    return line


def deadline_rule(draft: PickupDraft, ring: Ring) -> str:
    """How the deadline was set, e.g. "36 hours before"."""
    if draft.deadline_at:
        return ""
    hours = draft.deadline_hours if draft.deadline_hours is not None else ring.deadline_hours
    return ngettext("{n} hour before", "{n} hours before", hours).format(n=hours)


class PickupForm(AdminForm[PickupAnswers]):
    """One new pickup: place, day and time are asked; the deadline is the ring's usual."""

    draft_type = PickupAnswers
    kind = "pickup"
    title: ClassVar[str] = N_("New pickup")
    fields: ClassVar[tuple[FormField, ...]] = (PLACE, DATE, TIME, DEADLINE, OPENS)
    save_label: ClassVar[str] = N_("✅ Plan the pickup")

    async def check(self, context: Ctx, user_id: int, state: FormState[PickupAnswers]) -> None:
        places = await context.bot_data.services.place_admin.places(user_id, state.ring_id)
        if not places:
            raise InvalidInput(_("Add a pickup place first, under 📍 Places."))

    def draft(self, state: FormState[PickupAnswers]) -> PickupDraft:
        """The draft as a PickupDraft."""
        return PickupDraft.from_json(self.data(state))

    def missing(self, state: FormState[PickupAnswers]) -> list[str]:
        keys = {PickupField.PLACE: "place", PickupField.DATE: "date", PickupField.TIME: "time"}
        return [keys[f] for f in self.draft(state).missing if f in keys]

    async def ring(self, context: Ctx, state: FormState[PickupAnswers]) -> Ring:
        """The ring the pickup is for (checked again)."""
        return await context.bot_data.services.ring_admin.ring(current_user().id, state.ring_id)

    async def choices(
        self, context: Ctx, state: FormState[PickupAnswers], form_field: FormField
    ) -> list[Choice]:
        services = context.bot_data.services
        if form_field.key == "place":
            places = await services.place_admin.places(current_user().id, state.ring_id)
            return [Choice(place.name, str(place.id)) for place in places]
        ring = await self.ring(context, state)
        if form_field.key == "date":
            today = services.pickup_admin.today(ring)
            days = [today + timedelta(days=n) for n in range(1, 9)]
            return [Choice(short_day(d), d.isoformat()) for d in days]
        if form_field.key == "time":
            return [Choice(t, t) for t in ("16:00-17:00", "17:00-18:00", "18:00-19:00")]
        if form_field.key == "deadline":
            usual = ring.deadline_hours
            hours = [usual] + [h for h in (24, 36, 48) if h != usual]
            return [
                Choice(
                    _("{n} h before (usual)").format(n=h)
                    if h == usual
                    else _("{n} h before").format(n=h),
                    str(h),
                )
                for h in hours
            ]
        if form_field.key == "opens":
            ring_rule = (
                ngettext(
                    "{n} day before (usual)", "{n} days before (usual)", ring.orders_open_days
                ).format(n=ring.orders_open_days)
                if ring.orders_open_days
                else _("When announced (usual)")
            )
            spans = [n for n in (3, 7) if n != ring.orders_open_days]
            choices = [Choice(ring_rule, RING_RULE)]
            if ring.orders_open_days:
                choices.append(Choice(_("When announced"), OPENS_ON_ANNOUNCE))
            days_before = [
                Choice(ngettext("{n} day before", "{n} days before", n).format(n=n), str(n))
                for n in spans
            ]
            return choices + days_before
        if form_field.key == "every":
            return [Choice(_("Every week"), "1"), Choice(_("Every other week"), "2")]
        if form_field.key == "count":
            return [Choice(str(n), str(n)) for n in (4, 8, 12)]
        return []

    async def parse(
        self, context: Ctx, state: FormState[PickupAnswers], form_field: FormField, message: Message
    ) -> object:
        text = message.text or ""
        if form_field.key == "place":
            for choice in await self.choices(context, state, form_field):
                if choice.label.casefold() == text.strip().casefold():
                    return choice.value
            raise InvalidInput(_("Tap one of the places. New places are added under 📍 Places."))
        ring = await self.ring(context, state)
        today = context.bot_data.services.pickup_admin.today(ring)
        if form_field.key == "date":
            return parse_date(text, today)
        if form_field.key == "time":
            return parse_time_range(text)
        if form_field.key == "deadline":
            return parse_deadline(text, self.draft(state), ring, today)
        if form_field.key == "count":
            return parse_count(text)
        if form_field.key == "opens":
            return parse_opening(text, self.draft(state), ring, today)
        raise InvalidInput(_("Please tap one of the buttons."))

    def accept(self, state: FormState[PickupAnswers], form_field: FormField, value: object) -> None:
        pickup_field = PickupField(form_field.key)
        self.put(state, self.draft(state).with_value(pickup_field, value).to_json())

    def accept_choice(
        self, state: FormState[PickupAnswers], form_field: FormField, value: str
    ) -> None:
        if form_field.key == "date":
            self.accept(state, form_field, date.fromisoformat(value))
        elif form_field.key == "time":
            self.accept(state, form_field, parse_time_range(value))
        elif form_field.key == "opens":
            self.accept(state, form_field, "" if value == RING_RULE else value)
        else:
            self.accept(state, form_field, value)

    async def describe(self, context: Ctx, state: FormState[PickupAnswers]) -> list[str]:
        """Where, when and until when, for the summary."""
        ring = await self.ring(context, state)
        draft = self.draft(state)
        place = await context.bot_data.services.place_admin.place(
            current_user().id, draft.place_id or 0
        )
        starts, ends, deadline = draft.times(ring)
        zone = ring.timezone
        when = _("{day}, {start}–{end}").format(
            day=day(starts, zone), start=clock_time(starts, zone), end=clock_time(ends, zone)
        )
        rule = deadline_rule(draft, ring)
        order_by = _("Order by {deadline}").format(
            deadline=_("{day} at {time}").format(
                day=day(deadline, zone), time=clock_time(deadline, zone)
            )
        )
        return [
            "📍 " + esc(place.name),
            "🗓 " + when,
            "⏰ " + order_by + (f" ({rule})" if rule else ""),
            opening_line(draft, ring),
        ]

    async def summary(self, context: Ctx, state: FormState[PickupAnswers]) -> str:
        return "\n".join([_("🗓 <b>New pickup</b>"), *await self.describe(context, state)])

    async def save(
        self, update: Update, context: Ctx, state: FormState[PickupAnswers], *, confirmed: bool
    ) -> int:
        services = context.bot_data.services
        created = await services.pickup_admin.create(
            current_user().id, state.ring_id, self.draft(state)
        )
        await close_form(context)
        ring = await services.ring_admin.ring(current_user().id, state.ring_id)
        lines = [
            ngettext(
                "✅ {n} pickup is planned:", "✅ {n} pickups are planned:", len(created)
            ).format(n=len(created))
        ]
        lines += [f"• {pickup_when(p, ring.timezone)}" for p in created[:12]]
        if len(created) > 12:
            lines.append("…")
        lines.append(_("Announce it when the producers have put up their offers."))
        first = created[0]
        rows: Rows = [
            [button(_("🗓 Open the pickup"), PickupScreen(first.id, "show"))],
            [button(_("◀️ Pickups"), RingScreen(state.ring_id, "pku"))],
        ]
        await show(update, context, "\n".join(lines), rows)
        return END


class SeriesForm(PickupForm):
    """Pickups every week or every other week, on the first date's weekday, N times."""

    kind = "series"
    title: ClassVar[str] = N_("Pickup series")
    fields: ClassVar[tuple[FormField, ...]] = (
        PLACE,
        FIRST_DATE,
        TIME,
        EVERY,
        COUNT,
        DEADLINE,
        OPENS,
    )
    save_label: ClassVar[str] = N_("✅ Plan the pickups")

    def missing(self, state: FormState[PickupAnswers]) -> list[str]:
        keys = super().missing(state)
        if not state.draft.count:
            keys.append("count")
        return keys

    async def parse(
        self, context: Ctx, state: FormState[PickupAnswers], form_field: FormField, message: Message
    ) -> object:
        value = await super().parse(context, state, form_field, message)
        if form_field.key == "deadline" and not isinstance(value, int):
            raise InvalidInput(_("For a series, send the hours before each pickup, like 36."))
        return value

    async def summary(self, context: Ctx, state: FormState[PickupAnswers]) -> str:
        ring = await self.ring(context, state)
        draft = self.draft(state)
        place = await context.bot_data.services.place_admin.place(
            current_user().id, draft.place_id or 0
        )
        starts, ends, _deadline = draft.times(ring)
        every = _("every week") if draft.every_weeks == 1 else _("every other week")
        lines = [
            _("🔁 <b>New series of pickups</b>"),
            "📍 " + esc(place.name),
            "🗓 "
            + ngettext(
                "{start}–{end}, {every}, {n} time:",
                "{start}–{end}, {every}, {n} times:",
                draft.count,
            ).format(
                start=clock_time(starts, ring.timezone),
                end=clock_time(ends, ring.timezone),
                every=every,
                n=draft.count,
            ),
        ]
        for week in range(min(draft.count, 12)):
            week_start, _ends, _deadline = draft.times(ring, week)
            lines.append("   • " + day(week_start, ring.timezone))
        if draft.count > 12:
            lines.append("   …")
        hours = draft.deadline_hours if draft.deadline_hours is not None else ring.deadline_hours
        rule = ngettext("{n} hour before", "{n} hours before", hours).format(n=hours)
        lines.append("⏰ " + _("Ordering closes {rule} each pickup.").format(rule=rule))
        lines.append(opening_line(draft, ring) + " " + _("(the first pickup)"))
        return "\n".join(lines)


class PickupChangeForm(PickupForm):
    """A pickup's place, day, time or deadline; a new time or place is told to everyone."""

    kind = "pickupmv"
    title: ClassVar[str] = N_("Change the pickup")
    save_label: ClassVar[str] = N_("✅ Save")

    async def check(self, context: Ctx, user_id: int, state: FormState[PickupAnswers]) -> None:
        info = await context.bot_data.services.pickup_admin.info(user_id, state.target_id)
        if info.pickup.status is not PickupStatus.SCHEDULED:
            raise NotFound()

    async def summary(self, context: Ctx, state: FormState[PickupAnswers]) -> str:
        return "\n".join([_("✏️ <b>Change the pickup</b>"), *await self.describe(context, state)])

    async def save(
        self, update: Update, context: Ctx, state: FormState[PickupAnswers], *, confirmed: bool
    ) -> int:
        services = context.bot_data.services
        user_id = current_user().id
        info = await services.pickup_admin.info(user_id, state.target_id)
        ring = info.ring
        draft = self.draft(state)
        starts, ends, _deadline = draft.times(ring)
        moved = (
            starts != info.pickup.starts_at
            or ends != info.pickup.ends_at
            or draft.place_id != info.pickup.location.id
        )
        affected = await services.pickup_admin.affected(user_id, state.target_id)
        if moved and not confirmed and (affected.customers or affected.producers):
            text = "\n".join(
                [
                    _("This moves the pickup to a new time or place."),
                    _(
                        "{customers} with an order and {producers} with offers will be told. "
                        "Their orders stay."
                    ).format(**people(affected.customers, affected.producers)),
                ]
            )
            rows = [
                [button(_("✅ Save and tell them"), action(state, "confirm"))],
                [button(_("◀️ Back"), action(state, "back"))],
            ]
            await show(update, context, text, rows)
            return INPUT
        result = await services.pickup_admin.change(user_id, state.target_id, draft)
        await close_form(context)
        note = _("✅ Saved.")
        if result.moved:
            note += " " + ngettext(
                "{n} person is being told.", "{n} people are being told.", result.told
            ).format(n=result.told)
        await show_pickup(update, context, result.pickup.id, note=note)
        return END
