"""The `rekobot` command as an operator meets it: help, a missing token, migrate, demo data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.process import ROOT, rekobot


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = rekobot(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "demo-data"):
        assert command in result.stdout


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = rekobot(tmp_path, "run")
    assert result.returncode != 0
    assert (
        "@BotFather" in result.stderr
        and "REKOBOT_TOKEN" in result.stderr
        and ".env" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_with_a_placeholder_token_is_refused_the_same_way(tmp_path: Path) -> None:
    result = rekobot(tmp_path, "run", token="123456:your-token-here")
    assert result.returncode != 0
    assert "@BotFather" in result.stderr and "Traceback" not in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = rekobot(tmp_path, "migrate")
    assert result.returncode == 0
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_a_database_from_a_newer_rekobot_is_refused_clearly(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")
    result = rekobot(tmp_path, "migrate")
    assert result.returncode != 0
    assert "newer rekobot" in result.stderr and "Traceback" not in result.stderr


def test_demo_data_twice_creates_the_demo_ring_once(tmp_path: Path) -> None:
    first = rekobot(tmp_path, "demo-data")
    counts_after_first = _counts(tmp_path)
    second = rekobot(tmp_path, "demo-data")

    assert first.returncode == 0 and second.returncode == 0
    assert "start=nittedal" in first.stdout
    assert _counts(tmp_path) == counts_after_first
    rings, places, pickups, producers, products, offers, limited = counts_after_first
    assert (rings, places, pickups) == (1, 2, 3)
    assert producers >= 4 and products >= 12 and offers == products * 3 and limited > 0
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as conn:
        deadlines_before_start = conn.execute(
            "SELECT COUNT(*) FROM pickups WHERE deadline < starts_at AND ends_at > starts_at"
        ).fetchone()[0]
        payments = conn.execute(
            "SELECT COUNT(*) FROM producers WHERE payment_info != ''"
        ).fetchone()
    assert deadlines_before_start == 3 and payments[0] == producers


def _counts(tmp_path: Path) -> tuple[int, ...]:
    with sqlite3.connect(tmp_path / "rekobot.sqlite3") as conn:
        return tuple(
            conn.execute(sql).fetchone()[0]
            for sql in (
                "SELECT COUNT(*) FROM rings WHERE slug = 'nittedal' AND currency = 'NOK' "
                "AND timezone = 'Europe/Oslo'",
                "SELECT COUNT(*) FROM locations WHERE latitude IS NOT NULL",
                "SELECT COUNT(*) FROM pickups",
                "SELECT COUNT(*) FROM producers",
                "SELECT COUNT(*) FROM products WHERE category != ''",
                "SELECT COUNT(*) FROM offers",
                "SELECT COUNT(*) FROM offers WHERE quantity_total IS NOT NULL",
            )
        )


def test_a_copy_of_env_example_is_a_valid_configuration(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(example)
    migrated = rekobot(tmp_path, "migrate")
    running = rekobot(tmp_path, "run")
    assert migrated.returncode == 0, migrated.stderr
    assert "@BotFather" in running.stderr and "Traceback" not in running.stderr
