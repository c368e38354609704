"""Telegram's HTML, rendered as a client shows it: plain text plus entities, or a refusal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.fakes.calls import JSON, utf16_len


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
