"""Setting, clearing and showing a department's group robots.

What staff paste is what the platforms show them: the WeCom robot's webhook address (…/cgi-bin/webhook/send?key=…),
the DingTalk robot's webhook address (…/robot/send?access_token=…) and, for DingTalk's signed mode, the secret
beginning with "SEC". Only the key / access token and the secret are kept; the address is built from the
configured API base when sending (tests point it at the fakes). Shown back only as their last four characters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.db.upsert import upsert
from bot.robots.models import DepartmentRobot

robots = table_of(DepartmentRobot)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,200}")
_SECRET = re.compile(r"SEC[A-Za-z0-9]{8,197}")


class Platform(StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"


PLATFORM_LABELS = {Platform.WECOM: "企业微信群机器人", Platform.DINGTALK: "钉钉群机器人"}


class InvalidRobot(ValueError):
    """What was pasted is not a robot's webhook address or secret; the message says what to paste."""


@dataclass(frozen=True)
class Robot:
    department_id: int
    platform: Platform
    token: str
    secret: str | None = None

    def __repr__(self) -> str:  # credentials never reach a log through a repr
        return f"Robot(department_id={self.department_id}, platform={self.platform.value}, token={mask(self.token)})"


def mask(value: str) -> str:
    """How a credential is shown: its last four characters."""
    return f"…{value[-4:]}" if len(value) > 8 else "…"


def parse_wecom(text: str) -> str:
    """The key of a WeCom robot from its webhook address (or the bare key)."""
    return _token(
        text,
        "/cgi-bin/webhook/send",
        "key",
        "请粘贴企业微信群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）。",
    )


def parse_dingtalk(text: str, secret: str) -> tuple[str, str | None]:
    """The access token of a DingTalk robot from its webhook address (or the bare token), and its signing secret."""
    token = _token(
        text,
        "/robot/send",
        "access_token",
        "请粘贴钉钉群机器人的 Webhook 地址（https://oapi.dingtalk.com/robot/send?access_token=…）。",
    )
    secret = secret.strip()
    if secret and not _SECRET.fullmatch(secret):
        raise InvalidRobot("加签密钥应是机器人安全设置里“加签”下以 SEC 开头的字符串。")
    return token, secret or None


def _token(text: str, path: str, param: str, hint: str) -> str:
    text = text.strip()
    if _TOKEN.fullmatch(text):
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.path.rstrip("/").endswith(path):
        raise InvalidRobot(hint)
    values = parse_qs(parts.query).get(param, [])
    if len(values) != 1 or not _TOKEN.fullmatch(values[0]):
        raise InvalidRobot(hint)
    return values[0]


async def set_robot(
    conn: AsyncConnection, department_id: int, platform: Platform, token: str, secret: str | None, now: datetime
) -> None:
    values = {
        "department_id": department_id,
        "platform": platform.value,
        "token": token,
        "secret": secret,
        "updated_at": now,
    }
    await upsert(
        conn, robots, values, ("department_id", "platform"), {"token": token, "secret": secret, "updated_at": now}
    )


async def clear_robot(conn: AsyncConnection, department_id: int, platform: Platform) -> bool:
    result = await conn.execute(
        delete(robots).where(robots.c.department_id == department_id, robots.c.platform == platform.value)
    )
    return result.rowcount > 0


async def robots_of(conn: AsyncConnection, department_id: int) -> list[Robot]:
    rows = await conn.execute(select(robots).where(robots.c.department_id == department_id).order_by(robots.c.platform))
    return [Robot(r.department_id, Platform(r.platform), r.token, r.secret) for r in rows]


async def robot(conn: AsyncConnection, department_id: int, platform: Platform) -> Robot | None:
    row = (
        await conn.execute(
            select(robots).where(robots.c.department_id == department_id, robots.c.platform == platform.value)
        )
    ).first()
    return Robot(row.department_id, Platform(row.platform), row.token, row.secret) if row is not None else None


async def all_robots(conn: AsyncConnection) -> dict[int, dict[Platform, Robot]]:
    """Every configured robot, by department."""
    found: dict[int, dict[Platform, Robot]] = {}
    for r in await conn.execute(select(robots)):
        found.setdefault(r.department_id, {})[Platform(r.platform)] = Robot(
            r.department_id, Platform(r.platform), r.token, r.secret
        )
    return found
