"""A fresh install: the operator's first /start, /id, invitation links and the demo kept apart."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from rekobot.demo import seed
from rekobot.settings import Settings
from tests.conftest import ADMIN_ID, MovableClock, World
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.process import ROOT, rekobot
from tests.test_admin_chat import admin_bot, app_of, last
from tests.test_outbox import drain_all

ANNE = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="nb")
ANNE_EN = TgUser(ADMIN_ID, "Anne", "Admin", "anne", language_code="en")
OLA = TgUser(1003, "Ola", None, None, language_code="nb")
EMMA = TgUser(1002, "Emma", None, "emma", language_code="en")
LINK = re.compile(r"https://t\.me/\w+\?start=(invite-[A-Za-z0-9_-]{32})")


async def create_ring(bot: BotDriver, user: TgUser, name: str, slug: str, save: str) -> str:
    """Answer the new-ring form (name, then the suggested code) and save; return the answer."""
    await bot.send(user, name)
    await bot.press(user, slug)
    await bot.press(user, save)
    return last(bot, user)


async def test_an_operator_first_start_goes_straight_to_creating_the_first_ring(
    settings: Settings, clock: MovableClock
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/start")
        welcome, question = bot.texts(ANNE)[-2:]
        created = await create_ring(bot, ANNE, "REKO Testdal", "testdal", "Opprett ringen")
        rings = await app_of(bot).services.ring_admin.admin_rings(ADMIN_ID)

    assert welcome.startswith("👋 Velkommen! Du driver denne boten, og det finnes ingen REKO-ring")
    assert question == "Hva heter ringen? For eksempel: REKO Nittedal"
    assert created.startswith("✅ REKO Testdal er opprettet.")
    assert "Legg til et utleveringssted" in str(bot.buttons(ANNE))
    assert [ring.slug for ring in rings] == ["testdal"]


async def test_an_english_operator_gets_the_first_run_in_english(
    settings: Settings, clock: MovableClock
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE_EN, "/start")
        welcome, question = bot.texts(ANNE_EN)[-2:]
        created = await create_ring(bot, ANNE_EN, "REKO Testdal", "testdal", "Create the ring")

    assert welcome.startswith("👋 Welcome! You run this bot, and there is no REKO ring yet.")
    assert question == "What is the ring called? For example: REKO Nittedal"
    assert created.startswith("✅ REKO Testdal is created.")


async def test_once_a_ring_exists_the_operator_start_is_the_customer_start(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(ANNE, "/start")

    assert last(bot, ANNE).startswith("Velkommen til REKO Testby!")


async def test_id_tells_anyone_their_telegram_id_and_help_mentions_it(
    settings: Settings, clock: MovableClock
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(EMMA, "/id")
        told = last(bot, EMMA)
        await bot.send(EMMA, "/help")
        help_text = last(bot, EMMA)

    assert told.startswith("Your Telegram id is 1002.")
    assert "REKOBOT_ADMIN_IDS" in told and "/start" in told
    assert "/id shows your Telegram id" in help_text


async def test_with_no_ring_a_stranger_learns_their_id_and_what_to_do(
    settings: Settings, clock: MovableClock
) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(OLA, "/start")
        no_rings = last(bot, OLA)
        await bot.send(OLA, "/admin")
        not_admin = last(bot, OLA)

    assert no_rings.startswith("Det finnes ingen REKO-ringer her ennå. Telegram-ID-en din er 1003.")
    assert "REKOBOT_ADMIN_IDS" in no_rings and "invitasjonslenke" in no_rings
    assert not_admin.startswith("Du er ikke administrator for noen REKO-ring.")
    assert "1003" in not_admin and "REKOBOT_ADMIN_IDS" in not_admin
    assert "invitasjonslenke" in not_admin and "/start" in not_admin


async def make_invitation(bot: BotDriver) -> str:
    """The operator makes an invitation in /admin; return the /start payload of its link."""
    await bot.send(ANNE, "/admin")
    await bot.press(ANNE, "Invitasjon til å starte en ring")
    match = LINK.search(last(bot, ANNE))
    assert match is not None, last(bot, ANNE)
    return match[1]


async def test_an_invitation_makes_its_opener_admin_of_the_ring_they_set_up_once(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        payload = await make_invitation(bot)
        shown = last(bot, ANNE)
        await bot.send(OLA, f"/start {payload}")
        invited, question = bot.texts(OLA)[-2:]
        created = await create_ring(bot, OLA, "REKO Hakadal", "hakadal", "Opprett ringen")
        ola_rings = await services.ring_admin.admin_rings(OLA.id)
        await bot.send(OLA, "/admin")
        ola_admin = last(bot, OLA)

        await bot.send(EMMA, f"/start {payload}")
        reused = last(bot, EMMA)
        emma_rings = await services.ring_admin.admin_rings(EMMA.id)
        async with services.db.read() as tx:
            stored = await tx.fetchall("SELECT token_hash, used_by FROM ring_invitations")

    assert len(payload) <= 64  # Telegram's limit for a start parameter
    assert "virker én gang, til mandag 7. desember" in shown
    assert invited.startswith("✉️ Du er invitert til å starte en REKO-ring.")
    assert question == "Hva heter ringen? For eksempel: REKO Nittedal"
    assert created.startswith("✅ REKO Hakadal er opprettet.")
    assert [ring.slug for ring in ola_rings] == ["hakadal"]
    assert ola_admin.startswith("⚙️ REKO Hakadal – administrasjon")
    assert reused.startswith("This invitation link has already been used to set up a ring.")
    assert "/start" in reused
    assert emma_rings == []
    assert [(row["used_by"]) for row in stored] == [OLA.id]
    assert payload not in stored[0]["token_hash"]  # only a hash is kept


async def test_an_expired_invitation_is_refused(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        payload = await make_invitation(bot)
        clock.advance(days=7, seconds=1)
        await bot.send(OLA, f"/start {payload}")
        expired = last(bot, OLA)
        rings = await app_of(bot).services.ring_admin.admin_rings(OLA.id)

    assert expired.startswith("Denne invitasjonslenken har gått ut. Be om en ny.")
    assert rings == []


async def test_a_made_up_invitation_is_refused(settings: Settings, clock: MovableClock) -> None:
    async with admin_bot(settings, clock) as bot:
        await bot.send(OLA, "/start invite-" + "A" * 32)

    assert last(bot, OLA).startswith("Denne invitasjonslenken er ikke gyldig.")


async def test_an_invitation_that_runs_out_while_the_form_is_open_creates_no_ring(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        payload = await make_invitation(bot)
        await bot.send(OLA, f"/start {payload}")
        clock.advance(days=8)
        refused = await create_ring(bot, OLA, "REKO Hakadal", "hakadal", "Opprett ringen")
        rings = await app_of(bot).services.ring_admin.admin_rings(OLA.id)

    assert "Denne invitasjonslenken har gått ut." in refused
    assert rings == []


async def test_only_an_operator_can_make_an_invitation(
    settings: Settings, clock: MovableClock, world: World
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await services.members.register(user_id=OLA.id, first_name="Ola")
        await services.members.join(OLA.id, "testby")
        await services.ring_admin.set_admin(ADMIN_ID, world.ring_id, OLA.id, True)
        await bot.send(OLA, "/admin")
        menu = str(bot.buttons(OLA))

    assert "starte en ring" not in menu and "Arkiver" not in menu


def _ring_slugs(database: Path) -> list[str]:
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute("SELECT slug FROM rings ORDER BY slug")]


def test_demo_data_refuses_a_database_with_real_rings_unless_forced(tmp_path: Path) -> None:
    assert rekobot(tmp_path, "migrate").returncode == 0
    database = tmp_path / "rekobot.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO rings (slug, name, timezone, locale, currency, created_at) "
            "VALUES ('hakadal', 'REKO Hakadal', 'Europe/Oslo', 'nb', 'NOK', ?)",
            ("2026-11-30T10:00:00+00:00",),
        )

    refused = rekobot(tmp_path, "demo-data")
    after_refusal = _ring_slugs(database)
    forced = rekobot(tmp_path, "demo-data", "--force")

    assert refused.returncode != 0
    assert "hakadal" in refused.stderr and "--force" in refused.stderr
    assert "demo.sqlite3" in refused.stderr and "Traceback" not in refused.stderr
    assert after_refusal == ["hakadal"]
    assert forced.returncode == 0
    assert _ring_slugs(database) == ["hakadal", "nittedal"]


def test_the_demo_producers_are_made_up_users_the_outbox_never_sends_to(tmp_path: Path) -> None:
    assert rekobot(tmp_path, "demo-data").returncode == 0
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as conn:
        owners = conn.execute(
            "SELECT u.id, u.unreachable_at IS NOT NULL FROM producers p "
            "JOIN users u ON u.id = p.owner_user_id ORDER BY u.id"
        ).fetchall()

    assert len(owners) == 5
    assert all(user_id < 0 and unreachable for user_id, unreachable in owners)


async def test_the_demo_producers_digests_are_recorded_but_never_sent(
    settings: Settings, clock: MovableClock
) -> None:
    async with admin_bot(settings, clock) as bot:
        services = app_of(bot).services
        await seed(services.db, clock)
        clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # the first pickup's deadline passed
        queued = await services.digests.send_due()
        await drain_all(app_of(bot), clock)
        async with services.db.read() as tx:
            outcomes = await tx.fetchall("SELECT chat_id, status FROM deliveries ORDER BY chat_id")

    assert queued == 5
    assert [tuple(row) for row in outcomes] == [(-105 + n, "blocked") for n in range(5)]
    assert not [c for c in bot.request.calls() if int(c.params.get("chat_id", 0) or 0) < 0]


def test_make_demo_runs_every_step_on_its_own_database() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    steps = [line for line in dry_run.stdout.splitlines() if "bin/rekobot " in line]

    assert [line.split("bin/rekobot ")[1] for line in steps] == ["migrate", "demo-data", "run"]
    assert all(line.startswith("REKOBOT_DATABASE=demo.sqlite3 ") for line in steps)
