"""`python -m bot staff add …`, `staff group`, `staff robot` (bot/cases/robots_cli.py), `python -m bot demo`,
`python -m bot routing load` (registered by bot/cli.py)."""

from __future__ import annotations

import argparse
import getpass
import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.cli_engine import run_with_engine
from bot.db.base import table_of
from bot.settings import Settings

PASSWORD_ENV = "ANJU_STAFF_PASSWORD"


def add_parser(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="staff accounts").add_subparsers(dest="staff_command", required=True)
    add = staff.add_parser("add", help="create a staff account")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=["dispatcher", "department_staff", "supervisor", "admin"])
    add.add_argument("--department", help="department code from knowledge/routing.yaml (e.g. wg_dongguan)")
    add.add_argument("--display-name", default="", help="name shown to colleagues (default: the username)")
    add.add_argument("--password", help=f"the password (default: ${PASSWORD_ENV}, or asked for)")
    add.add_argument("--telegram-id", type=int, help="Telegram user id for reminders and 督办 notices")
    add.set_defaults(func=_staff_add)
    group = staff.add_parser("group", help="a department's Telegram group (new, urgent and overdue cases are posted)")
    group.add_argument("--department", required=True, help="department code (e.g. wg_dongguan, discipline)")
    group.add_argument("--chat-id", type=int, help="the group's chat id (negative); omit with --clear")
    group.add_argument("--clear", action="store_true", help="stop posting to the department's group")
    group.set_defaults(func=_staff_group)
    from bot.cases.robots_cli import add_parser as add_robot  # 企业微信 / 钉钉 group robots

    add_robot(staff)

    demo = sub.add_parser("demo", help="seed departments, routing rules, demo staff accounts and sample cases")
    demo.add_argument("--password", help="one password for every demo account (default: random, printed)")
    demo.set_defaults(func=_demo)

    routing = sub.add_parser("routing", help="routing rules").add_subparsers(dest="routing_command", required=True)
    load = routing.add_parser("load", help="load knowledge/routing.yaml into the database")
    load.add_argument("--replace", action="store_true", help="also overwrite rules edited in the dashboard")
    load.set_defaults(func=_routing_load)


def _staff_add(args: argparse.Namespace) -> int:
    from bot.cases.errors import InvalidInput
    from bot.cases.passwords import WeakPassword
    from bot.cases.routing import ROUTING_FILE, seed_routing_if_empty
    from bot.cases.staff import add_staff

    password = args.password or os.environ.get(PASSWORD_ENV) or getpass.getpass("密码：")

    async def work(engine: AsyncEngine, settings: Settings) -> Any:
        now = datetime.now(UTC)
        await seed_routing_if_empty(engine, settings.knowledge_dir / ROUTING_FILE, now)
        async with engine.begin() as conn:
            return await add_staff(
                conn,
                username=args.username,
                display_name=args.display_name,
                role=args.role,
                password=password,
                department_code=args.department,
                now=now,
                telegram_user_id=args.telegram_id,
            )

    try:
        user = run_with_engine(work)
    except (InvalidInput, WeakPassword) as exc:
        print(f"未创建：{exc}")
        return 1
    print(f"已创建工作人员账号 {user.username}（{user.role.value}，id {user.id}）")
    return 0


def _staff_group(args: argparse.Namespace) -> int:
    from sqlalchemy import update

    from bot.cases.models import Department

    if (args.chat_id is None) == (not args.clear):
        print("请给出 --chat-id，或用 --clear 取消。")
        return 1
    departments = table_of(Department)

    async def work(engine: AsyncEngine, settings: Settings) -> int:
        async with engine.begin() as conn:
            result = await conn.execute(
                update(departments)
                .where(departments.c.code == args.department)
                .values(telegram_group_chat_id=None if args.clear else args.chat_id)
            )
            return result.rowcount

    if not run_with_engine(work):
        print(f"没有单位 {args.department}（先运行 python -m bot routing load）")
        return 1
    print(f"{args.department} 的 Telegram 群：{'已取消' if args.clear else args.chat_id}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.cases.demo import seed_demo
    from knowledge.params import load_params

    async def work(engine: AsyncEngine, settings: Settings) -> Any:
        params = load_params(settings.knowledge_dir)
        return await seed_demo(engine, params, settings.knowledge_dir, datetime.now(UTC), args.password)

    result = run_with_engine(work)
    print("演示数据已准备好。工作人员账号（登录 /staff）：")
    for username, password, role in result.accounts:
        shown = password or "（已存在，密码不变）"
        print(f"  {username:<10} {role:<17} 密码：{shown}")
    if result.cases:
        print("示例案件：" + "、".join(result.cases))
    else:
        print("示例案件已存在，没有重复添加。")
    return 0


def _routing_load(args: argparse.Namespace) -> int:
    from bot.cases.routing import ROUTING_FILE, RoutingError, load_routing

    async def work(engine: AsyncEngine, settings: Settings) -> int:
        async with engine.begin() as conn:
            return await load_routing(conn, settings.knowledge_dir / ROUTING_FILE, datetime.now(UTC), args.replace)

    try:
        written = run_with_engine(work)
    except RoutingError as exc:
        print(f"FAIL {exc}")
        return 1
    print(f"派单规则已载入：写入 {written} 条规则。")
    return 0
