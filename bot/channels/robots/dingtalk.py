"""钉钉 custom robot in signed mode: `POST {base}/robot/send?access_token=T&timestamp=MS&sign=S`, where S is the
base64 of HMAC-SHA256 over "MS\\nSECRET" keyed with SECRET, URL-encoded; MS is milliseconds, within an hour of
DingTalk's clock. JSON {"msgtype": "markdown", "markdown": {"title": …, "text": …}}; the answer {"errcode": 0};
310000 when the signature (or keyword / IP setting) is not accepted, 130101 when sending too fast (20 a minute;
beyond it the robot is throttled for 10 minutes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, quote_plus

from yarl import URL

from bot.channels.robots.sender import RobotRefused, RobotSender
from bot.robots.config import Platform, Robot

BAD_SIGNATURE = 310000
TOO_FAST = 130101
THROTTLE_SECONDS = 600


def signature(timestamp_ms: str, secret: str) -> str:
    """The `sign` parameter before URL encoding."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class DingTalkSender(RobotSender):
    platform = Platform.DINGTALK

    async def _post(self, robot: Robot, title: str, text: str) -> None:
        query = f"access_token={quote(robot.token, safe='')}"
        if robot.secret:
            stamp = str(int(self._clock().timestamp() * 1000))
            query += f"&timestamp={stamp}&sign={quote_plus(signature(stamp, robot.secret))}"
        url = URL(f"{self._api_base}/robot/send?{query}", encoded=True)
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        async with self._http.post(url, json=body) as response:
            code = await self._answer(response)
        if code == 0:
            return
        if code == TOO_FAST:
            raise RobotRefused(
                THROTTLE_SECONDS,
                "dingtalk 130101: sending too fast",
                "钉钉限流（每个机器人每分钟 20 条，超过后限流 10 分钟），系统会稍后合并重发。",
            )
        if code == BAD_SIGNATURE:
            raise RobotRefused(
                THROTTLE_SECONDS,
                "dingtalk 310000: signature, keyword or IP not accepted",
                "钉钉拒绝了这条消息（310000）：请核对加签密钥，以及机器人安全设置里的关键词和 IP。",
            )
        raise RobotRefused(
            300,
            f"dingtalk errcode {code}",
            f"钉钉未接收消息（错误码 {code}），请核对群机器人的 Webhook 地址。系统会稍后重试。",
        )
