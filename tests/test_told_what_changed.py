"""A new admin, a newly approved producer and a blocked member are told, in their language.

Each message goes through the outbox like every unprompted message; the tests read the queued
delivery, so they assert what the person will get, not how it was built.
"""

from __future__ import annotations

import pytest

from rekobot.services.producers import ApplicationForm
from rekobot.services.registry import Services
from tests.conftest import ADMIN_ID, World
from tests.producer_support import customer, queued, register

MEMBER = 1001
APPLICANT = 700
FORM = ApplicationForm(
    name="Liv sin gård",
    description="Grønnsaker fra Testby",
    payment_info="Vipps 999",
    contact="99 88 77 66",
)

ADMIN_TOLD = {
    "nb": "Du er nå administrator for <b>REKO Testby</b>.",
    "en": "You are now an admin of <b>REKO Testby</b>.",
}
PRODUCER_TOLD = {
    "nb": "du er godkjent for å selge i <b>REKO Testby</b>",
    "en": "you are approved to sell in <b>REKO Testby</b>",
}
BLOCKED_TOLD = {
    "nb": "Administratorene i <b>REKO Testby</b> har blokkert deg der.",
    "en": "The admins of <b>REKO Testby</b> have blocked you there.",
}
UNBLOCKED_TOLD = {
    "nb": "Administratorene i <b>REKO Testby</b> har opphevet blokkeringen din.",
    "en": "The admins of <b>REKO Testby</b> have lifted your block.",
}


def review_buttons(producer_id: int, ring_id: int) -> list[list[tuple[str, str]]]:
    """What the chat layer would put under the admins' copy of an application."""
    return [[("yes", f"ok:{producer_id}:{ring_id}"), ("no", f"no:{producer_id}:{ring_id}")]]


@pytest.mark.parametrize("locale", ["nb", "en"])
async def test_a_new_admin_is_told_in_their_language(
    services: Services, world: World, locale: str
) -> None:
    await customer(services, MEMBER, "Kari", locale)

    await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, MEMBER, True)

    (told,) = await queued(services.db, "admin_role", chat_id=MEMBER)
    assert ADMIN_TOLD[locale] in told.text
    assert "/admin" in told.text


@pytest.mark.parametrize("locale", ["nb", "en"])
async def test_a_newly_approved_producer_is_told_in_their_language(
    services: Services, world: World, locale: str
) -> None:
    await register(services, ADMIN_ID, "Operator")
    await register(services, APPLICANT, "Liv", language=locale)
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None

    await services.producers.decide(ADMIN_ID, profile.producer.id, world.ring_id, approve=True)

    (told,) = await queued(services.db, "producer_decision", chat_id=APPLICANT)
    assert PRODUCER_TOLD[locale] in told.text
    assert "/producer" in told.text


@pytest.mark.parametrize("locale", ["nb", "en"])
async def test_a_blocked_member_is_told_and_told_again_when_it_is_lifted(
    services: Services, world: World, locale: str
) -> None:
    await customer(services, MEMBER, "Kari", locale)

    await services.member_admin.set_blocked(ADMIN_ID, world.ring_id, MEMBER, True)
    await services.member_admin.set_blocked(ADMIN_ID, world.ring_id, MEMBER, True)  # no change
    await services.member_admin.set_blocked(ADMIN_ID, world.ring_id, MEMBER, False)

    (blocked,) = await queued(services.db, "member_blocked", chat_id=MEMBER)
    (lifted,) = await queued(services.db, "member_unblocked", chat_id=MEMBER)
    assert BLOCKED_TOLD[locale] in blocked.text
    assert "/start" in blocked.text
    assert UNBLOCKED_TOLD[locale] in lifted.text
    assert "/shop" in lifted.text
