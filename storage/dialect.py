"""SQLite's spelling of a statement turned into PostgreSQL's: the one home of the differences.

The repositories write each statement once, as SQLite reads it. Most of it is standard SQL
that PostgreSQL reads as it is; what differs is rewritten here, once per distinct statement
(the result is cached, so a hot statement costs a dictionary look-up):

- placeholders: ``?`` and ``:name`` become ``$1, $2, ...`` (a name used twice is one number);
- ``INSERT OR IGNORE INTO t ...`` becomes ``INSERT INTO t ... ON CONFLICT DO NOTHING``;
- ``x IS ?`` and ``x IS NOT ?`` (SQLite's null-safe comparisons) become
  ``IS NOT DISTINCT FROM`` and ``IS DISTINCT FROM``;
- ``LIKE`` becomes ``ILIKE``: SQLite's LIKE ignores case, PostgreSQL's does not;
- a unary ``+`` before a column (``AND +status = ...``, SQLite's way to keep the planner off
  an index) is dropped: PostgreSQL has no ``+`` for text, and its planner needs no such hint;
- the two-argument scalar ``MAX(a, b)`` and ``MIN(a, b)`` become ``GREATEST`` and ``LEAST``;
- ``SELECT value FROM json_each(?)`` (a JSON list of ids as one parameter) becomes a cast
  of ``json_array_elements_text``, and ``json_each(column) WHERE json_each.value = ?`` the
  same over a column;
- a NUL character in a text parameter is dropped: PostgreSQL's text cannot hold one;
- ``COLLATE NOCASE`` needs nothing: the PostgreSQL schema defines a case-insensitive ICU
  collation named ``nocase`` (identifiers fold to lower case).

Row locks are the one clause added rather than rewritten: ``skip_locked`` gives the
``FOR UPDATE SKIP LOCKED`` a claim ends with on an engine whose transactions lock rows
(``Transaction.locks_rows``), and nothing on SQLite, whose write transaction locks the file.

What cannot be rewritten this way is written portably in the repositories instead: counts
with ``COUNT(*) FILTER (WHERE ...)`` rather than summing booleans, every selected column of a
``GROUP BY`` grouped or aggregated, integers 0/1 for flags.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from storage.database import Params


class UnsupportedStatement(ValueError):
    """A statement uses SQLite syntax that has no rewrite here; write it portably instead."""


_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_INSERT_OR_OTHER = re.compile(r"\bINSERT\s+OR\s+(REPLACE|ABORT|FAIL|ROLLBACK)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_IS_NOT_PARAM = re.compile(r"\bIS\s+NOT\s+(?=\?|:[A-Za-z_])", re.IGNORECASE)
_IS_PARAM = re.compile(r"\bIS\s+(?=\?|:[A-Za-z_])", re.IGNORECASE)
_LIKE = re.compile(r"(?<![A-Za-z_:])LIKE\b", re.IGNORECASE)
_UNARY_PLUS = re.compile(r"(\bAND|\bWHERE|\bOR|\()(\s*)\+(?=[A-Za-z_])", re.IGNORECASE)
_SCALAR_MAX_MIN = re.compile(r"\b(MAX|MIN)\s*\(", re.IGNORECASE)
_IDS_IN_JSON = re.compile(r"SELECT\s+value\s+FROM\s+json_each\(\s*\?\s*\)", re.IGNORECASE)
_JSON_COLUMN_HOLDS = re.compile(
    r"json_each\((\w+(?:\.\w+)?)\)\s+WHERE\s+json_each\.value\s*=\s*\?", re.IGNORECASE
)


#: What a claim adds on an engine that locks rows: take them, skipping those another has.
SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"


def skip_locked(locks_rows: bool) -> str:
    """The clause that ends a claiming SELECT: ``SKIP_LOCKED`` when rows lock, else nothing."""
    return SKIP_LOCKED if locks_rows else ""


def postgres(sql: str, params: Params = ()) -> tuple[str, list[Any]]:
    """Return the statement in PostgreSQL's spelling and its parameters as a list."""
    text, names = _translate(sql)
    if isinstance(params, dict):
        if names is None:
            raise UnsupportedStatement(f"named parameters given to a statement with ?: {sql}")
        return text, [_storable(params[name]) for name in names]
    if names:
        raise UnsupportedStatement(f"positional parameters given to a statement with :name: {sql}")
    return text, [_storable(value) for value in params]


