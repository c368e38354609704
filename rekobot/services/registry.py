"""The set of services one running bot uses, built over one database and one clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from rekobot.clock import Clock, utcnow
from rekobot.digest_renderer import DigestRenderer
from rekobot.services.broadcasts import Broadcasts
from rekobot.services.cart import Carts
from rekobot.services.cart_reminders import CartReminders
from rekobot.services.catalog import Catalog
from rekobot.services.comments import Comments
from rekobot.services.contacts import Contacts
from rekobot.services.deliveries import Deliveries
from rekobot.services.digests import Digests
from rekobot.services.handover import Handover
from rekobot.services.inbox import Inbox
from rekobot.services.invitations import Invitations
from rekobot.services.leadership import Leadership
from rekobot.services.members import Members
from rekobot.services.members_admin import MemberAdmin
from rekobot.services.offers import Offers
from rekobot.services.order_notes import OrderNotes
from rekobot.services.ordering import Ordering
from rekobot.services.pickups_admin import PickupAdmin
from rekobot.services.places_admin import PlaceAdmin
from rekobot.services.privacy import Privacy
from rekobot.services.producer_pages import ProducerPages
from rekobot.services.producer_posts import ProducerPosts
from rekobot.services.producer_questions import ProducerQuestions
from rekobot.services.producers import Producers
from rekobot.services.reminders import Reminders
from rekobot.services.ring_archive import RingArchive
from rekobot.services.rings_admin import RingAdmin
from rekobot.services.roles import Roles
from rekobot.services.shop import Shop
from rekobot.services.windows import OrderWindows
from rekobot.settings import Settings
from storage.database import Database
from storage.engines import open_database


@dataclass
class Services:
    """Every service, sharing the database connection and the clock."""

    settings: Settings
    db: Database
    clock: Clock
    members: Members = field(init=False)
    roles: Roles = field(init=False)
    shop: Shop = field(init=False)
    carts: Carts = field(init=False)
    comments: Comments = field(init=False)
    contacts: Contacts = field(init=False)
    ordering: Ordering = field(init=False)
    deliveries: Deliveries = field(init=False)
    reminders: Reminders = field(init=False)
    cart_reminders: CartReminders = field(init=False)
    order_windows: OrderWindows = field(init=False)
    ring_admin: RingAdmin = field(init=False)
    invitations: Invitations = field(init=False)
    ring_archive: RingArchive = field(init=False)
    place_admin: PlaceAdmin = field(init=False)
    pickup_admin: PickupAdmin = field(init=False)
    member_admin: MemberAdmin = field(init=False)
    broadcasts: Broadcasts = field(init=False)
    producers: Producers = field(init=False)
    catalog: Catalog = field(init=False)
    offers: Offers = field(init=False)
    order_notes: OrderNotes = field(init=False)
    #: The worker process that draws digests' files (started by the first digest).
    renderer: DigestRenderer = field(init=False)
    digests: Digests = field(init=False)
    handover: Handover = field(init=False)
    inbox: Inbox = field(init=False)
    #: Which worker runs the sweep and the outbox (on SQLite, always this one).
    leadership: Leadership = field(init=False)
    privacy: Privacy = field(init=False)
    producer_pages: ProducerPages = field(init=False)
    producer_posts: ProducerPosts = field(init=False)
    producer_questions: ProducerQuestions = field(init=False)
    #: What the periodic sweep runs (digests, reminders, announcements); each is idempotent.
    due_work: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.members = Members(
            self.db,
            default_locale=self.settings.default_locale,
            admin_ids=self.settings.admin_ids,
            clock=self.clock,
        )
        self.roles = Roles(self.db, self.members, admin_ids=self.settings.admin_ids)
        self.shop = Shop(self.db, self.members, clock=self.clock)
        self.carts = Carts(self.db, self.shop, clock=self.clock)
        self.comments = Comments(self.db, self.shop, clock=self.clock)
        self.contacts = Contacts(self.db)
        self.ordering = Ordering(self.db, self.shop, self.members, clock=self.clock)
        self.deliveries = Deliveries(
            self.db,
            clock=self.clock,
            retention=timedelta(days=self.settings.delivery_retention_days),
        )
        self.due_work.append(self.deliveries.prune)
        self.due_work.append(self.deliveries.release_lapsed_claims)
        self.reminders = Reminders(self.db, self.members, self.deliveries, clock=self.clock)
        self.due_work.append(self.reminders.run_due)
        self.cart_reminders = CartReminders(
            self.db, self.members, self.carts, self.deliveries, clock=self.clock
        )
        self.due_work.append(self.cart_reminders.run_due)
        self.order_windows = OrderWindows(
            self.db, self.members, self.deliveries, clock=self.clock
        )
        self.due_work.append(self.order_windows.run_due)
        self.ring_admin = RingAdmin(
            self.db, self.members, self.roles, admin_ids=self.settings.admin_ids, clock=self.clock
        )
        self.invitations = Invitations(self.db, self.ring_admin, clock=self.clock)
        self.ring_archive = RingArchive(self.db, self.ring_admin, clock=self.clock)
        self.place_admin = PlaceAdmin(self.db, self.ring_admin, clock=self.clock)
        self.pickup_admin = PickupAdmin(
            self.db, self.ring_admin, self.members, self.deliveries, clock=self.clock
        )
        self.member_admin = MemberAdmin(self.db, self.ring_admin, clock=self.clock)
        self.broadcasts = Broadcasts(
            self.db, self.ring_admin, self.members, self.deliveries, clock=self.clock
        )
        self.producers = Producers(
            self.db, self.members, self.roles, admin_ids=self.settings.admin_ids, clock=self.clock
        )
        self.catalog = Catalog(self.db, clock=self.clock)
        self.offers = Offers(self.db, self.members, clock=self.clock)
        self.order_notes = OrderNotes(self.members, clock=self.clock)
        self.ordering.listeners.append(self.order_notes.on_order_event)
        self.renderer = DigestRenderer()
        self.digests = Digests(self.db, self.members, self.renderer, clock=self.clock)
        self.due_work.append(self.digests.send_due)
        self.handover = Handover(self.db, self.members, clock=self.clock)
        self.inbox = Inbox(self.db, clock=self.clock)
        self.leadership = Leadership(self.db, clock=self.clock)
        self.due_work.append(self.inbox.prune)
        self.privacy = Privacy(
            self.db,
            self.members,
            self.ordering,
            admin_ids=self.settings.admin_ids,
            clock=self.clock,
        )
        self.due_work.append(self.privacy.anonymise_due)
        self.producer_pages = ProducerPages(self.db, self.members, self.shop, clock=self.clock)
        self.producer_posts = ProducerPosts(
            self.db,
            self.members,
            self.ring_admin,
            self.deliveries,
            admin_ids=self.settings.admin_ids,
            clock=self.clock,
        )
        self.producer_questions = ProducerQuestions(
            self.db, self.members, self.deliveries, clock=self.clock
        )

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock = utcnow) -> Services:
        """Build the services over the settings' database (not opened yet)."""
        return cls(settings=settings, db=open_database(settings.database), clock=clock)

    async def open(self) -> None:
        """Open the database and migrate it; calling it again does nothing."""
        if not self.db.is_connected:
            await self.db.connect()

    async def close(self) -> None:
        """Stop the digest worker process, let the locks go, then close the database."""
        try:
            await self.renderer.close()
        finally:
            try:
                await self.leadership.close()
                await self.inbox.close()
            finally:
                await self.db.close()
