"""Telegram's Bot API, faked at its HTTP edge, for tests that run without a network.

This module owns:

- `FakeBotApi`: the memory and the answers of a pretend Bot API. It records every call, keeps
  the messages of each chat as Telegram would (ids, edits, deletions, keyboards), renders HTML
  the way Telegram does and rejects what Telegram rejects, and plays scripted failures (any
  status, or no answer at all) and latency. Both `RecordingRequest` and the loopback server
  in `botapi_server.py` are one.
- `RecordingRequest`: a PTB `BaseRequest` that answers from a `FakeBotApi`, in-process.
- `TgUser` and `UpdateFactory`: real Update JSON, as Telegram would deliver it.
- `BotDriver`: drives a PTB `Application` like a person typing and tapping in a chat.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any, Self

from telegram import Update
from telegram.error import TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

JSON = dict[str, Any]
Clock = Callable[[], datetime]
# A button is found by its exact text, by a part of it, or by a predicate on its text.
ButtonQuery = str | Callable[[str], bool]
# Seconds to wait before answering: fixed, uniform in a range, or computed per call.
Latency = float | tuple[float, float] | Callable[["Call"], float] | None

BOT_ID = 1000
BOT_USERNAME = "rekotestbot"
BOT_USER: JSON = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "REKO test",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvenue",
        "sendlocation",
        "sendmediagroup",
    }
)
_EDIT_METHODS = frozenset(
    {"editmessagetext", "editmessagecaption", "editmessagereplymarkup", "editmessagemedia"}
)


def chat_key(chat_id: object) -> int | str:
    """Normalise a chat id as sent in a request ("42", 42, "@ring") to one comparable key."""
    if isinstance(chat_id, bool):
        raise TypeError(f"not a chat id: {chat_id!r}")
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def plain(text: str | None) -> str:
    """Fold the no-break spaces Babel writes (U+00A0, U+202F) into plain ones, for assertions.

    Babel puts them in money ("12\u00a0345,67\u00a0kr") and English times ("4:30\u202fPM");
    every test compares what a user sees through this one function. None reads as "".
    """
    return (text or "").replace("\xa0", " ").replace("\u202f", " ")


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit of Telegram's offsets."""
    return len(text.encode("utf-16-le")) // 2


# --- what a bot uploads and what it was answered --------------------------------------------


class UploadedFile(bytes):
    """The bytes of a file a bot uploaded, with the file name and MIME type it gave."""

    filename: str
    mimetype: str

    def __new__(
        cls, content: bytes, filename: str, mimetype: str = "application/octet-stream"
    ) -> UploadedFile:
        """Wrap `content` with its file name and MIME type."""
        self = super().__new__(cls, content)
        self.filename = filename
        self.mimetype = mimetype
        return self

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self)} bytes, {self.mimetype!r})"


@dataclass
class Call:
    """One request that reached the fake Bot API, and how it was answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() when the request arrived
    index: int = 0  # position among all calls ever recorded, kept across clear()
    status: int = 200
    result: Any = None
    description: str | None = None  # the error description when the call failed

    @property
    def ok(self) -> bool:
        """Tell whether Telegram accepted the call."""
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        """Return the normalised chat id the call addressed, if any."""
        value = self.params.get("chat_id")
        return None if value is None else chat_key(value)

    @property
    def message(self) -> JSON | None:
        """Return the Message JSON the call was answered with, if it was one."""
        if isinstance(self.result, dict) and "message_id" in self.result:
            return self.result
        return None

    @property
    def text(self) -> str | None:
        """Return the text or caption as the user sees it, else as the bot sent it."""
        message = self.message
        if message is not None:
            shown = message.get("text", message.get("caption"))
            return shown if isinstance(shown, str) else None
        raw = self.params.get("text", self.params.get("caption"))
        return raw if isinstance(raw, str) else None

    def __str__(self) -> str:
        where = f" chat={self.chat_id}" if self.chat_id is not None else ""
        text = self.text
        shown = f" {text[:60]!r}" if text else ""
        files = f" files={sorted(self.files)}" if self.files else ""
        verdict = "" if self.ok else f" -> {self.status} {self.description}"
        return f"#{self.index} {self.method}{where}{shown}{files}{verdict}"


def keyboard_rows(markup: object) -> list[list[tuple[str, str | None]]]:
    """Return a reply markup's rows as (text, callback_data or url) pairs."""
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    result: list[list[tuple[str, str | None]]] = []
    for row in rows:
        cells: list[tuple[str, str | None]] = []
        for button in row:
            if isinstance(button, str):  # a reply keyboard may hold bare strings
                cells.append((button, None))
                continue
            action = button.get("callback_data", button.get("url"))
            cells.append((str(button.get("text", "")), None if action is None else str(action)))
        result.append(cells)
    return result


