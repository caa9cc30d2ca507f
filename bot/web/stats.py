"""/stats: public figures of the case queue — cases by type, category and status, on-time 签收 and 办结 rates, and
satisfaction — as tables and inline-SVG bar charts. Counts only, never a case's number, text, name or phone.
Below them, for each project whose signing progress the county has published (阳光征收; bot/households/progress.py):
households, signed, 选房 done and moved per district, and the cumulative signed by day, as tables and charts.
Each is computed at most once per `CACHE_FOR` (the aggregate queries scan the cases and households tables)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.cases.figures import PublicFigures, public_figures
from bot.households.progress import ProjectProgress, published_progress
from bot.web import filters
from bot.web.charts import bar_chart, column_chart, percent_chart
from bot.web.results import RESULTS

T = TypeVar("T")

CACHE_FOR = timedelta(seconds=60)
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class Cached(Generic[T]):
    """The latest value of `compute(now)`, computed again when older than `ttl` (one computation at a time)."""

    def __init__(
        self, compute: Callable[[datetime], Awaitable[T]], clock: Callable[[], datetime], ttl: timedelta = CACHE_FOR
    ) -> None:
        self._compute = compute
        self._clock = clock
        self._ttl = ttl
        self._value: tuple[datetime, T] | None = None
        self._lock = asyncio.Lock()

    def _fresh(self, now: datetime) -> T | None:
        found = self._value
        return found[1] if found is not None and found[0] <= now < found[0] + self._ttl else None

    async def get(self) -> T:
        found = self._fresh(self._clock())
        if found is not None:
            return found
        async with self._lock:
            now = self._clock()
            found = self._fresh(now)
            if found is None:
                found = await self._compute(now)
                self._value = (now, found)
            return found

    def forget(self) -> None:
        """The next `get` computes afresh (what is published has just changed)."""
        self._value = None


STATS = web.AppKey("stats_cache", Cached[PublicFigures])
PROGRESS = web.AppKey("progress_cache", Cached[tuple[ProjectProgress, ...]])


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
    progress = [(p, progress_charts(p)) for p in await request.app[PROGRESS].get()]
    response = aiohttp_jinja2.render_template(
        "stats.html", request, {"figures": figures, "charts": charts, "county": county, "progress": progress}
    )
    response.headers["Cache-Control"] = f"public, max-age={int(CACHE_FOR.total_seconds())}"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def progress_charts(found: ProjectProgress) -> dict[str, Any]:
    """A project's signing progress: the share signed per district, and the households signed by each day."""
    districts = found.progress.districts
    total = found.progress.total
    return {
        "districts": bar_chart(  # a plain bar: a signing rate is progress, not a grade (no red, no green)
            "各片区签约率",
            [
                (d.name, 100 * d.signed / d.households, f"{100 * d.signed / d.households:.1f}%")
                if d.households
                else (d.name, 0.0, "—")
                for d in districts
            ],
            scale_max=100.0,
        ),
        "days": column_chart(
            "累计签约户数（按日）",
            [(f"{d.day.month}/{d.day.day}", d.cumulative, f"{d.cumulative} 户") for d in found.progress.days],
            reference=("总户数", total.households) if total.households else None,
        ),
    }


def setup(app: web.Application, clock: Callable[[], datetime]) -> None:
    filters.install(aiohttp_jinja2.get_env(app))

    async def cache(app: web.Application) -> AsyncIterator[None]:
        engine = app[keys.ENGINE]
        app[STATS] = Cached(lambda now: public_figures(engine, now), clock)
        app[PROGRESS] = Cached(
            lambda now: published_progress(engine, app[RESULTS].projects, app[keys.KNOWLEDGE].params, now), clock
        )
        yield

    app.cleanup_ctx.append(cache)
    app.router.add_get("/stats", stats_page, name="stats")
