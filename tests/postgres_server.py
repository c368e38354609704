"""A throwaway PostgreSQL cluster for the tests and CI, in a folder of its own.

The PostgreSQL half of the suite needs a server, and CI runs on a fresh machine with nothing
but the Debian packages that ``.ci/run`` installs: no running cluster, no role, no password.
So the tests make their own: ``initdb`` into ``FOLDER/data`` with trust authentication on
127.0.0.1 only, a free port, the unix socket in ``FOLDER`` (never /var/run/postgresql, which
another cluster may own), and durability off (``fsync``, ``synchronous_commit``,
``full_page_writes``): the data is thrown away, and a loaded 2-core machine should not wait
for the disk. ``max_connections`` is 200 because the multi-worker tests open pools.

The locale is C with UTF-8: the database's default ordering is then byte order, as SQLite's
BINARY collation is (the baseline schema also pins ``COLLATE "C"`` on every text column).

CI and the developers' machines run as root, and PostgreSQL refuses to run as root. As root,
every server binary therefore runs as the ``postgres`` system user (which the Debian package
creates) through ``runuser -u postgres --``, and ``FOLDER`` is made over to that user. Its
parent folders must let that user through (pytest's ``tmp_path`` under
/tmp/pytest-of-root is mode 0700, so use a folder under /tmp instead).

The binaries are those of the newest /usr/lib/postgresql/<version>/bin (where Debian puts
them, off PATH), else ``initdb`` on PATH.

    python -m tests.postgres_server start FOLDER [--port N]   # prints the URL when it answers
    python -m tests.postgres_server stop FOLDER
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

#: The system user the server runs as when we are root.
SERVICE_USER = "postgres"

#: How many free ports a new cluster tries before it gives up.
_PORT_ATTEMPTS = 3

#: A unix socket path is at most 107 bytes; the socket is FOLDER/.s.PGSQL.<port>.
_MAX_SOCKET_PATH = 107

_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class ServerProblem(RuntimeError):
    """The throwaway cluster could not be made, started or stopped."""


def bin_dir() -> Path | None:
    """The folder of the newest PostgreSQL's server binaries, or None when there is none."""
    versions = []
    for candidate in Path("/usr/lib/postgresql").glob("*/bin"):
        if (candidate / "initdb").is_file() and re.fullmatch(r"\d+(\.\d+)?", candidate.parent.name):
            versions.append((float(candidate.parent.name), candidate))
    if versions:
        return max(versions)[1]
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def available() -> bool:
    """Whether ``initdb`` can be found, so that ``start`` can make a cluster."""
    return bin_dir() is not None


