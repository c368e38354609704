"""The throwaway PostgreSQL cluster of tests/postgres_server.py starts, answers and stops.

CI depends on it on a fresh machine as root, so it is tested where it runs: the real
initdb and pg_ctl, in a folder under /tmp (pytest's own tmp_path is closed to the postgres
user when we are root).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests import postgres_server

pytestmark = pytest.mark.skipif(
    not postgres_server.available(),
    reason="no PostgreSQL binaries (.ci/run installs the Debian package postgresql-15)",
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder() -> Iterator[Path]:
    """An empty folder the postgres user can reach; its server is stopped afterwards."""
    path = Path(tempfile.mkdtemp(prefix="rekobot-pg-test-", dir="/tmp"))
    try:
        yield path
    finally:
        postgres_server.stop(path)
        shutil.rmtree(path)


async def test_a_started_cluster_answers_keeps_its_data_and_stops(folder: Path) -> None:
    url = postgres_server.start(folder)
    assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/postgres")
    conn = await asyncpg.connect(url)
    settings = {
        name: await conn.fetchval(f"SHOW {name}")
        for name in ("fsync", "synchronous_commit", "full_page_writes", "max_connections")
    }
    await conn.execute("CREATE TABLE kept (n BIGINT)")
    await conn.close()
    assert settings == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    assert postgres_server.start(folder) == url  # already running: left alone

    postgres_server.stop(folder)
    with pytest.raises(OSError):
        await asyncpg.connect(url, timeout=10)

    assert postgres_server.start(folder) == url  # the same port again, and the same data
    conn = await asyncpg.connect(url)
    assert await conn.fetchval("SELECT count(*) FROM kept") == 0
    await conn.close()


def test_a_new_cluster_moves_on_when_its_free_port_is_taken_meanwhile(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = int(squatter.getsockname()[1])
        ports = iter([taken])
        real_free_port = postgres_server._free_port
        monkeypatch.setattr(postgres_server, "_free_port", lambda: next(ports, real_free_port()))

        url = postgres_server.start(folder)

    assert f":{taken}/" not in url
    assert asyncio.run(user_of(url)) == "postgres"


async def user_of(url: str) -> str:
    """Who the URL connects as."""
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SELECT current_user"))
    finally:
        await conn.close()


def test_the_command_line_prints_the_url_once_the_server_accepts(folder: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "tests.postgres_server", "start", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
    assert asyncio.run(user_of(started.stdout.strip())) == "postgres"

    subprocess.run(
        [sys.executable, "-m", "tests.postgres_server", "stop", str(folder)],
        cwd=ROOT,
        check=True,
        timeout=180,
    )
    assert not (folder / "data" / "postmaster.pid").exists()
