"""The robots section of the routing page (/staff/routing, admins): each department's 企业微信 / 钉钉 group robot —
set by pasting the webhook address (and DingTalk's 加签 secret), removed with one button, shown back only as the
last four characters, with the outcome of the robot's last message in words (bot/channels/robots/sender.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from bot import keys
from bot.cases.errors import InvalidInput, NotFound
from bot.cases.workdays import format_moment
from bot.db.base import table_of
from bot.robots.config import (
    PLATFORM_LABELS,
    InvalidRobot,
    Platform,
    all_robots,
    clear_robot,
    mask,
    parse_dingtalk,
    parse_wecom,
    set_robot,
)
from bot.robots.models import DepartmentRobot
from bot.staff.context import Desk, Form, see_other
from bot.staff.state import STAFF

log = logging.getLogger(__name__)
robot_rows = table_of(DepartmentRobot)
DONE = {"robot_saved": "群机器人已保存，之后的通知会发到该群。", "robot_cleared": "群机器人已移除。"}
MAX_FIELD = 500


@dataclass(frozen=True)
class RobotState:
    label: str  # "已配置（…a5aa）"
    signed: bool
    last_sent: str
    last_error: str


async def robot_rows_for_page(request: web.Request, departments: list[Any]) -> list[dict[str, Any]]:
    """One row per department: its robots as the page shows them (never the credentials)."""
    from sqlalchemy import select

    engine = request.app[keys.ENGINE]
    async with engine.connect() as conn:
        configured = await all_robots(conn)
        status = {
            (r.department_id, r.platform): r
            for r in await conn.execute(
                select(
                    robot_rows.c.department_id,
                    robot_rows.c.platform,
                    robot_rows.c.last_sent_at,
                    robot_rows.c.last_error,
                    robot_rows.c.last_error_at,
                )
            )
        }
    rows = []
    for d in departments:
        states = {}
        for platform, found in configured.get(d.id, {}).items():
            s = status.get((d.id, platform.value))
            states[platform.value] = RobotState(
                label=f"已配置（尾号 {mask(found.token)}）",
                signed=bool(found.secret),
                last_sent=_moment(s.last_sent_at) if s is not None else "",
                last_error=f"{_moment(s.last_error_at)}：{s.last_error}" if s is not None and s.last_error else "",
            )
        rows.append({"id": d.id, "name": d.name, "robots": states})
    return rows


def _moment(at: datetime | None) -> str:
    return format_moment(at) if at is not None else ""


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""


async def _department(desk: Desk, form: Form) -> Any:
    raw = _field(form, "department")
    for d in await desk.service.departments():
        if str(d.id) == raw:
            return d
    raise InvalidInput("请选择单位。")


def _platform(form: Form) -> Platform:
    try:
        return Platform(_field(form, "platform"))
    except ValueError:
        raise InvalidInput("请选择企业微信或钉钉。") from None


async def save_robot(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    """Set a department's robot from the pasted webhook address (and secret)."""
    department = await _department(desk, form)
    platform = _platform(form)
    try:
        if platform is Platform.WECOM:
            token, secret = parse_wecom(_field(form, "webhook")), None
        else:
            token, secret = parse_dingtalk(_field(form, "webhook"), _field(form, "secret"))
    except InvalidRobot as exc:
        raise InvalidInput(str(exc)) from None
    async with request.app[keys.ENGINE].begin() as conn:
        await set_robot(conn, department.id, platform, token, secret, request.app[STAFF].clock())
    log.info("staff %s set the %s robot of department %s", desk.viewer.id, platform.value, department.code)
    return see_other("/staff/routing?done=robot_saved#robots")


async def remove_robot(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    department = await _department(desk, form)
    platform = _platform(form)
    async with request.app[keys.ENGINE].begin() as conn:
        if not await clear_robot(conn, department.id, platform):
            raise NotFound(f"{department.name}没有{PLATFORM_LABELS[platform]}。")
    log.info("staff %s removed the %s robot of department %s", desk.viewer.id, platform.value, department.code)
    return see_other("/staff/routing?done=robot_cleared#robots")
