"""`python -m bot demo`: departments and routing rules, one staff account per role (printed passwords), and sample
cases in every state — so a newcomer can log into /staff and try everything. Safe to run twice: existing accounts
are kept, and sample cases are added only once."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases import handling
from bot.cases.actors import StaffUser
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.intake import NewCase, create_case
from bot.cases.models import Case
from bot.cases.routing import ROUTING_FILE, load_routing
from bot.cases.staff import add_staff, find_account
from bot.cases.vocabulary import CaseType, Category
from bot.db.base import table_of

cases = table_of(Case)
DEMO_KEY = "demo:"

# username, display name, role, department code. Urgent cases (断水断电, 施工安全) go to the headquarters'
# inspection team and the safety station (knowledge/routing.yaml): each has an account, so that they can be signed
# for within their 4 hours in the demo too.
ACCOUNTS = (
    ("admin", "系统管理员", "admin", None),
    ("dudao", "督导 周明", "supervisor", None),
    ("paidan", "派单员 刘芳", "dispatcher", "dispatch"),
    ("dongguan1", "东关组 王强", "department_staff", "wg_dongguan"),
    ("dongguan2", "东关组 陈静", "department_staff", "wg_dongguan"),
    ("buchang", "补偿办 李伟", "department_staff", "comp_office"),
    ("jijian", "纪检 赵敏", "department_staff", "discipline"),
    ("ducha", "督查组 孙丽", "department_staff", "inspection"),
    ("anquan", "安全站 吴刚", "department_staff", "safety"),
)


@dataclass
class DemoResult:
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, password ("" if it existed), role
    cases: list[str] = field(default_factory=list)


async def seed_demo(
    engine: AsyncEngine, params: Mapping[str, Any], knowledge_dir: Path, now: datetime, password: str | None = None
) -> DemoResult:
    result = DemoResult()
    policy = DeadlinePolicy.from_params(params)
    async with engine.begin() as conn:
        await load_routing(conn, knowledge_dir / ROUTING_FILE, now)
        users: dict[str, StaffUser] = {}
        for username, name, role, department in ACCOUNTS:
            existing = await find_account(conn, username)
            if existing is not None:
                users[username] = existing.user
                result.accounts.append((username, "", role))
                continue
            chosen = password or secrets.token_urlsafe(9)
            users[username] = await add_staff(
                conn,
                username=username,
                display_name=name,
                role=role,
                password=chosen,
                department_code=department,
                now=now,
            )
            result.accounts.append((username, chosen, role))
        if not await conn.scalar(
            select(func.count()).select_from(cases).where(cases.c.intake_key.like(f"{DEMO_KEY}%"))
        ):
            result.cases = await _sample_cases(conn, users, policy, now)
    return result


SAMPLES = (
    # key, type, category, district, address, description, wish, phone, days ago, story
    (
        "1",
        CaseType.COMPLAINT,
        Category.COMPENSATION,
        "dongguan",
        "东关街18号",
        "评估报告把我家阁楼面积漏算了约12平方米。",
        "重新核对面积并复核评估。",
        "13800138001",
        2,
        "new",
    ),
    (
        "2",
        CaseType.COMPLAINT,
        Category.PAYMENT_DELAY,
        "xijie",
        "西街社区5号",
        "协议签了两个月，补偿款还没到账。",
        "尽快支付补偿款。",
        "13800138002",
        20,
        "accepted",
    ),
    (
        "3",
        CaseType.COMPLAINT,
        Category.UTILITY_CUT,
        "nanhe",
        "南河路66号附近",
        "昨晚我家被停了水，说不签字就不恢复。",
        "马上恢复供水，处理相关人员。",
        "13800138003",
        0,
        "new",
    ),
    (
        "4",
        CaseType.COMPLAINT,
        Category.STAFF_CONDUCT,
        "dongguan",
        "东关街20号",
        "工作组有人上门时态度恶劣，还拍桌子。",
        "调查处理并道歉。",
        "13800138004",
        1,
        "new",
    ),
    (
        "5",
        CaseType.ASSISTANCE,
        Category.ASSISTANCE,
        "dongguan",
        "东关街3号2楼",
        "子女代王大爷申请；情况：孤寡或独居老人",
        "义务搬家、帮忙打包",
        "13800138005",
        0,
        "new",
    ),
    (
        "6",
        CaseType.COMPLAINT,
        Category.OTHER,
        "beishan",
        "北山村12号",
        "村口临时道路坑洼，老人出行不便。",
        "平整道路。",
        "0571-87654321",
        70,
        "overdue",
    ),
    (
        "7",
        CaseType.COMPLAINT,
        Category.RESETTLEMENT,
        "xijie",
        "西街9号",
        "想知道安置房选房顺序怎么定。",
        "公布选房规则。",
        "13800138007",
        30,
        "closed",
    ),
    ("8", CaseType.INQUIRY, Category.INQUIRY, "unknown", "", "临时安置费从哪天开始算？", "", None, 0, "new"),
)


async def _sample_cases(
    conn: AsyncConnection, users: Mapping[str, StaffUser], policy: DeadlinePolicy, now: datetime
) -> list[str]:
    """Cases routed as residents would file them; one accepted, one closed, one long overdue."""
    numbers = []
    for key, kind, category, district, address, description, wish, phone, days_ago, story in SAMPLES:
        filed = now - timedelta(days=days_ago, hours=1)
        spec = NewCase(
            type=kind,
            category=category,
            district=district,
            channel="web",
            address=address,
            description=description,
            wish=wish,
            phone=phone,
            intake_key=f"{DEMO_KEY}{key}",
            named_unit="wg_dongguan" if category == Category.STAFF_CONDUCT else None,
        )
        created = await create_case(conn, spec, filed, policy)
        numbers.append(created.number)
        case = await handling.load_case(conn, case_id=created.id)
        assert case is not None
        if story == "accepted":  # 补偿款: the compensation office has signed for it
            await handling.claim(conn, case, users["buchang"], filed + timedelta(hours=3))
        elif story == "closed":  # 安置房 (no demo account in that office): the supervisor handled it
            owner = users["dudao"]
            case = await handling.claim(conn, case, owner, filed + timedelta(hours=3))
            case = await handling.reply(
                conn, case, owner, "选房顺序按签约先后确定，规则已在片区公示栏公布。", filed + timedelta(days=2)
            )
            await handling.resolve(
                conn, case, owner, "已答复选房规则，并提供公示材料复印件。", filed + timedelta(days=3)
            )
    return numbers
