"""Test databases: a SQLite file per test, and — when ANJU_TEST_POSTGRES_URL is set — one PostgreSQL
database per test run (created at start, dropped at the end) whose schema is reset before each test."""

from __future__ import annotations

import os
import uuid

import asyncpg

POSTGRES_ENV = "ANJU_TEST_POSTGRES_URL"


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://").replace("postgres://", "postgresql://")


def _with_database(url: str, name: str) -> str:
    base, _, _ = _asyncpg_dsn(url).rpartition("/")
    return f"{base}/{name}"


async def create_run_database(server_url: str) -> str:
    """Create `anju_test_<random>` and return its URL."""
    name = f"anju_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_with_database(server_url, "postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(server_url, name)


async def drop_run_database(server_url: str, database_url: str) -> None:
    name = database_url.rpartition("/")[2]
    conn = await asyncpg.connect(_with_database(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def reset_schema(database_url: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
