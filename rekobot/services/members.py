"""Who is who: users, the rings they joined, and the language they read."""

from __future__ import annotations

from dataclasses import dataclass

from rekobot.clock import Clock, utcnow
from rekobot.errors import NoRing, NotAllowed, NotFound, UnknownRing
from rekobot.i18n import available_locales, guess_locale
from rekobot.models import Membership, Ring, User
from storage import rings as ring_store
from storage import users as user_store
from storage.database import Database, Transaction


def locale_for(user: User | None, ring: Ring | None, default: str) -> str:
    """The one rule of which language to write to someone in.

    Their own choice (/language), else their Telegram app's language, else the ring's the
    message is about, else ``default`` (the bot's). Only shipped locales count at each step.
    """
    shipped = available_locales()
    if user is not None:
        if user.locale in shipped:
            return str(user.locale)
        guessed = guess_locale(user.language_code, "")
        if guessed:
            return guessed
    if ring is not None and ring.locale in shipped:
        return ring.locale
    return default


@dataclass(frozen=True)
class JoinResult:
    """The ring a user joined, and whether they were new to it."""

    ring: Ring
    new_member: bool


class Members:
    """Registering users, joining and switching rings, choosing a language."""

    def __init__(
        self,
        db: Database,
        *,
        default_locale: str,
        admin_ids: frozenset[int] = frozenset(),
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.default_locale = default_locale
        self.admin_ids = admin_ids
        self.clock = clock

    async def register(
        self,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> User:
        """Record a Telegram user as they are today (a read only, when nothing changed)."""
        first_name, last_name = first_name[:128], last_name[:128] if last_name else None
        async with self.db.read() as tx:
            known = await user_store.get_user(tx, user_id)
        if (
            known is not None
            and not known.unreachable
            and (known.first_name, known.last_name, known.username, known.language_code)
            == (first_name, last_name, username, language_code)
        ):
            return known
        async with self.db.transaction() as tx:
            return await user_store.upsert_user(
                tx,
                user_id=user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
                now=self.clock(),
            )

    def locale_of(self, user: User | None, ring: Ring | None = None) -> str:
        """The language to write to a user in about a ring (``locale_for``, our default)."""
        return locale_for(user, ring, self.default_locale)

    async def recipient_locale(
        self, tx: Transaction, user_id: int, ring: Ring | None = None
    ) -> str:
        """The language to write to a user in, by id (someone we never met: the ring's)."""
        return self.locale_of(await user_store.get_user(tx, user_id), ring)

    async def reader_locale(self, user: User) -> str:
        """The language to answer this user in now: ``locale_for`` about their current ring.

        The ring is looked up only when the user's own choice and app say nothing.
        """
        spoken = locale_for(user, None, "")
        if spoken or user.current_ring_id is None:
            return spoken or self.default_locale
        async with self.db.read() as tx:
            ring = await ring_store.get_ring(tx, user.current_ring_id)
        return self.locale_of(user, ring)

    async def set_locale(self, user_id: int, locale: str) -> None:
        """Remember the language the user picked."""
        if locale not in available_locales():
            raise NotFound()
        async with self.db.transaction() as tx:
            await user_store.set_user_locale(tx, user_id, locale)

    async def rings(self) -> list[Ring]:
        """Return every ring, by name."""
        async with self.db.read() as tx:
            return await ring_store.all_rings(tx)

    async def join(self, user_id: int, slug: str) -> JoinResult:
        """Join the ring with this slug and make it the current one."""
        async with self.db.transaction() as tx:
            ring = await ring_store.ring_by_slug(tx, slug.strip())
            if ring is None:
                raise UnknownRing(slug.strip()[:64])
            return await self._join(tx, user_id, ring)

    async def join_by_id(self, user_id: int, ring_id: int) -> JoinResult:
        """Join (or switch to) a ring picked from a list."""
        async with self.db.transaction() as tx:
            ring = await ring_store.get_ring(tx, ring_id)
            if ring is None or ring.archived:
                raise NotFound()
            return await self._join(tx, user_id, ring)

    async def _join(self, tx: Transaction, user_id: int, ring: Ring) -> JoinResult:
        existing = await user_store.membership(tx, user_id, ring.id)
        if existing is not None and existing.blocked:
            raise NotAllowed()
        new = await user_store.join_ring(tx, user_id=user_id, ring_id=ring.id, now=self.clock())
        await user_store.set_current_ring(tx, user_id, ring.id)
        return JoinResult(ring=ring, new_member=new)

    async def memberships(self, user_id: int) -> list[Membership]:
        """Return the rings the user belongs to."""
        async with self.db.read() as tx:
            return await user_store.memberships(tx, user_id)

    async def current_ring(self, user_id: int) -> Ring:
        """Return the ring the user is shopping in; refuse when they joined none."""
        async with self.db.read() as tx:
            user = await user_store.get_user(tx, user_id)
            mine = await user_store.memberships(tx, user_id)
        usable = [m for m in mine if not m.blocked]
        if user is None or not usable:
            raise NoRing()
        for member in usable:
            if member.ring.id == user.current_ring_id:
                return member.ring
        return usable[0].ring

    async def get_user(self, user_id: int) -> User | None:
        """Return a user by id."""
        async with self.db.read() as tx:
            return await user_store.get_user(tx, user_id)
