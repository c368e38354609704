"""`/privacy`: what the bot stores about you, a copy as a file, and deleting it for good.

Deleting is asked once more, with a warning, behind a confirm button that carries the user's
id and a one-time code kept in their user data. Erasing wipes that user data, so a second tap
on the same button finds no code and is refused politely, as is a button forged for someone
else: a confirm deletes only ever the presser's own data, and only after they saw the warning.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets

from telegram import InputFile, Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.cart import SharePhone
from handlers.kept import keep, kept
from handlers.replies import answer, button, keyboard, on_button, refuse, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import AlreadyErased, ButtonNotYours, Refusal, StaleConfirm
from rekobot.i18n import LANGUAGE_NAMES, _, ngettext
from rekobot.services.privacy import PrivacyOverview, retention_text

log = logging.getLogger(__name__)

#: Where the one-time code of the confirm button waits, in the user's PTB user data.
CONFIRM_CODE = "privacy_confirm"


@dataclasses.dataclass(frozen=True)
class ExportData(Callback, prefix="prvx"):
    """Send the user's data as a JSON file."""


@dataclasses.dataclass(frozen=True)
class AskErase(Callback, prefix="prvd"):
    """Show the warning before deleting."""


@dataclasses.dataclass(frozen=True)
class ConfirmErase(Callback, prefix="prvy"):
    """Delete for real: only the user ``user_id``, only with the code shown to them."""

    user_id: int
    code: int


@dataclasses.dataclass(frozen=True)
class BackToPrivacy(Callback, prefix="prv"):
    """Back to the /privacy screen."""


@dataclasses.dataclass(frozen=True)
class StopSharingPhone(Callback, prefix="prvp"):
    """Stop showing the phone number to producers."""


def overview_text(overview: PrivacyOverview) -> str:
    """List what is stored, then the privacy statement."""
    user = overview.user
    name = esc(" ".join(part for part in (user.first_name, user.last_name) if part))
    if user.username:
        name += f" (@{esc(user.username)})"
    yes, no = _("on"), _("off")
    lines = [
        _("🔒 <b>Your data</b>"),
        _("This is what the bot stores about you:"),
        _("• Name from your Telegram profile: {name}").format(name=name or "–"),
        _("• Phone number: {phone}, shown to the producers of your orders").format(
            phone=esc(overview.phone)
        )
        if overview.phone
        else _("• Contact details: your Telegram account only; no phone number or e-mail"),
        _("• Language: {language}").format(
            language=LANGUAGE_NAMES.get(user.locale or "", _("from your Telegram app"))
        ),
        _("• Reminders: {reminders}. Announcements: {announcements}").format(
            reminders=yes if user.reminders_enabled else no,
            announcements=yes if user.announcements_enabled else no,
        ),
        _("• Rings: {rings}").format(
            rings=", ".join(esc(m.ring.name) for m in overview.memberships) or _("none")
        ),
        ngettext("• Orders: {n}", "• Orders: {n}", overview.orders).format(n=overview.orders)
        + (
            " "
            + ngettext(
                "({n} not picked up yet)", "({n} not picked up yet)", overview.open_orders
            ).format(n=overview.open_orders)
            if overview.open_orders
            else ""
        ),
        ngettext("• Cart: {n} item", "• Cart: {n} items", overview.cart_units).format(
            n=overview.cart_units
        ),
    ]
    if overview.producers:
        lines.append(
            _("• Producer: {producers}").format(
                producers=", ".join(esc(name) for name in overview.producers)
            )
        )
    lines += ["", statement_text(overview)]
    return "\n".join(lines)


def statement_text(overview: PrivacyOverview) -> str:
    """The short privacy statement: what is stored, why, for how long, how to delete it."""
    keeping = "\n".join(
        _("{ring}: {rule}.").format(
            ring=esc(m.ring.name), rule=retention_text(m.ring.anonymise_after_days)
        )
        for m in overview.memberships
    )
    return "\n\n".join(
        [
            _("<b>Privacy</b>"),
            _(
                "The bot stores only what ordering needs: your Telegram name and username, "
                "your language and settings, the rings you joined, your cart and your orders. "
                "It never handles payments."
            ),
            _(
                "The producers you order from see your name and what you ordered, to hand it "
                "over at the pickup. After a pickup the ring removes your name from its orders; "
                "the producers keep order numbers, lines and amounts for their books."
            ),
            _(
                "They also see your @username, the comments you write to them, and your "
                "phone number if you choose to share it; comments and the number leave the "
                "orders with your name."
            ),
            keeping,
            _(
                "“Download my data” sends you all of it as a file. “Delete my data” erases you: "
                "orders not picked up yet are cancelled, and your name, rings, cart and "
                "settings are deleted. Writing to the bot again starts afresh."
            ),
        ]
    )


