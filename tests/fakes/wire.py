"""A Bot API request as it arrives over HTTP: urlencoded, multipart or JSON, decoded back.

The loopback server (`tests.fakes.server`) hands every body to `decode_body`, so the fake sees
the same parameters whether PTB called it in-process or over the network.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.calls import UploadedFile

# Form fields that are plain strings even when they look like JSON ("123", "[1] Ost", "true").
# Everything else arrives JSON-encoded by PTB (numbers, booleans, objects, lists).
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "title",
        "address",
        "description",
        "short_description",
        "name",
        "url",
        "file_id",
        "photo",
        "document",
        "language_code",
        "emoji",
        "action",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "secret_token",
        "business_connection_id",
        "message_effect_id",
    }
)
_MULTIPART_ESCAPE = re.compile(r"%(22|[01][0-9A-Fa-f])")


def decode_form_value(key: str, value: str) -> Any:
    """Turn one form field back into the value PTB encoded (ints, objects, lists, booleans)."""
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _header_param(header: str, key: str) -> str | None:
    match = re.search(rf'(?:^|;)\s*{key}="([^"]*)"', header) or re.search(
        rf"(?:^|;)\s*{key}=([^;\s]+)", header
    )
    if match is None:
        return None
    return _MULTIPART_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), match.group(1))


def parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into its text fields and its files."""
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name") or ""
        filename = _header_param(disposition, "filename")
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            mimetype = headers.get("content-type", "application/octet-stream")
            files[name] = UploadedFile(content, filename, mimetype)
    return fields, files


def decode_body(
    content_type: str, body: bytes, query: str = ""
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Decode a Bot API request body (urlencoded, multipart or JSON) into params and files."""
    fields: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" and body:
        loaded = json.loads(body)
        return {**fields, **loaded}, files
    if kind == "multipart/form-data":
        parts, files = parse_multipart(body, _header_param(content_type, "boundary") or "")
        fields.update(parts)
    elif body:
        fields.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {key: decode_form_value(key, value) for key, value in fields.items()}, files
