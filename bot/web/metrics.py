"""`GET /metrics`: this process's counters (bot/metrics.py; all workers' under PROMETHEUS_MULTIPROC_DIR) and the
database's state in the Prometheus text format, and the middleware that counts and times every request.

Access (`metrics_allowed`): with ANJU_METRICS_TOKEN set only `Authorization: Bearer <token>` (compared in constant
time); without it only clients on the loopback interface that did not come through a proxy."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from aiohttp import web
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from bot import keys
from bot.calendar_watch import calendar_state
from bot.cases.models import Case
from bot.cases.vocabulary import OPEN_STATUSES
from bot.cases.workdays import local_day
from bot.db.base import table_of
from bot.outbox.enqueue import OutboxStatus
from bot.outbox.models import OutboxMessage

PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
cases = table_of(Case)
outbox = table_of(OutboxMessage)


async def database_state(app: web.Application, now: datetime) -> list[Metric]:
    """Cases by state, overdue cases, outbox depth and age, the calendar: what every worker sees alike."""
    by_status = GaugeMetricFamily("anju_cases", "Cases in the database, by state", labels=["status"])
    overdue = GaugeMetricFamily("anju_cases_overdue", "Open cases past their earliest deadline")
    depth = GaugeMetricFamily(
        "anju_outbox_depth", "Outbox messages waiting to be sent (pending or sending)", labels=["channel"]
    )
    oldest = GaugeMetricFamily(
        "anju_outbox_oldest_age_seconds", "Age of the oldest message waiting in the outbox", labels=["channel"]
    )
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    async with app[keys.ENGINE].connect() as conn:
        for status, count in await conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)):
            by_status.add_metric([status], count)
        overdue.add_metric(
            [],
            await conn.scalar(
                select(func.count())
                .select_from(cases)
                .where(cases.c.status.in_(sorted(OPEN_STATUSES)), cases.c.next_due < now)
            )
            or 0,
        )
        rows = await conn.execute(
            select(outbox.c.channel, func.count(), func.min(outbox.c.created_at))
            .where(outbox.c.status.in_(waiting))
            .group_by(outbox.c.channel)
        )
        for channel, count, first in rows:
            depth.add_metric([channel], count)
            oldest.add_metric([channel], max((now - first).total_seconds(), 0.0) if first is not None else 0.0)
    calendar = app[keys.CALENDAR]
    state = calendar_state(app, now)
    covered = GaugeMetricFamily(
        "anju_calendar_ok",
        "1 when official holiday data covers the next 120 days; labels name the gap",
        labels=["state"],
    )
    covered.add_metric([state], 1.0 if state == "ok" else 0.0)
    uncovered = GaugeMetricFamily(
        "anju_calendar_uncovered_days", "Days of the next 120 without official holiday data (counted Monday to Friday)"
    )
    uncovered.add_metric([], len(calendar.uncovered_days(local_day(now))))
    return [by_status, overdue, depth, oldest, covered, uncovered]


def metrics_allowed(remote: str | None, headers: Mapping[str, str], token: str) -> int | None:
    """None when the caller may read /metrics, else the HTTP status to refuse it with."""
    if token:
        given = headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())
        return None if ok else 401
    if any(h in headers for h in PROXY_HEADERS):  # through a reverse proxy: the real client is somewhere else
        return 403
    try:
        return None if remote is not None and ipaddress.ip_address(remote).is_loopback else 403
    except ValueError:  # a Unix socket or something odd: not known to be local
        return 403


def setup(app: web.Application, clock: Callable[[], datetime]) -> None:
    async def scrape(request: web.Request) -> web.Response:
        refused = metrics_allowed(request.remote, request.headers, request.app[keys.SETTINGS].metrics_token)
        if refused == 401:
            raise web.HTTPUnauthorized(
                text="需要 Authorization: Bearer <ANJU_METRICS_TOKEN>\n",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        if refused is not None:
            raise web.HTTPForbidden(text="/metrics 只对本机开放（或设置 ANJU_METRICS_TOKEN）\n")
        state = await database_state(request.app, clock())
        body = generate_latest(request.app[keys.METRICS].exposition_registry(state))
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", scrape)


@web.middleware
async def http_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Count and time every request by its route's pattern (`/staff/cases/{number}`, not each number)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"  # labels stay few whatever is sent
        request.app[keys.METRICS].observe_request(route, method, status, time.perf_counter() - started)
