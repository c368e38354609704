"""Pickup places: the list, a place's card, and the form to add or change one."""

from __future__ import annotations

from typing import ClassVar

from telegram import Message, Update

from handlers.admin.buttons import AdminHome, PlaceScreen, RingScreen, StartForm
from handlers.admin.forms import AdminForm, PlaceAnswers
from handlers.context import Ctx, current_user
from handlers.forms.engine import (
    END,
    FormField,
    FormState,
    close_form,
    start_form,
)
from handlers.replies import button, keyboard, on_button, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.i18n import N_, _
from rekobot.models import Location
from rekobot.parsing import parse_address, parse_coordinates, parse_directions, parse_name
from rekobot.services.places_admin import PlaceDraft

Rows = list[list[Button]]

PLACE_FIELDS = (
    FormField(
        "name",
        N_("Name"),
        N_("What is the place called? For example: Coop Extra car park"),
    ),
    FormField("address", N_("Address"), N_("What is the street address?")),
    FormField(
        "pin",
        N_("Map pin"),
        N_(
            "Where exactly is it? Send a location (📎 → Location, move the pin to the spot), "
            "or type the coordinates like 59.9139, 10.7522."
        ),
        accepts=frozenset({"location", "text"}),
    ),
    FormField(
        "directions",
        N_("Directions"),
        N_("How do people find the spot? For example: at the back of the car park."),
        optional=True,
    ),
    FormField(
        "photo",
        N_("Photo"),
        N_("Send a photo of the spot, e.g. an overview of where each producer stands."),
        optional=True,
        accepts=frozenset({"photo"}),
    ),
)


def place_lines(draft: PlaceDraft) -> list[str]:
    """A place's details, one a line."""
    none = "—"
    pin = (
        f"{draft.latitude:.5f}, {draft.longitude:.5f}"
        if draft.latitude is not None and draft.longitude is not None
        else none
    )
    return [
        _("Name: {value}").format(value=esc(draft.name) or none),
        _("Address: {value}").format(value=esc(draft.address) or none),
        _("Map pin: {value}").format(value=pin),
        _("Directions: {value}").format(value=esc(draft.directions) or none),
        _("Photo: {value}").format(value=_("yes") if draft.photo_file_id else none),
    ]


class PlaceForm(AdminForm[PlaceAnswers]):
    """A new place: name, address and pin are asked, then directions and a photo."""

    draft_type = PlaceAnswers
    kind = "place"
    title: ClassVar[str] = N_("New place")
    fields = PLACE_FIELDS
    save_label: ClassVar[str] = N_("✅ Save the place")

    async def check(self, context: Ctx, user_id: int, state: FormState[PlaceAnswers]) -> None:
        await context.bot_data.services.ring_admin.ring(user_id, state.ring_id)

    def draft(self, state: FormState[PlaceAnswers]) -> PlaceDraft:
        """The draft as a PlaceDraft."""
        return PlaceDraft.from_json(self.data(state))

    def missing(self, state: FormState[PlaceAnswers]) -> list[str]:
        draft = self.draft(state)
        keys = [field.value for field in draft.missing]
        if state.target_id == 0:  # a new place: offer the optional ones once, in order
            for key in ("directions", "photo"):
                if key not in state.draft.asked:
                    keys.append(key)
        return keys

    async def parse(
        self, context: Ctx, state: FormState[PlaceAnswers], form_field: FormField, message: Message
    ) -> object:
        text = message.text or ""
        if form_field.key == "name":
            return parse_name(text)
        if form_field.key == "address":
            return parse_address(text)
        if form_field.key == "directions":
            return parse_directions(text)
        if form_field.key == "photo":
            return message.photo[-1].file_id
        if message.location is not None:
            venue = message.venue
            return {
                "latitude": message.location.latitude,
                "longitude": message.location.longitude,
                "address": venue.address if venue is not None else "",
            }
        latitude, longitude = parse_coordinates(text)
        return {"latitude": latitude, "longitude": longitude, "address": ""}

    def accept(self, state: FormState[PlaceAnswers], form_field: FormField, value: object) -> None:
        draft = self.draft(state)
        if form_field.key == "pin":
            assert isinstance(value, dict)
            draft = draft.with_pin(float(value["latitude"]), float(value["longitude"]))
            if not draft.address and value.get("address"):
                draft = PlaceDraft.from_json({**draft.to_json(), "address": value["address"]})
        elif form_field.key == "photo":
            draft = PlaceDraft.from_json({**draft.to_json(), "photo_file_id": value})
        else:
            draft = PlaceDraft.from_json({**draft.to_json(), form_field.key: value})
        asked = list(state.draft.asked)
        self.put(state, {**draft.to_json(), "asked": [*asked, form_field.key]})

    def skip(self, state: FormState[PlaceAnswers], form_field: FormField) -> None:
        key = "photo_file_id" if form_field.key == "photo" else form_field.key
        empty = None if form_field.key == "photo" else ""
        asked = list(state.draft.asked)
        self.put(state, {**self.data(state), key: empty, "asked": [*asked, form_field.key]})

    async def summary(self, context: Ctx, state: FormState[PlaceAnswers]) -> str:
        title = _("📍 <b>New place</b>") if state.target_id == 0 else _("📍 <b>Change place</b>")
        return "\n".join([title, *place_lines(self.draft(state))])

    async def save(
        self, update: Update, context: Ctx, state: FormState[PlaceAnswers], *, confirmed: bool
    ) -> int:
        services = context.bot_data.services
        place = await services.place_admin.save(
            current_user().id, state.ring_id, self.draft(state), state.target_id or None
        )
        await close_form(context)
        await show_place(update, context, place, note=_("✅ The place is saved."))
        return END


