"""Refusals to delete one's data (/privacy): what others still depend on, stale buttons."""

from __future__ import annotations

from rekobot.errors.refusal import Refusal
from rekobot.i18n import _, clock_time, day
from rekobot.models import Order


class StillProducer(Refusal):
    """The user runs a producer, whose orders and books others depend on."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.names = names

    def message(self) -> str:
        return _(
            "You run {producers}. Its orders and books are shared with customers and the "
            "ring, so your data cannot be deleted while you run it. Ask your ring's admin or "
            "the bot's operator to close it first."
        ).format(producers=", ".join(self.names))


class StillAdmin(Refusal):
    """The user admins a ring, or the whole bot."""

    def __init__(self, rings: list[str]) -> None:
        super().__init__(rings)
        self.rings = rings

    def message(self) -> str:
        if not self.rings:
            return _(
                "You are an operator of this bot (REKOBOT_ADMIN_IDS). Remove your id from the "
                "bot's settings first, then try again."
            )
        return _(
            "You are an admin of {rings}. Ask another admin to take the admin role from you "
            "(/admin → Admins), then try again."
        ).format(rings=", ".join(self.rings))


class OrderBeingPrepared(Refusal):
    """An order is past its deadline but not picked up: producers are preparing it."""

    def __init__(self, orders: list[tuple[Order, str]]) -> None:
        super().__init__([order.id for order, _ in orders])
        self.orders = orders

    def message(self) -> str:
        order, timezone = self.orders[0]
        return _(
            "Your order #{number} can no longer be cancelled: the producers are preparing it "
            "for the pickup on {day}. You can delete your data after the pickup, from {time}."
        ).format(
            number=order.number,
            day=day(order.pickup.starts_at, timezone),
            time=clock_time(order.pickup.ends_at, timezone),
        )


class ButtonNotYours(Refusal):
    """A confirm button made for someone else."""

    def message(self) -> str:
        return _("This button is not yours. Open /privacy to see your own data.")


class AlreadyErased(Refusal):
    """The confirm button was pressed again after the data was deleted."""

    def message(self) -> str:
        return _("Your data has already been deleted. Nothing more to do.")


class StaleConfirm(Refusal):
    """A confirm button from an earlier /privacy screen."""

    def message(self) -> str:
        return _("This button is out of date. Open /privacy again.")
