"""Real Update JSON, as Telegram would deliver it: `TgUser` and `UpdateFactory`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.fakes.answers import document_json, photo_sizes
from tests.fakes.api import FakeBotApi
from tests.fakes.calls import BOT_USER, JSON, Clock, UploadedFile, utf16_len


@dataclass(frozen=True)
class TgUser:
    """A Telegram user in a test story."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "nb"

    def to_json(self) -> JSON:
        """Return the User JSON Telegram sends for this person."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                user[key] = value
        return user

    def chat_json(self) -> JSON:
        """Return the Chat JSON of this person's private chat with the bot."""
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat


class UpdateFactory:
    """Build real Update JSON dicts, ready for telegram.Update.de_json; update_id increments."""

    def __init__(
        self, api: FakeBotApi | None = None, *, clock: Clock | None = None, first_update_id: int = 1
    ) -> None:
        """Share message ids and chats with `api` (the fake the bot answers through), if given."""
        self.api = api
        self._clock: Clock = clock or (api._clock if api is not None else lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._update_id = first_update_id - 1
        self._query_id = 0
        self._message_ids: dict[int | str, int] = {}

    def _next_update_id(self) -> int:
        with self._lock:
            self._update_id += 1
            return self._update_id

    def _next_message_id(self, chat_id: int) -> int:
        if self.api is not None:
            return self.api.next_message_id(chat_id)
        with self._lock:
            number = self._message_ids.get(chat_id, 0) + 1
            self._message_ids[chat_id] = number
            return number

    def _chat(self, user: TgUser, chat_id: int | None) -> JSON:
        if chat_id is None or chat_id == user.id:
            chat = user.chat_json()
            if self.api is not None:
                self.api.remember_chat(chat)
            return chat
        if self.api is not None:
            return self.api.chat_json(chat_id)
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}

    def _date(self) -> int:
        return int(self._clock().timestamp())

    def user_message(self, user: TgUser, content: JSON, *, chat_id: int | None = None) -> JSON:
        """Return the Message JSON of something `user` sent (text, location, photo...)."""
        chat = self._chat(user, chat_id)
        return {
            "message_id": self._next_message_id(chat["id"]),
            "from": user.to_json(),
            "chat": chat,
            "date": self._date(),
            **content,
        }

    def update(self, **payload: JSON) -> JSON:
        """Wrap a payload (message=..., callback_query=...) in an Update with the next id."""
        return {"update_id": self._next_update_id(), **payload}

    def message(self, user: TgUser, text: str, *, chat_id: int | None = None) -> JSON:
        """Return an Update of `user` sending `text`; "/cmd args" carries a bot_command entity."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self.update(message=self.user_message(user, content, chat_id=chat_id))

    def callback(
        self,
        user: TgUser,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        message: JSON | None = None,
    ) -> JSON:
        """Return an Update of `user` pressing a button with `data` on a bot message."""
        chat = self._chat(user, chat_id)
        if message is None and message_id is not None and self.api is not None:
            message = self.api.message(chat["id"], message_id)
        if message is None:
            message = {
                "message_id": message_id if message_id is not None else 1,
                "from": dict(BOT_USER),
                "chat": chat,
                "date": self._date(),
            }
        with self._lock:
            self._query_id += 1
            query_id = f"{user.id}{self._query_id:06d}"
        query: JSON = {
            "id": query_id,
            "from": user.to_json(),
            "chat_instance": f"ci{chat['id']}",
            "data": data,
            "message": message,
        }
        return self.update(callback_query=query)

    def location(
        self, user: TgUser, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> JSON:
        """Return an Update of `user` sharing a map pin."""
        content: JSON = {"location": {"latitude": latitude, "longitude": longitude}}
        return self.update(message=self.user_message(user, content, chat_id=chat_id))

    def venue(
        self,
        user: TgUser,
        latitude: float,
        longitude: float,
        title: str,
        address: str,
        *,
        chat_id: int | None = None,
    ) -> JSON:
        """Return an Update of `user` sharing a named place."""
        location = {"latitude": latitude, "longitude": longitude}
        content: JSON = {
            "venue": {"location": location, "title": title, "address": address},
            "location": dict(location),
        }
        return self.update(message=self.user_message(user, content, chat_id=chat_id))

    def photo(
        self,
        user: TgUser,
        file_id: str,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
    ) -> JSON:
        """Return an Update of `user` sending a photo (use FakeBotApi.add_file for real bytes)."""
        content: JSON = {"photo": photo_sizes(file_id, self._file(file_id))}
        if caption is not None:
            content["caption"] = caption
        return self.update(message=self.user_message(user, content, chat_id=chat_id))

    def document(
        self,
        user: TgUser,
        file_id: str,
        file_name: str,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> JSON:
        """Return an Update of `user` sending a file."""
        document = document_json(file_id, self._file(file_id))
        document["file_name"], document["mime_type"] = file_name, mime_type
        content: JSON = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self.update(message=self.user_message(user, content, chat_id=chat_id))

    def my_chat_member(self, user: TgUser, *, status: str = "kicked") -> JSON:
        """Return the Update Telegram sends when `user` blocks ("kicked") or restarts the bot."""
        old, new = ("member", status) if status == "kicked" else ("kicked", status)
        date = self._date()
        member: JSON = {
            "chat": self._chat(user, None),
            "from": user.to_json(),
            "date": date,
            "old_chat_member": {"status": old, "user": dict(BOT_USER)},
            "new_chat_member": {"status": new, "user": dict(BOT_USER)},
        }
        if new == "kicked":
            member["new_chat_member"]["until_date"] = 0
        return self.update(my_chat_member=member)

    def _file(self, file_id: str) -> UploadedFile | None:
        return self.api.file(file_id) if self.api is not None else None
