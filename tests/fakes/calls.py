"""What every part of the fake shares: JSON shapes, the bot's identity, a recorded call.

`Call` is one request the fake Bot API answered; `keyboard_rows`/`buttons` read the keyboards
on calls and messages; `plain` is the one text-normalising helper every test compares through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

JSON = dict[str, Any]
T = TypeVar("T")
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

SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvenue",
        "sendlocation",
        "sendmediagroup",
    }
)
EDIT_METHODS = frozenset(
    {"editmessagetext", "editmessagecaption", "editmessagereplymarkup", "editmessagemedia"}
)


def copy_json(value: T) -> T:
    """A deep copy of JSON data (dicts, lists, scalars): what ``copy.deepcopy`` does for it.

    The fake copies each message it stores or returns, so a later edit cannot change what a
    test holds. ``deepcopy`` (memo, reducers) made that a tenth of every update's time in the
    benchmarks, charged to the bot although real Telegram does it on its own machines.
    """
    return cast(T, _copied(value))


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


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
