"""What each Bot API method answers, and what it refuses, as Telegram does."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tests.fakes.calls import (
    BOT_USER,
    JSON,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_TEXT,
    UploadedFile,
    chat_key,
    copy_json,
    utf16_len,
)
from tests.fakes.failures import bad_request
from tests.fakes.html import EntityParseError, parse_html

if TYPE_CHECKING:
    from tests.fakes.api import FakeBotApi


def _png_size(content: bytes) -> tuple[int, int]:
    """Return a PNG's width and height from its header, or a typical photo size."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 800, 600


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
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not _URL.match(str(url)):
                    raise bad_request(
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
            raise bad_request("message text is empty")
        return {}
    raw = str(raw)
    entities: list[JSON] = []
    mode = str(params.get("parse_mode") or "").lower()
    if mode == "html":
        try:
            text, entities = parse_html(raw)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from error
    else:
        text = raw  # Markdown is not rendered by this fake; explicit entities are kept
        given = params.get(entities_key)
        if isinstance(given, str):
            given = json.loads(given)
        entities = list(given or [])
    if api.strict:
        if required and not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > limit:
            raise bad_request(
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
        raise bad_request(f"file {value} is missing in the request")
    if not value:
        raise bad_request(f"there is no {kind} in the request")
    file_id = str(value)
    return file_id, api._files.get(file_id)


def photo_sizes(file_id: str, upload: UploadedFile | None) -> list[JSON]:
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


def document_json(file_id: str, upload: UploadedFile | None) -> JSON:
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
        return {"photo": photo_sizes(file_id, upload)}
    return {"document": document_json(file_id, upload)}


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
        raise bad_request("venue title and address must be non-empty")
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
        raise bad_request("wrong number of messages in the album: must be between 2 and 10")
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
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(api, stored, params, content, ("text", "entities"))


def _edit_caption(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> JSON | bool:
    content = _rendered(api, params, "caption", MAX_CAPTION, required=False)
    stored = api._stored(params)
    if stored is None:
        return True
    if api.strict and not any(k in stored for k in ("photo", "document")):
        raise bad_request("there is no caption in the message to edit")
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
        raise bad_request("media not specified")
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
    after = {key: value for key, value in stored.items() if key not in replaced}
    after.update(content)
    after.pop("reply_markup", None)
    if markup is not None:
        after["reply_markup"] = markup
    if api.strict and {k: v for k, v in after.items() if k != "edit_date"} == {
        k: v for k, v in stored.items() if k != "edit_date"
    }:
        raise bad_request(_NOT_MODIFIED)
    after["edit_date"] = api.unix_now()
    stored.clear()
    stored.update(after)
    return copy_json(stored)


def _delete_message(
    api: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]
) -> bool:
    chat = api._messages.get(chat_key(params["chat_id"]), {})
    if chat.pop(int(params["message_id"]), None) is None and api.strict:
        raise bad_request("message to delete not found")
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
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
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
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
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
        raise bad_request("invalid file_id")
    found: JSON = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_path": f"files/{file_id}",
    }
    if upload is not None:
        found["file_size"] = len(upload)
    return found


_Answer = Callable[["FakeBotApi", dict[str, Any], dict[str, UploadedFile]], Any]
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


def answer(
    api: FakeBotApi, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
) -> Any:
    """Answer one call the fake took; a method it does not model answers True."""
    found = _ANSWERS.get(method.lower())
    return True if found is None else found(api, params, files)
