"""The deployment files say what docs/deploy.md promises: image, service unit, compose, Makefile.

The plain checks always run. Building the image needs a Docker engine and verifying the unit
needs `systemd-analyze`; each is skipped, with the reason, where it is missing.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rekobot.settings import Settings
from tests.process import ROOT

UNIT = ROOT / "deploy" / "rekobot.service"
DOCKERFILE = ROOT / "Dockerfile"


def _unit(path: Path = UNIT) -> dict[str, dict[str, list[str]]]:
    """Parse a systemd unit: section -> key -> every value given (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _in_build_context(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore lets a file into the build context (the patterns used here)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for candidate in candidates:
            tails = ["/".join(candidate.split("/")[i:]) for i in range(len(parts))]
            if fnmatch.fnmatchcase(candidate, pattern) or (
                pattern.startswith("**/") and any(fnmatch.fnmatchcase(t, bare) for t in tails)
            ):
                return False
    return True


def test_the_service_unit_runs_a_hardened_bot_as_its_own_user() -> None:
    unit = _unit()
    service = unit["Service"]
    environment = dict(value.split("=", 1) for value in service["Environment"])
    writable = service["ReadWritePaths"][0].split()

    assert service["User"] == ["rekobot"] and service["Group"] == ["rekobot"]
    assert service["ExecStart"][0].endswith("/rekobot run")
    assert service["EnvironmentFile"] == ["/etc/rekobot/rekobot.env"]
    assert service["Restart"] == ["on-failure"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["ProtectHome"] == ["yes"] and service["PrivateTmp"] == ["yes"]
    assert service["CapabilityBoundingSet"] == [""]
    # The database, its lock file and the backups are all inside the one writable folder.
    for key in ("REKOBOT_DATABASE", "REKOBOT_BACKUP_DIR"):
        assert any(Path(environment[key]).is_relative_to(path) for path in writable), key
    assert service["WorkingDirectory"][0] in writable
    # Exits that a restart cannot fix (bad settings, newer database, already running).
    assert set(service["RestartPreventExitStatus"][0].split()) == {"2", "3", "4"}
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def test_systemd_accepts_the_service_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    # verify insists that ExecStart exists: point it at this checkout's rekobot.
    here = Path(sys.executable).parent / "rekobot"
    if not here.exists():
        pytest.skip(f"no rekobot console script at {here} to stand in for /opt/rekobot")
    [exec_start] = _unit()["Service"]["ExecStart"]
    copy = tmp_path / "rekobot.service"
    copy.write_text(UNIT.read_text().replace(exec_start.split()[0], str(here)))
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    complaints = [line for line in result.stderr.splitlines() if "rekobot.service" in line]
    assert result.returncode == 0 and not complaints, result.stderr


def test_the_dockerfile_builds_a_slim_non_root_image_that_checks_its_health() -> None:
    steps = _instructions()
    words = [word for word, _ in steps]
    arguments = {word: rest for word, rest in steps}
    installs = [rest for word, rest in steps if word == "RUN" and "pip install" in rest]

    assert re.fullmatch(r"python:3\.1\d-slim", arguments["FROM"])
    assert arguments["USER"] not in {"root", "0"}
    assert words.index("USER") < words.index("ENTRYPOINT")  # the bot never runs as root
    assert installs and not any("[dev]" in line or "dev]" in line for line in installs)
    assert "/data" in arguments["VOLUME"] and "REKOBOT_DATABASE=/data/" in arguments["ENV"]
    assert arguments["HEALTHCHECK"].endswith('CMD ["rekobot", "check", "--quick"]')
    # Exec form: rekobot is PID 1 and gets docker stop's SIGTERM itself (a clean stop).
    assert arguments["STOPSIGNAL"] == "SIGTERM"
    assert arguments["ENTRYPOINT"] == '["rekobot"]' and arguments["CMD"] == '["run"]'


def test_the_build_context_has_the_code_and_catalogs_but_no_tests_or_local_data() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    context = {
        relative
        for path in ROOT.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and ".venv" not in path.parts
        and _in_build_context(relative := path.relative_to(ROOT).as_posix(), patterns)
    }

    for lang in ("nb", "nn", "en", "sv", "fi", "da"):
        assert f"locales/{lang}/LC_MESSAGES/messages.po" in context
    assert {"pyproject.toml", "README.md", "rekobot/cli.py"} <= context
    assert "storage/migrations/0001_initial.sql" in context
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in context)
    assert not _in_build_context(".env", patterns)
    assert not _in_build_context("rekobot.sqlite3-wal", patterns)
    assert not _in_build_context("rekobot/__pycache__/cli.cpython-311.pyc", patterns)


def test_compose_runs_the_bot_with_its_data_on_a_volume() -> None:
    text = (ROOT / "compose.yaml").read_text()

    assert re.search(r"^services:\n  bot:\n    build: \.$", text, re.MULTILINE)
    assert re.search(r"^    restart: unless-stopped$", text, re.MULTILINE)
    assert re.search(r"^    env_file: \.env$", text, re.MULTILINE)
    assert re.search(r"^      - rekobot-data:/data$", text, re.MULTILINE)
    assert re.search(r"^volumes:\n  rekobot-data:$", text, re.MULTILINE)
    assert "REKOBOT_DATABASE: /data/rekobot.sqlite3" in text
    assert "REKOBOT_BACKUP_DIR: /data/backups" in text


def test_the_image_builds_and_its_bot_runs_as_a_user_on_a_checked_database(
    tmp_path: Path,
) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed here")
    engine = subprocess.run(
        [docker, "info"], capture_output=True, text=True, timeout=30, check=False
    )
    if engine.returncode != 0:
        pytest.skip("no Docker engine answers here (`docker info` fails)")
    tag = f"rekobot-test:{tmp_path.name.lower()}"
    build = subprocess.run(
        [docker, "build", "-t", tag, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    try:
        script = "id -u && rekobot migrate && rekobot check && python -c 'import pytest'"
        run = subprocess.run(
            [docker, "run", "--rm", "--entrypoint", "sh", tag, "-c", script],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        health = subprocess.run(
            [docker, "image", "inspect", "--format", "{{json .Config.Healthcheck}}", tag],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        subprocess.run([docker, "image", "rm", "-f", tag], capture_output=True, check=False)

    uid, *_ = run.stdout.split()
    assert uid != "0"
    assert "integrity check ok" in run.stdout
    assert "No module named 'pytest'" in run.stderr  # runtime dependencies only
    assert "check" in health.stdout


def test_make_run_installs_runtime_dependencies_and_make_test_adds_the_dev_ones(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv"

    def dry(target: str) -> str:
        return subprocess.run(
            ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    fresh_run = dry("run")
    venv.mkdir()
    (venv / ".runtime-stamp").touch()  # what `make run` leaves behind
    after_run = dry("test")

    assert "pip install --quiet -e .\n" in fresh_run and "[dev]" not in fresh_run
    assert "rekobot migrate" in fresh_run and "rekobot run" in fresh_run
    assert "pip install --quiet -e '.[dev]'" in after_run  # make test upgrades that venv
    assert "pip install --quiet -e .\n" not in after_run
    assert "ruff check" in after_run and "mypy" in after_run and "pytest" in after_run


def test_env_example_documents_every_setting_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    keys = {}
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            key = line.split("=", 1)[0]
            keys[key] = lines[number - 1].startswith("#") and len(lines[number - 1]) > 5

    assert set(keys) == {f"REKOBOT_{name.upper()}" for name in Settings.model_fields}
    assert all(keys.values()), [key for key, commented in keys.items() if not commented]
