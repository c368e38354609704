"""The message catalogs are complete: every msgid translated, nothing fuzzy, placeholders kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from rekobot.catalogs import (
    POT_PATH,
    extract,
    po_path,
    pot_is_current,
    problems,
    read_catalog,
    write_catalog,
)
from rekobot.i18n import available_locales


@pytest.fixture(scope="module")
def template() -> Catalog:
    """The msgids the code uses today."""
    return extract()


def test_bokmal_and_english_ship(template: Catalog) -> None:
    assert {"nb", "en"} <= set(available_locales())
    assert len([m for m in template if m.id]) > 100


@pytest.mark.parametrize("locale", available_locales())
def test_every_message_is_translated_in(locale: str, template: Catalog) -> None:
    assert problems(locale, template) == []


def test_the_pot_has_exactly_the_messages_in_the_code() -> None:
    assert POT_PATH.exists()
    assert pot_is_current(), "run `make update-catalogs` and commit locales/"


def test_the_check_finds_missing_fuzzy_and_broken_translations(
    template: Catalog, tmp_path: Path
) -> None:
    catalog = read_catalog(po_path("nb"), "nb")
    simple = [m for m in template if m.id and isinstance(m.id, str)]
    with_placeholder = next(m for m in simple if "{" in m.id)
    missing, fuzzy = [m for m in simple if m is not with_placeholder][:2]
    catalog.delete(missing.id)
    catalog[fuzzy.id].flags.add("fuzzy")
    catalog[with_placeholder.id].string = "uten plassholder"
    broken = tmp_path / "messages.po"
    write_catalog(broken, catalog)

    found = problems("nb", template, broken)

    assert f"nb: {missing.id!r} is missing" in found
    assert f"nb: {fuzzy.id!r} is fuzzy" in found
    assert any(p.startswith(f"nb: {with_placeholder.id!r}: placeholders") for p in found)
