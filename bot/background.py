"""The case side's life on the app's cleanup_ctx: the CaseService, routing seeded on first start, the web chat's
outbox sender, and two background loops — the outbox worker and the deadline scheduler — each ticking at its
configured interval (0: off) with the app's injected clock, and cancelled on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot import keys
from bot.cases.routing import ROUTING_FILE, seed_routing_if_empty
from bot.cases.scheduler import Scheduler, TickReport
from bot.cases.service import CaseService
from bot.core.dialogue import Clock
from bot.outbox.web import WebSender
from bot.outbox.worker import OutboxPolicy, OutboxWorker

log = logging.getLogger(__name__)


def setup(app: web.Application, clock: Clock) -> None:
    app.setdefault(keys.SENDERS, {})
    app.cleanup_ctx.append(lambda a: _cases(a, clock))


async def _cases(app: web.Application, clock: Clock) -> AsyncIterator[None]:
    settings, engine, params = app[keys.SETTINGS], app[keys.ENGINE], app[keys.KNOWLEDGE].params
    await seed_routing_if_empty(engine, settings.knowledge_dir / ROUTING_FILE, clock())
    app[keys.CASES] = CaseService(engine, params, clock, app[keys.CALENDAR])
    senders = app.setdefault(keys.SENDERS, {})
    senders.setdefault("web", WebSender(engine, clock))
    policy = OutboxPolicy(
        lease=timedelta(seconds=settings.outbox_lease_seconds), max_attempts=settings.outbox_max_attempts
    )
    metrics = app[keys.METRICS]
    app[keys.OUTBOX] = OutboxWorker(engine, senders, clock, policy, observe=metrics.observe_delivery)
    app[keys.SCHEDULER] = scheduler = Scheduler(
        engine, params, clock, digest_hour=settings.digest_hour, calendar=app[keys.CALENDAR]
    )

    async def scheduler_tick() -> TickReport:
        try:
            report = await scheduler.tick()
        except Exception:
            metrics.observe_scheduler("error")
            raise
        metrics.observe_scheduler("ran" if report.ran else "skipped")
        return report

    tasks = [
        asyncio.create_task(
            every(settings.outbox_interval, app[keys.OUTBOX].tick, "outbox", busy=lambda report: report.total > 0)
        )  # a backlog is drained without pauses
        if settings.outbox_interval > 0
        else None,
        asyncio.create_task(every(settings.scheduler_interval, scheduler_tick, "scheduler"))
        if settings.scheduler_interval > 0
        else None,
    ]
    yield
    for task in tasks:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def every(
    seconds: float, tick: Callable[[], Awaitable[Any]], name: str, busy: Callable[[Any], bool] = lambda result: False
) -> None:
    """Run `tick` now and then every `seconds` — at once again while `busy(result)` says work is waiting; an error
    is logged and the loop goes on."""
    while True:
        result = None
        try:
            result = await tick()
        except Exception:  # noqa: BLE001 - a failing tick must not stop the worker
            log.exception("%s tick failed", name)
        if result is not None and busy(result):
            await asyncio.sleep(0)  # let the rest of the app run between batches
            continue
        await asyncio.sleep(seconds)
