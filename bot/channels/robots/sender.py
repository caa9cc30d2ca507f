"""What the WeCom and DingTalk robot senders share (the outbox's FoldingSender, bot/outbox/ports.py):

- the robot is looked up when sending (user_key = the department id), so a changed address applies to messages
  already queued, and a robot removed meanwhile makes them undeliverable rather than sent to the old group;
- 20 messages a minute per robot, as both platforms document: one message every `pace` seconds (3.3 s: 10 %
  under the limit, for the clocks of two machines); the worker folds what queued meanwhile into the next one;
- the outcome of the last send is kept for the routing page in words staff understand — never the key, the
  token, the secret or the address (which holds the key), neither there nor in a log or the outbox's last_error.

The pace is kept in this process: `serve --workers N` sends up to N times as fast to one robot (docs/channels.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.robots.render import render
from bot.core.messages import Outbound
from bot.db.base import table_of
from bot.outbox.ports import Paced, RetryLater, Undeliverable
from bot.robots.config import Platform, Robot, robot
from bot.robots.models import DepartmentRobot

log = logging.getLogger(__name__)
robots = table_of(DepartmentRobot)
PER_MINUTE = 20  # both platforms' documented limit for one robot
PACE = 60 / PER_MINUTE * 1.1
FOLD = 30  # notices folded into one message at most (the rest wait for the next; render cuts to the size limit)
NETWORK_RETRY = 30.0


class RobotRefused(RetryLater):
    """The platform did not take the message; `staff_message` says why, for the routing page."""

    def __init__(self, seconds: float, reason: str, staff_message: str) -> None:
        super().__init__(seconds, reason)
        self.staff_message = staff_message


class RobotSender:
    platform: Platform
    pace = PACE
    fold = FOLD

    def __init__(
        self,
        engine: AsyncEngine,
        http: aiohttp.ClientSession,
        api_base: str,
        clock: Callable[[], datetime],
        public_base_url: str = "",
    ) -> None:
        self.channel = self.platform.value
        self._engine = engine
        self._http = http
        self._api_base = api_base.rstrip("/")
        self._clock = clock
        self._base_url = public_base_url
        self._last: dict[str, datetime] = {}  # department id → when its robot was last sent to

    def ready_in(self, user_key: str) -> float:
        last = self._last.get(user_key)
        if last is None:
            return 0.0
        return max(0.0, self.pace - (self._clock() - last).total_seconds())

    async def send(self, user_key: str, message: Outbound) -> None:
        await self.send_folded(user_key, [message])

    async def send_folded(self, user_key: str, messages: list[Outbound]) -> None:
        if not (user_key.isascii() and user_key.isdigit() and len(user_key) < 19):
            raise Undeliverable(f"{self.channel}: not a department id")
        wait = self.ready_in(user_key)
        if wait > 0:
            raise Paced(wait, f"{self.channel}: 20 messages a minute per robot")
        async with self._engine.connect() as conn:
            found = await robot(conn, int(user_key), self.platform)
        if found is None:
            raise Undeliverable(f"{self.channel}: the department has no robot configured (any more)")
        title, text = render(messages, self._base_url)
        self._last[user_key] = self._clock()
        try:
            await self._post(found, title, text)
        except RobotRefused as exc:
            log.warning("%s robot of department %s: %s", self.channel, user_key, exc.reason)
            await self._record(found, exc.staff_message)
            raise
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            reason = f"{self.channel}: network error {type(exc).__name__}"  # not str(exc): it may name the URL
            log.warning("%s robot of department %s: %s", self.channel, user_key, reason)
            await self._record(found, "连接失败（网络或平台暂时不可用），系统会自动重试。")
            raise RetryLater(NETWORK_RETRY, reason) from None
        await self._record(found, None)

    async def _post(self, robot: Robot, title: str, text: str) -> None:
        raise NotImplementedError

    async def _answer(self, response: aiohttp.ClientResponse) -> int:
        """The errcode of the platform's JSON answer (both answer 200 with an errcode); -1 when there is none."""
        if response.status != 200:
            return -1
        data = await response.json(content_type=None)
        code = data.get("errcode") if isinstance(data, dict) else None
        return code if isinstance(code, int) else -1

    async def _record(self, found: Robot, error: str | None) -> None:
        now = self._clock()
        values = (
            {"last_sent_at": now, "last_error": None} if error is None else {"last_error": error, "last_error_at": now}
        )
        async with self._engine.begin() as conn:
            await conn.execute(
                update(robots)
                .where(robots.c.department_id == found.department_id, robots.c.platform == found.platform.value)
                .values(**values)
            )
