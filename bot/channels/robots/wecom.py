"""企业微信 group robot: `POST {base}/cgi-bin/webhook/send?key=KEY`, JSON {"msgtype": "markdown", "markdown":
{"content": …}}; the answer {"errcode": 0, "errmsg": "ok"}; 45009 when the robot is over its 20 a minute."""

from __future__ import annotations

from bot.channels.robots.sender import RobotRefused, RobotSender
from bot.robots.config import Platform, Robot

RATE_LIMITED = 45009


class WeComSender(RobotSender):
    platform = Platform.WECOM

    async def _post(self, robot: Robot, title: str, text: str) -> None:
        body = {"msgtype": "markdown", "markdown": {"content": text}}
        async with self._http.post(
            f"{self._api_base}/cgi-bin/webhook/send", params={"key": robot.token}, json=body
        ) as response:
            code = await self._answer(response)
        if code == 0:
            return
        if code == RATE_LIMITED:
            raise RobotRefused(
                60,
                "wecom 45009: over the robot's 20 messages a minute",
                "企业微信限流（每个机器人每分钟 20 条），系统会稍后合并重发。",
            )
        raise RobotRefused(
            300,
            f"wecom errcode {code}",
            f"企业微信未接收消息（错误码 {code}），请核对群机器人的 Webhook 地址。系统会稍后重试。",
        )
