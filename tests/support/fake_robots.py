"""Fake 企业微信 and 钉钉 group-robot servers (aiohttp, free loopback port), following the platforms' documents
(docs/channels.md lists the sources):

- WeCom `POST /cgi-bin/webhook/send?key=KEY`: msgtype text (content ≤ 2048 bytes) or markdown (≤ 4096 bytes);
  more than 20 messages to one robot in any 60 seconds → errcode 45009.
- DingTalk `POST /robot/send?access_token=T[&timestamp=MS&sign=S]`: a robot in signed mode needs `timestamp`
  (milliseconds, within an hour of the server's clock) and `sign` = URL-encoded base64 of HMAC-SHA256 over
  "MS\\nSECRET" keyed with SECRET, else errcode 310000; more than 20 messages in 60 seconds → 130101, and the robot
  stays throttled for 10 minutes.

Both answer HTTP 200 with {"errcode": …, "errmsg": …}. An unknown key / token and a malformed body answer a non-zero
errcode too (the exact numbers for those were not confirmed; the senders treat any non-zero code as a refusal).
Time comes from an injected clock (a FakeClock), so tests move it instead of sleeping. Every call is recorded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Self

from aiohttp import web

PER_MINUTE = 20
WINDOW = timedelta(seconds=60)
UNKNOWN_ROBOT = 93000  # not confirmed for either platform: any non-zero code
BAD_BODY = 40035  # not confirmed: any non-zero code


@dataclass
class RobotMessage:
    robot: str  # the key / access token
    msgtype: str
    text: str  # content (WeCom), or title + "\n" + text (DingTalk)
    at: datetime


@dataclass
class RobotCall:
    robot: str
    query: dict[str, str]
    raw_query: str
    errcode: int
    at: datetime  # when it arrived, accepted or not


@dataclass
class _Robot:
    secret: str | None = None
    sent: deque[datetime] = field(default_factory=deque)  # within the last minute
    throttled_until: datetime | None = None


class _FakeRobotServer:
    path = ""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.robots: dict[str, _Robot] = {}
        self.messages: list[RobotMessage] = []
        self.calls: list[RobotCall] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_post(self.path, self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def texts(self, robot: str) -> list[str]:
        return [m.text for m in self.messages if m.robot == robot]

    def refusals(self, errcode: int) -> int:
        return sum(1 for c in self.calls if c.errcode == errcode)

    def max_per_minute(self, robot: str) -> int:
        """The most messages the robot accepted within any 60 seconds."""
        times = [m.at for m in self.messages if m.robot == robot]
        return max((sum(1 for t in times if start <= t < start + WINDOW) for start in times), default=0)

    def max_calls_per_minute(self, robot: str) -> int:
        """The most requests that reached the robot within any 60 seconds, refused ones included."""
        times = [c.at for c in self.calls if c.robot == robot]
        return max((sum(1 for t in times if start <= t < start + WINDOW) for start in times), default=0)

    def _answer(self, request: web.Request, robot: str, code: int, message: str = "ok") -> web.Response:
        self.calls.append(RobotCall(robot, dict(request.query), request.query_string, code, self.clock()))
        return web.json_response({"errcode": code, "errmsg": message})

    def _take_slot(self, robot: _Robot, now: datetime) -> bool:
        while robot.sent and robot.sent[0] <= now - WINDOW:
            robot.sent.popleft()
        if len(robot.sent) >= PER_MINUTE:
            return False
        robot.sent.append(now)
        return True

    async def _body(self, request: web.Request) -> dict[str, Any] | None:
        try:
            body = json.loads((await request.read()).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return body if isinstance(body, dict) else None

    async def _send(self, request: web.Request) -> web.Response:
        raise NotImplementedError


class FakeWeComRobots(_FakeRobotServer):
    path = "/cgi-bin/webhook/send"

    def add_robot(self, key: str) -> str:
        self.robots[key] = _Robot()
        return f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}"  # what WeCom shows the group owner

    async def _send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        robot = self.robots.get(key)
        if robot is None:
            return self._answer(request, key, UNKNOWN_ROBOT, "invalid webhook url")
        body = await self._body(request)
        msgtype = body.get("msgtype") if body else None
        part = body.get(msgtype) if body and isinstance(msgtype, str) else None
        content = part.get("content") if isinstance(part, dict) else None
        limit = {"text": 2048, "markdown": 4096}.get(msgtype or "")
        if limit is None or not isinstance(content, str) or not content or len(content.encode()) > limit:
            return self._answer(request, key, BAD_BODY, "invalid message")
        now = self.clock()
        if not self._take_slot(robot, now):
            return self._answer(request, key, 45009, "api freq out of limit")
        self.messages.append(RobotMessage(key, msgtype, content, now))  # type: ignore[arg-type]
        return self._answer(request, key, 0)


class FakeDingTalkRobots(_FakeRobotServer):
    path = "/robot/send"
    throttle = timedelta(minutes=10)

    def add_robot(self, token: str, secret: str | None) -> str:
        self.robots[token] = _Robot(secret=secret)
        return f"https://oapi.dingtalk.com/robot/send?access_token={token}"

    @staticmethod
    def expected_sign(timestamp: str, secret: str) -> str:
        mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        return base64.b64encode(mac).decode()

    async def _send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        robot = self.robots.get(token)
        if robot is None:
            return self._answer(request, token, UNKNOWN_ROBOT, "token is not exist")
        now = self.clock()
        if robot.secret is not None and not self._signed(request, robot.secret, now):
            return self._answer(request, token, 310000, "sign not match")
        body = await self._body(request)
        msgtype = body.get("msgtype") if body else None
        part = body.get(msgtype) if body and isinstance(msgtype, str) else None
        if msgtype == "markdown" and isinstance(part, dict) and part.get("title") and part.get("text"):
            text = f"{part['title']}\n{part['text']}"
        elif msgtype == "text" and isinstance(part, dict) and part.get("content"):
            text = str(part["content"])
        else:
            return self._answer(request, token, BAD_BODY, "invalid message")
        if robot.throttled_until is not None and now < robot.throttled_until:
            return self._answer(request, token, 130101, "send too fast")
        if not self._take_slot(robot, now):
            robot.throttled_until = now + self.throttle
            return self._answer(request, token, 130101, "send too fast")
        self.messages.append(RobotMessage(token, msgtype, text, now))
        return self._answer(request, token, 0)

    def _signed(self, request: web.Request, secret: str, now: datetime) -> bool:
        """The raw query must carry the URL-encoded signature: a '+' left unencoded arrives as a space."""
        stamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
        if not stamp.isdigit() or abs(int(stamp) - now.timestamp() * 1000) > 3600 * 1000:
            return False
        return hmac.compare_digest(sign.encode(), self.expected_sign(stamp, secret).encode())
