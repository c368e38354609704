"""The memory of a pretend Bot API: calls, chats, messages, files, and waiting for calls.

What each method answers lives in `tests.fakes.answers`, scripted failures in
`tests.fakes.failures`; `RecordingRequest` (in-process) and the loopback server in
`tests.fakes.server` are both a `FakeBotApi`.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from handlers.sending import api_name
from tests.fakes.answers import answer
from tests.fakes.calls import (
    BOT_USER,
    EDIT_METHODS,
    JSON,
    SEND_METHODS,
    ButtonQuery,
    Call,
    Clock,
    Latency,
    UploadedFile,
    buttons,
    chat_key,
    copy_json,
    keyboard_rows,
)
from tests.fakes.failures import (
    LOST,
    LOST_DELIVERED,
    ApiError,
    Failure,
    ScriptedFailures,
    bad_request,
)


class FakeBotApi(ScriptedFailures):
    """The memory and the answers of a pretend Bot API, safe to use from several threads."""

    def __init__(
        self,
        *,
        latency: Latency = None,
        strict: bool = True,
        clock: Clock | None = None,
        seed: int = 0,
    ) -> None:
        """Start with no calls, no messages and no scripted failures.

        `strict` makes the fake refuse what Telegram refuses: bad HTML, texts that are too long,
        callback data over 64 bytes, edits that change nothing, edits of unknown messages.
        `clock` gives the `date` of messages (defaults to the real time).
        """
        self.latency = latency
        self.strict = strict
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._call_count = 0
        self._push_mark = 0
        self._failures: list[Failure] = []
        self._chats: dict[int | str, JSON] = {}
        self._messages: dict[int | str, dict[int, JSON]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._files: dict[str, UploadedFile] = {}
        self._file_count = 0
        self._answered_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}

    # -- answering

    def handle(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> tuple[int, JSON, float]:
        """Record one request and return (HTTP status, JSON body, seconds of latency)."""
        files = files or {}
        method = api_name(method)  # Telegram reads method names case-insensitively
        is_poll = method.lower() == "getupdates"
        with self._lock:
            call = Call(method=method, params=params, files=files, at=time.monotonic())
            failure = self._take_failure(call)
            if failure is not None and failure.status == LOST_DELIVERED and not is_poll:
                try:
                    call.result = self._answer(method, params, files)
                except ApiError as error:
                    failure = error
                else:
                    failure = ApiError(LOST, failure.description)
            if failure is None and not is_poll:
                try:
                    call.result = self._answer(method, params, files)
                except ApiError as error:
                    failure = error
            if failure is not None:
                call.status, call.description = failure.status, failure.description
            if failure is not None or not is_poll:  # quiet polls are plumbing, not talk
                self._record(call)
        delay = self._latency_for(call)
        if failure is not None:
            return failure.status, failure.body(), delay
        if is_poll:
            call.result = self._get_updates(params)
        return 200, {"ok": True, "result": call.result}, delay

    def _record(self, call: Call) -> None:
        call.index = self._call_count
        self._call_count += 1
        self._calls.append(call)
        self._changed.notify_all()

    def _latency_for(self, call: Call) -> float:
        latency = self.latency
        if latency is None:
            return 0.0
        if isinstance(latency, tuple):
            low, high = latency
            with self._lock:
                return self._random.uniform(low, high)
        if callable(latency):
            return float(latency(call))
        return float(latency)

    def _get_updates(self, params: dict[str, Any]) -> list[JSON]:
        """Answer getUpdates; this fake has no updates to give (the loopback server has)."""
        return []

    def _answer(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return answer(self, method, params, files)

    # -- messages

    def next_message_id(self, chat_id: int | str) -> int:
        """Take the next message id of a chat (bot and user messages share one sequence)."""
        key = chat_key(chat_id)
        with self._lock:
            number = self._next_message_id.get(key, 1)
            self._next_message_id[key] = number + 1
            return number

    def remember_chat(self, chat: JSON) -> None:
        """Remember a chat's JSON so messages to it carry its name, as Telegram's do."""
        with self._lock:
            self._chats[chat_key(chat["id"])] = dict(chat)

    def chat_json(self, chat_id: int | str) -> JSON:
        """Return the Chat JSON of a chat id (private for positive ids, a group if negative)."""
        key = chat_key(chat_id)
        with self._lock:
            known = self._chats.get(key)
        if known is not None:
            return dict(known)
        if isinstance(key, str):
            return {"id": -1001000000001, "type": "channel", "username": key.lstrip("@")}
        if key > 0:
            return {"id": key, "type": "private"}
        kind = "supergroup" if str(key).startswith("-100") else "group"
        return {"id": key, "type": kind, "title": f"Group {key}"}

    def unix_now(self) -> int:
        """Return the fake's current time as a Unix timestamp."""
        return int(self._clock().timestamp())

    def message(self, chat_id: int | str, message_id: int) -> JSON | None:
        """Return the current state of a bot message, or None if unknown or deleted."""
        with self._lock:
            found = self._messages.get(chat_key(chat_id), {}).get(int(message_id))
            return copy_json(found) if found is not None else None

    def messages(self, chat_id: int | str) -> list[JSON]:
        """Return the bot's messages in a chat as they are now, oldest first."""
        with self._lock:
            return copy_json(list(self._messages.get(chat_key(chat_id), {}).values()))

    def last_message(self, chat_id: int | str) -> JSON | None:
        """Return the bot's latest message in a chat as it is now, or None."""
        found = self.messages(chat_id)
        return found[-1] if found else None

    def last_keyboard_message(self, chat_id: int | str) -> JSON | None:
        """Return the bot's latest message in a chat that still has an inline keyboard."""
        for message in reversed(self.messages(chat_id)):
            if message.get("reply_markup", {}).get("inline_keyboard"):
                return message
        return None

    def find_button(
        self, chat_id: int | str, button: ButtonQuery, *, message_id: int | None = None
    ) -> tuple[JSON, str]:
        """Find a callback button on the latest keyboard message; return (message, data)."""
        if message_id is None:
            message = self.last_keyboard_message(chat_id)
        else:
            message = self.message(chat_id, message_id)
        if message is None:
            which = "any message" if message_id is None else f"message {message_id}"
            raise AssertionError(f"no inline keyboard on {which} in chat {chat_id}")
        cells = [cell for row in keyboard_rows(message.get("reply_markup")) for cell in row]
        matching = _match_buttons(cells, button)
        listing = _describe_buttons(cells)
        where = f"message {message['message_id']} in chat {chat_id}"
        if not matching:
            raise AssertionError(f"no button {button!r} on {where}; buttons: {listing}")
        if len(matching) > 1 and isinstance(button, str):
            names = ", ".join(repr(text) for text, _ in matching)
            raise AssertionError(f"{button!r} matches several buttons on {where}: {names}")
        text, data = matching[0]
        callback = _callback_data_of(message, text)
        if callback is None:
            raise AssertionError(f"button {text!r} on {where} opens {data!r}; it has no callback")
        return message, callback

    def _store(self, key: int | str, message: JSON) -> JSON:
        self._messages.setdefault(key, {})[message["message_id"]] = message
        return copy_json(message)

    def _new_message(self, chat_id: object, content: JSON) -> JSON:
        key = chat_key(chat_id)
        chat = self.chat_json(key)
        message: JSON = {
            "message_id": self.next_message_id(key),
            "from": dict(BOT_USER),
            "chat": chat,
            "date": self.unix_now(),
            **content,
        }
        return self._store(key, message)

    def _stored(self, params: dict[str, Any]) -> JSON | None:
        """Return the stored message an edit addresses (None for inline messages)."""
        if "inline_message_id" in params:
            return None
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        key = chat_key(params["chat_id"])
        found = self._messages.get(key, {}).get(int(params["message_id"]))
        if found is None:
            if self.strict:
                raise bad_request("message to edit not found")
            found = {
                "message_id": int(params["message_id"]),
                "from": dict(BOT_USER),
                "chat": self.chat_json(key),
                "date": self.unix_now(),
            }
            self._store(key, found)
        return found

    # -- files

    def add_file(
        self, content: bytes, filename: str, mimetype: str = "application/octet-stream"
    ) -> str:
        """Store a file as if a user had sent it, and return its file_id."""
        with self._lock:
            return self._register_file(UploadedFile(content, filename, mimetype), "file")

    def file(self, file_id: str) -> UploadedFile | None:
        """Return a stored file's bytes by file_id."""
        with self._lock:
            return self._files.get(file_id)

    def _register_file(self, upload: UploadedFile, kind: str) -> str:
        self._file_count += 1
        file_id = f"fake-{kind}-{self._file_count}"
        self._files[file_id] = upload
        return file_id

    def uploads(self, chat_id: int | str | None = None) -> list[UploadedFile]:
        """Return every file the bot uploaded (to one chat, if given), oldest first."""
        return [
            upload
            for call in self.calls(chat_id=chat_id)
            if call.ok
            for upload in call.files.values()
        ]

    # -- querying what happened

    def calls(
        self, method: str | None = None, chat_id: int | str | None = None, *, ok: bool | None = None
    ) -> list[Call]:
        """Return the recorded calls, failed ones included unless ok=True, oldest first."""
        key = None if chat_id is None else chat_key(chat_id)
        with self._lock:
            return [
                call
                for call in self._calls
                if (method is None or call.method.lower() == method.lower())
                and (key is None or call.chat_id == key)
                and (ok is None or call.ok == ok)
            ]

    def texts(self, chat_id: int | str) -> list[str]:
        """Return the text or caption of every message sent or edited to a chat, in order."""
        shown: list[str] = []
        for call in self.calls(chat_id=chat_id, ok=True):
            name = call.method.lower()
            if name not in SEND_METHODS | EDIT_METHODS or name == "editmessagereplymarkup":
                continue
            results = call.result if isinstance(call.result, list) else [call.result]
            for result in results:
                if isinstance(result, dict):
                    text = result.get("text", result.get("caption"))
                    if isinstance(text, str):
                        shown.append(text)
        return shown

    def buttons(self, call_or_message: Call | JSON) -> list[list[tuple[str, str | None]]]:
        """Return the keyboard rows of a call or message as (text, callback_data or url)."""
        return buttons(call_or_message)

    def mark(self) -> int:
        """Return a bookmark: calls recorded from now on have an index at least this."""
        with self._lock:
            return self._call_count

    def note_update(self) -> None:
        """Start wait_for's default window here; called whenever an update goes to the bot."""
        with self._changed:
            self._push_mark = self._call_count

    def calls_since(self, mark: int) -> list[Call]:
        """Return the calls recorded since a bookmark taken with mark()."""
        with self._lock:
            return self._since(mark)

    def _since(self, mark: int) -> list[Call]:
        """Slice off the calls with an index at least ``mark``, without scanning the history.

        The recorded calls have consecutive indexes ending at ``_call_count`` (clear() drops
        them all), so the first wanted one sits at a known position: this stays cheap however
        long a benchmark runs. Call with the lock held.
        """
        first = self._call_count - len(self._calls)
        return self._calls[max(mark - first, 0) :]

    def clear(self) -> None:
        """Forget the recorded calls; the chats keep their messages, as Telegram's would."""
        with self._lock:
            self._calls.clear()

    def wait_for(
        self,
        match: str | Callable[[Call], bool] | None = None,
        *,
        chat_id: int | str | None = None,
        count: int = 1,
        timeout: float = 10.0,
        after: int | None = None,
        ok: bool | None = True,
    ) -> list[Call]:
        """Block until `count` calls match (a method name or a predicate); return them.

        Only calls since the last update sent to the bot (a push, a driver step, note_update())
        or since `after` (a mark()) count, and only successful ones unless ok=None.
        Raises AssertionError, listing the calls seen, on timeout.
        """
        key = None if chat_id is None else chat_key(chat_id)

        def matches(call: Call) -> bool:
            if ok is not None and call.ok != ok:
                return False
            if key is not None and call.chat_id != key:
                return False
            if isinstance(match, str):
                return call.method.lower() == match.lower()
            return match is None or match(call)

        deadline = time.monotonic() + timeout
        with self._changed:
            start = self._push_mark if after is None else after
            while True:
                seen = self._since(start)
                found = [call for call in seen if matches(call)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._changed.wait(remaining)
        if len(found) < count:
            wanted = match if isinstance(match, str) or match is None else "a predicate"
            history = "\n".join(f"  {call}" for call in seen[-30:]) or "  (none)"
            raise AssertionError(
                f"waited {timeout}s for {count} call(s) matching {wanted!r}"
                f"{'' if key is None else f' in chat {key}'}; found {len(found)}.\n"
                f"Calls since #{start}:\n{history}"
            )
        return found[:count]

    async def wait_for_async(
        self,
        match: str | Callable[[Call], bool] | None = None,
        *,
        chat_id: int | str | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - the wait runs in a thread, bounded by this
        after: int | None = None,
        ok: bool | None = True,
    ) -> list[Call]:
        """Like wait_for, without blocking the event loop (the bot may run in it)."""
        return await asyncio.to_thread(
            self.wait_for,
            match,
            chat_id=chat_id,
            count=count,
            timeout=timeout,
            after=after,
            ok=ok,
        )


def _match_buttons(
    cells: list[tuple[str, str | None]], button: ButtonQuery
) -> list[tuple[str, str | None]]:
    if callable(button):
        return [cell for cell in cells if button(cell[0])]
    exact = [cell for cell in cells if cell[0] == button]
    if exact:
        return exact[:1]
    return [cell for cell in cells if button.casefold() in cell[0].casefold()]


def _describe_buttons(cells: Iterable[tuple[str, str | None]]) -> str:
    return ", ".join(f"{text!r}" for text, _ in cells) or "(none)"


def _callback_data_of(message: JSON, text: str) -> str | None:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == text and "callback_data" in button:
                return str(button["callback_data"])
    return None
