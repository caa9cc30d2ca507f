"""Shared fixtures: databases on SQLite and (when configured) PostgreSQL, the knowledge base, the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.core.dialogue import DialogueService
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.dialogue_wiring import dialogue_service
from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from knowledge.base import KnowledgeBase, load_knowledge
from tests.support import databases
from tests.support.browser import chromium
from tests.support.clock import FakeClock
from tests.support.network import install_guard
from tests.support.transcript import ChatSession

CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "cache"


def pytest_configure(config: pytest.Config) -> None:
    install_guard()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that needs a database runs on SQLite, and on PostgreSQL when ANJU_TEST_POSTGRES_URL is set;
    a test marked `postgres` runs on PostgreSQL only (and is skipped without it)."""
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgres"] if databases.postgres_server_url() else [])
        if metafunc.definition.get_closest_marker("postgres") is not None:
            backends = [b for b in backends if b == "postgres"]
            if not backends:
                metafunc.parametrize(
                    "db_backend",
                    [
                        pytest.param(
                            "postgres",
                            marks=pytest.mark.skip(reason="set ANJU_TEST_POSTGRES_URL to run PostgreSQL-only tests"),
                        )
                    ],
                    indirect=True,
                )
                return
        metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def postgres_run_database() -> Iterator[str | None]:
    server = databases.postgres_server_url()
    if server is None:
        yield None
        return
    url = asyncio.run(databases.create_run_database(server))
    yield url
    asyncio.run(databases.drop_run_database(server, url))


@pytest.fixture
async def database_url(db_backend: str, tmp_path: Path, postgres_run_database: str | None) -> str:
    if db_backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}"
    assert postgres_run_database is not None
    await databases.reset_schema(postgres_run_database)
    return postgres_run_database


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    defaults = Settings()
    return load_knowledge(DEFAULT_KNOWLEDGE_DIR, CACHE_DIR, defaults.match_threshold, defaults.match_margin)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # background workers off: tests drive the outbox worker and the scheduler by hand with the fake clock;
    # photos go to the test's own directory
    return Settings(
        database_url=database_url,
        cache_dir=CACHE_DIR,
        outbox_interval=0,
        scheduler_interval=0,
        attachments_dir=tmp_path / "attachments",
        attachment_retry_interval=0,
    )


@pytest.fixture
async def dialogue(engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock) -> AsyncIterator[DialogueService]:
    service = dialogue_service(engine, kb, clock)
    yield service
    await service.close()


@pytest.fixture
async def client(aiohttp_client, settings: Settings, kb: KnowledgeBase, clock: FakeClock):  # noqa: ANN001, ANN201
    return await aiohttp_client(create_app(settings, clock=clock, knowledge=kb))


@pytest.fixture
def chat(client) -> ChatSession:  # noqa: ANN001
    return ChatSession(client)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium for one browser test (skipped where it is not installed)."""
    async with chromium() as launched:
        yield launched
