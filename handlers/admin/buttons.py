"""The admin's buttons (prefix "a"): compact, typed, and never trusted.

Every handler behind these asks a service, and the service checks again that the user runs
the ring the button is about.
"""

from __future__ import annotations

import dataclasses

from handlers.callbacks import Callback


@dataclasses.dataclass(frozen=True)
class AdminHome(Callback, prefix="amenu"):
    """The admin menu of a ring (0: the list of rings)."""

    ring_id: int


@dataclasses.dataclass(frozen=True)
class RingScreen(Callback, prefix="aring"):
    """A screen of a ring: set, admins, invite, places, pickups, members, past."""

    ring_id: int
    screen: str


@dataclasses.dataclass(frozen=True)
class NewRing(Callback, prefix="anewr"):
    """Start creating a ring (operators only)."""


@dataclasses.dataclass(frozen=True)
class StartForm(Callback, prefix="astart"):
    """Open a form: kind is ring, place, placeed, pickup, series, pickupmv, bcast, search."""

    kind: str
    ring_id: int
    target_id: int


@dataclasses.dataclass(frozen=True)
class PlaceScreen(Callback, prefix="aplace"):
    """A place: show, arch (ask to archive), archok (archive)."""

    place_id: int
    action: str


@dataclasses.dataclass(frozen=True)
class PickupScreen(Callback, prefix="apick"):
    """A pickup: show, cancel, cancelok, announce, annok, overview."""

    pickup_id: int
    action: str


@dataclasses.dataclass(frozen=True)
class MemberList(Callback, prefix="amemb"):
    """A page of the ring's members (the search is kept in the user's data)."""

    ring_id: int
    page: int


@dataclasses.dataclass(frozen=True)
class MemberScreen(Callback, prefix="amact"):
    """A member: show, admin, unadmin, block, unblock."""

    ring_id: int
    user_id: int
    action: str


@dataclasses.dataclass(frozen=True)
class NewInvitation(Callback, prefix="ainvite"):
    """Make a one-time link that lets someone set up a ring of their own (operators only)."""


@dataclasses.dataclass(frozen=True)
class RingLifecycle(Callback, prefix="alife"):
    """Archiving and deleting: list (archived rings), show, arch, archok, unarch, del."""

    ring_id: int
    action: str
