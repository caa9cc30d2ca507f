"""/healthz: the process is up, the database answers, and whether the holiday calendar covers the next 120 days."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import text

from bot import keys
from bot.calendar_watch import calendar_state


def setup(app: web.Application, clock: Callable[[], datetime]) -> None:
    async def healthz(request: web.Request) -> web.Response:
        async with request.app[keys.ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
        return web.json_response(
            {
                "status": "ok",
                "pid": os.getpid(),  # which worker answered (serve --workers N)
                "calendar": calendar_state(request.app, clock()),  # "ok" | "missing 2027"
                "topics": len(request.app[keys.KNOWLEDGE].topics),
            }
        )

    app.router.add_get("/healthz", healthz)