def _storable(value: Any) -> Any:
    """A text parameter without NUL characters, which PostgreSQL's text cannot hold.

    Typed text loses its control characters when it is read (``rekobot/parsing``), but a raw
    value (a ``/start`` payload, a search) may still carry one; SQLite would store or compare
    it, PostgreSQL refuses the whole statement. Dropping the NUL compares and stores what a
    person could have meant.
    """
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


@lru_cache(maxsize=4096)
def _translate(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """Rewrite one statement; return it with the names of its ``:name`` parameters in order.

    The names are None when it uses ``?`` (or no parameter at all).
    """
    if _INSERT_OR_OTHER.search(sql):
        raise UnsupportedStatement(f"INSERT OR REPLACE/ABORT/FAIL has no rewrite: {sql}")
    text = sql
    if _INSERT_OR_IGNORE.search(text):
        text = _on_conflict_do_nothing(_INSERT_OR_IGNORE.sub("INSERT INTO", text))
    text = _IS_NOT_PARAM.sub("IS DISTINCT FROM ", text)
    text = _IS_PARAM.sub("IS NOT DISTINCT FROM ", text)
    text = _LIKE.sub("ILIKE", text)
    text = _UNARY_PLUS.sub(r"\1\2", text)
    text = _IDS_IN_JSON.sub(
        "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS json)) AS value",
        text,
    )
    text = _JSON_COLUMN_HOLDS.sub(
        r"json_array_elements_text(CAST(\1 AS json)) AS json_each(value) "
        r"WHERE json_each.value = CAST(CAST(? AS BIGINT) AS TEXT)",
        text,
    )
    text = _greatest_least(text)
    return _number_placeholders(text)


def _on_conflict_do_nothing(sql: str) -> str:
    """Put ``ON CONFLICT DO NOTHING`` before a ``RETURNING``, or at the end."""
    body = sql.rstrip().rstrip(";").rstrip()
    match = _RETURNING.search(body)
    if match is None:
        return f"{body} ON CONFLICT DO NOTHING"
    return f"{body[: match.start()].rstrip()} ON CONFLICT DO NOTHING {body[match.start() :]}"


def _greatest_least(sql: str) -> str:
    """``MAX(a, b)`` -> ``GREATEST(a, b)``, ``MIN(a, b)`` -> ``LEAST(a, b)``; aggregates stay."""
    out: list[str] = []
    position = 0
    for match in _SCALAR_MAX_MIN.finditer(sql):
        if _has_top_level_comma(sql, match.end()):
            out.append(sql[position : match.start()])
            out.append("GREATEST(" if match[1].upper() == "MAX" else "LEAST(")
            position = match.end()
    out.append(sql[position:])
    return "".join(out)


def _has_top_level_comma(sql: str, start: int) -> bool:
    """Whether the parentheses opened just before ``start`` hold a comma of their own."""
    depth = 1
    index = start
    while index < len(sql):
        char = sql[index]
        if char == "'":
            index = sql.index("'", index + 1)
            while index + 1 < len(sql) and sql[index + 1] == "'":
                index = sql.index("'", index + 2)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return False
        elif char == "," and depth == 1:
            return True
        index += 1
    raise UnsupportedStatement(f"unbalanced parentheses: {sql}")


def _number_placeholders(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """Replace ``?`` and ``:name`` outside quotes with ``$n``; return the names in order."""
    out: list[str] = []
    names: list[str] = []
    positional = 0
    index = 0
    length = len(sql)
    while index < length:
        char = sql[index]
        if char in "'\"":
            end = sql.index(char, index + 1)
            while end + 1 < length and sql[end + 1] == char:  # a doubled quote inside
                end = sql.index(char, end + 2)
            out.append(sql[index : end + 1])
            index = end + 1
            continue
        if char == "-" and sql.startswith("--", index):
            end = sql.find("\n", index)
            end = length if end < 0 else end
            out.append(sql[index:end])
            index = end
            continue
        if char == "?":
            positional += 1
            out.append(f"${positional}")
            index += 1
            continue
        if char == ":" and sql.startswith("::", index):
            out.append("::")
            index += 2
            continue
        if char == ":" and index + 1 < length and _starts_name(sql[index + 1]):
            end = index + 1
            while end < length and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            name = sql[index + 1 : end]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            index = end
            continue
        out.append(char)
        index += 1
    if positional and names:
        raise UnsupportedStatement(f"a statement mixes ? and :name: {sql}")
    return "".join(out), (tuple(names) if names else None)


def _starts_name(char: str) -> bool:
    return char.isalpha() or char == "_"
