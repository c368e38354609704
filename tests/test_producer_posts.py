"""A producer's weekly post: followers, every member by the ring's rule, approval, opting out."""

from __future__ import annotations

import pytest

from rekobot.errors import AlreadyPosted, NotAllowedToAll, Refusal
from rekobot.models.voice import PostRule, PostStatus
from rekobot.services.registry import Services
from rekobot.settings import Settings
from storage import follows as follow_store
from storage import producer_posts as post_store
from tests.conftest import FARMER_ID, MovableClock, World
from tests.customer_bot import running_bot
from tests.fakes.updates import TgUser
from tests.producer_support import customer, make_admin, queued

ANNE = TgUser(1300, "Anne", language_code="nb")
OLA, EMMA, PER = 1401, 1402, 1403


async def members(services: Services, world: World) -> None:
    """Ola (nb) and Emma (en) follow Berg Gård; Per (nb) does not."""
    for user_id, name, language in ((OLA, "Ola", "nb"), (EMMA, "Emma", "en"), (PER, "Per", "nb")):
        await customer(services, user_id, name, language)
    async with services.db.transaction() as tx:
        for user_id in (OLA, EMMA):
            await follow_store.set_follow(
                tx,
                user_id,
                world.ring_id,
                world.producer_ids["farm"],
                on=True,
                now=services.clock(),
            )


async def set_rule(services: Services, world: World, rule: PostRule) -> None:
    async with services.db.transaction() as tx:
        await post_store.set_ring_rule(tx, world.ring_id, rule)


async def test_a_post_goes_to_followers_in_their_language_with_the_photo(
    world: World, services: Services
) -> None:
    await members(services, world)
    post = await services.producer_posts.submit(
        FARMER_ID, world.pickup_id, "Nye <poteter> & lam!", "AgACpost", to_all=False
    )
    sent = await queued(services.db, "producer_post")

    assert post.status is PostStatus.SENT and post.recipients == 2
    assert sorted(q.chat_id for q in sent) == [OLA, EMMA]
    ola = next(q for q in sent if q.chat_id == OLA)
    emma = next(q for q in sent if q.chat_id == EMMA)
    message = ola.messages[0]
    assert message.photo_file_id == "AgACpost"
    assert message.caption is not None and "Nye &lt;poteter&gt; &amp; lam!" in message.caption
    assert "Berg Gård" in ola.text and "REKO Testby" in ola.text
    assert message.buttons is not None
    assert message.buttons[0][0] == (
        "🧺 Se hva Berg Gård selger",
        f"cpp:{world.pickup_id}:{world.producer_ids['farm']}",
    )
    assert emma.messages[0].buttons is not None
    assert emma.messages[0].buttons[1][0] == ("🔕 No more producer posts", "anotif:post:0:0")


async def test_one_post_per_pickup_a_second_is_refused_once_sent(
    world: World, services: Services
) -> None:
    await members(services, world)
    await services.producer_posts.submit(FARMER_ID, world.pickup_id, "Første", None, to_all=False)
    with pytest.raises(AlreadyPosted):
        await services.producer_posts.submit(
            FARMER_ID, world.pickup_id, "Andre", None, to_all=False
        )
    assert len(await queued(services.db, "producer_post")) == 2


async def test_posts_to_all_members_follow_the_rings_rule(world: World, services: Services) -> None:
    await members(services, world)
    with pytest.raises(NotAllowedToAll):
        await services.producer_posts.submit(FARMER_ID, world.pickup_id, "Alle", None, to_all=True)
    await set_rule(services, world, PostRule.ON)
    post = await services.producer_posts.submit(
        FARMER_ID, world.pickup_id, "Alle", None, to_all=True
    )
    recipients = sorted(q.chat_id for q in await queued(services.db, "producer_post"))

    assert post.status is PostStatus.SENT
    assert recipients == [OLA, EMMA, PER]  # never the producer themself


async def test_members_who_turned_posts_off_or_are_blocked_get_none(
    world: World, services: Services
) -> None:
    await members(services, world)
    await services.producer_posts.set_posts_enabled(OLA, False)
    await services.db.execute(
        "UPDATE memberships SET blocked_at = '2026-01-01T00:00:00+00:00' WHERE user_id = ?",
        (EMMA,),
    )
    post = await services.producer_posts.submit(
        FARMER_ID, world.pickup_id, "Hei", None, to_all=False
    )
    assert post.recipients == 0
    assert await queued(services.db, "producer_post") == []


