"""Message catalogs as data: extract msgids from the code, update the .po files, check them.

``make extract`` / ``make update-catalogs`` use pybabel with the mapping in pyproject.toml;
this module does the same through Babel's API so that a test can prove the catalogs complete,
and so that several people can add translations safely (``fill`` takes a file lock).

    python -m rekobot.catalogs update            # pot from the code, then every .po
    python -m rekobot.catalogs fill nb x.json    # {"msgid": "msgstr" or ["one", "many"]}
    python -m rekobot.catalogs check             # what is missing, empty, fuzzy or broken
"""

from __future__ import annotations

import argparse
import fcntl
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from rekobot.i18n import DOMAIN, LOCALES_DIR, SHIPPED_LOCALES

# The catalogs are the locales package's data; the code they are extracted from sits beside it
# (in a checkout, the repository's root).
ROOT = LOCALES_DIR.parent
POT_PATH = LOCALES_DIR / "messages.pot"
METHOD_MAP = [("rekobot/**.py", "python"), ("handlers/**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
SOURCE_LOCALE = "en"
_PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")


def po_path(locale: str) -> Path:
    """Where a locale's catalog lives."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Collect every translatable message in the code."""
    catalog = Catalog(project="rekobot", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po or .pot file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def write_catalog(path: Path, catalog: Catalog) -> None:
    """Write a .po or .pot file the way the Makefile does (sorted, without line numbers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(
            handle,
            catalog,
            sort_output=True,
            omit_header=False,
            no_location=True,
            ignore_obsolete=False,
            width=100,
        )


@contextmanager
def locked() -> Iterator[None]:
    """Hold a file lock so two people editing catalogs do not overwrite each other."""
    LOCALES_DIR.mkdir(exist_ok=True)
    with (LOCALES_DIR / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def update(locales: tuple[str, ...] = SHIPPED_LOCALES) -> Catalog:
    """Write the pot from the code and merge it into every existing .po."""
    template = extract()
    write_catalog(POT_PATH, template)
    for locale in locales:
        path = po_path(locale)
        if not path.exists():
            continue
        catalog = read_catalog(path, locale)
        _merge(catalog, template)
        _english_is_the_source(catalog)
        write_catalog(path, catalog)
    return template


def _merge(catalog: Catalog, template: Catalog) -> None:
    """Merge the template in, and bring back translations of msgids that return.

    A msgid that disappears from the code for a while (someone is mid-edit) is kept as an
    obsolete entry, so its translation is not lost when it comes back.
    """
    catalog.update(template, no_fuzzy_matching=True)
    for key, old in list(catalog.obsolete.items()):
        current = catalog.get(old.id, old.context)
        if current is None:
            continue
        if not any(_strings(current)) and any(_strings(old)):
            current.string = old.string
        del catalog.obsolete[key]


def _english_is_the_source(catalog: Catalog) -> None:
    """In the English catalog an untranslated msgid is its own translation."""
    if str(catalog.locale) != SOURCE_LOCALE:
        return
    for message in catalog:
        if message.id and not any(_strings(message)):
            message.string = tuple(_ids(message)) if message.pluralizable else message.id


def fill(locale: str, translations: dict[str, str | list[str]]) -> int:
    """Set translations in a locale's catalog (creating it if needed); return how many."""
    path = po_path(locale)
    catalog = (
        read_catalog(path, locale)
        if path.exists()
        else Catalog(locale=locale, project="rekobot", fuzzy=False)
    )
    _merge(catalog, extract())
    count = 0
    for msgid, msgstr in translations.items():
        message = catalog.get(msgid)
        if message is None:
            continue
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        message.flags.discard("fuzzy")
        count += 1
    _english_is_the_source(catalog)
    write_catalog(path, catalog)
    return count


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def _strings(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return list(message.string)
    return [message.string or ""]


def problems(locale: str, template: Catalog | None = None, path: Path | None = None) -> list[str]:
    """Say what is missing, empty, fuzzy or has placeholders unlike its msgid."""
    template = template or extract()
    path = path or po_path(locale)
    if not path.exists():
        return [f"{locale}: no catalog at {path}"]
    catalog = read_catalog(path, locale)
    found: list[str] = []
    for wanted in template:
        if not wanted.id:
            continue
        message = catalog.get(wanted.id, wanted.context)
        label = f"{locale}: {_ids(wanted)[0]!r}"
        if message is None:
            found.append(f"{label} is missing")
            continue
        if message.fuzzy:
            found.append(f"{label} is fuzzy")
        strings = _strings(message)
        if not all(s.strip() for s in strings):
            found.append(f"{label} has an empty translation")
            continue
        expected = set(_PLACEHOLDER.findall(" ".join(_ids(wanted))))
        for string in strings:
            if set(_PLACEHOLDER.findall(string)) != expected:
                found.append(f"{label}: placeholders {sorted(expected)} differ in {string!r}")
                break
    return found


def pot_is_current() -> bool:
    """Whether messages.pot has exactly the msgids the code has."""
    if not POT_PATH.exists():
        return False
    committed = {m.id if isinstance(m.id, str) else m.id[0] for m in read_catalog(POT_PATH) if m.id}
    current = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    return committed == current


def main(argv: list[str] | None = None) -> int:
    """Command line for the catalogs."""
    parser = argparse.ArgumentParser(prog="python -m rekobot.catalogs")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="extract the pot and merge it into every .po")
    fill_cmd = sub.add_parser("fill", help="set translations from a JSON file")
    fill_cmd.add_argument("locale")
    fill_cmd.add_argument("json_file", type=Path)
    sub.add_parser("check", help="list problems in every shipped catalog")
    args = parser.parse_args(argv)
    with locked():
        if args.command == "update":
            update()
            return 0
        if args.command == "fill":
            data = json.loads(args.json_file.read_text("utf-8"))
            update()
            print(f"{fill(args.locale, data)} translations set in {args.locale}")
            return 0
    template = extract()
    found = [p for locale in SHIPPED_LOCALES for p in problems(locale, template)]
    if not pot_is_current():
        found.append("messages.pot is out of date: run `make update-catalogs`")
    print("\n".join(found) or "catalogs complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
