"""One home for each concern, checked on the code (docs/architecture.md, "Where things live").

Each test reads the source with `ast` and names what stands outside its home. The exceptions
are listed, with why, so a new one is a decision and not an accident.
"""

from __future__ import annotations

import ast

from tests.process import ROOT

CODE = ("rekobot", "handlers", "storage")
#: The homes of refusals and of parsers: packages, one module per part of the bot.
ERRORS = "rekobot/errors/"
PARSING = "rekobot/parsing/"

#: Modules still waiting for their own move (another branch is rewriting them right now).
#: Pickup dates and times, with the draft; REKOBOT_DATABASE, beside the engines it chooses.
PARSERS_ELSEWHERE = {"rekobot/services/pickup_drafts.py", "storage/engines.py"}
SQL_ELSEWHERE: set[str] = set()
MODELS_ELSEWHERE: set[str] = set()
#: Storage's own records about the store, not the domain: a backup's check, a restore's result,
#: a migration file, a WAL checkpoint, a PostgreSQL server's address, a table copied to
#: PostgreSQL and its row counts.
STORAGE_RECORDS = {
    "FileCheck",
    "Restored",
    "Migration",
    "Checkpointed",
    "PostgresAddress",
    "SourceTable",
    "TableCount",
}
SQL_CALLS = {"execute", "executemany", "fetchall", "fetchone", "scalar"}


def modules(*folders: str) -> dict[str, ast.Module]:
    """Parse every Python module under the folders, by path relative to the repository."""
    found: dict[str, ast.Module] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found[str(path.relative_to(ROOT))] = ast.parse(path.read_text("utf-8"))
    return found


def base_names(node: ast.ClassDef) -> set[str]:
    return {base.id if isinstance(base, ast.Name) else ast.unparse(base) for base in node.bases}


def is_sql(node: ast.expr) -> bool:
    """Whether an argument is a literal SQL statement (a string or an f-string)."""
    if not isinstance(node, ast.Constant | ast.JoinedStr):
        return False
    text = ast.unparse(node).upper()
    return any(word in text for word in ("SELECT ", "UPDATE ", "INSERT ", "DELETE "))


def test_every_refusal_is_defined_in_rekobot_errors() -> None:
    classes = [
        (path, node)
        for path, tree in modules(*CODE).items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    refusals = {"Refusal"}
    defined: dict[str, str] = {}
    while True:  # subclasses of subclasses are refusals too
        more = {n.name: p for p, n in classes if base_names(n) & refusals and n.name not in defined}
        if not more:
            break
        defined.update(more)
        refusals |= set(more)
    outside = {name: path for name, path in defined.items() if not path.startswith(ERRORS)}

    assert len(defined) >= 30
    assert outside == {}


def test_parsers_live_in_rekobot_parsing() -> None:
    parsers = [
        (path, node.name)
        for path, tree in modules(*CODE).items()
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("parse_")
    ]
    outside = [
        f"{path}: {name}"
        for path, name in parsers
        if not path.startswith(PARSING) and path not in PARSERS_ELSEWHERE
    ]

    assert len(parsers) >= 25
    assert outside == []


def test_sql_runs_only_in_storage() -> None:
    outside = sorted(
        f"{path}:{node.lineno}"
        for path, tree in modules("rekobot", "handlers").items()
        if path not in SQL_ELSEWHERE
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_CALLS
        and node.args
        and is_sql(node.args[0])
    )

    assert outside == []


def test_storage_defines_no_domain_models() -> None:
    outside = [
        f"{path}: {node.name}"
        for path, tree in modules("storage").items()
        if path not in MODELS_ELSEWHERE
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and node.name not in STORAGE_RECORDS
        and (
            base_names(node) & {"BaseModel", "StrEnum", "Enum"}
            or any(ast.unparse(d).startswith("dataclass") for d in node.decorator_list)
        )
    ]

    assert outside == [], "domain models belong in rekobot/models/"


def test_handlers_import_no_storage_module_for_a_type() -> None:
    allowed = {"storage.database", "storage.backup"}  # the database handle; the backup job
    outside = sorted(
        f"{path}: from {node.module} import ..."
        for path, tree in modules("handlers").items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and node.module.startswith("storage.")
        and node.module not in allowed
    )

    assert outside == []


#: The size past which a module is doing more than one thing (issue 9: "no file over about
#: 450 lines"); split it by concern rather than raising this.
MAX_LINES = 450


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in CODE
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, "split these by concern"
