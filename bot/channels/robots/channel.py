"""The robot senders' life on the app: one HTTP session, both senders registered with the outbox (which robots
exist is read from the database when sending, so robots configured later need no restart), and on PostgreSQL the
webhooks' leases every worker shares (the 20 messages a minute hold for `serve --workers N` together)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot import keys
from bot.channels.robots.dingtalk import DingTalkSender
from bot.channels.robots.sender import API_TIMEOUT, LEASE
from bot.channels.robots.wecom import WeComSender
from bot.core.dialogue import Clock
from bot.db.base import table_of
from bot.db.limits import SharedWindow, shares_limits
from bot.robots.models import DepartmentRobot

log = logging.getLogger(__name__)
robots = table_of(DepartmentRobot)


def setup(app: web.Application, clock: Clock) -> None:
    app.setdefault(keys.SENDERS, {})

    async def robot_senders(app: web.Application) -> AsyncIterator[None]:
        settings = app[keys.SETTINGS]
        if not settings.public_base_url:
            async with app[keys.ENGINE].connect() as conn:
                configured = await conn.scalar(select(func.count()).select_from(robots))
            if configured:
                log.warning(
                    "ANJU_PUBLIC_BASE_URL is not set: WeCom / DingTalk robot posts go out without a link "
                    "to the case on the dashboard"
                )
        engine = app[keys.ENGINE]
        # the leases on the app's clock, as the robots' pace and the outbox's waits (bot/channels/robots/sender.py)
        shared = SharedWindow(engine, LEASE, lambda: clock().timestamp()) if shares_limits(engine) else None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT)) as http:
            senders = app[keys.SENDERS]
            for sender in (
                WeComSender(engine, http, settings.wecom_api_base, clock, settings.public_base_url, shared),
                DingTalkSender(engine, http, settings.dingtalk_api_base, clock, settings.public_base_url, shared),
            ):
                senders[sender.channel] = sender
            yield
            for name in ("wecom", "dingtalk"):
                senders.pop(name, None)

    app.cleanup_ctx.append(robot_senders)
