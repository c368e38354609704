"""Rules written once: who may run a ring, and which language to write to someone in.

Each rule is one function; these tests pin what it decides, and that every service that
needs it follows the same answer (a blocked admin is refused everywhere, not only in some).
"""

from __future__ import annotations

import pytest

from rekobot.errors import NotAllowed
from rekobot.i18n import SHIPPED_LOCALES
from rekobot.models import Ring, User
from rekobot.services.members import locale_for
from rekobot.services.producers import ApplicationForm
from rekobot.services.registry import Services
from rekobot.services.roles import may_run_ring
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, TOKEN, World
from tests.producer_support import customer, make_admin, register

ADMIN = 700
APPLICANT = 701
FORM = ApplicationForm(
    name="Liv sin gård", description="Grønt", payment_info="Vipps 1", contact="99 88 77 66"
)


def review_buttons(producer_id: int, ring_id: int) -> list[list[tuple[str, str]]]:
    return [[("yes", f"ok:{producer_id}:{ring_id}")]]


async def test_a_blocked_admin_may_run_the_ring_nowhere(services: Services, world: World) -> None:
    await register(services, ADMIN_ID, "Operator")
    await customer(services, ADMIN, "Liv")
    await make_admin(services, ADMIN, world.ring_id)
    await register(services, APPLICANT, "Liv")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None
    async with services.db.read() as tx:
        before = await may_run_ring(tx, ADMIN, world.ring_id, frozenset())
    assert before
    await services.db.execute(
        "UPDATE memberships SET blocked_at = '2026-11-30T10:00:00+00:00' WHERE user_id = ?",
        (ADMIN,),
    )

    with pytest.raises(NotAllowed):
        await services.ring_admin.ring(ADMIN, world.ring_id)
    with pytest.raises(NotAllowed):
        await services.producers.decide(ADMIN, profile.producer.id, world.ring_id, approve=True)
    with pytest.raises(NotAllowed):
        await services.privacy.set_retention(ADMIN, world.ring_id, 30)
    async with services.db.read() as tx:
        assert not await may_run_ring(tx, ADMIN, world.ring_id, frozenset())
        assert await may_run_ring(tx, ADMIN_ID, world.ring_id, frozenset({ADMIN_ID}))


def _user(locale: str | None, language_code: str | None) -> User:
    return User(id=1, first_name="Kari", language_code=language_code, locale=locale)


def _ring(locale: str) -> Ring:
    return Ring(
        id=1,
        slug="testby",
        name="REKO Testby",
        timezone="Europe/Oslo",
        locale=locale,
        currency="NOK",
    )


@pytest.mark.parametrize(
    ("user", "ring", "expected"),
    [
        (_user("sv", "en"), _ring("da"), "sv"),  # their own choice first
        (_user(None, "en-GB"), _ring("da"), "en"),  # then their app's language
        (_user(None, "no"), None, "nb"),  # Telegram's "no" is Bokmål
        (_user(None, "de"), _ring("da"), "da"),  # an app language we lack: the ring's
        (_user(None, None), None, "fi"),  # nothing known: the bot's default
        (None, _ring("nn"), "nn"),  # someone we never met: the ring's
        (None, None, "fi"),
    ],
)
def test_which_language_to_write_in(user: User | None, ring: Ring | None, expected: str) -> None:
    assert locale_for(user, ring, "fi") == expected


async def test_every_service_writes_to_a_member_in_the_same_language(
    services: Services, world: World
) -> None:
    await customer(services, 1001, "Kari", "en")
    ring = await services.ring_admin.ring(ADMIN_ID, world.ring_id)
    user = await services.members.get_user(1001)
    async with services.db.read() as tx:
        by_id = await services.members.recipient_locale(tx, 1001, ring)
        by_roles = await services.roles.locale_of(tx, 1001)
    assert user is not None
    answering = await services.members.reader_locale(user)
    assert by_id == by_roles == answering == services.members.locale_of(user, ring) == "en"


def test_the_settings_accept_exactly_the_shipped_languages() -> None:
    for locale in SHIPPED_LOCALES:
        assert Settings(_env_file=None, token=TOKEN, default_locale=locale).default_locale == locale
    with pytest.raises(ValueError, match="must be one of nb, nn, en, sv, fi, da"):
        Settings(_env_file=None, token=TOKEN, default_locale="de")