def buttons(call_or_message: Call | JSON) -> list[list[tuple[str, str | None]]]:
    """Return the keyboard rows of a recorded call or of a Message JSON."""
    if isinstance(call_or_message, Call):
        message = call_or_message.message
        markup = call_or_message.params.get("reply_markup")
        if markup is None and message is not None:
            markup = message.get("reply_markup")
        return keyboard_rows(markup)
    return keyboard_rows(call_or_message.get("reply_markup"))


# --- Telegram's HTML ------------------------------------------------------------------------


class EntityParseError(ValueError):
    """Telegram could not parse a text sent with parse_mode=HTML."""


_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_CHAR_REF = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED_REF = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[^\s>]*")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the rendered text
    extra: JSON
    merged: bool = False  # a <code> whose language went to the enclosing <pre>


def _unescape(text: str) -> str:
    """Decode the character references Telegram understands; keep any other '&' as is."""

    def decode(match: re.Match[str]) -> str:
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED_REF[named]
        return chr(int(decimal) if decimal else int(hexadecimal, 16))

    return _CHAR_REF.sub(decode, text)


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Render Telegram HTML to the plain text and entities a client shows, or raise."""
    out: list[str] = []
    length = 0  # UTF-16 length of what is rendered so far
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    i = 0

    def at(position: int) -> str:
        return f"at byte offset {len(source[:position].encode())}"

    while i < len(source):
        char = source[i]
        if char == "&":
            match = _CHAR_REF.match(source, i)
            piece = _unescape(match.group(0)) if match else "&"
            i = match.end() if match else i + 1
        elif char == "<":
            end = source.find(">", i)
            if end < 0:
                raise EntityParseError(f"Unclosed start tag {at(i)}")
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise EntityParseError(f'Unexpected end tag "</{name}>" {at(i)}')
                top = stack.pop()
                if name and name != top.name:
                    raise EntityParseError(
                        f'Unmatched end tag {at(i)}, expected "</{top.name}>", found "</{name}>"'
                    )
                if length > top.start and not top.merged and top.extra.get("type"):
                    entities.append(
                        {"offset": top.start, "length": length - top.start, **top.extra}
                    )
            else:
                stack.append(_open_tag(inner, length, stack, at(i)))
            i = end + 1
            continue
        else:
            stop = min(
                (p for p in (source.find("<", i), source.find("&", i)) if p >= 0),
                default=len(source),
            )
            piece = source[i:stop]
            i = stop
        out.append(piece)
        length += utf16_len(piece)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _open_tag(inner: str, offset: int, stack: list[_OpenTag], where: str) -> _OpenTag:
    """Parse the inside of a start tag into the entity it opens."""
    # Like tdlib: the name runs to the first space, so "< 2" and "<b/>" are unsupported tags.
    match = _TAG_NAME.match(inner)
    assert match is not None  # the pattern matches the empty string
    name = match.group(0).lower()
    if name not in _TAG_ENTITY:
        raise EntityParseError(f'Unsupported start tag "{name}" {where}')
    attributes: dict[str, str] = {}
    for attribute in _ATTRIBUTE.finditer(inner[match.end() :]):
        key, double, single, bare = attribute.groups()
        attributes[key.lower()] = _unescape(next((v for v in (double, single, bare) if v), ""))
    extra: JSON = {"type": _TAG_ENTITY[name]}
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {where}')
    if name == "a":
        href = attributes.get("href", "")
        if not href:
            extra = {}  # Telegram drops a link without an address and keeps its text
        else:
            extra["url"] = href
    if name == "blockquote" and "expandable" in attributes:
        extra["type"] = "expandable_blockquote"
    if name == "tg-emoji":
        if "emoji-id" not in attributes:
            raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" {where}')
        extra["custom_emoji_id"] = attributes["emoji-id"]
    merged = False
    language = attributes.get("class", "")
    if name == "code" and stack and stack[-1].name == "pre" and language.startswith("language-"):
        stack[-1].extra["language"] = language.removeprefix("language-")
        merged = True
    return _OpenTag(name=name, start=offset, extra=extra, merged=merged)


# --- the fake Bot API -------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answer, as Telegram would give it."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


#: Scripted "no answer" statuses (see FakeBotApi.time_out); never sent as HTTP statuses.
LOST = 0
LOST_DELIVERED = -1


def _bad_request(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Failure:
    """A scripted failure: which calls it hits, how often, and what they get."""

    status: int
    description: str
    parameters: JSON | None
    times: int | None  # None: every matching call until clear_failures()
    chat_id: int | str | None
    method: str | None
    when: Callable[[Call], bool] | None

    def matches(self, call: Call) -> bool:
        if self.method is not None and call.method.lower() != self.method.lower():
            return False
        if self.chat_id is not None and call.chat_id != self.chat_id:
            return False
        return self.when is None or self.when(call)


def _png_size(content: bytes) -> tuple[int, int]:
    """Return a PNG's width and height from its header, or a typical photo size."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 800, 600


