"""The admin services on a real SQLite file: rings, places, pickups, broadcasts, members."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from rekobot.errors import (
    AlreadyAnnounced,
    CannotBlockAdmin,
    InvalidInput,
    LastAdmin,
    NoRecipients,
    NotAllowed,
    NotFound,
    PickupCancelled,
    PlaceInUse,
    SlugTaken,
)
from rekobot.i18n import use_locale
from rekobot.models import OrderStatus, PickupStatus, RingField
from rekobot.models.messaging import Audience, BroadcastStatus
from rekobot.parsing import parse_categories, parse_coordinates, parse_slug, suggest_slug
from rekobot.services.broadcasts import BroadcastDraft
from rekobot.services.outbox import OutMessage, load_messages
from rekobot.services.pickups_admin import (
    PickupDraft,
    PickupField,
    parse_date,
    parse_deadline,
    parse_time_range,
)
from rekobot.services.places_admin import PlaceDraft
from rekobot.services.registry import Services
from rekobot.services.rings_admin import RingDraft
from storage import broadcasts as broadcast_store
from tests.conftest import ADMIN_ID, BAKER_ID, FARMER_ID, MovableClock, World
from tests.test_reminders import EMMA, KARI, OLA, order

STRANGER = 4444


@pytest.fixture(autouse=True)
async def _admin_has_used_the_bot(services: Services) -> None:
    """The operator's admin, as the middleware would have recorded them."""
    await services.members.register(user_id=ADMIN_ID, first_name="Anne", language_code="nb")


async def member(services: Services, user_id: int, name: str, language: str = "nb") -> None:
    """A user who joined the world's ring."""
    await services.members.register(user_id=user_id, first_name=name, language_code=language)
    await services.members.join(user_id, "testby")


@dataclass(frozen=True)
class Queued:
    """An outbox row with its messages decoded."""

    chat_id: int
    kind: str
    messages: list[OutMessage]


async def deliveries(services: Services, kind: str | None = None) -> list[Queued]:
    """The outbox rows, oldest first."""
    rows = await services.db.fetchall("SELECT chat_id, kind, payload FROM deliveries ORDER BY id")
    return [
        Queued(row["chat_id"], row["kind"], load_messages(row["payload"]))
        for row in rows
        if kind is None or row["kind"] == kind
    ]


async def audit_actions(services: Services) -> list[str]:
    """The audit log's actions, oldest first."""
    rows = await services.db.fetchall("SELECT action FROM audit_log ORDER BY id")
    return [row["action"] for row in rows]


# --- what admins type ------------------------------------------------------------------------


def test_dates_times_and_coordinates_are_read_the_way_people_type_them() -> None:
    today = date(2026, 11, 30)
    assert parse_date("4.12", today) == date(2026, 12, 4)
    assert parse_date("4.12.2026", today) == date(2026, 12, 4)
    assert parse_date("2026-12-04", today) == date(2026, 12, 4)
    assert parse_date("3.1", today) == date(2027, 1, 3)  # no year: the next such day
    assert parse_time_range("17-18") == (time(17), time(18))
    assert parse_time_range("17.30–18.15") == (time(17, 30), time(18, 15))
    assert parse_coordinates("59.9139, 10.7522") == (59.9139, 10.7522)
    assert parse_coordinates("59,9139 10,7522") == (59.9139, 10.7522)
    assert suggest_slug("REKO Ås og Søndre Land") == "as-og-sondre-land"
    assert parse_slug(" Nittedal ") == "nittedal"
    assert parse_categories("Grønnsaker, Kjøtt\nBakst, grønnsaker") == [
        "Grønnsaker",
        "Kjøtt",
        "Bakst",
    ]
    for bad in ("31.2", "1.1.2020", "abc", ""):
        with pytest.raises(InvalidInput):
            parse_date(bad, today)
    for bad in ("18-17", "25-26", "17"):
        with pytest.raises(InvalidInput):
            parse_time_range(bad)
    for bad in ("95, 10", "here", "59.9"):
        with pytest.raises(InvalidInput):
            parse_coordinates(bad)
    for bad in ("a", "has space", "<b>x</b>", "x" * 40):
        with pytest.raises(InvalidInput):
            parse_slug(bad)


