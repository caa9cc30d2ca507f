"""The robot senders' life on the app: one HTTP session, both senders registered with the outbox (which robots
exist is read from the database when sending, so robots configured later need no restart)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot import keys
from bot.channels.robots.dingtalk import DingTalkSender
from bot.channels.robots.wecom import WeComSender
from bot.core.dialogue import Clock
from bot.db.base import table_of
from bot.robots.models import DepartmentRobot

log = logging.getLogger(__name__)
API_TIMEOUT = aiohttp.ClientTimeout(total=10)
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
        async with aiohttp.ClientSession(timeout=API_TIMEOUT) as http:
            senders = app[keys.SENDERS]
            for sender in (
                WeComSender(app[keys.ENGINE], http, settings.wecom_api_base, clock, settings.public_base_url),
                DingTalkSender(app[keys.ENGINE], http, settings.dingtalk_api_base, clock, settings.public_base_url),
            ):
                senders[sender.channel] = sender
            yield
            for name in ("wecom", "dingtalk"):
                senders.pop(name, None)

    app.cleanup_ctx.append(robot_senders)