class FakeBotApi:
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
        self._failures: list[_Failure] = []
        self._chats: dict[int | str, JSON] = {}
        self._messages: dict[int | str, dict[int, JSON]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._files: dict[str, UploadedFile] = {}
        self._file_count = 0
        self._answered_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}

    # -- scripted failures

    def fail(
        self,
        status: int,
        description: str,
        *,
        parameters: JSON | None = None,
        chat_id: int | str | None = None,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` matching calls with this error (None: until cleared).

        A rule without chat_id, method or when matches every call, getMe included.
        """
        with self._lock:
            self._failures.append(
                _Failure(
                    status=status,
                    description=description,
                    parameters=parameters,
                    times=times,
                    chat_id=None if chat_id is None else chat_key(chat_id),
                    method=method,
                    when=when,
                )
            )

    def rate_limit(
        self,
        chat_id: int | str | None = None,
        *,
        retry_after: int = 1,
        times: int | None = 1,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
    ) -> None:
        """Answer the next matching calls with 429 Too Many Requests (PTB raises RetryAfter)."""
        self.fail(
            429,
            f"Too Many Requests: retry after {retry_after}",
            parameters={"retry_after": retry_after},
            chat_id=chat_id,
            method=method,
            when=when,
            times=times,
        )

    def block(
        self,
        chat_id: int | str | None = None,
        *,
        times: int | None = None,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
    ) -> None:
        """Answer matching calls with 403 "bot was blocked by the user" (PTB raises Forbidden)."""
        self.fail(
            403,
            "Forbidden: bot was blocked by the user",
            chat_id=chat_id,
            method=method,
            when=when,
            times=times,
        )

    def time_out(
        self,
        *,
        chat_id: int | str | None = None,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
        times: int | None = 1,
        delivered: bool = False,
    ) -> None:
        """Give the next matching calls no answer: PTB raises TimedOut (the loopback server drops
        the connection instead). With `delivered`, Telegram did the call and only its answer was
        lost, as when a timeout strikes after the message went out.
        """
        self.fail(
            LOST_DELIVERED if delivered else LOST,
            "no answer (timed out)",
            chat_id=chat_id,
            method=method,
            when=when,
            times=times,
        )

    def clear_failures(self) -> None:
        """Forget every scripted failure."""
        with self._lock:
            self._failures.clear()

    # -- answering

    def handle(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> tuple[int, JSON, float]:
        """Record one request and return (HTTP status, JSON body, seconds of latency)."""
        files = files or {}
        is_poll = method.lower() == "getupdates"
        with self._lock:
            call = Call(method=method, params=params, files=files, at=time.monotonic())
            failure = self._take_failure(call)
            if failure is not None and failure.status == LOST_DELIVERED and not is_poll:
                try:
                    call.result = self._answer(method, params, files)
                except _ApiError as error:
                    failure = error
                else:
                    failure = _ApiError(LOST, failure.description)
            if failure is None and not is_poll:
                try:
                    call.result = self._answer(method, params, files)
                except _ApiError as error:
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

    def _take_failure(self, call: Call) -> _ApiError | None:
        for failure in self._failures:
            if failure.matches(call):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                return _ApiError(failure.status, failure.description, failure.parameters)
        return None

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
        name = method.lower()
        answer = _ANSWERS.get(name)
        if answer is not None:
            return answer(self, params, files)
        return True

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
            return copy.deepcopy(found) if found is not None else None

    def messages(self, chat_id: int | str) -> list[JSON]:
        """Return the bot's messages in a chat as they are now, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._messages.get(chat_key(chat_id), {}).values()))

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
        return copy.deepcopy(message)

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
            raise _bad_request("message identifier is not specified")
        key = chat_key(params["chat_id"])
        found = self._messages.get(key, {}).get(int(params["message_id"]))
        if found is None:
            if self.strict:
                raise _bad_request("message to edit not found")
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
            if name not in _SEND_METHODS | _EDIT_METHODS or name == "editmessagereplymarkup":
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


# --- what each method answers -------------------------------------------------------------

_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL = re.compile(r"^(?:https?|tg)://\S+$", re.IGNORECASE)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _inline_markup(api: FakeBotApi, params: dict[str, Any]) -> JSON | None:
    """Check a reply_markup as Telegram does; return it if it goes on the message."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None  # reply keyboards are not part of the returned Message
    if api.strict:
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text") or not any(k in button for k in _BUTTON_ACTIONS):
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise _bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not _URL.match(str(url)):
                    raise _bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )
    return markup if markup["inline_keyboard"] else None


def _rendered(
    api: FakeBotApi, params: dict[str, Any], key: str, limit: int, *, required: bool
) -> JSON:
    """Render a text or caption parameter to the message fields Telegram returns."""
    raw = params.get(key)
    entities_key = "entities" if key == "text" else "caption_entities"
    if raw is None or raw == "":
        if required:
            raise _bad_request("message text is empty")
        return {}
    raw = str(raw)
    entities: list[JSON] = []
    mode = str(params.get("parse_mode") or "").lower()
    if mode == "html":
        try:
            text, entities = parse_html(raw)
        except EntityParseError as error:
            raise _bad_request(f"can't parse entities: {error}") from error
    else:
        text = raw  # Markdown is not rendered by this fake; explicit entities are kept
        given = params.get(entities_key)
        if isinstance(given, str):
            given = json.loads(given)
        entities = list(given or [])
    if api.strict:
        if required and not text.strip():
            raise _bad_request("message text is empty")
        if utf16_len(text) > limit:
            raise _bad_request(
                "message is too long" if key == "text" else "message caption is too long"
            )
    fields: JSON = {key: text}
    if entities:
        fields[entities_key] = entities
    return fields


def _with_markup(api: FakeBotApi, params: dict[str, Any], content: JSON) -> JSON:
    markup = _inline_markup(api, params)
    if markup is not None:
        content["reply_markup"] = markup
    return content


def _media(
    api: FakeBotApi, kind: str, value: object, upload: UploadedFile | None
) -> tuple[str, UploadedFile | None]:
    """Return the file_id of sent media, registering an upload under a new id."""
    if upload is not None:
        return api._register_file(upload, kind), upload
    if isinstance(value, str) and value.startswith("attach://"):
        raise _bad_request(f"file {value} is missing in the request")
    if not value:
        raise _bad_request(f"there is no {kind} in the request")
    file_id = str(value)
    return file_id, api._files.get(file_id)


def _photo_sizes(file_id: str, upload: UploadedFile | None) -> list[JSON]:
    width, height = _png_size(bytes(upload)) if upload is not None else (800, 600)
    scale = 90 / max(width, height, 1)
    sizes: list[JSON] = [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"u{file_id}-s",
            "width": max(1, round(width * scale)),
            "height": max(1, round(height * scale)),
        },
        {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": width, "height": height},
    ]
    if upload is not None:
        sizes[-1]["file_size"] = len(upload)
    return sizes


def _document(file_id: str, upload: UploadedFile | None) -> JSON:
    document: JSON = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
    if upload is not None:
        document.update(file_name=upload.filename, mime_type=upload.mimetype, file_size=len(upload))
    return document


def _media_content(
    api: FakeBotApi, kind: str, value: object, files: dict[str, UploadedFile], field_name: str
) -> JSON:
    """Return the message fields for one photo or document, uploaded or by file_id."""
    upload = files.get(field_name)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value.removeprefix("attach://"))
    file_id, upload = _media(api, kind, value, upload)
    if kind == "photo":
        return {"photo": _photo_sizes(file_id, upload)}
    return {"document": _document(file_id, upload)}


def _send_message(api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSON:
    content = _rendered(api, params, "text", MAX_TEXT, required=True)
    return api._new_message(params["chat_id"], _with_markup(api, params, content))


def _send_media(kind: str) -> Callable[[FakeBotApi, dict[str, Any], dict[str, UploadedFile]], JSON]:
    def send(api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSON:
        content = _media_content(api, kind, params.get(kind), files, kind)
        content.update(_rendered(api, params, "caption", MAX_CAPTION, required=False))
        return api._new_message(params["chat_id"], _with_markup(api, params, content))

    return send


def _location(params: dict[str, Any]) -> JSON:
    return {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}


def _send_location(api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSON:
    content: JSON = {"location": _location(params)}
    return api._new_message(params["chat_id"], _with_markup(api, params, content))


def _send_venue(api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSON:
    if api.strict and not (params.get("title") and params.get("address")):
        raise _bad_request("venue title and address must be non-empty")
    venue: JSON = {
        "location": _location(params),
        "title": str(params.get("title", "")),
        "address": str(params.get("address", "")),
    }
    for extra in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if params.get(extra):
            venue[extra] = params[extra]
    content: JSON = {"venue": venue, "location": _location(params)}
    return api._new_message(params["chat_id"], _with_markup(api, params, content))


def _send_media_group(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> list[JSON]:
    media = params.get("media")
    if isinstance(media, str):
        media = json.loads(media)
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise _bad_request("wrong number of messages in the album: must be between 2 and 10")
    sent: list[JSON] = []
    group = f"album-{api.unix_now()}-{len(api._files)}"
    for item in media:
        kind = "photo" if item.get("type") == "photo" else "document"
        content = _media_content(api, kind, item.get("media"), files, "")
        content.update(_rendered(api, item, "caption", MAX_CAPTION, required=False))
        content["media_group_id"] = group
        sent.append(api._new_message(params["chat_id"], content))
    return sent


def _edit_text(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> JSON | bool:
    content = _rendered(api, params, "text", MAX_TEXT, required=True)
    stored = api._stored(params)
    if stored is None:
        return True
    if api.strict and "text" not in stored and any(k in stored for k in ("photo", "document")):
        raise _bad_request("there is no text in the message to edit")
    return _apply_edit(api, stored, params, content, ("text", "entities"))


def _edit_caption(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> JSON | bool:
    content = _rendered(api, params, "caption", MAX_CAPTION, required=False)
    stored = api._stored(params)
    if stored is None:
        return True
    if api.strict and not any(k in stored for k in ("photo", "document")):
        raise _bad_request("there is no caption in the message to edit")
    return _apply_edit(api, stored, params, content, ("caption", "caption_entities"))


def _edit_reply_markup(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> JSON | bool:
    stored = api._stored(params)
    if stored is None:
        _inline_markup(api, params)
        return True
    return _apply_edit(api, stored, params, {}, ())


def _edit_media(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> JSON | bool:
    media = params.get("media")
    if isinstance(media, str):
        media = json.loads(media)
    if not isinstance(media, dict):
        raise _bad_request("media not specified")
    kind = "photo" if media.get("type") == "photo" else "document"
    content = _media_content(api, kind, media.get("media"), files, "media")
    content.update(_rendered(api, media, "caption", MAX_CAPTION, required=False))
    stored = api._stored(params)
    if stored is None:
        return True
    return _apply_edit(
        api, stored, params, content, ("photo", "document", "caption", "caption_entities")
    )


def _apply_edit(
    api: FakeBotApi, stored: JSON, params: dict[str, Any], content: JSON, replaced: Sequence[str]
) -> JSON:
    """Edit a stored message; an edit without reply_markup removes the inline keyboard."""
    markup = _inline_markup(api, params)
    before = copy.deepcopy(stored)
    for key in replaced:
        stored.pop(key, None)
    stored.update(content)
    stored.pop("reply_markup", None)
    if markup is not None:
        stored["reply_markup"] = markup
    if api.strict and {k: v for k, v in stored.items() if k != "edit_date"} == {
        k: v for k, v in before.items() if k != "edit_date"
    }:
        stored.clear()
        stored.update(before)
        raise _bad_request(_NOT_MODIFIED)
    stored["edit_date"] = api.unix_now()
    return copy.deepcopy(stored)


def _delete_message(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> bool:
    chat = api._messages.get(chat_key(params["chat_id"]), {})
    if chat.pop(int(params["message_id"]), None) is None and api.strict:
        raise _bad_request("message to delete not found")
    return True


def _delete_messages(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> bool:
    chat = api._messages.get(chat_key(params["chat_id"]), {})
    ids = params.get("message_ids") or []
    if isinstance(ids, str):
        ids = json.loads(ids)
    for message_id in ids:
        chat.pop(int(message_id), None)
    return True


def _answer_callback_query(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> bool:
    query_id = str(params.get("callback_query_id", ""))
    if api.strict:
        if query_id in api._answered_queries:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
    api._answered_queries.add(query_id)
    return True


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _set_my_commands(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> bool:
    commands = params.get("commands") or []
    if isinstance(commands, str):
        commands = json.loads(commands)
    if api.strict:
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    api._commands[_commands_key(params)] = list(commands)
    return True


def _get_my_commands(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> list[JSON]:
    return list(api._commands.get(_commands_key(params), []))


def _delete_my_commands(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> bool:
    api._commands.pop(_commands_key(params), None)
    return True


def _get_file(api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> JSON:
    file_id = str(params.get("file_id", ""))
    upload = api._files.get(file_id)
    if upload is None and api.strict:
        raise _bad_request("invalid file_id")
    found: JSON = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_path": f"files/{file_id}",
    }
    if upload is not None:
        found["file_size"] = len(upload)
    return found


_Answer = Callable[[FakeBotApi, dict[str, Any], dict[str, UploadedFile]], Any]
_ANSWERS: dict[str, _Answer] = {
    "getme": lambda api, params, files: dict(BOT_USER),
    "sendmessage": _send_message,
    "sendphoto": _send_media("photo"),
    "senddocument": _send_media("document"),
    "sendvenue": _send_venue,
    "sendlocation": _send_location,
    "sendmediagroup": _send_media_group,
    "editmessagetext": _edit_text,
    "editmessagecaption": _edit_caption,
    "editmessagereplymarkup": _edit_reply_markup,
    "editmessagemedia": _edit_media,
    "deletemessage": _delete_message,
    "deletemessages": _delete_messages,
    "answercallbackquery": _answer_callback_query,
    "setmycommands": _set_my_commands,
    "getmycommands": _get_my_commands,
    "deletemycommands": _delete_my_commands,
    "getchatmenubutton": lambda api, params, files: {"type": "commands"},
    "getwebhookinfo": lambda api, params, files: {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 0,
    },
    "getfile": _get_file,
}


# --- the in-process request -----------------------------------------------------------------


def decode_request_data(
    request_data: RequestData | None,
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Turn PTB's RequestData into plain JSON parameters and the uploaded files."""
    if request_data is None:
        return {}, {}
    params = {key: json.loads(json.dumps(value)) for key, value in request_data.parameters.items()}
    files: dict[str, UploadedFile] = {}
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        files[name] = UploadedFile(_read(content), filename, mimetype)
    return params, files


def _read(content: bytes | IO[bytes]) -> bytes:
    if isinstance(content, bytes):
        return content
    data = content.read()
    if content.seekable():
        content.seek(0)
    return data


class RecordingRequest(FakeBotApi, BaseRequest):
    """A PTB request that never touches the network: it records and answers every call."""

    def __init__(
        self,
        *,
        latency: Latency = None,
        strict: bool = True,
        clock: Clock | None = None,
        seed: int = 0,
    ) -> None:
        """Create the fake; pass it to ApplicationBuilder().request() and get_updates_request()."""
        FakeBotApi.__init__(self, latency=latency, strict=strict, clock=clock, seed=seed)

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout PTB adds to long polls."""
        return 5.0

    async def initialize(self) -> None:
        """Open nothing: there is no connection."""

    async def shutdown(self) -> None:
        """Close nothing: there is no connection."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one Bot API request (POST) or file download (GET) from the fake."""
        if method.upper() == "GET":
            upload = self.file(url.rsplit("/files/", 1)[-1])
            if upload is None:
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
            return 200, bytes(upload)
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params, files = decode_request_data(request_data)
        status, body, delay = self.handle(api_method, params, files)
        if status == LOST:
            raise TimedOut(f"no answer to {api_method} (scripted)")
        if api_method.lower() == "getupdates" and not body.get("result"):
            delay = max(delay, 0.05)  # an idle long poll must not let a polling loop spin
        if delay > 0:
            await asyncio.sleep(delay)
        return status, json.dumps(body).encode()


# --- updates as Telegram sends them ------------------------------------------------------------


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
        content: JSON = {"photo": _photo_sizes(file_id, self._file(file_id))}
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
        document = _document(file_id, self._file(file_id))
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


# --- a person in a chat ------------------------------------------------------------------------


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
        """Save persistence, shut the Application down and run its post_shutdown."""
        if self.app.persistence is not None:
            await self.app.update_persistence()  # a running app would have done it by now
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
