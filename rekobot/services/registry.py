"""The set of services one running bot uses, built over one database and one clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from rekobot.clock import Clock, utcnow
from rekobot.services.cart import Carts
from rekobot.services.members import Members
from rekobot.services.ordering import Ordering
from rekobot.services.shop import Shop
from rekobot.settings import Settings
from storage.database import Database


@dataclass
class Services:
    """Every service, sharing the database connection and the clock."""

    settings: Settings
    db: Database
    clock: Clock
    members: Members = field(init=False)
    shop: Shop = field(init=False)
    carts: Carts = field(init=False)
    ordering: Ordering = field(init=False)

    def __post_init__(self) -> None:
        self.members = Members(
            self.db,
            default_locale=self.settings.default_locale,
            admin_ids=self.settings.admin_ids,
            clock=self.clock,
        )
        self.shop = Shop(self.db, self.members, clock=self.clock)
        self.carts = Carts(self.db, self.shop, clock=self.clock)
        self.ordering = Ordering(self.db, self.shop, self.members, clock=self.clock)

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock = utcnow) -> Services:
        """Build the services over the settings' database file (not opened yet)."""
        return cls(settings=settings, db=Database(settings.database), clock=clock)

    async def open(self) -> None:
        """Open the database and migrate it; calling it again does nothing."""
        if not self.db.is_connected:
            await self.db.connect()

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
