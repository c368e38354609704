"""A producer's page in the shop, following them, their own link and its QR code."""

from __future__ import annotations

from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import rings as ring_store
from tests.conftest import FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, labels, last, running_bot
from tests.fakes.updates import TgUser
from tests.producer_support import make_admin

BERG = TgUser(FARMER_ID, "Berg", language_code="nb")


async def describe_farm(services: Services, world: World, description: str) -> None:
    """Give Berg Gård a description (customers see it) and payment instructions."""
    await services.db.execute(
        "UPDATE producers SET description = ?, payment_info = 'Vipps 123456 <eller kontant>' "
        "WHERE id = ?",
        (description, world.producer_ids["farm"]),
    )


async def follows(services: Services, user_id: int, world: World) -> list[tuple[int, int]]:
    """The (ring, producer) pairs a user follows."""
    rows = await services.db.fetchall(
        "SELECT ring_id, producer_id FROM producer_follows WHERE user_id = ?", (user_id,)
    )
    return [(row["ring_id"], row["producer_id"]) for row in rows]


async def test_the_producer_page_shows_description_payment_and_offers_escaped(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await describe_farm(services, world, "Økologisk <b>gård</b> & bigård")
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")  # the producers are on the pickup screen
        calls = await bot.press(KARI, "🧑‍🌾 Om produsenten")
        page = last(bot, KARI)
        buttons = labels(bot, KARI)
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/shop")
        await bot.press(EMMA, "Berg Gård")  # the producers are on the pickup screen
        await bot.press(EMMA, "🧑‍🌾 About the producer")
        emma_page = last(bot, EMMA)
        emma_buttons = labels(bot, EMMA)

    sent = next(c for c in calls if c.method == "editMessageText")
    assert "Økologisk &lt;b&gt;gård&lt;/b&gt; &amp; bigård" in str(sent.params["text"])
    assert "Økologisk <b>gård</b> & bigård" in page
    assert "💳 Betaling: Vipps 123456 <eller kontant>" in page
    assert "• Poteter, 2 kg — 60,00 kr" in page
    assert [b.replace("\xa0", " ") for b in buttons[:3]] == [
        "Egg · 75,00 kr",
        "Gulrøtter · 35,00 kr",
        "Poteter · 60,00 kr",
    ]
    assert "⭐ Følg" in buttons and "❓ Spør produsenten" in buttons
    assert "💳 Payment: Vipps 123456 <eller kontant>" in emma_page
    assert "⭐ Follow" in emma_buttons and "❓ Ask the producer" in emma_buttons


async def test_a_producer_photo_carries_the_page_and_a_long_text_follows_it(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await services.db.execute(
        "UPDATE producers SET photo_file_id = 'AgACfarm' WHERE id = ?",
        (world.producer_ids["farm"],),
    )
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")  # the producers are on the pickup screen
        short = await bot.press(KARI, "🧑‍🌾 Om produsenten")
        await describe_farm(services, world, "Lang historie. " * 120)  # 1,800 characters
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")  # the producers are on the pickup screen
        long = await bot.press(KARI, "🧑‍🌾 Om produsenten")

    photo = next(c for c in short if c.method == "sendPhoto")
    assert photo.params["photo"] == "AgACfarm"
    assert "Berg Gård" in (photo.text or "") and "Poteter" in (photo.text or "")
    assert "⭐ Følg" in str(photo.params["reply_markup"])
    long_photo = next(c for c in long if c.method == "sendPhoto")
    assert len(long_photo.text or "") <= 1024 and "Lang historie" not in (long_photo.text or "")
    text = next(c for c in long if c.method == "sendMessage")
    assert "Lang historie. Lang historie." in (text.text or "")
    assert "⭐ Følg" in str(text.params["reply_markup"])


async def test_following_is_stored_per_ring_and_can_be_undone(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")  # the producers are on the pickup screen
        await bot.press(KARI, "🧑‍🌾 Om produsenten")
        await bot.press(KARI, "⭐ Følg")
        toast = bot.request.calls("answerCallbackQuery", ok=True)[-1].params["text"]
        followed = await follows(services, KARI.id, world)
        exported = (await services.privacy.export(KARI.id))["follows"]
        page = last(bot, KARI)
        after_follow = labels(bot, KARI)
        await bot.press(KARI, "✅ Følger · slutt å følge")
        unfollowed = await follows(services, KARI.id, world)
        after_unfollow = labels(bot, KARI)

    assert followed == [(world.ring_id, world.producer_ids["farm"])]
    assert [(f["ring"], f["producer"]) for f in exported] == [("REKO Testby", "Berg Gård")]
    assert toast == "Nå følger du denne produsenten: innleggene deres kommer til deg her."
    assert "⭐ Du følger Berg Gård og får innleggene deres." in page
    assert "✅ Følger · slutt å følge" in after_follow
    assert unfollowed == []
    assert "⭐ Følg" in after_unfollow


async def test_forged_and_stale_page_buttons_are_refused_kindly(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = world.producer_ids["farm"]
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        unknown = await bot.feed(bot.factory.callback(KARI, f"cpp:{world.pickup_id}:99999"))
        forged = await bot.feed(bot.factory.callback(KARI, f"cfol:{world.pickup_id}:{farm}:7"))
        clock.advance(days=3)  # past the order deadline
        stale = await bot.feed(bot.factory.callback(KARI, f"cfol:{world.pickup_id}:{farm}:1"))
        outsider = await bot.feed(bot.factory.callback(EMMA, f"cpp:{world.pickup_id}:{farm}"))

    for calls in (unknown, forged, stale, outsider):
        answer = next(c for c in calls if c.method == "answerCallbackQuery")
        assert answer.params.get("show_alert") and answer.params.get("text")
    assert await follows(services, KARI.id, world) == []


async def test_a_producer_link_joins_the_ring_and_opens_their_page(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = world.producer_ids["farm"]
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, f"/start testby-p{farm}")
        welcome, page = (t for t in bot.texts(EMMA)[-2:])
        buttons = labels(bot, EMMA)
        await bot.send(KARI, "/start testby-p99999")  # no such producer: an unknown ring code
        unknown = last(bot, KARI)

    member = await services.db.fetchone(
        "SELECT ring_id FROM memberships WHERE user_id = ?", (EMMA.id,)
    )
    assert member is not None and member["ring_id"] == world.ring_id
    assert "Welcome to REKO Testby!" in welcome
    assert "Berg Gård" in page and "Poteter" in page
    assert "⭐ Follow" in buttons
    assert "testby-p99999" in unknown


async def test_a_ring_whose_code_looks_like_a_producer_link_keeps_its_own_link(
    world: World, services: Services
) -> None:
    bakery = world.producer_ids["bakery"]
    async with services.db.transaction() as tx:
        await ring_store.create_ring(
            tx,
            slug=f"testby-p{bakery}",
            name="REKO P",
            timezone="Europe/Oslo",
            locale="nb",
            currency="NOK",
            now=services.clock(),
        )
    assert await services.producer_pages.resolve_link(f"testby-p{bakery}") is None
    found = await services.producer_pages.resolve_link(f"testby-p{world.producer_ids['farm']}")
    assert found is not None and found[0].id == world.ring_id


async def test_a_producer_gets_their_own_link_and_a_qr_code_in_each_ring(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = world.producer_ids["farm"]
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        calls = await bot.press(BERG, "Min lenke og QR-kode")
        links = [t for t in bot.texts(BERG) if "Din egen lenke" in t][-1]

    link = f"https://t.me/{bot.app.bot.username}?start=testby-p{farm}"
    assert f"REKO Testby: {link}" in links
    photo = next(c for c in calls if c.method == "sendPhoto")
    upload = photo.files["photo"]
    assert upload.filename == f"reko-testby-p{farm}-qr.png"
    assert upload.startswith(b"\x89PNG")
    assert link in (photo.text or "")
    assert len(f"testby-p{farm}") <= 64


async def test_an_admin_chooses_the_rule_for_producer_posts(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    anne = TgUser(1300, "Anne", language_code="nb")
    await services.members.register(user_id=anne.id, first_name="Anne", language_code="nb")
    await make_admin(services, anne.id, world.ring_id)
    async with running_bot(settings, clock) as bot:
        await bot.send(anne, "/admin")
        await bot.press(anne, "📝 Produsentenes innlegg")
        before = last(bot, anne)
        await bot.press(anne, "Alle medlemmer, etter godkjenning")
        after = last(bot, anne)
        ticked = labels(bot, anne)
        intruder = await bot.feed(bot.factory.callback(KARI, f"aposts:{world.ring_id}:on"))

    assert "Produsentenes innlegg går bare til de som følger dem." in before
    assert "når en administrator har godkjent innlegget" in after
    assert "✅ Alle medlemmer, etter godkjenning" in ticked
    rule = await services.db.fetchone("SELECT rule FROM ring_post_rules")
    assert rule is not None and rule["rule"] == "approval"
    assert any(c.params.get("show_alert") for c in intruder if c.method == "answerCallbackQuery")


async def test_a_producer_link_without_an_open_pickup_says_when_to_come_back(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    clock.advance(days=3)  # the only pickup no longer takes orders
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, f"/start testby-p{world.producer_ids['farm']}")
        said = last(bot, KARI)

    assert "Berg Gård selger i REKO Testby, men ingen utlevering tar imot bestillinger" in said