def test_a_refusal_says_why_in_the_admins_language() -> None:
    with use_locale("nb"), pytest.raises(InvalidInput) as nb:
        parse_time_range("18-17")
    with use_locale("en"), pytest.raises(InvalidInput) as en:
        parse_time_range("18-17")
    assert nb.value.message() == "Slutten må være etter starten, f.eks. 17:00-18:00."
    assert en.value.message() == "The end must be after the start, e.g. 17:00-18:00."


# --- rings and admins --------------------------------------------------------------------------


async def test_only_the_operators_admins_create_rings_and_the_creator_runs_it(
    services: Services,
) -> None:
    draft = RingDraft(name="REKO Nittedal", slug="nittedal", categories=["Grønt", "Kjøtt"])
    with pytest.raises(NotAllowed):
        await services.ring_admin.create_ring(STRANGER, draft)
    ring = await services.ring_admin.create_ring(ADMIN_ID, draft)
    with pytest.raises(SlugTaken):
        await services.ring_admin.create_ring(ADMIN_ID, RingDraft(name="Again", slug="NITTEDAL"))

    settings = await services.ring_admin.settings(ADMIN_ID, ring.id)
    admins = await services.ring_admin.admins(ADMIN_ID, ring.id)
    assert (ring.name, ring.slug, ring.currency, ring.deadline_hours) == (
        "REKO Nittedal",
        "nittedal",
        "NOK",
        36,
    )
    assert settings.categories == ["Grønt", "Kjøtt"]
    assert [a.user.id for a in admins] == [ADMIN_ID]
    assert await audit_actions(services) == ["ring.created"]


async def test_a_ring_admin_changes_settings_and_admins_but_never_another_ring(
    services: Services, world: World
) -> None:
    await member(services, KARI.id, "Kari")
    await member(services, OLA.id, "Ola")
    rings = services.ring_admin
    with pytest.raises(NotAllowed):
        await rings.change(KARI.id, world.ring_id, RingField.NAME, "Mine now")
    await rings.set_admin(ADMIN_ID, world.ring_id, KARI.id, True)

    ring = await rings.change(KARI.id, world.ring_id, RingField.EVENING_REMINDER_TIME, "20:30")
    ring = await rings.change(KARI.id, world.ring_id, RingField.CURRENCY, "sek")
    with pytest.raises(InvalidInput):
        await rings.change(KARI.id, world.ring_id, RingField.CURRENCY, "USD")
    await rings.set_admin(KARI.id, world.ring_id, OLA.id, True)
    await rings.set_admin(OLA.id, world.ring_id, KARI.id, False)
    with pytest.raises(LastAdmin):
        await rings.set_admin(OLA.id, world.ring_id, OLA.id, False)
    with pytest.raises(NotAllowed):  # Kari is no admin any more
        await rings.ring(KARI.id, world.ring_id)

    assert ring.evening_reminder_time == time(20, 30) and ring.currency == "SEK"
    assert await audit_actions(services) == [
        "admin.added",
        "ring.evening_reminder_time",
        "ring.currency",
        "admin.added",
        "admin.removed",
    ]


# --- places ----------------------------------------------------------------------------------


async def test_a_place_needs_a_name_an_address_and_a_pin_and_stays_while_pickups_use_it(
    services: Services, world: World
) -> None:
    places = services.place_admin
    with pytest.raises(InvalidInput):
        await places.save(ADMIN_ID, world.ring_id, PlaceDraft(name="Låven", address="Gården 1"))
    with pytest.raises(NotAllowed):
        await places.save(STRANGER, world.ring_id, PlaceDraft(name="x", address="y").with_pin(1, 2))
    barn = await places.save(
        ADMIN_ID,
        world.ring_id,
        PlaceDraft(name="Låven", address="Gården 1").with_pin(60.1, 10.8),
    )
    with pytest.raises(PlaceInUse):
        await places.archive(ADMIN_ID, world.location_id)
    await places.archive(ADMIN_ID, barn.id)

    listed = await places.places(ADMIN_ID, world.ring_id)
    assert [p.name for p in listed] == ["Coop Extra parkering"]
    assert (barn.latitude, barn.longitude) == (60.1, 10.8)


# --- pickups ---------------------------------------------------------------------------------


