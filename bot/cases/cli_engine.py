"""What every case command of the CLI does around its work: settings from the environment, an engine on the
configured database, the schema brought up to date, the engine disposed afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings


def run_with_engine(work: Callable[[AsyncEngine, Settings], Awaitable[Any]]) -> Any:
    """Run `work(engine, settings)` to completion on a fresh engine and return what it returns."""
    settings = Settings.from_env()
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade

    async def go() -> Any:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await work(engine, settings)
        finally:
            await engine.dispose()

    return asyncio.run(go())
