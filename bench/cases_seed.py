"""A large, realistic case table for bench.cases_postgres: departments, rules and staff through the project's own
code, then residents, cases and their events bulk-loaded with COPY (asyncpg `copy_records_to_table`).

What the generated cases look like (fixed by `seed`, so two runs load the same data):
- types: 70 % complaints (categories as residents pick them), 15 % help requests, 15 % 转人工 inquiries;
- districts from the parameter file (a few "unknown"), addresses on each district's streets;
- routed with the database's routing rules (staff-conduct complaints to 纪检监察, naming a work group or office;
  what no rule matches waits in the dispatcher queue); deadlines from the parameter file (DeadlinePolicy, China's
  working-day calendar), `next_due` / `alarm_at` as the application computes them;
- statuses: about three quarters closed (rated in part) or merged, over three years; the open quarter recent,
  some of it past its deadline; handled cases have an assignee from the department's staff;
- descriptions: Chinese sentences per category with numbers, streets and names filled in, plus remarks; inquiries
  are the knowledge base's example questions; phones are the filing resident's (mobile or landline), none when
  anonymous;
- events: the history the application would have written (登记, 派单, 签收, 开始办理, 答复, 办结, 评价, 退单, 并单).
Foreign keys are not re-checked row by row during the load (`session_replication_role = replica` on the loading
connection): the generator only refers to rows it has loaded before."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from unittest.mock import patch

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.actors import StaffUser
from bot.cases.deadlines import DeadlinePolicy, alarms, next_due
from bot.cases.models import Department, RoutingRule
from bot.cases.numbers import format_case_number
from bot.cases.passwords import hash_password
from bot.cases.routing import ROUTING_FILE, load_routing
from bot.cases.staff import add_staff
from bot.cases.vocabulary import (
    SERVICE_LABELS,
    SITUATION_LABELS,
    URGENT_CATEGORIES,
    CaseType,
    Category,
    DepartmentKind,
    Role,
    Service,
    Situation,
    Status,
)
from bot.cases.workdays import CHINA_TZ
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from knowledge.entries import load_entries

departments = Department.__table__
rules = RoutingRule.__table__
DAY = 86400.0
HISTORY_DAYS = 3 * 365
STAFF_PASSWORD = "bench-password-not-secret"

# ---------------------------------------------------------------- distributions

TYPES = ((CaseType.COMPLAINT, 0.70), (CaseType.ASSISTANCE, 0.15), (CaseType.INQUIRY, 0.15))
COMPLAINT_MIX = (
    (Category.COMPENSATION, 0.30),
    (Category.PAYMENT_DELAY, 0.15),
    (Category.RESETTLEMENT, 0.20),
    (Category.UTILITY_CUT, 0.05),
    (Category.STAFF_CONDUCT, 0.05),
    (Category.SITE_SAFETY, 0.05),
    (Category.OTHER, 0.20),
)
# status → share, and for open statuses the mean age in days (exponential, capped)
STATUS_MIX = (
    (Status.CLOSED, 0.73),
    (Status.MERGED, 0.02),
    (Status.NEW, 0.012),
    (Status.RETURNED, 0.004),
    (Status.DISPATCHED, 0.08),
    (Status.ACCEPTED, 0.04),
    (Status.IN_PROGRESS, 0.05),
    (Status.REPLIED, 0.044),
)
OPEN_MEAN_AGE_DAYS = {
    Status.NEW: 0.6,
    Status.RETURNED: 1.5,
    Status.DISPATCHED: 0.8,
    Status.ACCEPTED: 5.0,
    Status.IN_PROGRESS: 20.0,
    Status.REPLIED: 25.0,
}
MAX_OPEN_AGE_DAYS = 150.0
UNKNOWN_DISTRICT_SHARE = 0.03
CHANNELS = (("wechat", 0.5), ("web", 0.35), ("telegram", 0.15))

STREETS = {
    "dongguan": ("东关街", "东关南巷", "文昌路", "鼓楼巷", "仓门街", "东关后街"),
    "xijie": ("西街", "西街社区", "城隍庙巷", "织布巷", "米市街", "西关路"),
    "nanhe": ("南河路", "南河沿", "码头街", "桥西巷", "柳树湾", "南河新村"),
    "beishan": ("北山村", "北山路", "果园巷", "窑厂路", "石桥组", "北山新村"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "秀英桂兰玉兰凤英建国建华志强国强明华小红海燕德福长青金花淑芬家兴永安春生丽娟文华宝山"
RELATIONS = ("儿子", "女儿", "儿媳", "女婿", "孙子", "邻居", "社区网格员", "侄子")
ROOMS = ("阁楼", "厨房", "偏房", "阳台", "储藏室", "车库", "院子里的小屋", "二楼卧室")

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    Category.COMPENSATION: (
        "评估报告把我家{room}面积漏算了约{n}平方米。",
        "评估价每平方米只有{price}元，比周边同类二手房低很多。",
        "我家{room}是{year}年盖的，有审批手续，评估时没有计入。",
        "评估机构是谁选的我们不知道，评估结果也没有当面送达。",
        "装修补偿只算了{money}元，当年装修花了{wan}万多。",
        "门面房按住宅算了，停产停业损失一分没补。",
        "同一排房子，隔壁评估价比我家高出{percent}%，不知道为什么。",
        "申请了复核评估，过了{days}天还没有结果。",
        "房屋产权证上的面积和测绘面积对不上，少了{n}平方米。",
        "院子里的{tree}棵果树和水井没有算补偿。",
    ),
    Category.PAYMENT_DELAY: (
        "协议{month}月份就签了，补偿款到现在还没到账。",
        "说好签约后{n}个工作日内打款，已经过去{days}天了。",
        "临时安置费{month}月份以后就没有再发。",
        "签约奖励比协议上少了{money}元，问了几次都说在走流程。",
        "搬迁费只发了一半，另一半说要等验收。",
        "补偿款打到了我弟弟的卡上，房子是我的。",
        "过渡费按月发，这个季度一直没发，房租都交不上了。",
    ),
    Category.RESETTLEMENT: (
        "安置房原定{month}月交房，现在又说要推迟到明年。",
        "分到的安置房在{floor}楼，没有电梯，老人上下楼不方便。",
        "安置房墙面开裂、卫生间渗水，物业一直不来修。",
        "选房顺序是怎么定的，没有公示，我们排在最后。",
        "安置房面积比协议少了{n}平方米，差价怎么算？",
        "安置小区到现在还没通燃气，只能用电磁炉做饭。",
        "安置房的房产证一直办不下来，孩子上学要用。",
    ),
    Category.UTILITY_CUT: (
        "昨晚{hour}点左右家里被停了水，说不签字就不恢复。",
        "有人半夜在门口喊话，说不签字就断电。",
        "通往我家的路被挖断了，老人出不了门。",
        "家里的电被剪断了，冰箱里的药都坏了。",
        "有陌生人往院子里扔石头，还在墙上写了“拆”字。",
    ),
    Category.STAFF_CONDUCT: (
        "工作组有人上门时态度恶劣，还拍桌子。",
        "工作人员让我先签字，再给看评估报告。",
        "有人暗示给好处费就能多算面积。",
        "工作人员答应的事情不认账，打电话也不接。",
        "上门的人没有出示证件，说话很凶，把老人吓哭了。",
    ),
    Category.SITE_SAFETY: (
        "拆除现场没有围挡，孩子放学要从旁边经过。",
        "工地夜里{hour}点还在施工，噪音很大，没法睡觉。",
        "旁边拆了一半的房子墙体倾斜，怕倒下来砸到人。",
        "拆下来的建筑垃圾堆在路边好几天了，扬尘很大。",
        "挖掘机把我家院墙碰裂了，没人管。",
        "施工车辆把路面压坏了，下雨天全是积水。",
    ),
    Category.OTHER: (
        "村口临时道路坑洼，老人出行不便。",
        "过渡期间孩子上学的学区怎么办？",
        "户口迁移需要什么手续，去哪里办？",
        "我家的低保在征收后还能不能继续享受？",
        "老房子里的祖坟要迁，有没有补助？",
        "征收公告贴在村口，字太小看不清，能不能上门讲一讲？",
    ),
}
REMARKS = (
    "我今年{age}岁了，腿脚不好。",
    "家里还有卧床的老人。",
    "希望尽快给个答复。",
    "之前打过电话，没人回复。",
    "这个问题已经反映过{k}次了。",
    "邻居家也是同样的情况。",
    "我不会用手机，是孩子帮我填的。",
    "请工作人员上门看一看。",
    "白天要上班，晚上{hour}点以后在家。",
    "麻烦给个书面答复。",
)
WISHES: dict[str, tuple[str, ...]] = {
    Category.COMPENSATION: ("重新核对面积并复核评估。", "按市场价重新评估。", "把漏算的部分补上。", "公开评估依据。"),
    Category.PAYMENT_DELAY: ("尽快支付补偿款。", "按协议把钱打到我本人账户。", "补发拖欠的过渡费。"),
    Category.RESETTLEMENT: ("按期交房。", "换一套低楼层的。", "尽快维修。", "公布选房规则。"),
    Category.UTILITY_CUT: ("马上恢复供水供电。", "查处相关人员。", "把路修通。"),
    Category.STAFF_CONDUCT: ("调查处理并道歉。", "换一个工作人员对接。", "依纪依法处理。"),
    Category.SITE_SAFETY: ("加装围挡。", "夜间停止施工。", "尽快清运建筑垃圾。", "赔偿院墙损失。"),
    Category.OTHER: ("给个明确说法。", "上门讲解政策。", "帮忙协调解决。"),
}
REPLIES = (
    "您好，您反映的问题已转交评估机构核实，复核结果将在十个工作日内书面告知。",
    "您好，经核实，补偿款已于本周提交财政支付，预计五个工作日内到账。",
    "您好，已安排工作人员上门查看，情况属实，正在协调处理。",
    "您好，相关规定请见征收补偿方案第三章，如有疑问可到片区工作组当面咨询。",
    "您好，已通知施工单位整改，并加强夜间巡查。",
)
RESULTS = (
    "已重新测量并补计面积，补偿协议已补签。",
    "补偿款已全部支付到位。",
    "已完成维修，居民确认。",
    "已书面答复政策依据，居民表示理解。",
    "施工单位已整改到位，现场已加装围挡。",
    "已上门帮助完成搬家。",
)


@dataclass
class World:
    """What the cases refer to: departments, rules and staff, as the database has them."""

    department_ids: dict[str, int]
    department_kind: dict[int, str]
    department_name: dict[int, str]
    district_group: dict[str, int]  # district → its work group
    rules: dict[tuple[str, str], int]
    staff: dict[int, list[StaffUser]]  # department id → its staff
    supervisors: list[StaffUser]
    dispatchers: list[StaffUser]
    districts: list[str]

    @property
    def dispatch_id(self) -> int:
        return self.department_ids["dispatch"]

    @property
    def discipline_id(self) -> int:
        return next(i for i, k in self.department_kind.items() if k == DepartmentKind.DISCIPLINE)

    def handling_departments(self) -> list[int]:
        return [i for i, k in self.department_kind.items() if k in (DepartmentKind.OFFICE, DepartmentKind.WORK_GROUP)]


@dataclass
class SeedReport:
    residents: int = 0
    cases: int = 0
    events: int = 0
    seconds_setup: float = 0.0
    seconds_cases: float = 0.0
    seconds_analyze: float = 0.0
    status_counts: dict[str, int] = field(default_factory=dict)
    overdue_open: int = 0

    @property
    def open(self) -> int:
        return sum(n for s, n in self.status_counts.items() if s not in (Status.CLOSED, Status.MERGED))


# ---------------------------------------------------------------- departments, rules, staff (project code)


async def seed_people(
    engine: AsyncEngine,
    params: dict[str, Any],
    now: datetime,
    staff_per_department: int = 6,
    busiest: str = "comp_office",
    busiest_staff: int = 24,
) -> World:
    """routing.yaml's departments and rules, and staff accounts (as `python -m bot staff add` makes them; one argon2
    hash computed once and shared, since hashing is deliberately slow)."""
    shared_hash = hash_password(STAFF_PASSWORD)
    with patch("bot.cases.staff.hash_password", lambda _password: shared_hash):
        return await _seed_people(engine, params, now, staff_per_department, busiest, busiest_staff)


async def _seed_people(
    engine: AsyncEngine,
    params: dict[str, Any],
    now: datetime,
    staff_per_department: int,
    busiest: str,
    busiest_staff: int,
) -> World:
    async with engine.begin() as conn:
        await load_routing(conn, DEFAULT_KNOWLEDGE_DIR / ROUTING_FILE, now)
        # named columns: the same code seeds the schema of an earlier revision (bench.cases_postgres --baseline)
        rows = (
            await conn.execute(
                select(
                    departments.c.id, departments.c.code, departments.c.name, departments.c.kind, departments.c.district
                )
            )
        ).all()
        staff: dict[int, list[StaffUser]] = {}
        n = 0
        for d in rows:
            if d.kind == DepartmentKind.DISPATCH:
                continue
            count = busiest_staff if d.code == busiest else staff_per_department
            staff[d.id] = []
            for i in range(count):
                n += 1
                staff[d.id].append(
                    await add_staff(
                        conn,
                        username=f"{d.code}.{i + 1:02d}",
                        display_name=f"{d.name[-5:]} {_name(random.Random(n))}",
                        role=Role.DEPARTMENT_STAFF,
                        password=STAFF_PASSWORD,
                        department_code=d.code,
                        now=now,
                    )
                )
        dispatchers = [
            await add_staff(
                conn,
                username=f"dispatch.{i:02d}",
                display_name=f"派单员{i}",
                role=Role.DISPATCHER,
                password=STAFF_PASSWORD,
                department_code="dispatch",
                now=now,
            )
            for i in (1, 2, 3)
        ]
        supervisors = [
            await add_staff(
                conn,
                username=f"dudao.{i:02d}",
                display_name=f"督导{i}",
                role=Role.SUPERVISOR,
                password=STAFF_PASSWORD,
                department_code=None,
                now=now,
            )
            for i in (1, 2)
        ]
        rule_rows = (await conn.execute(select(rules.c.category, rules.c.district, rules.c.department_id))).all()
    return World(
        department_ids={d.code: d.id for d in rows},
        department_kind={d.id: d.kind for d in rows},
        department_name={d.id: d.name for d in rows},
        district_group={d.district: d.id for d in rows if d.kind == DepartmentKind.WORK_GROUP and d.district},
        rules={(r.category, r.district): r.department_id for r in rule_rows},
        staff=staff,
        supervisors=supervisors,
        dispatchers=dispatchers,
        districts=[d["id"] for d in params.get("districts", ())],
    )


# ---------------------------------------------------------------- the bulk load

CASE_COLUMNS = (
    "id",
    "number",
    "intake_key",
    "type",
    "category",
    "district",
    "address",
    "description",
    "wish",
    "phone",
    "anonymous",
    "details",
    "resident_id",
    "channel",
    "status",
    "urgent",
    "priority",
    "department_id",
    "named_department_id",
    "assignee_id",
    "sign_for_due",
    "notify_due",
    "finish_due",
    "extended_days",
    "next_due",
    "alarm_at",
    "created_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "first_reply_at",
    "closed_at",
    "reopened_at",
    "reopened_count",
    "rating",
    "rated_at",
    "merged_into_id",
)
EVENT_COLUMNS = ("id", "case_id", "actor_kind", "actor_staff_id", "kind", "public", "text", "data", "created_at")
RESIDENT_COLUMNS = ("id", "channel", "user_key", "created_at", "last_seen_at")


async def bulk_load(
    dsn: str,
    world: World,
    policy: DeadlinePolicy,
    n_cases: int,
    now: datetime,
    seed: int,
    chunk: int = 20_000,
    progress: Callable[[str], None] = print,
) -> SeedReport:
    """Residents, cases and events with COPY, then VACUUM ANALYZE; the sequences set past the loaded ids."""
    report = SeedReport()
    gen = CaseGenerator(world, policy, now, seed, n_cases)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica; SET synchronous_commit = off")
        started = time.perf_counter()
        residents = gen.residents()
        for i in range(0, len(residents), 100_000):
            await conn.copy_records_to_table("residents", records=residents[i : i + 100_000], columns=RESIDENT_COLUMNS)
        report.residents = len(residents)
        progress(f"  residents: {len(residents):,} in {time.perf_counter() - started:.1f} s")
        t0 = last = time.perf_counter()
        done = 0
        for case_rows, event_rows in gen.chunks(chunk):
            await conn.copy_records_to_table("cases", records=case_rows, columns=CASE_COLUMNS)
            await conn.copy_records_to_table("case_events", records=event_rows, columns=EVENT_COLUMNS)
            done += len(case_rows)
            report.events += len(event_rows)
            t = time.perf_counter()
            if t - last >= 5 or done == n_cases:
                elapsed = t - t0
                progress(
                    f"  cases: {done:>9,} / {n_cases:,} ({done / n_cases:4.0%})  {done / elapsed:7,.0f} cases/s  "
                    f"{report.events / elapsed:7,.0f} events/s  {elapsed:6.1f} s"
                )
                last = t
        report.cases = done
        report.seconds_cases = time.perf_counter() - t0
        await conn.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), $1)", n_cases)
        await conn.execute("SELECT setval(pg_get_serial_sequence('case_events', 'id'), $1)", max(report.events, 1))
        await conn.execute("SELECT setval(pg_get_serial_sequence('residents', 'id'), $1)", max(report.residents, 1))
        await conn.execute("SELECT setval('case_number_seq', $1)", n_cases)
        t0 = time.perf_counter()
        progress("  VACUUM ANALYZE …")
        await conn.execute("SET session_replication_role = DEFAULT")
        for table in ("residents", "cases", "case_events", "staff_users", "departments"):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        report.seconds_analyze = time.perf_counter() - t0
    finally:
        await conn.close()
    report.status_counts = dict(gen.status_counts)
    report.overdue_open = gen.overdue_open
    return report


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Callable[[], Any]:
    values = [v for v, _ in pairs]
    cum = []
    total = 0.0
    for _, w in pairs:
        total += w
        cum.append(total)

    def pick() -> Any:
        r = rng.random() * total
        for v, c in zip(values, cum, strict=True):
            if r < c:
                return v
        return values[-1]

    return pick


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


class CaseGenerator:
    """Rows in id order (ids follow the filing time, as the sequence would give them)."""

    def __init__(self, world: World, policy: DeadlinePolicy, now: datetime, seed: int, n_cases: int) -> None:
        self.world = world
        self.policy = policy
        self.now = now
        self.n = n_cases
        self.rng = random.Random(seed)
        self.pick_type = _weighted(self.rng, TYPES)
        self.pick_category = _weighted(self.rng, COMPLAINT_MIX)
        self.pick_status = _weighted(self.rng, STATUS_MIX)
        self.pick_channel = _weighted(self.rng, CHANNELS)
        self.status_counts: dict[str, int] = {s.value: 0 for s in Status}
        self.overdue_open = 0
        self.n_residents = max(1, int(n_cases * 0.6))
        self.resident_phone = self._phones(self.n_residents)
        self.questions = [q for e in load_entries(DEFAULT_KNOWLEDGE_DIR, _params()) for q in e.questions]
        self.handling = world.handling_departments()
        self.named_units = self.handling
        self._event_id = 0
        self._years: list[int] = [0]  # the filing year of each case id, for the numbers events mention
        self._ages = self._filing_times()

    # -- the skeleton: when each case was filed, and its status --------------------------------------------

    def _filing_times(self) -> list[tuple[float, str]]:
        """(seconds before now, status) for every case, oldest first."""
        rng = self.rng
        rows = []
        for _ in range(self.n):
            status = self.pick_status()
            if status in (Status.CLOSED, Status.MERGED):
                age = rng.uniform(3, HISTORY_DAYS)
            else:
                age = min(rng.expovariate(1 / OPEN_MEAN_AGE_DAYS[status]), MAX_OPEN_AGE_DAYS)
            rows.append((age * DAY + rng.random() * 60, status))
        rows.sort(key=lambda r: -r[0])
        return rows

    def residents(self) -> list[tuple]:
        start = self.now - timedelta(days=HISTORY_DAYS)
        out = []
        for i in range(1, self.n_residents + 1):
            channel = ("wechat", "web", "telegram")[i % 3]
            key = f"o{i:09d}x" if channel == "wechat" else f"s-{i:09d}" if channel == "web" else str(700_000_000 + i)
            out.append((i, channel, key, start, self.now))
        return out

    def _phones(self, n: int) -> list[str]:
        rng = random.Random(self.rng.random())
        phones = []
        for _ in range(n):
            if rng.random() < 0.9:
                phones.append(f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}")
            else:
                phones.append(f"0{rng.choice(('571', '572', '573', '574', '575'))}-{rng.randrange(10**7, 10**8)}")
        return phones

    # -- rows ----------------------------------------------------------------------------------------------

    def chunks(self, size: int) -> Iterator[tuple[list[tuple], list[tuple]]]:
        case_rows: list[tuple] = []
        event_rows: list[tuple] = []
        for index, (age_s, status) in enumerate(self._ages):
            case_rows.append(self._case(index + 1, age_s, status, event_rows))
            if len(case_rows) == size:
                yield case_rows, event_rows
                case_rows, event_rows = [], []
        if case_rows:
            yield case_rows, event_rows

    def _case(self, case_id: int, age_s: float, status: str, events: list[tuple]) -> tuple:
        rng, w, now = self.rng, self.world, self.now
        created = now - timedelta(seconds=age_s)
        kind = self.pick_type()
        category = (
            self.pick_category()
            if kind == CaseType.COMPLAINT
            else Category.ASSISTANCE
            if kind == CaseType.ASSISTANCE
            else Category.INQUIRY
        )
        district = "unknown" if rng.random() < UNKNOWN_DISTRICT_SHARE else rng.choice(w.districts)
        channel = self.pick_channel()
        urgent = category in URGENT_CATEGORIES
        priority = 2 if urgent else 1 if kind == CaseType.ASSISTANCE else 0
        # who filed it
        resident_id = None if rng.random() < 0.04 else 1 + int(self.n_residents * rng.random() ** 1.3)
        phone = self.resident_phone[resident_id - 1] if resident_id else f"139{rng.randrange(10**8):08d}"
        anonymous = category == Category.STAFF_CONDUCT and rng.random() < 0.4
        if anonymous or (kind == CaseType.INQUIRY and rng.random() < 0.5):
            phone = None
        # where it goes (bot.cases.routing.route)
        named = None
        if category == Category.STAFF_CONDUCT:
            department = w.discipline_id
            named = w.district_group.get(district) if rng.random() < 0.7 else rng.choice(self.named_units)
            routed = True
        else:
            department = w.rules.get((category, district)) or w.rules.get((category, "*"))
            routed = department is not None
            if department is None:
                department = w.dispatch_id
        if not routed and status not in (Status.NEW, Status.RETURNED):
            # the dispatcher has sent it on: the district's work group, or an office
            department = w.district_group.get(district) or rng.choice(self.handling)
            if department == w.discipline_id:
                department = w.dispatch_id
        if status == Status.NEW and routed:
            status = Status.DISPATCHED  # a routed case is never waiting for the dispatcher
        if status == Status.RETURNED and category == Category.STAFF_CONDUCT:
            status = Status.DISPATCHED  # conduct complaints cannot be returned
        if status == Status.MERGED and case_id == 1:
            status = Status.CLOSED
        self.status_counts[status] += 1
        # deadlines as filed (bot.cases.deadlines); dispatched_at is the last (re)dispatch, as handling.save keeps it
        sign_for, notify, finish = self._deadlines(kind, urgent, created)
        span = max(age_s, 60.0)
        dispatched_at = created if routed else created + timedelta(seconds=span * rng.uniform(0.05, 0.3))
        returned_from = None
        if status == Status.NEW:
            dispatched_at = None
        elif status == Status.RETURNED:  # 退单: back in the dispatcher queue, its sign-for clock restarted
            returned_from = department if routed else rng.choice(self.handling)
            department = w.dispatch_id
            dispatched_at = created + timedelta(seconds=span * rng.uniform(0.05, 0.6))
            sign_for = self.policy.sign_for(urgent, dispatched_at)
        elif not routed:
            sign_for = self.policy.sign_for(urgent, dispatched_at)
        accepted_at = first_reply_at = closed_at = rated_at = None
        rating = None
        assignee = None
        extended = 0
        merged_into = None
        handled = status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REPLIED, Status.CLOSED)
        if handled:
            base = dispatched_at or created
            left = (now - base).total_seconds()
            if status == Status.CLOSED:
                accepted_at = base + timedelta(seconds=min(left * 0.01, rng.uniform(1800, 30 * 3600)))
                first_reply_at = accepted_at + timedelta(seconds=min(left * 0.3, rng.uniform(1, 20) * DAY))
                closed_at = first_reply_at + timedelta(seconds=min(left * 0.3, rng.uniform(0, 15) * DAY))
                if rng.random() < 0.6:
                    rating = 3 if rng.random() < 0.7 else 2 if rng.random() < 0.67 else 1
                    rated_at = closed_at + timedelta(seconds=min(left * 0.1, rng.uniform(600, 3 * DAY)))
            else:
                accepted_at = base + timedelta(seconds=left * rng.uniform(0.05, 0.4))
                if status == Status.REPLIED:
                    first_reply_at = accepted_at + (now - accepted_at) * rng.uniform(0.2, 0.9)
            staff = w.staff.get(department) or []
            assignee = rng.choice(staff) if staff else None
            if kind == CaseType.COMPLAINT and status != Status.CLOSED and rng.random() < 0.06:
                extended = rng.choice((15, 30))
                finish = finish + timedelta(days=extended)
        if status == Status.MERGED:
            merged_into = rng.randint(max(1, case_id - 20_000), case_id - 1)
        row = {
            "status": status,
            "sign_for_due": sign_for,
            "notify_due": notify,
            "finish_due": finish,
            "dispatched_at": dispatched_at,
            "created_at": created,
            "first_reply_at": first_reply_at,
            "reopened_at": None,
        }
        due = next_due(row)
        alarm_at = None
        if due is not None:
            row.update(assignee_id=assignee.id if assignee else None)
            alarm_at = min((a.at for a in alarms(row, self.policy.reminder_share) if a.at > now), default=None)
            if due < now:
                self.overdue_open += 1
        updated = max(t for t in (created, dispatched_at, accepted_at, first_reply_at, closed_at, rated_at) if t)
        description, wish, details = self._text(kind, category, district, rng)
        address = self._address(district, rng)
        self._events(
            events,
            case_id,
            kind,
            status,
            routed,
            department,
            assignee,
            resident_id,
            channel,
            created,
            dispatched_at,
            accepted_at,
            first_reply_at,
            closed_at,
            rating,
            rated_at,
            returned_from,
            merged_into,
            rng,
        )
        year = created.astimezone(CHINA_TZ).year
        self._years.append(year)
        return (
            case_id,
            format_case_number(year, case_id),
            f"{channel}:seed-{case_id}",
            kind.value,
            category.value,
            district,
            address,
            description,
            wish,
            phone,
            anonymous,
            json.dumps(details, ensure_ascii=False),
            resident_id,
            channel,
            status.value,
            urgent,
            priority,
            department,
            named,
            assignee.id if assignee else None,
            sign_for,
            notify,
            finish,
            extended,
            due,
            alarm_at,
            created,
            updated,
            dispatched_at,
            accepted_at,
            first_reply_at,
            closed_at,
            None,
            0,
            rating,
            rated_at,
            merged_into,
        )

    def _deadlines(self, kind: str, urgent: bool, created: datetime) -> tuple[datetime, datetime, datetime]:
        if urgent:
            d = self.policy.initial(kind, True, created)
            return d.sign_for_due, d.notify_due, d.finish_due
        return _day_deadlines(self.policy, kind, created.astimezone(CHINA_TZ).date())

    def _address(self, district: str, rng: random.Random) -> str:
        streets = STREETS.get(district) or STREETS[rng.choice(tuple(STREETS))]
        base = f"{rng.choice(streets)}{rng.randint(1, 300)}号"
        r = rng.random()
        if r < 0.3:
            return f"{base}{rng.randint(1, 12)}栋{rng.randint(1, 4)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
        if r < 0.4:
            return base + rng.choice(("附近", "院内", "对面", "后院"))
        return base

    def _fill(self, template: str, rng: random.Random) -> str:
        if "{" not in template:
            return template
        return template.format(
            room=rng.choice(ROOMS),
            n=rng.randint(3, 40),
            price=rng.randint(28, 75) * 100,
            year=rng.randint(1985, 2012),
            money=rng.randint(5, 90) * 1000,
            wan=rng.randint(3, 30),
            percent=rng.randint(8, 45),
            days=rng.randint(10, 90),
            month=rng.randint(1, 12),
            floor=rng.randint(5, 18),
            hour=rng.randint(9, 11),
            tree=rng.randint(2, 9),
            age=rng.randint(62, 93),
            k=rng.randint(2, 6),
        )

    def _text(
        self,
        kind: str,
        category: str,
        district: str,
        rng: random.Random,
    ) -> tuple[str, str, dict[str, Any]]:
        if kind == CaseType.ASSISTANCE:
            for_whom = "self" if rng.random() < 0.45 else "other"
            name = _name(rng) + rng.choice(("大爷", "奶奶", "", ""))
            relation = rng.choice(RELATIONS)
            who = "本人申请" if for_whom == "self" else f"{relation}代{name}申请"
            situation = rng.choice(tuple(Situation))
            days = rng.choice(("周末", "工作日上午", "工作日下午", "随时", "下周一到周三"))
            services = rng.sample(tuple(Service), rng.randint(1, 3))
            description = f"{who}；情况：{SITUATION_LABELS[situation]}；方便时间：{days}"
            wish = "、".join(SERVICE_LABELS[s] for s in services)
            details = {
                "for_whom": for_whom,
                "name": name if for_whom == "other" else None,
                "relation": relation if for_whom == "other" else None,
                "situation": situation.value,
                "services": [s.value for s in services],
                "preferred_days": days,
                "attachments": [],
            }
            return description, wish, details
        if kind == CaseType.INQUIRY:
            return rng.choice(self.questions), "", {"contact": None}
        parts = [self._fill(rng.choice(DESCRIPTIONS[category]), rng)]
        if rng.random() < 0.35:
            parts.append(self._fill(rng.choice(DESCRIPTIONS[category]), rng))
        if rng.random() < 0.5:
            parts.append(self._fill(rng.choice(REMARKS), rng))
        wish = rng.choice(WISHES[category])
        return "".join(dict.fromkeys(parts)), wish, {"attachments": []}

    def _events(
        self,
        out: list[tuple],
        case_id: int,
        kind: str,
        status: str,
        routed: bool,
        department: int,
        assignee: StaffUser | None,
        resident_id: int | None,
        channel: str,
        created: datetime,
        dispatched_at: datetime | None,
        accepted_at: datetime | None,
        first_reply_at: datetime | None,
        closed_at: datetime | None,
        rating: int | None,
        rated_at: datetime | None,
        returned_from: int | None,
        merged_into: int | None,
        rng: random.Random,
    ) -> None:
        w = self.world

        def add(
            actor_kind: str, staff: int | None, ev: str, public: bool, text: str, data: dict[str, Any], at: datetime
        ) -> None:
            self._event_id += 1
            out.append(
                (self._event_id, case_id, actor_kind, staff, ev, public, text, json.dumps(data, ensure_ascii=False), at)
            )

        add("resident" if resident_id else "system", None, "created", False, "", {"channel": channel}, created)
        if dispatched_at is None:
            return
        if status == Status.RETURNED:
            add("system", None, "dispatched", False, "", {"department_id": returned_from, "by": "routing"}, created)
            staff = (w.staff.get(returned_from) or [None])[0]
            add(
                "staff" if staff else "system",
                staff.id if staff else None,
                "returned",
                False,
                "不属于本单位职责范围，请重新派单。",
                {"from_department_id": returned_from},
                dispatched_at,
            )
            return
        dispatcher = rng.choice(w.dispatchers)
        if routed:
            add("system", None, "dispatched", False, "", {"department_id": department, "by": "routing"}, dispatched_at)
        else:
            add(
                "staff",
                dispatcher.id,
                "dispatched",
                False,
                "",
                {"from_department_id": w.dispatch_id, "department_id": department},
                dispatched_at,
            )
        if status == Status.MERGED:
            actor = assignee or dispatcher
            into_number = format_case_number(self._years[merged_into], merged_into) if merged_into else None
            add(
                "staff",
                actor.id,
                "merged",
                True,
                "",
                {"into_case_id": merged_into, "into_number": into_number},
                dispatched_at + (self.now - dispatched_at) * 0.3,
            )
            return
        if accepted_at is None or assignee is None:
            return
        name = w.department_name.get(department, "承办单位")
        add("staff", assignee.id, "claimed", True, f"{name}已受理", {}, accepted_at)
        if status == Status.ACCEPTED:
            return
        if rng.random() < 0.5:
            add("staff", assignee.id, "started", False, "", {}, accepted_at + timedelta(minutes=rng.randint(5, 600)))
        if first_reply_at is not None and first_reply_at <= self.now:
            add("staff", assignee.id, "replied", True, rng.choice(REPLIES), {}, first_reply_at)
        if closed_at is not None:
            add("staff", assignee.id, "resolved", True, rng.choice(RESULTS), {}, closed_at)
            if rating is not None and rated_at is not None:
                add("resident" if resident_id else "system", None, "rated", False, "", {"rating": rating}, rated_at)


@lru_cache(maxsize=8192)
def _day_deadlines(policy: DeadlinePolicy, kind: str, day: date) -> tuple[datetime, datetime, datetime]:
    """Deadlines of a non-urgent case filed on `day` (Beijing): they depend on the day only."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=CHINA_TZ).astimezone(UTC)
    d = policy.initial(kind, False, noon)
    return d.sign_for_due, d.notify_due, d.finish_due


@lru_cache(maxsize=1)
def _params() -> dict[str, Any]:
    from knowledge.params import load_params

    return load_params(DEFAULT_KNOWLEDGE_DIR)