async def test_an_admin_approves_a_post_to_all_and_the_producer_is_told(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    await members(services, world)
    await services.members.register(user_id=ANNE.id, first_name="Anne", language_code="nb")
    await make_admin(services, ANNE.id, world.ring_id)
    await set_rule(services, world, PostRule.APPROVAL)
    post = await services.producer_posts.submit(
        FARMER_ID, world.pickup_id, "Lammekjøtt denne uka", None, to_all=True
    )
    waiting = await queued(services.db, "post_approval", chat_id=ANNE.id)
    nothing_yet = await queued(services.db, "producer_post")
    async with running_bot(settings, clock) as bot:
        await bot.send(ANNE, "/admin")
        await bot.press(ANNE, "📝 Produsentenes innlegg")
        screen = bot.last_text(ANNE)
        await bot.press(ANNE, "✅ Berg Gård")
        done = bot.last_text(ANNE)
        again = await bot.feed(bot.factory.callback(ANNE, f"apost:{post.id}:0"))
    sent = await queued(services.db, "producer_post")
    told = await queued(services.db, "post_decision", chat_id=FARMER_ID)

    assert post.status is PostStatus.PENDING and nothing_yet == []
    assert len(waiting) == 1 and "Lammekjøtt denne uka" in waiting[0].text
    assert "Berg Gård</b> vil sende et innlegg til alle medlemmer" in waiting[0].text
    assert waiting[0].messages[-1].buttons == [
        [("✅ Godkjenn", f"apost:{post.id}:1"), ("❌ Avvis", f"apost:{post.id}:0")]
    ]
    assert "Venter på godkjenning" in screen and "Lammekjøtt denne uka" in screen
    assert "Godkjent. Innlegget går til 4 medlemmer" in done  # Ola, Emma, Per and Anne
    assert sorted(q.chat_id for q in sent) == sorted([OLA, EMMA, PER, ANNE.id])
    assert len(told) == 1 and "godkjente innlegget ditt" in told[0].text
    alert = next(c for c in again if c.method == "answerCallbackQuery")
    assert alert.params["text"] == "Dette innlegget er allerede godkjent."


async def test_a_rejected_post_sends_nothing_and_can_be_written_again(
    world: World, services: Services
) -> None:
    await members(services, world)
    await services.members.register(user_id=ANNE.id, first_name="Anne", language_code="nb")
    await make_admin(services, ANNE.id, world.ring_id)
    await set_rule(services, world, PostRule.APPROVAL)
    post = await services.producer_posts.submit(
        FARMER_ID, world.pickup_id, "Alle", None, to_all=True
    )
    with pytest.raises(Refusal):
        await services.producer_posts.decide(OLA, post.id, approve=True)  # not an admin
    rejected = await services.producer_posts.decide(ANNE.id, post.id, approve=False)
    told = await queued(services.db, "post_decision", chat_id=FARMER_ID)
    again = await services.producer_posts.submit(
        FARMER_ID, world.pickup_id, "Bare følgere", None, to_all=False
    )

    assert rejected.status is PostStatus.REJECTED
    assert "godkjente ikke innlegget ditt" in told[0].text
    assert again.id == post.id and again.status is PostStatus.SENT and again.recipients == 2


async def test_the_post_toggle_is_on_the_notifications_screen_and_under_each_post(
    settings: Settings, clock: MovableClock, world: World, services: Services
) -> None:
    kari = TgUser(1001, "Kari", language_code="nb")
    async with running_bot(settings, clock) as bot:
        await bot.send(kari, "/start testby")
        await bot.send(kari, "/notifications")
        before = bot.last_text(kari)
        await bot.press(kari, "Slå av innlegg fra produsenter")
        after = bot.last_text(kari)
        off = await services.producer_posts.posts_enabled(kari.id)
        await bot.feed(bot.factory.callback(kari, "anotif:post:1:0"))
        on = await services.producer_posts.posts_enabled(kari.id)

    assert "Innlegg fra produsenter: på" in before
    assert "Innlegg fra produsenter: av" in after
    assert off is False and on is True


def test_the_buttons_services_queue_are_the_ones_handlers_read() -> None:
    from handlers.admin.post_approval import DecidePost
    from handlers.customer.notifications import NotificationsToggle
    from handlers.customer.producer_buttons import AskProducer, ProducerPageButton
    from rekobot.services.post_texts import POSTS_OFF, decision_button, page_button
    from rekobot.services.producer_questions import ask_button, reply_button

    assert page_button(12, 34) == ProducerPageButton(12, 34).pack()
    assert decision_button(5, True) == DecidePost(5, 1).pack()
    assert decision_button(5, False) == DecidePost(5, 0).pack()
    assert NotificationsToggle.unpack(POSTS_OFF) == NotificationsToggle("post", 0, 0)
    assert ask_button(3, 4) == AskProducer(3, 4).pack()
    assert reply_button(77).startswith("qrep:")


async def test_a_long_post_with_a_photo_sends_the_photo_then_the_text(
    world: World, services: Services
) -> None:
    await members(services, world)
    text = "Lang tekst om gården. " * 80  # about 1,760 characters: too long for a caption
    await services.producer_posts.submit(FARMER_ID, world.pickup_id, text, "AgACp", to_all=False)
    first = (await queued(services.db, "producer_post"))[0]

    photo, body = first.messages
    assert photo.photo_file_id == "AgACp" and photo.caption is None
    assert body.text is not None and "Lang tekst om gården." in body.text
    assert body.buttons is not None
