"""Persistence: one SQLite file through aiosqlite, numbered migrations and repositories."""