def url(port: int) -> str:
    """The URL the tests connect with: the ``postgres`` superuser over loopback TCP."""
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def start(folder: Path, port: int | None = None) -> str:
    """Make (once) and start the cluster in ``folder``; return its URL once it accepts.

    A cluster already running there is left as it is and its URL returned. ``port`` defaults
    to a free one, chosen when the cluster is made and kept across restarts.
    """
    binaries = bin_dir()
    if binaries is None:
        raise ServerProblem(
            "No PostgreSQL found (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH): "
            "install the Debian package postgresql-15 (.ci/run does)."
        )
    folder = folder.resolve()
    data = folder / "data"
    running = _running_port(binaries, folder)
    if running is not None:
        return url(running)
    new = not data.is_dir()
    if new:
        _make_folder(folder)
        _initdb(binaries, folder, port if port is not None else _free_port())
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        configured = _configured_port(data)
        if len(f"{folder}/.s.PGSQL.{configured}") > _MAX_SOCKET_PATH:
            raise ServerProblem(f"{folder} is too long a path for the server's unix socket")
        try:
            _run(
                binaries / "pg_ctl", "-D", str(data), "-l", str(folder / "log"),
                "-w", "-t", "120", "start", what="start", folder=folder,
            )  # fmt: skip
        except ServerProblem as problem:
            # Another process took the free port between our look and the server's bind.
            taken = "Address already in use" in str(problem)
            if not (new and port is None and taken and attempt < _PORT_ATTEMPTS):
                raise
            _append_settings(data, {"port": str(_free_port())})
        else:
            return url(configured)
    raise AssertionError("unreachable: the last attempt returns or raises")


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` if one runs there (fast: open sessions are ended)."""
    binaries = bin_dir()
    folder = folder.resolve()
    if binaries is None or _running_port(binaries, folder) is None:
        return
    _run(
        binaries / "pg_ctl", "-D", str(folder / "data"), "-m", "fast", "-w", "-t", "120", "stop",
        what="stop", folder=folder,
    )  # fmt: skip


def _as_root() -> bool:
    return os.geteuid() == 0


def _command(*args: str | Path) -> list[str]:
    """``args`` as a command line, run as the service user when we are root."""
    line = [str(arg) for arg in args]
    return ["runuser", "-u", SERVICE_USER, "--", *line] if _as_root() else line


def _run(*args: str | Path, what: str, folder: Path) -> None:
    """Run a server binary; on failure raise with its output and the server log's tail."""
    done = subprocess.run(_command(*args), cwd=folder, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log = folder / "log"
        tail = log.read_text("utf-8", "replace")[-2000:] if log.is_file() else ""
        raise ServerProblem(
            f"PostgreSQL {what} in {folder} failed ({done.returncode}):\n"
            f"{done.stdout}{done.stderr}\n{tail}"
        )


def _make_folder(folder: Path) -> None:
    """Create ``folder``; as root, give it to the service user and check it can get there."""
    folder.mkdir(parents=True, exist_ok=True)
    if not _as_root():
        return
    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise ServerProblem(
            f"Running as root, but there is no '{SERVICE_USER}' system user to run PostgreSQL "
            "as (the Debian package postgresql-15 creates it)."
        ) from None
    os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o700)
    reachable = subprocess.run(_command("test", "-w", folder), check=False).returncode == 0
    if not reachable:
        raise ServerProblem(
            f"The '{SERVICE_USER}' user cannot write to {folder}: one of its parent folders "
            "keeps other users out. Use a folder under /tmp."
        )


def _initdb(binaries: Path, folder: Path, port: int) -> None:
    data = folder / "data"
    _run(
        binaries / "initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
        "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        what="initdb", folder=folder,
    )  # fmt: skip
    settings = {**_SETTINGS, "port": str(port), "unix_socket_directories": f"'{folder}'"}
    _append_settings(data, settings)


def _append_settings(data: Path, settings: dict[str, str]) -> None:
    """Add lines to postgresql.conf; the last line for a setting wins over initdb's own."""
    lines = "".join(f"{name} = {value}\n" for name, value in settings.items())
    # Appending as root keeps the file the service user's.
    with (data / "postgresql.conf").open("a", encoding="utf-8") as out:
        out.write(f"# tests/postgres_server.py: a throwaway cluster\n{lines}")


def _configured_port(data: Path) -> int:
    """The port the last ``port = N`` line of the cluster's postgresql.conf sets."""
    ports = re.findall(r"^port = (\d+)", (data / "postgresql.conf").read_text("utf-8"), re.M)
    if not ports:
        raise ServerProblem(f"{data} was not made by tests/postgres_server.py (no port line)")
    return int(ports[-1])


def _running_port(binaries: Path, folder: Path) -> int | None:
    """The port of the server running on ``folder/data``, or None when none runs."""
    data = folder / "data"
    if not (data / "postmaster.pid").is_file():
        return None
    status = subprocess.run(
        _command(binaries / "pg_ctl", "-D", str(data), "status"),
        cwd=folder, capture_output=True, check=False,
    )  # fmt: skip
    if status.returncode != 0:
        return None
    return _configured_port(data)


def _free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """``start FOLDER [--port N]`` prints the URL; ``stop FOLDER`` stops the server."""
    parser = argparse.ArgumentParser(prog="python -m tests.postgres_server")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=None, help="for a new cluster; else free")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.folder, args.port))
        else:
            stop(args.folder)
    except ServerProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
