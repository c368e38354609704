"""The docs stay true: links resolve inside the repository, and the map names what exists."""

from __future__ import annotations

import ast
import re

from tests.process import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CODE_FOLDERS = ("rekobot", "handlers", "storage", "tests", "benchmarks", "locales")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
TICKED = re.compile(r"`([^`]+)`")
NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
PLACEHOLDER = re.compile(r"<\w+>|NNNN|\*")
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def defined_names() -> set[str]:
    """Every class, function, attribute, argument and variable our code defines, and each table."""
    names: set[str] = set()
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
                elif isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.id if isinstance(node, ast.Name) else node.attr)
    for sql in (ROOT / "storage" / "migrations").glob("*.sql"):
        names.update(re.findall(r"CREATE TABLE (\w+)", sql.read_text("utf-8")))
    return names


def where_things_live() -> list[str]:
    """The rows of the "Where things live" table."""
    section = ARCHITECTURE.read_text("utf-8").split("## Where things live", 1)[1]
    section = section.split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]


def test_every_relative_link_in_the_docs_stays_inside_the_repository() -> None:
    for doc in DOCS:
        text = FENCED.sub("", doc.read_text("utf-8"))
        mentioned = [token for token in TICKED.findall(text) if token.startswith("../")]
        for target in LINK.findall(text) + mentioned:
            if "://" in target:
                continue
            resolved = (doc.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{doc.name} points outside: {target}"
            assert resolved.exists(), f"{doc.name} links to a missing {target}"


def test_the_readme_links_to_the_architecture() -> None:
    assert "](docs/architecture.md)" in (ROOT / "README.md").read_text("utf-8")


def test_every_path_and_name_in_the_map_exists() -> None:
    names = defined_names()
    rows = where_things_live()
    missing: list[str] = []
    for row in rows:
        for token in TICKED.findall(row):
            if "/" in token or token.endswith((".py", ".sql", ".po")):
                if not PLACEHOLDER.search(token) and not (ROOT / token).exists():
                    missing.append(f"path {token}")
            elif NAME.match(token) and token.split(".")[-1] not in names:
                missing.append(f"name {token}")

    assert len(rows) >= 20
    assert missing == []


def test_a_newcomer_finds_the_main_places_by_name() -> None:
    subjects = [row.split("|")[1].strip() for row in where_things_live()]
    for wanted in ("checkout", "the deadline rule", "outbox", "a screen's text", "refusals"):
        assert any(subject.startswith(wanted) for subject in subjects), wanted
