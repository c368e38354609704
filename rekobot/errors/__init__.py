"""Refusals a service can give, each with a message in the user's language.

A service raises one of these when the rules say no; the handler shows ``exc.message()``.
Nothing has changed when one is raised: the transaction is rolled back.

A message is HTML-safe: what a user typed (a ring code, a product name) is escaped in it, so
handlers can put it into any HTML screen. Plain-text places (button alerts) unescape it.

The refusals live by the part of the bot that refuses (``ordering``, ``producers``,
``running``, ``voice``, ``privacy``; ``refusal`` has ``Refusal`` itself and the ones any part
gives); this package names them all, so callers import them from ``rekobot.errors``.
"""

from __future__ import annotations

from rekobot.errors.ordering import (
    CartChanged,
    CommentTooLong,
    DeadlinePassed,
    EmptyCart,
    NotOwnContact,
    OfferWithdrawn,
    OrdersNotOpen,
    OutOfStock,
    OverCustomerLimit,
    PickupCancelled,
)
from rekobot.errors.privacy import (
    AlreadyErased,
    ButtonNotYours,
    OrderBeingPrepared,
    StaleConfirm,
    StillAdmin,
    StillProducer,
)
from rekobot.errors.producers import (
    AlreadyApplied,
    AlreadyDecided,
    BelowOrdered,
    HandoverNotYet,
    NoShowNotYet,
    NotApproved,
    NotAProducer,
    OffersClosed,
    ProductWasOrdered,
)
from rekobot.errors.refusal import (
    InvalidInput,
    NoRing,
    NotAllowed,
    NotFound,
    Refusal,
    UnknownRing,
)
from rekobot.errors.running import (
    AlreadyAnnounced,
    CannotBlockAdmin,
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    LastAdmin,
    NoRecipients,
    NotArchived,
    PlaceInUse,
    PlaceNameTaken,
    SlugTaken,
)
from rekobot.errors.voice import (
    AlreadyAnswered,
    AlreadyPosted,
    NotAllowedToAll,
    PostDecided,
    TooManyQuestions,
)

__all__ = [
    "AlreadyAnnounced",
    "AlreadyAnswered",
    "AlreadyApplied",
    "AlreadyDecided",
    "AlreadyErased",
    "AlreadyPosted",
    "BelowOrdered",
    "ButtonNotYours",
    "CannotBlockAdmin",
    "CartChanged",
    "CommentTooLong",
    "DeadlinePassed",
    "EmptyCart",
    "HandoverNotYet",
    "InvalidInput",
    "InvitationExpired",
    "InvitationInvalid",
    "InvitationUsed",
    "LastAdmin",
    "NoRecipients",
    "NoRing",
    "NoShowNotYet",
    "NotAProducer",
    "NotAllowed",
    "NotAllowedToAll",
    "NotApproved",
    "NotArchived",
    "NotFound",
    "NotOwnContact",
    "OfferWithdrawn",
    "OffersClosed",
    "OrderBeingPrepared",
    "OrdersNotOpen",
    "OutOfStock",
    "OverCustomerLimit",
    "PickupCancelled",
    "PlaceInUse",
    "PlaceNameTaken",
    "PostDecided",
    "ProductWasOrdered",
    "Refusal",
    "SlugTaken",
    "StaleConfirm",
    "StillAdmin",
    "StillProducer",
    "TooManyQuestions",
    "UnknownRing",
]