def overview_rows(phone_shared: bool = False) -> list[list[Button]]:
    """The buttons of the /privacy screen: the phone number, download, delete."""
    phone = (
        button(_("📵 Stop sharing my phone number"), StopSharingPhone())
        if phone_shared
        else button(_("📞 Share my phone with the producers"), SharePhone(0))
    )
    return [
        [phone],
        [button(_("📄 Download my data"), ExportData())],
        [button(_("🗑 Delete my data"), AskErase())],
    ]


async def privacy(update: Update, context: Ctx) -> None:
    """Show what is stored, the privacy statement, and the buttons."""
    overview = await context.bot_data.services.privacy.overview(current_user().id)
    await show(update, context, overview_text(overview), overview_rows(overview.phone is not None))


@on_button(StopSharingPhone)
async def on_stop_sharing(update: Update, context: Ctx, data: StopSharingPhone) -> None:
    """Take the phone number out of every later note and file, and show /privacy again."""
    await context.bot_data.services.contacts.stop_sharing(current_user().id)
    assert update.callback_query is not None
    await answer(update.callback_query, _("Your phone number is no longer shared."))
    await privacy(update, context)


@on_button(BackToPrivacy)
async def on_back(update: Update, context: Ctx, data: BackToPrivacy) -> None:
    """Show the /privacy screen again."""
    await privacy(update, context)


@on_button(ExportData)
async def on_export(update: Update, context: Ctx, data: ExportData) -> None:
    """Send everything stored about the user as a JSON document."""
    user = current_user()
    exported = await context.bot_data.services.privacy.export(user.id)
    content = json.dumps(exported, ensure_ascii=False, indent=2).encode()
    chat = update.effective_chat
    assert chat is not None and update.callback_query is not None
    await answer(update.callback_query)
    await context.bot.send_document(
        chat.id,
        InputFile(content, filename=f"rekobot-data-{user.id}.json"),
        caption=_("Everything the bot stores about you, as of now."),
        reply_markup=keyboard([[button("⬅️ " + _("Back"), BackToPrivacy())]]),
    )


@on_button(AskErase)
async def on_ask_erase(update: Update, context: Ctx, data: AskErase) -> None:
    """Warn once, with a single confirm button; refuse at once when a role stands in the way."""
    services = context.bot_data.services
    user = current_user()
    try:
        overview = await services.privacy.check_erasable(user.id)
    except Refusal as refusal:
        rows = [[button("⬅️ " + _("Back"), BackToPrivacy())]]
        await show(update, context, esc(refusal.message()), rows)
        return
    code = secrets.randbelow(10**9)
    await keep(context, CONFIRM_CODE, code)
    lines = [
        _("⚠️ <b>Delete your data?</b>"),
        _(
            "Your name, your rings, your cart and your settings will be deleted. Your past "
            "orders stay with the producers without your name."
        ),
    ]
    if overview.open_orders:
        lines.append(
            ngettext(
                "{n} order not picked up yet will be cancelled, and its producers told.",
                "{n} orders not picked up yet will be cancelled, and their producers told.",
                overview.open_orders,
            ).format(n=overview.open_orders)
        )
    lines.append(_("<b>This cannot be undone.</b>"))
    rows = [
        [button(_("Yes, delete my data for good"), ConfirmErase(user.id, code))],
        [button("⬅️ " + _("Back"), BackToPrivacy())],
    ]
    await show(update, context, "\n\n".join(lines), rows)


@on_button(ConfirmErase)
async def on_confirm_erase(update: Update, context: Ctx, data: ConfirmErase) -> None:
    """Delete the presser's data, if this is their button and the code is the one shown."""
    services = context.bot_data.services
    user = current_user()
    if data.user_id != user.id:
        log.warning("user %s pressed an erase button made for %s", user.id, data.user_id)
        raise ButtonNotYours()
    if await kept(context, CONFIRM_CODE) != data.code:
        overview = await services.privacy.overview(user.id)
        raise StaleConfirm() if overview.has_data else AlreadyErased()
    try:
        erasure = await services.privacy.erase(user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    lines = [_("✅ <b>Your data has been deleted.</b>")]
    if erasure.cancelled:
        lines.append(
            ngettext(
                "Order #{numbers} was cancelled and its producers told.",
                "Orders #{numbers} were cancelled and their producers told.",
                len(erasure.cancelled),
            ).format(numbers=", #".join(str(order.number) for order in erasure.cancelled))
        )
    lines.append(_("If you come back, /start joins a ring as a new customer."))
    await show(update, context, "\n".join(lines))