async def test_a_weekly_series_keeps_the_local_time_across_the_summer_time_change(
    services: Services, world: World, clock: MovableClock
) -> None:
    clock.now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    draft = PickupDraft(
        place_id=world.location_id,
        day="2027-03-18",
        start="17:00",
        end="18:00",
        every_weeks=1,
        count=3,
    )
    created = await services.pickup_admin.create(ADMIN_ID, world.ring_id, draft)

    assert [p.starts_at for p in created] == [
        datetime(2027, 3, 18, 16, tzinfo=UTC),
        datetime(2027, 3, 25, 16, tzinfo=UTC),
        datetime(2027, 4, 1, 15, tzinfo=UTC),  # summer time from 28 March
    ]
    assert [p.deadline for p in created] == [p.starts_at - timedelta(hours=36) for p in created]


async def test_a_pickup_in_the_past_or_closed_before_it_opens_is_refused(
    services: Services, world: World
) -> None:
    admin = services.pickup_admin
    base = PickupDraft(place_id=world.location_id, day="2026-12-01", start="17:00", end="18:00")
    with pytest.raises(InvalidInput):  # the 36 h deadline is already over
        await admin.create(ADMIN_ID, world.ring_id, base)
    ring = await services.ring_admin.ring(ADMIN_ID, world.ring_id)
    hours = parse_deadline("20", base, ring, date(2026, 11, 30))
    created = await admin.create(
        ADMIN_ID, world.ring_id, base.with_value(admin_field("deadline"), hours)
    )
    other = await services.place_admin.save(
        ADMIN_ID, world.ring_id, PlaceDraft(name="B", address="C").with_pin(1, 2)
    )
    with pytest.raises(NotFound):  # a place of another ring, or forged
        await admin.create(ADMIN_ID, world.ring_id + 1, base)

    assert created[0].deadline == datetime(2026, 11, 30, 20, tzinfo=UTC)
    assert other.id != world.location_id


def admin_field(name: str) -> PickupField:
    """A PickupField by name (keeps the test readable)."""
    return PickupField(name)


async def test_cancelling_a_pickup_cancels_its_orders_frees_the_stock_and_tells_everyone(
    services: Services, world: World
) -> None:
    kari = await order(services, world, KARI, potatoes=2)
    emma = await order(services, world, EMMA, bread=1)
    with pytest.raises(NotAllowed):
        await services.pickup_admin.cancel(KARI.id, world.pickup_id)

    affected = await services.pickup_admin.cancel(ADMIN_ID, world.pickup_id)
    with pytest.raises(PickupCancelled):
        await services.pickup_admin.cancel(ADMIN_ID, world.pickup_id)

    assert (affected.orders, affected.customers, affected.producers) == (2, 2, 2)
    info = await services.pickup_admin.info(ADMIN_ID, world.pickup_id)
    assert info.pickup.status is PickupStatus.CANCELLED and info.orders == 0
    orders = await services.ordering.orders(KARI.id)
    assert orders[0].status is OrderStatus.CANCELLED
    reserved = await services.db.fetchall("SELECT quantity_reserved FROM offers")
    assert {row[0] for row in reserved} == {0}
    notices = {d.chat_id: d.messages[0].text for d in await deliveries(services)}
    assert set(notices) == {KARI.id, EMMA.id, FARMER_ID, BAKER_ID}
    assert f"Bestillingen din #{kari} er avbestilt." in str(notices[KARI.id])
    assert f"Your order #{emma} is cancelled." in str(notices[EMMA.id])
    assert "Ikke ta med noe." in str(notices[FARMER_ID])
    assert "pickup.cancelled" in await audit_actions(services)


