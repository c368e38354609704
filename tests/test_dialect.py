"""The rewrites that let one set of SQLite-spelled statements run on PostgreSQL.

These run without a server: they pin the text each rewrite produces. The whole suite on
PostgreSQL (``REKOBOT_TEST_POSTGRES``) is what proves the rewritten statements mean the same.
"""

from __future__ import annotations

import pytest

from storage.dialect import UnsupportedStatement, postgres


def test_placeholders_are_numbered_outside_quotes_and_casts() -> None:
    text, args = postgres("SELECT ?, '?', x::text FROM t WHERE a = ? AND b = 'it''s ?'", (1, 2))

    assert text == "SELECT $1, '?', x::text FROM t WHERE a = $2 AND b = 'it''s ?'"
    assert args == [1, 2]


def test_a_named_parameter_used_twice_is_one_number() -> None:
    text, args = postgres(
        "SELECT * FROM p WHERE ring_id = :ring AND starts_at > :now OR owner = :ring",
        {"now": "2026-12-01", "ring": 7},
    )

    assert text == "SELECT * FROM p WHERE ring_id = $1 AND starts_at > $2 OR owner = $1"
    assert args == [7, "2026-12-01"]


def test_insert_or_ignore_becomes_on_conflict_do_nothing_before_returning() -> None:
    plain, _ = postgres("INSERT OR IGNORE INTO follows (a, b) VALUES (?, ?)", (1, 2))
    returning, _ = postgres("INSERT OR IGNORE INTO users (id) VALUES (?) RETURNING id;", (1,))

    assert plain == "INSERT INTO follows (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    assert returning == "INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"


def test_null_safe_comparisons_become_distinct_from() -> None:
    text, _ = postgres("SELECT 1 FROM r WHERE id IS NOT ? AND x IS ? AND y IS NULL", (1, 2))

    assert text == (
        "SELECT 1 FROM r WHERE id IS DISTINCT FROM $1 AND x IS NOT DISTINCT FROM $2 "
        "AND y IS NULL"
    )


def test_like_ignores_case_as_it_does_in_sqlite() -> None:
    text, args = postgres("SELECT 1 FROM u WHERE name LIKE :like ESCAPE '\\'", {"like": "%a%"})

    assert text == "SELECT 1 FROM u WHERE name ILIKE $1 ESCAPE '\\'"
    assert args == ["%a%"]


def test_scalar_max_and_min_become_greatest_and_least_but_aggregates_stay() -> None:
    text, _ = postgres(
        "UPDATE o SET r = MAX(r - ?, 0), s = MIN(MAX(s, ?), 9) WHERE n = (SELECT MAX(n) FROM o)",
        (1, 2),
    )

    assert text == (
        "UPDATE o SET r = GREATEST(r - $1, 0), s = LEAST(GREATEST(s, $2), 9) "
        "WHERE n = (SELECT MAX(n) FROM o)"
    )


def test_a_unary_plus_that_steers_sqlite_s_planner_is_dropped() -> None:
    text, _ = postgres("UPDATE d SET s = 'x' WHERE k >= ? AND +status = 'pending'", (1,))

    assert text == "UPDATE d SET s = 'x' WHERE k >= $1 AND status = 'pending'"


def test_a_json_list_of_ids_becomes_a_set_of_bigints() -> None:
    text, _ = postgres("SELECT * FROM p WHERE p.id IN (SELECT value FROM json_each(?))", ("[1]",))

    assert text == (
        "SELECT * FROM p WHERE p.id IN (SELECT CAST(value AS BIGINT) FROM "
        "json_array_elements_text(CAST($1 AS json)) AS value)"
    )


def test_statements_with_no_rewrite_are_refused_not_guessed() -> None:
    with pytest.raises(UnsupportedStatement):
        postgres("INSERT OR REPLACE INTO t (a) VALUES (?)", (1,))
    with pytest.raises(UnsupportedStatement):
        postgres("SELECT * FROM t WHERE a = ? AND b = :b", (1,))
    with pytest.raises(UnsupportedStatement):
        postgres("SELECT * FROM t WHERE a = :a", (1,))


def test_a_nul_in_a_text_parameter_is_dropped_as_postgresql_cannot_hold_it() -> None:
    _, args = postgres("SELECT 1 FROM rings WHERE slug = ? AND id = ?", ("test\x00by", 3))
    _, named = postgres("SELECT 1 FROM rings WHERE slug = :slug", {"slug": "\x00"})

    assert args == ["testby", 3]
    assert named == [""]
