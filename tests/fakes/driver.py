"""`BotDriver`: drives a PTB `Application` like a person typing and tapping in a chat."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from telegram import Update
from telegram.ext import Application

from tests.fakes.calls import JSON, ButtonQuery, Call, keyboard_rows
from tests.fakes.request import RecordingRequest
from tests.fakes.updates import TgUser, UpdateFactory


class BotDriver:
    """Drive an Application through a RecordingRequest like a person typing and tapping."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        request: RecordingRequest,
        factory: UpdateFactory | None = None,
        *,
        raise_errors: bool = True,
    ) -> None:
        """Wrap an already built Application; errors in handlers fail the step unless told."""
        self.app = app
        self.request = request
        self.factory = factory or UpdateFactory(request)
        self.raise_errors = raise_errors
        self.errors: list[BaseException] = []
        app.add_error_handler(self._collect_error)

    async def _collect_error(self, update: object, context: Any) -> None:
        """Keep every error a handler raised so the step that caused it can fail."""
        if context.error is not None:
            self.errors.append(context.error)

    async def __aenter__(self) -> Self:
        """Initialize the Application and run its post_init, as run_polling would."""
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Shut the Application down and run its post_shutdown."""
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)

    async def feed(self, update: JSON) -> list[Call]:
        """Process one Update JSON and return the calls the bot made meanwhile."""
        mark = self.request.mark()
        self.request.note_update()
        errors = len(self.errors)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        new_errors = self.errors[errors:]
        if new_errors and self.raise_errors:
            kind = next((k for k in update if k != "update_id"), "update")
            raise AssertionError(
                f"the bot raised {new_errors[0]!r} while handling a {kind}"
            ) from new_errors[0]
        return self.request.calls_since(mark)

    async def send(self, user: TgUser, text: str) -> list[Call]:
        """Send a text (or "/command args") as `user`; return the calls it produced."""
        return await self.feed(self.factory.message(user, text))

    async def press(
        self, user: TgUser, button: ButtonQuery, *, message_id: int | None = None
    ) -> list[Call]:
        """Press a button (exact text, part of it, or predicate) on the latest keyboard."""
        message, data = self.request.find_button(user.id, button, message_id=message_id)
        return await self.feed(self.factory.callback(user, data, message=message))

    async def share_location(self, user: TgUser, latitude: float, longitude: float) -> list[Call]:
        """Share a map pin as `user`."""
        return await self.feed(self.factory.location(user, latitude, longitude))

    async def send_photo(
        self, user: TgUser, content: bytes, caption: str | None = None
    ) -> list[Call]:
        """Send a photo as `user`; its bytes can be downloaded by the bot."""
        file_id = self.request.add_file(content, "photo.jpg", "image/jpeg")
        return await self.feed(self.factory.photo(user, file_id, caption))

    def texts(self, user: TgUser) -> list[str]:
        """Return every text the bot sent or edited to `user`, in order."""
        return self.request.texts(user.id)

    def last_text(self, user: TgUser) -> str:
        """Return the text or caption the bot sent or edited to `user` last."""
        texts = self.texts(user)
        if not texts:
            raise AssertionError(f"the bot has sent no text to {user.first_name} ({user.id})")
        return texts[-1]

    def last_message(self, user: TgUser) -> JSON | None:
        """Return the bot's latest message to `user` as it is now."""
        return self.request.last_message(user.id)

    def buttons(self, user: TgUser) -> list[list[tuple[str, str | None]]]:
        """Return the rows of the latest inline keyboard in `user`'s chat."""
        message = self.request.last_keyboard_message(user.id)
        return [] if message is None else keyboard_rows(message.get("reply_markup"))
