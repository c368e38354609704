"""Through the chat: a producer writes the weekly post, a customer asks, the producer answers."""

from __future__ import annotations

from rekobot.models.voice import PostRule
from rekobot.services.producer_questions import QUESTIONS_PER_DAY
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import follows as follow_store
from storage import producer_posts as post_store
from tests.conftest import BAKER_ID, FARMER_ID, MovableClock, World
from tests.customer_bot import EMMA, KARI, labels, last, running_bot
from tests.fakes.calls import Call
from tests.fakes.driver import BotDriver
from tests.fakes.updates import TgUser
from tests.producer_support import customer, deliver, make_admin, queued

BERG = TgUser(FARMER_ID, "Berg", language_code="nb")
BAKER = TgUser(BAKER_ID, "Solbakken", language_code="en")
ANNE = TgUser(1300, "Anne", language_code="nb")


def alert(calls: list[Call]) -> str:
    """The alert a press was answered with ("" when none)."""
    for call in calls:
        if call.method == "answerCallbackQuery" and call.params.get("show_alert"):
            return str(call.params.get("text"))
    return ""


async def follow(services: Services, world: World, user_id: int) -> None:
    async with services.db.transaction() as tx:
        await follow_store.set_follow(
            tx, user_id, world.ring_id, world.producer_ids["farm"], on=True, now=services.clock()
        )


async def open_post_form(bot: BotDriver) -> None:
    await bot.send(BERG, "/producer")
    await bot.press(BERG, "📝 Ukens innlegg")
    await bot.press(BERG, "desember")
    await bot.press(BERG, "✏️ Skriv innlegget")


