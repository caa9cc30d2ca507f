"""`python -m bot staff robot`: a department's WeCom / DingTalk group robot, from the command line (the routing page
does the same). Addresses and secrets are printed back only by their last four characters."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

SECRET_ENV = "ANJU_DINGTALK_SECRET"


def add_parser(staff: argparse._SubParsersAction) -> None:
    robot = staff.add_parser(
        "robot", help="a department's 企业微信 / 钉钉 group robot (new cases, reminders, 督办, daily digest)"
    )
    robot.add_argument("--department", help="department code (e.g. comp_office, wg_dongguan); omit with --list")
    what = robot.add_mutually_exclusive_group(required=True)
    what.add_argument("--wecom", metavar="WEBHOOK", help="the WeCom robot's webhook address (…/webhook/send?key=…)")
    what.add_argument("--dingtalk", metavar="WEBHOOK", help="the DingTalk robot's webhook address (…?access_token=…)")
    what.add_argument("--clear", choices=["wecom", "dingtalk"], help="remove the department's robot")
    what.add_argument("--list", action="store_true", help="show every department's robots (masked)")
    robot.add_argument("--secret", help=f"DingTalk 加签 secret (SEC…); default: ${SECRET_ENV}")
    robot.set_defaults(func=_robot)


def _robot(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.cases.cli_engine import run_with_engine
    from bot.cases.models import Department
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
    from bot.settings import Settings

    departments = table_of(Department)
    if args.list:

        async def listing(engine: AsyncEngine, settings: Settings) -> list[str]:
            async with engine.connect() as conn:
                robots = await all_robots(conn)
                names = dict((await conn.execute(select(departments.c.id, departments.c.code))).all())
            return [
                f"{names.get(d, d)}\t{PLATFORM_LABELS[p]}\t尾号 {mask(r.token)}{'，已加签' if r.secret else ''}"
                for d, by in sorted(robots.items())
                for p, r in sorted(by.items())
            ]

        lines = run_with_engine(listing)
        print("\n".join(lines) if lines else "还没有配置群机器人。")
        return 0
    if not args.department:
        print("请给出 --department。")
        return 1
    try:
        if args.wecom is not None:
            platform, token, secret = Platform.WECOM, parse_wecom(args.wecom), None
        elif args.dingtalk is not None:
            platform = Platform.DINGTALK
            token, secret = parse_dingtalk(args.dingtalk, args.secret or os.environ.get(SECRET_ENV, ""))
        else:
            platform, token, secret = Platform(args.clear), "", None
    except InvalidRobot as exc:
        print(f"未保存：{exc}")
        return 1

    async def work(engine: AsyncEngine, settings: Settings) -> str:
        async with engine.begin() as conn:
            department_id = await conn.scalar(select(departments.c.id).where(departments.c.code == args.department))
            if department_id is None:
                return "no department"
            if args.clear:
                return "cleared" if await clear_robot(conn, department_id, platform) else "none"
            await set_robot(conn, department_id, platform, token, secret, datetime.now(UTC))
            return "saved"

    outcome = run_with_engine(work)
    label = PLATFORM_LABELS[platform]
    if outcome == "no department":
        print(f"没有单位 {args.department}（先运行 python -m bot routing load）")
        return 1
    if outcome == "none":
        print(f"{args.department} 没有{label}。")
        return 1
    if outcome == "cleared":
        print(f"{args.department} 的{label}：已移除")
        return 0
    signed = "" if platform is Platform.WECOM else ("，已加签" if secret else "，未加签（建议在钉钉里开启加签）")
    print(f"{args.department} 的{label}：已保存（尾号 {mask(token)}{signed}）")
    return 0
