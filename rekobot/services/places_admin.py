"""Pickup places: name, address, map pin, directions and a photo of the spot."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from rekobot.clock import Clock, utcnow
from rekobot.errors import InvalidInput, NotFound, PlaceInUse, PlaceNameTaken
from rekobot.i18n import _
from rekobot.models import Location
from rekobot.parsing import parse_address, parse_directions, parse_name
from rekobot.services.rings_admin import RingAdmin
from storage import admin as admin_store
from storage import places as place_store
from storage import rings as ring_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)


class PlaceField(StrEnum):
    """A detail of a place an admin can set."""

    NAME = "name"
    ADDRESS = "address"
    PIN = "pin"
    DIRECTIONS = "directions"
    PHOTO = "photo"


@dataclass(frozen=True)
class PlaceDraft:
    """A place being added or changed."""

    name: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    directions: str = ""
    photo_file_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-able data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlaceDraft:
        """Read a draft back."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def of(cls, place: Location) -> PlaceDraft:
        """A draft holding a place as it is."""
        return cls(
            name=place.name,
            address=place.address,
            latitude=place.latitude,
            longitude=place.longitude,
            directions=place.directions,
            photo_file_id=place.photo_file_id,
        )

    def with_pin(self, latitude: float, longitude: float) -> PlaceDraft:
        """Return the draft with a map pin."""
        return replace(self, latitude=latitude, longitude=longitude)

    @property
    def missing(self) -> list[PlaceField]:
        """What must still be given before the place can be saved."""
        needed = []
        if not self.name:
            needed.append(PlaceField.NAME)
        if not self.address:
            needed.append(PlaceField.ADDRESS)
        if self.latitude is None or self.longitude is None:
            needed.append(PlaceField.PIN)
        return needed


class PlaceAdmin:
    """Adding, changing and archiving a ring's pickup places."""

    def __init__(self, db: Database, rings: RingAdmin, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.rings = rings
        self.clock = clock

    async def places(self, user_id: int, ring_id: int) -> list[Location]:
        """Return the ring's places."""
        async with self.db.read() as tx:
            await self.rings.check(tx, user_id, ring_id)
            return await place_store.places(tx, ring_id)

    async def place(self, user_id: int, place_id: int) -> Location:
        """Return a place of a ring the user runs."""
        async with self.db.read() as tx:
            return await self._place(tx, user_id, place_id)

    async def _place(self, tx: Transaction, user_id: int, place_id: int) -> Location:
        place = await place_store.get_place(tx, place_id)
        if place is None:
            raise NotFound()
        await self.rings.check(tx, user_id, place.ring_id)
        return place

    async def save(
        self, user_id: int, ring_id: int, draft: PlaceDraft, place_id: int | None = None
    ) -> Location:
        """Add a place from a finished draft, or save the changes to ``place_id``."""
        missing = draft.missing
        if missing:
            raise InvalidInput(_("The place needs a name, an address and a map pin."))
        name = parse_name(draft.name, field_label=_("The name"))
        address = parse_address(draft.address)
        directions = parse_directions(draft.directions) if draft.directions.strip() else ""
        async with self.db.transaction() as tx:
            if place_id is not None:
                place = await self._place(tx, user_id, place_id)
                ring_id = place.ring_id
            else:
                await self.rings.check(tx, user_id, ring_id)
            if await place_store.name_taken(tx, ring_id, name, except_place=place_id):
                raise PlaceNameTaken()
            details = {
                "name": name,
                "address": address,
                "latitude": draft.latitude,
                "longitude": draft.longitude,
                "directions": directions,
                "photo_file_id": draft.photo_file_id,
            }
            if place_id is None:
                place_id = await ring_store.add_location(
                    tx,
                    ring_id=ring_id,
                    name=name,
                    address=address,
                    latitude=draft.latitude,
                    longitude=draft.longitude,
                    directions=directions,
                    photo_file_id=draft.photo_file_id,
                )
                action = "place.added"
            else:
                await place_store.update_place(tx, place_id, details)
                action = "place.changed"
            await admin_store.audit(
                tx,
                ring_id=ring_id,
                user_id=user_id,
                action=action,
                detail={"place_id": place_id, **details},
                now=self.clock(),
            )
            saved = await place_store.get_place(tx, place_id)
        assert saved is not None
        return saved

    async def archive(self, user_id: int, place_id: int) -> None:
        """Take a place out of the lists; refused while pickups are planned there."""
        async with self.db.transaction() as tx:
            place = await self._place(tx, user_id, place_id)
            planned = await place_store.upcoming_pickup_count(tx, place_id, self.clock())
            if planned:
                raise PlaceInUse(planned)
            await place_store.archive_place(tx, place_id, self.clock())
            await admin_store.audit(
                tx,
                ring_id=place.ring_id,
                user_id=user_id,
                action="place.archived",
                detail={"place_id": place_id, "name": place.name},
                now=self.clock(),
            )
