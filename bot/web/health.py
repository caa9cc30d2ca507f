"""/healthz: the process is up and the database answers."""

from __future__ import annotations

import os

from aiohttp import web
from sqlalchemy import text

from bot import keys


async def healthz(request: web.Request) -> web.Response:
    async with request.app[keys.ENGINE].connect() as conn:
        await conn.execute(text("SELECT 1"))
    return web.json_response({"status": "ok", "topics": len(request.app[keys.KNOWLEDGE].topics),
                              "pid": os.getpid()})


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
