"""The customer's side: joining a ring, shopping, the cart, checkout and their orders."""

from __future__ import annotations

from telegram.ext import Application

from handlers.customer import cart as cart
from handlers.customer import orders as orders
from handlers.customer import privacy as privacy
from handlers.customer import shop as shop
from handlers.customer import start as start


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the customer handlers."""
    for module in (start, shop, cart, orders, privacy):
        module.register(application)
