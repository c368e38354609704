"""Becoming a producer: applying to rings, the admins' decision, and what waits for approval."""

from __future__ import annotations

import pytest

from rekobot.errors import (
    AlreadyApplied,
    AlreadyDecided,
    InvalidInput,
    NotAllowed,
    NotApproved,
    NotAProducer,
    NotFound,
)
from rekobot.services.catalog import ProductDraft
from rekobot.services.producers import ApplicationForm, ProfileField, RingStatus
from rekobot.services.registry import Services
from storage import rings as ring_store
from tests.conftest import ADMIN_ID, World
from tests.fakes.calls import plain
from tests.producer_support import make_admin, queued, register

APPLICANT = 700
RING_ADMIN = 701
STRANGER = 702

FORM = ApplicationForm(
    name="Li <b>Gård</b>",
    description="Økologiske grønnsaker fra Nittedal",
    payment_info="Vipps 123456",
    contact="99 88 77 66",
)


@pytest.fixture(autouse=True)
async def _operator_admin(services: Services) -> None:
    """The operator's admin has talked to the bot, as anyone pressing a button has."""
    await register(services, ADMIN_ID, "Operator")


def review_buttons(producer_id: int, ring_id: int) -> list[list[tuple[str, str]]]:
    """What the chat layer would put under the admins' copy."""
    return [[("yes", f"ok:{producer_id}:{ring_id}"), ("no", f"no:{producer_id}:{ring_id}")]]


async def second_ring(services: Services) -> int:
    async with services.db.transaction() as tx:
        return await ring_store.create_ring(
            tx,
            slug="nittedal",
            name="REKO Nittedal",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=services.clock(),
        )


async def test_an_application_reaches_every_admin_of_the_ring_in_their_language(
    services: Services, world: World
) -> None:
    await register(services, APPLICANT, "Liv")
    await register(services, RING_ADMIN, "Ada", language="en")
    await make_admin(services, RING_ADMIN, world.ring_id)

    result = await services.producers.apply(
        APPLICANT, world.ring_id, FORM, review_buttons=review_buttons
    )

    assert result.status is RingStatus.PENDING
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None and profile.producer.name == "Li <b>Gård</b>"
    notes = await queued(services.db, "producer_application")
    assert sorted(n.chat_id for n in notes) == sorted([ADMIN_ID, RING_ADMIN])
    by_admin = {n.chat_id: n for n in notes}
    english = by_admin[RING_ADMIN].text
    assert "New producer application" in english and "REKO Testby" in english
    assert "Li &lt;b&gt;Gård&lt;/b&gt;" in english  # escaped, shown as typed
    assert "Vipps 123456" in english and "99 88 77 66" in english
    assert "Ny produsentsøknad" in by_admin[ADMIN_ID].text  # an admin we never met: the ring's
    assert by_admin[RING_ADMIN].messages[0].buttons == review_buttons(
        profile.producer.id, world.ring_id
    )


async def test_an_admin_approves_and_the_applicant_is_told(
    services: Services, world: World
) -> None:
    await register(services, APPLICANT, "Liv", language="en")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None

    decision = await services.producers.decide(
        ADMIN_ID, profile.producer.id, world.ring_id, approve=True
    )

    assert decision.approved
    after = await services.producers.profile(APPLICANT)
    assert after is not None and [r.status for r in after.rings] == [RingStatus.APPROVED]
    (told,) = await queued(services.db, "producer_decision", chat_id=APPLICANT)
    assert "approved to sell in <b>REKO Testby</b>" in told.text
    audit = await services.db.fetchone("SELECT action, user_id FROM audit_log")
    assert audit is not None and tuple(audit) == ("producer.approved", ADMIN_ID)


async def test_a_second_admin_tap_does_not_decide_again(services: Services, world: World) -> None:
    await register(services, APPLICANT, "Liv")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None
    await services.producers.decide(ADMIN_ID, profile.producer.id, world.ring_id, approve=False)

    with pytest.raises(AlreadyDecided) as refused:
        await services.producers.decide(ADMIN_ID, profile.producer.id, world.ring_id, approve=True)

    assert "avslått" in refused.value.message()
    after = await services.producers.profile(APPLICANT)
    assert after is not None and after.rings[0].status is RingStatus.REJECTED
    assert len(await queued(services.db, "producer_decision")) == 1


async def test_someone_who_is_not_an_admin_cannot_approve(services: Services, world: World) -> None:
    await register(services, APPLICANT, "Liv")
    await register(services, STRANGER, "Sly")
    await services.members.join(STRANGER, "testby")  # a plain member
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None

    with pytest.raises(NotAllowed):
        await services.producers.decide(STRANGER, profile.producer.id, world.ring_id, approve=True)
    # An admin of another ring is no admin here either.
    other = await second_ring(services)
    await register(services, RING_ADMIN, "Ada")
    await make_admin(services, RING_ADMIN, other)
    with pytest.raises(NotAllowed):
        await services.producers.decide(
            RING_ADMIN, profile.producer.id, world.ring_id, approve=True
        )

    after = await services.producers.profile(APPLICANT)
    assert after is not None and after.rings[0].status is RingStatus.PENDING