async def test_a_producer_writes_the_weekly_post_with_a_photo_for_the_followers(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await customer(services, 1401, "Ola")
    await customer(services, 1402, "Emma", "en")
    await follow(services, world, 1401)
    await follow(services, world, 1402)
    async with running_bot(settings, clock) as bot:
        await open_post_form(bot)
        asked_text = last(bot, BERG)
        await bot.send(BERG, "Nye poteter og <lam> denne uka!")
        asked_photo = last(bot, BERG)
        await bot.send(BERG, "Ingen bilde")  # text where a photo is asked for
        wrong = last(bot, BERG)
        await bot.send_photo(BERG, b"\xff\xd8jpeg")
        summary = last(bot, BERG)
        await bot.press(BERG, "📤 Send")
        done = last(bot, BERG)
        await bot.press(BERG, "📝 Ukens innlegg")  # straight to this pickup's post
        screen = last(bot, BERG)
        screen_buttons = labels(bot, BERG)
        again = await bot.feed(bot.factory.callback(BERG, f"ppostw:{world.pickup_id}"))
    posts = await queued(services.db, "producer_post")

    assert "Hva vil du fortelle kundene om denne utleveringen?" in asked_text
    assert "Send et bilde til innlegget, eller trykk Hopp over." in asked_photo
    assert "Send et bilde" in wrong
    assert "Innlegget ditt, slik medlemmene ser det" in summary
    assert "Nye poteter og <lam> denne uka!" in summary and "Med bildet ditt." in summary
    assert "Går til dine 2 følgere." in summary
    assert "Innlegget ditt er på vei til 2 medlemmer." in done
    assert sorted(q.chat_id for q in posts) == [1401, 1402]
    assert posts[0].messages[0].photo_file_id is not None
    english = next(q for q in posts if q.chat_id == 1402)
    assert "🧺 See what Berg Gård offers" in str(english.messages[0].buttons)
    assert "Innlegget ditt gikk ut til 2 medlemmer" in screen
    assert not any("Skriv" in label for label in screen_buttons)
    assert "allerede sendt" in alert(again)


async def test_a_post_to_all_members_waits_for_the_admin_and_the_producer_hears_back(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await customer(services, 1401, "Ola")
    await services.members.register(user_id=ANNE.id, first_name="Anne", language_code="nb")
    await make_admin(services, ANNE.id, world.ring_id)
    async with services.db.transaction() as tx:
        await post_store.set_ring_rule(tx, world.ring_id, PostRule.APPROVAL)
    async with running_bot(settings, clock) as bot:
        await open_post_form(bot)
        await bot.send(BERG, "Lam til alle!")
        await bot.press(BERG, "Hopp over")
        audience = labels(bot, BERG)
        await bot.press(BERG, "Alle medlemmer (etter godkjenning)")
        summary = last(bot, BERG)
        await bot.press(BERG, "📤 Send")
        waiting = last(bot, BERG)
        await deliver(bot)  # the admin's approval request
        await bot.press(ANNE, "❌ Avvis")
        rejected = last(bot, ANNE)
    told = await queued(services.db, "post_decision", chat_id=FARMER_ID)

    assert "Mine følgere (0)" in audience
    assert "Går til alle medlemmer når en administrator har godkjent det." in summary
    assert "venter på godkjenning" in waiting
    assert "Avvist. Ingenting ble sendt" in rejected
    assert await queued(services.db, "producer_post") == []
    assert "godkjente ikke innlegget ditt" in told[0].text


async def test_a_customer_asks_the_producer_and_gets_the_answer_with_both_names(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(EMMA, "/start testby")
        await bot.send(EMMA, "/shop")
        await bot.press(EMMA, "Berg Gård")  # the producers are on the pickup screen
        await bot.press(EMMA, "🧑‍🌾 About the producer")
        await bot.press(EMMA, "❓ Ask the producer")
        prompt = last(bot, EMMA)
        await bot.send(EMMA, "Do you have <eggs> on Saturday?")
        sent = last(bot, EMMA)
        await deliver(bot)
        question = last(bot, BERG)
        reply_buttons = labels(bot, BERG)
        forged = await bot.feed(bot.factory.callback(BAKER, "qrep:1"))
        await bot.press(BERG, "↩️ Svar")
        reply_prompt = last(bot, BERG)
        await bot.send(BERG, "Ja, 10 brett!")
        replied = last(bot, BERG)
        await deliver(bot)
        answer = last(bot, EMMA)
        answer_buttons = labels(bot, EMMA)
        twice = await bot.feed(bot.factory.callback(BERG, "qrep:1"))

    assert "What do you want to ask Berg Gård?" in prompt and "Emma (@emma)" in prompt
    assert "Your question went to Berg Gård" in sent
    assert "Spørsmål fra Emma (@emma)" in question
    assert "Do you have <eggs> on Saturday?" in question
    assert reply_buttons == ["↩️ Svar"]
    assert alert(forged) != "" and "Ja, 10 brett!" not in str(forged)
    assert "Svaret ditt til Emma (@emma)" in reply_prompt
    assert "Spørsmålet var: Do you have <eggs> on Saturday?" in reply_prompt
    assert "Svaret ditt er sendt til Emma (@emma)." in replied
    assert "Berg Gård answered you" in answer and "Ja, 10 brett!" in answer
    assert "You asked: Do you have <eggs> on Saturday?" in answer
    assert answer_buttons == ["❓ Ask Berg Gård again"]
    assert "allerede besvart" in alert(twice)
    exported = await services.privacy.export(EMMA.id)  # the question is hers: /privacy shows it
    assert [
        (q["producer"], q["question"], q["answer"]) for q in exported["questions_to_producers"]
    ] == [("Berg Gård", "Do you have <eggs> on Saturday?", "Ja, 10 brett!")]
    assert exported["user"]["producer_posts"] is True


async def test_questions_are_rate_limited_and_blocked_members_cannot_ask(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    farm = world.producer_ids["farm"]
    async with running_bot(settings, clock) as bot:
        await bot.send(KARI, "/start testby")
        for n in range(QUESTIONS_PER_DAY):
            await bot.feed(bot.factory.callback(KARI, f"cask:{world.ring_id}:{farm}"))
            await bot.send(KARI, f"Spørsmål {n}")
        over = await bot.feed(bot.factory.callback(KARI, f"cask:{world.ring_id}:{farm}"))
        clock.advance(hours=25)
        next_day = await bot.feed(bot.factory.callback(KARI, f"cask:{world.ring_id}:{farm}"))
        await services.db.execute(
            "UPDATE memberships SET blocked_at = '2026-01-01T00:00:00+00:00' WHERE user_id = ?",
            (KARI.id,),
        )
        blocked = await bot.feed(bot.factory.callback(KARI, f"cask:{world.ring_id}:{farm}"))
        unknown = await bot.feed(bot.factory.callback(EMMA, f"cask:{world.ring_id}:99999"))
    questions = await queued(services.db, "producer_question", chat_id=FARMER_ID)

    assert len(questions) == QUESTIONS_PER_DAY
    assert "høyst 5 spørsmål per døgn" in alert(over)
    assert alert(next_day) == ""
    assert alert(blocked) != ""
    assert alert(unknown) != ""


async def test_a_producer_sets_the_photo_of_their_page(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    async with running_bot(settings, clock) as bot:
        await bot.send(BERG, "/producer")
        await bot.press(BERG, "⚙️ Innstillinger")
        await bot.press(BERG, "📷 Bilde til siden din")
        await bot.send_photo(BERG, b"\xff\xd8farm")
        saved = last(bot, BERG)
        await bot.send(KARI, "/start testby")
        await bot.send(KARI, "/shop")
        await bot.press(KARI, "Berg Gård")  # the producers are on the pickup screen
        page = await bot.press(KARI, "🧑‍🌾 Om produsenten")

    assert "kundene ser bildet på siden din" in saved
    assert any(c.method == "sendPhoto" and "Berg Gård" in (c.text or "") for c in page)