async def test_moving_a_pickup_keeps_the_orders_tells_the_same_people_and_reminds_anew(
    services: Services, world: World, clock: MovableClock
) -> None:
    kari = await order(services, world, KARI, potatoes=1)
    clock.now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)  # the evening before, 19:00 in Oslo
    # Orders closed on Wednesday at 05:00; reminders go out; then the pickup moves a day.
    assert await services.reminders.run_due() == 1
    info = await services.pickup_admin.info(ADMIN_ID, world.pickup_id)
    ring = info.ring
    draft = PickupDraft.of(info.pickup, ring).with_value(admin_field("date"), date(2026, 12, 4))
    result = await services.pickup_admin.change(ADMIN_ID, world.pickup_id, draft)

    assert result.moved and result.told == 3  # Kari and the two producers with offers
    assert result.pickup.starts_at == datetime(2026, 12, 4, 17, tzinfo=UTC)
    assert result.pickup.deadline == info.pickup.deadline  # ordering stays closed
    orders = await services.ordering.orders(KARI.id)
    assert orders[0].status is OrderStatus.PLACED and orders[0].number == kari
    moved = [d for d in await deliveries(services, "pickup_moved") if d.chat_id == KARI.id]
    text = str(moved[0].messages[0].text)
    assert "fredag 4. desember, 18:00–19:00" in text
    assert "Før: torsdag 3. desember, 18:00–19:00" in text
    assert f"#{kari} gjelder fortsatt" in text
    clock.now = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # the new evening before
    assert await services.reminders.run_due() == 1


async def test_the_overview_adds_up_orders_per_producer_and_counts_new_members(
    services: Services, world: World, clock: MovableClock
) -> None:
    await order(services, world, KARI, potatoes=2, bread=1)
    await order(services, world, EMMA, eggs=1)
    overview = await services.pickup_admin.overview(ADMIN_ID, world.pickup_id)

    assert overview.orders == 2
    assert [(p.name, p.orders, p.amount) for p in overview.producers] == [
        ("Berg Gård", 2, 2 * 6000 + 7500),
        ("Solbakken Bakeri", 1, 8900),
    ]
    assert overview.total == 28400
    assert (overview.members, overview.new_members, overview.since) == (2, 2, None)
    with pytest.raises(NotAllowed):
        await services.pickup_admin.overview(KARI.id, world.pickup_id)


# --- broadcasts and announcements ----------------------------------------------------------------


async def test_a_broadcast_goes_to_its_audience_only_and_can_be_stopped(
    services: Services, world: World
) -> None:
    await order(services, world, KARI, potatoes=1)
    await member(services, EMMA.id, "Emma", "en")
    await member(services, OLA.id, "Ola")
    await member(services, STRANGER, "Gone")
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE users SET unreachable_at = '2026-11-01' WHERE id = ?", (STRANGER,))
    await services.member_admin.set_blocked(ADMIN_ID, world.ring_id, OLA.id, True)
    broadcasts = services.broadcasts

    def draft(audience: Audience, **more: object) -> BroadcastDraft:
        return BroadcastDraft(text="Husk <poser>!", audience=audience.value, **more)  # type: ignore[arg-type]

    everyone = await broadcasts.audience_size(ADMIN_ID, world.ring_id, draft(Audience.ALL))
    ordered = draft(Audience.ORDERED, pickup_id=world.pickup_id)
    not_ordered = draft(Audience.NOT_ORDERED, pickup_id=world.pickup_id)
    producers = await broadcasts.audience_size(ADMIN_ID, world.ring_id, draft(Audience.PRODUCERS))
    with pytest.raises(InvalidInput):  # "with an order" needs a pickup
        await broadcasts.send(ADMIN_ID, world.ring_id, draft(Audience.ORDERED))
    with pytest.raises(NotAllowed):
        await broadcasts.send(KARI.id, world.ring_id, draft(Audience.ALL))
    sent, count = await broadcasts.send(
        ADMIN_ID, world.ring_id, not_ordered.changed(place_id=world.location_id)
    )
    rows = await deliveries(services, "broadcast")
    stopped = await broadcasts.stop(ADMIN_ID, sent.id)

    assert (everyone.reachable, everyone.unreachable) == (2, 1)  # Kari, Emma; not Ola or Gone
    assert (await broadcasts.audience_size(ADMIN_ID, world.ring_id, ordered)).reachable == 1
    assert (producers.reachable, count) == (2, 1)
    assert [r.chat_id for r in rows] == [EMMA.id]
    messages = rows[0].messages
    assert messages[0].text == "📣 <b>REKO Testby</b>\n\nHusk &lt;poser&gt;!"
    assert messages[1].venue_title == "Coop Extra parkering"
    assert stopped.broadcast.status is BroadcastStatus.STOPPED
    assert (stopped.counts.total, stopped.counts.cancelled) == (1, 1)


