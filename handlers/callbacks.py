"""A compact, typed codec for callback data, inside Telegram's 64-byte limit.

Every button is a small frozen dataclass with int (or short code) fields, packed as
``prefix:field:field``. Decoded data is never trusted: the services re-check role, ownership,
deadline and stock on every press.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar, Self, TypeVar

MAX_BYTES = 64
_CODE = re.compile(r"^[a-z0-9_]{1,16}$")
_INT = re.compile(r"^-?\d{1,15}$")
_REGISTRY: dict[str, type[Callback]] = {}

C = TypeVar("C", bound="Callback")


@dataclasses.dataclass(frozen=True)
class Callback:
    """Base of every button payload; subclasses give ``prefix=`` and int/str fields."""

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix:
            return
        if prefix in _REGISTRY or not _CODE.match(prefix):
            raise ValueError(f"bad or duplicate callback prefix {prefix!r}")
        cls.prefix = prefix
        _REGISTRY[prefix] = cls

    def pack(self) -> str:
        """Encode for a button's ``callback_data``.

        Every screen packs a button or ten, so the field names come from a per-class list
        (``_names``), not ``dataclasses.fields`` each time.
        """
        parts = [self.prefix]
        for name in _names(type(self)):
            value = getattr(self, name)
            kind = type(value)
            if kind is int:
                parts.append(str(value))
            elif kind is str and _CODE.match(value):
                parts.append(value)
            else:
                parts.append(self._field_text(name, value))
        data = ":".join(parts)
        if len(data) > MAX_BYTES:  # every part is ASCII: characters are bytes
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def _field_text(self, name: str, value: object) -> str:
        """A field's text when it is not a plain int or code: a str enum, or a mistake."""
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"{type(self).__name__}.{name} must be int or str")
        text = str(value)
        if isinstance(value, str) and not _CODE.match(text):
            raise ValueError(f"{type(self).__name__}.{name}: {text!r} is not a code")
        return text

    @classmethod
    def matches(cls, data: object) -> bool:
        """Whether ``data`` has this button's prefix (used as a handler pattern)."""
        return isinstance(data, str) and data.split(":", 1)[0] == cls.prefix

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """Decode ``data`` into this class, or None when it is malformed or forged."""
        decoded = decode(data)
        return decoded if isinstance(decoded, cls) else None


_NAMES: dict[type[Callback], tuple[str, ...]] = {}


def _names(cls: type[Callback]) -> tuple[str, ...]:
    """The field names of a button class, in order (looked up once per class)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return names


def decode(data: object) -> Callback | None:
    """Decode any known button payload, or None."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    prefix, *values = data.split(":")
    cls = _REGISTRY.get(prefix)
    if cls is None:
        return None
    fields = dataclasses.fields(cls)
    if len(values) != len(fields):
        return None
    kwargs: dict[str, Any] = {}
    for field, text in zip(fields, values, strict=True):
        if field.type in (int, "int"):
            if not _INT.match(text):
                return None
            kwargs[field.name] = int(text)
        elif field.type in (str, "str"):
            if not _CODE.match(text):
                return None
            kwargs[field.name] = text
        else:  # pragma: no cover - a programming error in a subclass
            raise TypeError(f"{cls.__name__}.{field.name} has an unsupported type")
    return cls(**kwargs)