async def test_a_forged_decision_for_a_producer_who_never_applied_is_not_found(
    services: Services, world: World
) -> None:
    with pytest.raises(NotFound):
        await services.producers.decide(ADMIN_ID, 99999, world.ring_id, approve=True)
    with pytest.raises(NotFound):
        await services.producers.decide(ADMIN_ID, world.producer_ids["farm"], 99999, approve=True)


async def test_applying_twice_while_waiting_is_refused_and_sends_nothing_new(
    services: Services, world: World
) -> None:
    await register(services, APPLICANT, "Liv")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)

    with pytest.raises(AlreadyApplied) as refused:
        await services.producers.apply(
            APPLICANT, world.ring_id, None, review_buttons=review_buttons
        )

    assert "venter" in refused.value.message()
    assert len(await queued(services.db, "producer_application")) == 1


async def test_a_rejected_producer_may_apply_again(services: Services, world: World) -> None:
    await register(services, APPLICANT, "Liv")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None
    await services.producers.decide(ADMIN_ID, profile.producer.id, world.ring_id, approve=False)

    again = await services.producers.apply(
        APPLICANT, world.ring_id, None, review_buttons=review_buttons
    )

    assert again.status is RingStatus.PENDING
    assert len(await queued(services.db, "producer_application")) == 2


async def test_each_ring_approves_a_producer_separately(services: Services, world: World) -> None:
    other = await second_ring(services)
    await register(services, APPLICANT, "Liv")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)
    await services.producers.apply(APPLICANT, other, None, review_buttons=review_buttons)
    profile = await services.producers.profile(APPLICANT)
    assert profile is not None

    await services.producers.decide(ADMIN_ID, profile.producer.id, other, approve=True)

    after = await services.producers.profile(APPLICANT)
    assert after is not None
    assert {r.ring.name: r.status for r in after.rings} == {
        "REKO Nittedal": RingStatus.APPROVED,
        "REKO Testby": RingStatus.PENDING,
    }
    assert [r.name for r in after.approved_rings] == ["REKO Nittedal"]


async def test_bad_answers_are_refused_with_the_reason_and_nothing_is_stored(
    services: Services, world: World
) -> None:
    await register(services, APPLICANT, "Liv")
    empty_name = ApplicationForm(name="   ", description="x", payment_info="Vipps", contact="x")
    too_long = ApplicationForm(name="Li", description="x" * 501, payment_info="Vipps", contact="x")

    with pytest.raises(InvalidInput) as empty:
        await services.producers.apply(
            APPLICANT, world.ring_id, empty_name, review_buttons=review_buttons
        )
    with pytest.raises(InvalidInput) as long:
        await services.producers.apply(
            APPLICANT, world.ring_id, too_long, review_buttons=review_buttons
        )

    assert plain(empty.value.message()) == "Navnet kan ikke være tom."
    assert "500" in long.value.message() and "501" in long.value.message()
    assert await services.producers.profile(APPLICANT) is None
    assert await queued(services.db) == []


async def test_a_waiting_producer_prepares_products_but_cannot_offer_them(
    services: Services, world: World
) -> None:
    await register(services, APPLICANT, "Liv")
    await services.producers.apply(APPLICANT, world.ring_id, FORM, review_buttons=review_buttons)

    product = await services.catalog.add(
        APPLICANT, ProductDraft(name="Grønnkål", unit="1 pose", price=4500)
    )

    with pytest.raises(NotApproved) as refused:
        await services.offers.switch_on(APPLICANT, world.pickup_id, product.id, quantity=10)
    assert "REKO Testby" in refused.value.message()
    with pytest.raises(NotApproved):
        await services.offers.board(APPLICANT, world.pickup_id)
    assert await services.offers.pickups(APPLICANT) == []


async def test_someone_who_never_applied_is_sent_to_producer(services: Services) -> None:
    await register(services, STRANGER, "Sly")
    with pytest.raises(NotAProducer) as refused:
        await services.catalog.products(STRANGER)
    assert "/producer" in refused.value.message()


async def test_a_producer_edits_the_profile_and_turns_notes_off(
    services: Services, world: World
) -> None:
    owner = world.producer_owner["farm"]

    changed = await services.producers.update_field(owner, ProfileField.PAYMENT_INFO, " Vipps 999 ")
    quiet = await services.producers.set_notes(owner, False)

    assert changed.payment_info == "Vipps 999"
    assert not quiet.notes_enabled
    profile = await services.producers.profile(owner)
    assert profile is not None
    assert profile.producer.payment_info == "Vipps 999" and not profile.producer.notes_enabled
    with pytest.raises(InvalidInput):
        await services.producers.update_field(owner, ProfileField.NAME, "")
