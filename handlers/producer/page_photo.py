"""The photo on a producer's page in the shop: sent as a form of one question."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pydantic import BaseModel
from telegram import Message, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.forms.engine import END, Form, FormField, FormState, Rows, close_form, start_form
from handlers.producer.common import home_row
from handlers.replies import on_button, show
from rekobot.i18n import N_, _


@dataclasses.dataclass(frozen=True)
class EditPagePhoto(Callback, prefix="pphoto"):
    """Send (or remove) the photo on the producer's page."""


class PhotoDraft(BaseModel):
    """The photo being sent; ``asked`` once the question was answered or skipped."""

    photo: str | None = None
    asked: bool = False


class PagePhotoForm(Form[PhotoDraft]):
    """The producer's page photo; Skip removes it."""

    kind = "ppagephoto"
    title: ClassVar[str] = N_("Photo for your page")
    draft_type = PhotoDraft
    fields = (
        FormField(
            "photo",
            N_("Photo"),
            N_(
                "Send a photo for your page in the shop: your farm, your stall, your products. "
                "Tap Skip to have none."
            ),
            optional=True,
            accepts=frozenset({"photo"}),
        ),
    )

    def missing(self, state: FormState[PhotoDraft]) -> list[str]:
        return [] if state.draft.asked else ["photo"]

    async def parse(
        self, context: Ctx, state: FormState[PhotoDraft], form_field: FormField, message: Message
    ) -> object:
        return message.photo[-1].file_id

    def accept(self, state: FormState[PhotoDraft], form_field: FormField, value: object) -> None:
        super().accept(state, form_field, value)
        state.draft = state.draft.model_copy(update={"asked": True})

    def leave(self, state: FormState[PhotoDraft]) -> Rows:
        return [home_row()]

    async def finish(self, update: Update, context: Ctx, state: FormState[PhotoDraft]) -> int:
        return await self.save(update, context, state, confirmed=True)

    async def summary(self, context: Ctx, state: FormState[PhotoDraft]) -> str:
        return ""

    async def save(
        self, update: Update, context: Ctx, state: FormState[PhotoDraft], *, confirmed: bool
    ) -> int:
        photo = state.draft.photo
        await context.bot_data.services.producer_pages.set_photo(current_user().id, photo)
        await close_form(context)
        text = (
            _("📷 Saved: customers see the photo on your page in the shop.")
            if photo
            else _("Your page in the shop has no photo now.")
        )
        await show(update, context, text, [home_row()])
        return END


@on_button(EditPagePhoto)
async def on_edit_page_photo(update: Update, context: Ctx, data: EditPagePhoto) -> int:
    """Ask for the photo on the producer's page."""
    return await start_form(
        update, context, PagePhotoForm.kind, user_id=current_user().id, ring_id=0
    )
