"""The installed bot, not the checkout: a wheel in a fresh venv still speaks every language.

The wheel is built offline (`--no-build-isolation`, the dev venv's setuptools) from a copy of the
source, and installed with `--no-deps` into a new venv outside the checkout. Its dependencies come
from the dev venv through a `.pth` line, which puts the dev site-packages *after* the new one and
does not run the dev venv's own `.pth` files, so the editable rekobot there stays out of reach.
The installed `rekobot` command then runs against the loopback Bot API server.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rekobot.i18n import SHIPPED_LOCALES
from tests.conftest import TOKEN
from tests.fakes.calls import Call, plain
from tests.fakes.server import BotApiServer
from tests.fakes.updates import TgUser
from tests.process import ROOT, rekobot_env

KARI = TgUser(4242, "Kari", "Nordmann", "kari", language_code="nb")
NOT_SOURCE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".coverage*",
    "*.sqlite3*",
    ".env",
    ".lock",
)


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command to completion; fail the test with its output if it fails."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def outside_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The bot's environment without any path back into the checkout."""
    env = rekobot_env(tmp_path, **settings)
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel offline and install it into a fresh venv; return the venv's bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip = (sys.executable, "-m", "pip")
    offline = ("--no-index", "--no-deps")
    dist = work / "dist"
    run(*pip, "wheel", *offline, "--no-build-isolation", "--wheel-dir", dist, source, cwd=work)
    [wheel] = dist.glob("rekobot-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    python = venv / "bin" / "python"
    run(*pip, "--python", python, "install", *offline, wheel, cwd=work)
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work)
    (Path(site.strip()) / "dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    return venv / "bin"


@contextmanager
def running(bin_dir: Path, folder: Path, server: BotApiServer) -> Iterator[subprocess.Popen[str]]:
    """Run the installed `rekobot run` until the block ends, then stop it with SIGTERM."""
    env = outside_env(folder, token=TOKEN, api_base_url=server.url, api_file_url=server.file_url)
    with (folder / "rekobot.log").open("w") as log:
        process = subprocess.Popen(
            [bin_dir / "rekobot", "run"], cwd=folder, env=env, stdout=log, stderr=log, text=True
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def is_default_menu(call: Call) -> bool:
    """Whether a call sets the command menu for users of no particular language."""
    return call.method == "setMyCommands" and "language_code" not in call.params


def test_the_installed_package_is_the_wheel_and_has_every_catalog(
    installed: Path, tmp_path: Path
) -> None:
    probe = (
        "import locales, rekobot, rekobot.i18n as i18n; print(rekobot.__file__); "
        "print(locales.__file__); print(','.join(i18n.available_locales()))"
    )

    code, catalogs, languages = run(
        installed / "python", "-c", probe, cwd=tmp_path, env=outside_env(tmp_path)
    ).split()

    venv = installed.parent
    assert Path(code).is_relative_to(venv) and not Path(code).is_relative_to(ROOT)
    assert Path(catalogs).is_relative_to(venv)
    assert tuple(languages.split(",")) == SHIPPED_LOCALES


def test_the_installed_bot_answers_in_bokmal(installed: Path, tmp_path: Path) -> None:
    run(installed / "rekobot", "demo-data", cwd=tmp_path, env=outside_env(tmp_path))
    with BotApiServer(lifetime=120) as server, running(installed, tmp_path, server):
        server.wait_for(is_default_menu, timeout=60)  # set last, after every language's
        server.push_message(KARI, "/start nittedal")
        [greeting] = server.wait_for("sendMessage", chat_id=KARI.id, timeout=30)
    menus = {
        call.params.get("language_code"): call.params["commands"]
        for call in server.calls("setMyCommands", ok=True)
    }

    welcome = "Velkommen til REKO Nittedal!\nREKO: du bestiller lokalmat rett fra produsentene"
    assert plain(greeting.text).startswith(welcome)
    assert set(menus) == {*SHIPPED_LOCALES, "no", None}
    assert {"command": "shop", "description": "Bestill til neste utlevering"} in menus["nb"]
    assert {"command": "shop", "description": "Beställ till nästa utdelning"} in menus["sv"]
