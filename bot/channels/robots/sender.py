"""What the WeCom and DingTalk robot senders share (the outbox's FoldingSender, bot/outbox/ports.py):

- the robot is looked up when sending (user_key = the department id), so a changed address applies to messages
  already queued, and a robot removed meanwhile makes them undeliverable rather than sent to the old group;
- 20 messages a minute per robot, as both platforms document: one message every `pace` seconds (3.3 s: 10 %
  under the limit, for the clocks of two machines); the worker folds what queued meanwhile into the next one;
- with several workers (`serve --workers N` on PostgreSQL) the 20 a minute hold for all of them together: each
  message also holds one of the webhook's 20 leases in the database (`SharedWindow`, bot/db/limits.py, the same
  leases as Telegram's) from before it leaves until 66 s after its answer. A worker that finds all 20 held is
  told `Paced` until the first frees, and the notices queued meanwhile go folded into its next message. The
  leases run on the app's clock (which also times the pace and the outbox): machines keep time to far less than
  the 6 s margin, and tests move it;
- the outcome of the last send is kept for the routing page in words staff understand — never the key, the
  token, the secret or the address (which holds the key), neither there nor in a log or the outbox's last_error.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.robots.render import render
from bot.core.messages import Outbound
from bot.db.base import table_of
from bot.db.limits import SharedWindow
from bot.outbox.ports import Paced, RetryLater, Undeliverable
from bot.robots.config import Platform, Robot, robot
from bot.robots.models import DepartmentRobot

log = logging.getLogger(__name__)
robots = table_of(DepartmentRobot)
PER_MINUTE = 20  # both platforms' documented limit for one robot
PACE = 60 / PER_MINUTE * 1.1
FOLD = 30  # notices folded into one message at most (the rest wait for the next; render cuts to the size limit)
NETWORK_RETRY = 30.0
PERIOD = 60 * 1.1  # a shared lease is held this long after the platform's answer (the same 10 % margin)
API_TIMEOUT = 10.0  # seconds a request may take (bot/channels/robots/channel.py)
LEASE = PERIOD + API_TIMEOUT  # a lease of a worker that died while sending frees itself after this


def shared_key(robot: Robot) -> str:
    """The webhook's key among the shared leases: per robot (two departments may share one), no credential in it."""
    return f"robot:{robot.platform.value}:{hashlib.sha256(robot.token.encode()).hexdigest()[:20]}"


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
        shared: SharedWindow | None = None,
    ) -> None:
        self.channel = self.platform.value
        self._engine = engine
        self._http = http
        self._api_base = api_base.rstrip("/")
        self._clock = clock
        self._base_url = public_base_url
        self._shared = shared  # the webhooks' leases, with several workers (PostgreSQL)
        self._last: dict[str, datetime] = {}  # department id → when its robot was last sent to
        self._full_until: dict[str, datetime] = {}  # department id → when its robot's shared leases free again

    def ready_in(self, user_key: str) -> float:
        now = self._clock()
        wait = 0.0
        full, last = self._full_until.get(user_key), self._last.get(user_key)
        if full is not None:  # the workers together used the robot's minute
            wait = max(wait, (full - now).total_seconds())
        if last is not None:
            wait = max(wait, self.pace - (now - last).total_seconds())
        return wait

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
        lease = await self._lease(user_key, found)
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
        finally:
            await self._give_back(found, lease)
        await self._record(found, None)

    async def _lease(self, user_key: str, found: Robot) -> int | None:
        """One of the webhook's 20 shared leases (None without sharing); Paced while the other workers hold all."""
        if self._shared is None:
            return None
        n, wait = await self._shared.take(shared_key(found), PER_MINUTE)
        if n is not None:
            self._full_until.pop(user_key, None)
            return n
        wait = wait if wait <= PERIOD else self.pace  # all on their way: they answer within the API timeout
        self._full_until[user_key] = self._clock() + timedelta(seconds=wait)
        raise Paced(wait, f"{self.channel}: the robot's 20 messages a minute are used by the workers together")

    async def _give_back(self, found: Robot, lease: int | None) -> None:
        """The lease frees a period after the answer; a failure here must not make a sent message look unsent
        (the outbox would send it again): the lease then frees itself."""
        if self._shared is None or lease is None:
            return
        try:
            await self._shared.give_back(shared_key(found), lease, PERIOD)
        except Exception:  # noqa: BLE001 - logged; this worker's own pace still holds
            log.exception("could not record a %s robot answer in the shared rate leases", self.channel)

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