async def test_an_announcement_reaches_members_who_want_it_once(
    services: Services, world: World
) -> None:
    await member(services, KARI.id, "Kari")
    await member(services, EMMA.id, "Emma", "en")
    await member(services, OLA.id, "Ola")
    await services.reminders.set_announcements(OLA.id, False)

    size = await services.broadcasts.announcement_size(ADMIN_ID, world.pickup_id)
    broadcast, count = await services.broadcasts.announce(ADMIN_ID, world.pickup_id)
    with pytest.raises(AlreadyAnnounced):
        await services.broadcasts.announce(ADMIN_ID, world.pickup_id)

    rows = {d.chat_id: d.messages[0] for d in await deliveries(services, "announcement")}
    assert size.reachable == count == 2
    assert broadcast.audience is Audience.ANNOUNCEMENT
    assert set(rows) == {KARI.id, EMMA.id}
    assert str(rows[KARI.id].text).startswith("🧺 <b>En ny utlevering tar imot bestillinger!</b>")
    assert str(rows[EMMA.id].text).startswith("🧺 <b>A new pickup takes orders!</b>")
    assert rows[KARI.id].buttons == [[("🔕 Ingen flere kunngjøringer", "anotif:ann:0:0")]]


async def test_a_big_audience_is_queued_in_steps_while_reads_go_on(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows a step: the five members are all queued, once, and a read ran in between."""
    monkeypatch.setattr(broadcast_store, "ENQUEUE_STEP", 2)
    for n in range(5):
        await member(services, 7_000 + n, f"Medlem {n}")
    seen: list[int] = []

    async def look() -> None:  # a customer's read while the broadcast is being queued
        while True:
            row = await services.db.fetchone("SELECT COUNT(*) FROM deliveries")
            seen.append(int(row[0]) if row is not None else -1)
            await asyncio.sleep(0)

    reader = asyncio.create_task(look())
    await asyncio.sleep(0)
    _sent, count = await services.broadcasts.send(
        ADMIN_ID, world.ring_id, BroadcastDraft(text="Hei")
    )
    reader.cancel()
    chats = [d.chat_id for d in await deliveries(services, "broadcast")]
    assert count == len(chats) == len(set(chats)) >= 5
    # It read before the first step and between each two (the commit is one, at the end).
    assert seen.count(0) >= 3 and set(seen) <= {0, count}


async def test_nobody_to_send_to_is_said_before_anything_is_queued(
    services: Services, world: World
) -> None:
    with pytest.raises(NoRecipients):
        await services.broadcasts.send(ADMIN_ID, world.ring_id, BroadcastDraft(text="Hei"))
    assert await deliveries(services) == []


# --- members ---------------------------------------------------------------------------------


async def test_members_are_found_by_name_username_or_id_and_a_blocked_one_cannot_shop(
    services: Services, world: World
) -> None:
    await services.members.register(user_id=KARI.id, first_name="Kari", username="kari_n")
    await services.members.join(KARI.id, "testby")
    await member(services, EMMA.id, "Emma", "en")
    admin = services.member_admin

    by_name = await admin.page(ADMIN_ID, world.ring_id, search="kar")
    by_username = await admin.page(ADMIN_ID, world.ring_id, search="@kari_n")
    by_id = await admin.page(ADMIN_ID, world.ring_id, search=str(EMMA.id))
    everyone = await admin.page(ADMIN_ID, world.ring_id)
    await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, EMMA.id, True)
    with pytest.raises(CannotBlockAdmin):
        await admin.set_blocked(ADMIN_ID, world.ring_id, EMMA.id, True)
    blocked = await admin.set_blocked(EMMA.id, world.ring_id, KARI.id, True)

    assert [m.user.id for m in by_name.members] == [KARI.id]
    assert [m.user.id for m in by_username.members] == [KARI.id]
    assert [m.user.id for m in by_id.members] == [EMMA.id]
    assert everyone.total == 2
    assert blocked.blocked
    with pytest.raises(NotAllowed):
        await services.members.join(KARI.id, "testby")
    with pytest.raises(NotFound):
        await services.carts.add(KARI.id, world.offer_ids["potatoes"], 1)
    entry = await services.db.fetchone(
        "SELECT user_id, detail FROM audit_log WHERE action = 'member.blocked'"
    )
    assert entry is not None and entry[0] == EMMA.id
    assert json.loads(entry[1]) == {"user_id": KARI.id}
