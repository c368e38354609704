"""Refusals about a producer's voice: weekly posts and customers' questions."""

from __future__ import annotations

from rekobot.errors.refusal import Refusal
from rekobot.i18n import _, ngettext
from rekobot.models.voice import PostStatus


class AlreadyPosted(Refusal):
    """The producer's post for this pickup has gone out."""

    def message(self) -> str:
        return _(
            "Your post for this pickup has already gone out. You can write one post per pickup."
        )


class NotAllowedToAll(Refusal):
    """The ring keeps posts to its followers."""

    def message(self) -> str:
        return _("This ring does not allow posts to all members; send it to your followers.")


class PostDecided(Refusal):
    """Another admin decided first, or the post was replaced."""

    def __init__(self, status: PostStatus) -> None:
        super().__init__()
        self.status = status

    def message(self) -> str:
        if self.status is PostStatus.SENT:
            return _("This post was approved already.")
        return _("This post was decided on already.")


class TooManyQuestions(Refusal):
    """The customer asked the most questions allowed in a day (``limit``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def message(self) -> str:
        return ngettext(
            "You can ask at most {n} question a day. Please try again tomorrow.",
            "You can ask at most {n} questions a day. Please try again tomorrow.",
            self.limit,
        ).format(n=self.limit)


class AlreadyAnswered(Refusal):
    """The question has an answer, or is too old for one."""

    def message(self) -> str:
        return _("This question was answered already, or is too old to answer.")