class PlaceEditForm(PlaceForm):
    """A place's details: change any, then save."""

    kind = "placeed"
    title: ClassVar[str] = N_("Change place")
    save_label: ClassVar[str] = N_("✅ Save")


async def show_places(update: Update, context: Ctx, ring_id: int) -> None:
    """List the ring's places."""
    user_id = current_user().id
    services = context.bot_data.services
    ring = await services.ring_admin.ring(user_id, ring_id)
    places = await services.place_admin.places(user_id, ring_id)
    lines = [_("📍 <b>Pickup places of {ring}</b>").format(ring=esc(ring.name))]
    if not places:
        lines.append(_("No places yet. Add the first one."))
    rows: Rows = [[button(place.name, PlaceScreen(place.id, "show"))] for place in places]
    rows.append([button(_("➕ New place"), StartForm("place", ring_id, 0))])
    rows.append([button(_("◀️ Menu"), AdminHome(ring_id))])
    await show(update, context, "\n".join(lines), rows)


async def show_place(update: Update, context: Ctx, place: Location, *, note: str = "") -> None:
    """Show a place's card."""
    lines = [f"📍 <b>{esc(place.name)}</b>", *place_lines(PlaceDraft.of(place))[1:]]
    if note:
        lines.insert(0, note + "\n")
    rows: Rows = [
        [
            button(_("✏️ Change"), StartForm("placeed", place.ring_id, place.id)),
            button(_("🗺 Pin and photo"), PlaceScreen(place.id, "pin")),
        ],
        [button(_("🗄 Archive"), PlaceScreen(place.id, "arch"))],
        [button(_("◀️ Places"), RingScreen(place.ring_id, "plc"))],
    ]
    await show(update, context, "\n".join(lines), rows)


@on_button(PlaceScreen)
async def place_screen(update: Update, context: Ctx, data: PlaceScreen) -> int:
    """A place's card, its pin and photo, or archiving it."""
    await close_form(context)
    user_id = current_user().id
    services = context.bot_data.services
    place = await services.place_admin.place(user_id, data.place_id)
    if data.action == "pin":
        chat = update.effective_chat
        assert chat is not None
        # The last thing sent carries the way back to the place's card.
        back = keyboard([[button("⬅️ " + _("Back"), PlaceScreen(place.id, "show"))]])
        if place.latitude is not None and place.longitude is not None:
            await context.bot.send_venue(
                chat.id,
                latitude=place.latitude,
                longitude=place.longitude,
                title=place.name,
                address=place.address or place.name,
                reply_markup=None if place.photo_file_id else back,
            )
        if place.photo_file_id:
            await context.bot.send_photo(
                chat.id, place.photo_file_id, caption=esc(place.name), reply_markup=back
            )
        return END
    if data.action == "arch":
        await show(
            update,
            context,
            _("Archive <b>{place}</b>? It disappears from the lists; past pickups keep it.").format(
                place=esc(place.name)
            ),
            [
                [button(_("🗄 Yes, archive it"), PlaceScreen(place.id, "archok"))],
                [button(_("◀️ No"), PlaceScreen(place.id, "show"))],
            ],
        )
        return END
    if data.action == "archok":
        await services.place_admin.archive(user_id, place.id)
        await show_places(update, context, place.ring_id)
        return END
    await show_place(update, context, place)
    return END


async def edit_place(update: Update, context: Ctx, place_id: int) -> int:
    """Open the form to change a place."""
    user_id = current_user().id
    place = await context.bot_data.services.place_admin.place(user_id, place_id)
    draft = {**PlaceDraft.of(place).to_json(), "asked": ["directions", "photo"]}
    return await start_form(
        update,
        context,
        "placeed",
        user_id=user_id,
        ring_id=place.ring_id,
        target_id=place.id,
        draft=draft,
    )
