"""What every admin form shares: its typed drafts, and where the admin goes on after one.

The engine itself (asking, checking, the summary, Save and Cancel) is role-agnostic and lives
in ``handlers.forms.engine``; admin forms are ``AdminForm`` subclasses registered at wiring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from handlers.admin.buttons import AdminHome
from handlers.forms.engine import D, Form, FormState, Rows
from handlers.replies import button
from rekobot.i18n import _


class AdminForm(Form[D]):
    """A form an admin fills in for a ring; cancelling it leads back to the ring's menu."""

    def leave(self, state: FormState[D]) -> Rows:
        return [[button(_("⚙️ Ring menu"), AdminHome(state.ring_id))]]

    def data(self, state: FormState[D]) -> dict[str, Any]:
        """The draft as plain data, for the services' own draft classes."""
        return state.draft.model_dump()

    def put(self, state: FormState[D], data: Mapping[str, Any]) -> None:
        """Replace the draft with ``data``, validated as the form's draft."""
        state.draft = self.draft_type.model_validate(dict(data))


class RingAnswers(BaseModel):
    """A ring being created or its settings being changed (see ``RingDraft``)."""

    name: str = ""
    slug: str = ""
    timezone: str = "Europe/Oslo"
    locale: str = "nb"
    currency: str = "NOK"
    deadline_hours: int = 36
    evening_reminder_time: str = "19:00"
    description: str = ""
    categories: list[str] = []


class PlaceAnswers(BaseModel):
    """A place being added or changed (see ``PlaceDraft``), and the optional steps offered."""

    name: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    directions: str = ""
    photo_file_id: str | None = None
    asked: list[str] = []


class PickupAnswers(BaseModel):
    """A pickup or a series being planned or changed (see ``PickupDraft``)."""

    place_id: int | None = None
    day: str = ""
    start: str = ""
    end: str = ""
    deadline_hours: int | None = None
    deadline_at: str = ""
    every_weeks: int = 1
    count: int = 1


class BroadcastAnswers(BaseModel):
    """A broadcast being written (see ``BroadcastDraft``), and the questions answered."""

    text: str = ""
    photo_file_id: str | None = None
    place_id: int | None = None
    audience: str = "all"
    pickup_id: int | None = None
    asked: list[str] = []


class SearchAnswers(BaseModel):
    """What an admin searches the members for."""

    query: str = ""


class ConfirmAnswers(BaseModel):
    """A typed confirmation (the ring's name, before deleting it)."""

    confirm: str = ""
