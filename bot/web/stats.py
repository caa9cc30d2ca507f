"""/stats: public figures of the case queue — cases by type, category and status, on-time 签收 and 办结 rates, and
satisfaction — as tables and inline-SVG bar charts. Counts only, never a case's number, text, name or phone.
The figures are computed at most once per `CACHE_FOR` (the aggregate queries scan the cases table)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.cases.figures import PublicFigures, public_figures
from bot.web import filters
from bot.web.charts import bar_chart, percent_chart

CACHE_FOR = timedelta(seconds=60)
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class FiguresCache:
    """The latest PublicFigures, recomputed when older than `ttl` (one computation at a time)."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime], ttl: timedelta = CACHE_FOR) -> None:
        self._engine = engine
        self._clock = clock
        self._ttl = ttl
        self._figures: PublicFigures | None = None
        self._lock = asyncio.Lock()

    def _fresh(self, now: datetime) -> bool:
        f = self._figures
        return f is not None and f.computed_at <= now < f.computed_at + self._ttl

    async def get(self) -> PublicFigures:
        if self._fresh(self._clock()):
            assert self._figures is not None
            return self._figures
        async with self._lock:
            now = self._clock()
            if not self._fresh(now):
                self._figures = await public_figures(self._engine, now)
            assert self._figures is not None
            return self._figures


STATS = web.AppKey("stats_cache", FiguresCache)


async def stats_page(request: web.Request) -> web.Response:
    figures = await request.app[STATS].get()
    charts = {
        "category": bar_chart("按诉求类别（件）", [(c.label, c.count, str(c.count)) for c in figures.by_category]),
        "status": bar_chart("按办理状态（件）", [(c.label, c.count, str(c.count)) for c in figures.by_status]),
        "rates": percent_chart(
            "办理时效与满意度",
            [
                ("按时签收率", figures.sign_for.percent),
                ("按时办结率", figures.closure.percent),
                ("满意率", figures.satisfaction.percent),
            ],
        ),
        "ratings": bar_chart(
            "居民评价（次）",
            [(c.label, c.count, str(c.count), "bad" if c.key == "1" else "good") for c in figures.ratings],
        ),
    }
    county = request.app[keys.KNOWLEDGE].params.get("county", "")
    response = aiohttp_jinja2.render_template(
        "stats.html", request, {"figures": figures, "charts": charts, "county": county}
    )
    response.headers["Cache-Control"] = f"public, max-age={int(CACHE_FOR.total_seconds())}"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def setup(app: web.Application, clock: Callable[[], datetime]) -> None:
    filters.install(aiohttp_jinja2.get_env(app))

    async def cache(app: web.Application) -> AsyncIterator[None]:
        app[STATS] = FiguresCache(app[keys.ENGINE], clock)
        yield

    app.cleanup_ctx.append(cache)
    app.router.add_get("/stats", stats_page, name="stats")
