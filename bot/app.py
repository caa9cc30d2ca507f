"""`create_app(settings)`: the one place where the application is wired."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import background, calendar_watch, keys, media, staff
from bot.channels.robots import channel as robots_channel
from bot.channels.wechat import wiring as wechat_channel
from bot.core.dialogue import Clock, utc_now
from bot.db.checkpoint import WalPolicy, WriteGate, background_checkpoints
from bot.db.engine import make_engine, sqlite_file
from bot.db.migrate import upgrade
from bot.db.retention import RetentionPolicy, prune
from bot.dialogue_wiring import dialogue_service
from bot.households.binding_desk import BindingRules
from bot.logs import request_id_middleware
from bot.metrics import Metrics
from bot.settings import Settings
from bot.web import calc, chat, chat_media, chat_results, chat_updates, errors, health, metrics, results, server, stats
from knowledge.base import KnowledgeBase, load_knowledge

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, clock: Clock = utc_now, knowledge: KnowledgeBase | None = None) -> web.Application:
    """The whole application; tests pass a clock and a knowledge base already loaded."""
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[
            request_id_middleware,
            metrics.http_middleware,
            errors.error_middleware,
            server.body_deadline(settings.body_timeout),
        ],
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()  # one registry per app: counters start at zero for every app a test makes
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    calendar_watch.setup(app, clock)  # the holiday file: deadlines, the start-up warning, the staff banner
    if knowledge is None:
        app.cleanup_ctx.append(_knowledge)
    else:
        app[keys.KNOWLEDGE] = knowledge
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(lambda a: _dialogue(a, clock))
    app.cleanup_ctx.append(lambda a: _retention(a, clock))
    background.setup(app, clock)  # case service, outbox worker, deadline scheduler
    health.setup(app, clock)
    metrics.setup(app, clock)  # /metrics: Prometheus, token or loopback only
    media.setup(app, clock)  # attachments and speech-to-text, for the channels below
    chat.setup(app)
    chat_media.setup(app)  # the web chat's photos and voice
    calc.setup(app, clock)
    chat_updates.setup(app)
    results.setup(app, clock)  # a project's published per-household results (条例第二十九条), for its residents
    chat_results.setup(app)  # the web chat's link to them, for a bound resident
    if settings.telegram_token:  # python-telegram-bot is imported only when a bot is configured (start-up time)
        from bot.channels.telegram import wiring as telegram_channel

        telegram_channel.setup(app, clock)  # residents, and staff in department groups
    wechat_channel.setup(app, clock)
    robots_channel.setup(app, clock)  # department WeCom / DingTalk group robots
    staff.setup(app, clock)  # the staff dashboard at /staff
    stats.setup(app, clock)  # public figures at /stats
    app.router.add_static("/static", STATIC, name="static")
    return app


async def _knowledge(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    app[keys.KNOWLEDGE] = await asyncio.to_thread(
        load_knowledge, s.knowledge_dir, s.cache_dir, s.match_threshold, s.match_margin
    )
    yield


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    url = settings.database_url
    file = sqlite_file(url)
    wal = WalPolicy(limit_bytes=settings.sqlite_wal_limit_mb * 1024 * 1024)
    gate = WriteGate()  # SQLite: the checkpoints hold new transactions back here while they cut the log back
    engine = make_engine(url, checkpoint_elsewhere=file is not None, write_gate=gate, wal_limit_bytes=wal.limit_bytes)
    await upgrade(engine)
    app[keys.ENGINE] = engine
    async with background_checkpoints(file, gate=gate, policy=wal) if file is not None else contextlib.nullcontext():
        yield
    await engine.dispose()


async def _dialogue(app: web.Application, clock: Clock) -> AsyncIterator[None]:
    app[keys.DIALOGUE] = dialogue_service(
        app[keys.ENGINE],
        app[keys.KNOWLEDGE],
        clock,
        app[keys.CALENDAR],
        observe=app[keys.METRICS].observe_turn,
        cases_per_day=app[keys.SETTINGS].cases_per_day,
        binding=BindingRules.from_settings(app[keys.SETTINGS]),
    )
    yield
    await app[keys.DIALOGUE].close()


async def _retention(app: web.Application, clock: Clock) -> AsyncIterator[None]:
    """Old messages, old processed ids and surplus unanswered questions pruned every `retention_interval` s."""
    s = app[keys.SETTINGS]
    policy = RetentionPolicy(message_log_days=s.message_log_days, processed_days=s.processed_days, gaps_max=s.gaps_max)

    async def pruning() -> None:
        await background.every(s.retention_interval, lambda: prune(app[keys.ENGINE], clock(), policy), "retention")

    task = asyncio.create_task(pruning(), name="retention") if s.retention_interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
