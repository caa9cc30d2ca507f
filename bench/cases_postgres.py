"""The staff dashboard's queries and 签收 throughput on PostgreSQL with a million cases (issue 3).

    .venv/bin/python -m bench.cases_postgres [--cases 1000000] [--keep] [--baseline 0002] [--explain]
    .venv/bin/python -m bench.cases_postgres --reuse --keep --explain    # measure a kept database again

1. A fresh database (`--database`, default anju_bench_cases, on `--server-url`), the real migrations
   (bot.db.migrate.upgrade), departments / routing rules / staff through the project's own code, then residents,
   N cases and their events bulk-loaded with COPY (bench.cases_seed describes the data), then VACUUM ANALYZE.
2. Dashboard latency through CaseService exactly as a dashboard request calls it, one request at a time, the query
   kinds interleaved in a shuffled order after a warm-up: queues (department staff, supervisor, dispatcher),
   filtered lists, search by case number / phone / text, count_cases for the pager (bounded as the queue page
   bounds it: at most 1,000 matches, or as many as the page reaches), the case page (get_case, which also writes its
   查看 event). Target: p95 ≤ 50 ms for every kind.
3. Claims: K staff of the busiest department call `claim_next` in a loop for a fixed time, concurrently; claims/s,
   and a check that no case was claimed twice (the claimers' results and the CLAIMED events in the database).

With `--baseline REV` the database is first built at migration REV (e.g. 0002, before the dashboard indexes) and
measured, then upgraded to head (the upgrade is timed: it builds the new indexes on the loaded table) and measured
again — the before/after of docs/benchmarks.md. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the slowest call
of every kind. The database is dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import common
from bench.cases_seed import SeedReport, bulk_load, seed_people
from bot.cases import queries
from bot.cases.actors import StaffUser
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.models import Case, Department
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.queries import COUNT_CAP, CaseCount, CaseFilter
from bot.cases.service import CaseService
from bot.cases.vocabulary import DepartmentKind, Role, Status
from bot.db.engine import make_engine
from bot.db.migrate import alembic_config, upgrade
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from bot.staff.queue import PAGE_SIZE, count_cap
from knowledge.params import load_params

NAME = "cases_postgres"
TARGET_P95_MS = 50.0
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "anju_bench_cases"
SEED = 20261127
CLAIMS_DEPARTMENT = "comp_office"
cases = Case.__table__
departments = Department.__table__
staff_users = StaffUserRow.__table__
# search terms that occur in no case (a search that finds nothing must be as quick as one that does)
MISSING_TERMS = ("地铁站", "高铁补贴", "宅基地置换", "拆迁办电话", "学区房指标")


# ---------------------------------------------------------------- who asks, and for what


@dataclass
class Viewers:
    by_department: dict[int, list[StaffUser]]
    supervisors: list[StaffUser]
    dispatchers: list[StaffUser]
    department_code: dict[int, str]

    @property
    def department_staff(self) -> list[StaffUser]:
        return [u for users in self.by_department.values() for u in users]


@dataclass(frozen=True)
class SampleCase:
    id: int
    number: str
    department_id: int | None
    department_kind: str | None
    phone: str | None
    district: str
    texts: tuple[str, ...]  # description, address, wish


@dataclass
class Samples:
    """Real cases to ask for, drawn from the loaded table before measuring: what a viewer searches for or opens is a
    case in their own queue."""

    cases: list[SampleCase]
    by_department: dict[int, list[SampleCase]]

    def in_scope(self, user: StaffUser) -> list[SampleCase]:
        if user.role == Role.DEPARTMENT_STAFF:
            return self.by_department.get(user.department_id or 0, [])
        if user.role == Role.DISPATCHER:
            return [c for c in self.cases if c.department_kind != DepartmentKind.DISCIPLINE]
        return self.cases


async def load_viewers(engine: AsyncEngine) -> Viewers:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    staff_users.c.id,
                    staff_users.c.username,
                    staff_users.c.display_name,
                    staff_users.c.role,
                    staff_users.c.department_id,
                )
                .where(staff_users.c.active.is_(True))
                .order_by(staff_users.c.id)
            )
        ).all()
        codes = dict((await conn.execute(select(departments.c.id, departments.c.code))).all())
    by_department: dict[int, list[StaffUser]] = {}
    supervisors, dispatchers = [], []
    for r in rows:
        user = StaffUser(r.id, r.username, r.display_name, Role(r.role), r.department_id)
        if user.role == Role.SUPERVISOR:
            supervisors.append(user)
        elif user.role == Role.DISPATCHER:
            dispatchers.append(user)
        elif user.role == Role.DEPARTMENT_STAFF and user.department_id is not None:
            by_department.setdefault(user.department_id, []).append(user)
    return Viewers(by_department, supervisors, dispatchers, codes)


async def draw_samples(engine: AsyncEngine, n_cases: int, rng: random.Random) -> Samples:
    ids = rng.sample(range(1, n_cases + 1), min(n_cases, 5000))
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    cases.c.id,
                    cases.c.number,
                    cases.c.department_id,
                    departments.c.kind,
                    cases.c.phone,
                    cases.c.district,
                    cases.c.description,
                    cases.c.address,
                    cases.c.wish,
                )
                .outerjoin(departments, departments.c.id == cases.c.department_id)
                .where(cases.c.id.in_(ids))
            )
        ).all()
    found = [
        SampleCase(
            r.id,
            r.number,
            r.department_id,
            r.kind,
            r.phone,
            r.district,
            (r.description or "", r.address or "", r.wish or ""),
        )
        for r in rows
    ]
    by_department: dict[int, list[SampleCase]] = {}
    for c in found:
        if c.department_id is not None:
            by_department.setdefault(c.department_id, []).append(c)
    return Samples(found, by_department)


def search_term(case: SampleCase, rng: random.Random, short: bool) -> str:
    """What someone remembers of a case: 3–6 characters (or 2) of a run between punctuation in its description,
    address or wish; now and then something found in no case at all."""
    if not short and rng.random() < 0.05:
        return rng.choice(MISSING_TERMS)
    shortest = 2 if short else 3
    words = [w for t in rng.sample(case.texts, 3) for w in _clauses(t) if len(w) >= shortest] or ["补偿款"]
    word = rng.choice(words)
    size = 2 if short else min(len(word), rng.randint(3, 6))
    start = rng.randint(0, len(word) - size)
    return word[start : start + size]


def _clauses(text: str) -> list[str]:
    """Runs of text between punctuation (what a person would copy into the search box)."""
    out, current = [], []
    for ch in text:
        if ch in "，。；：、！？“”（）() ,.;:!?-":
            if current:
                out.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return out


def spell_number(number: str, rng: random.Random) -> str:
    """A case number as staff type it: canonical, lower case without dashes, or full-width."""
    r = rng.random()
    if r < 0.6:
        return number
    if r < 0.85:
        return number.replace("-", "").lower()
    return number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789AJ"})


def spell_phone(phone: str, rng: random.Random) -> str:
    if "-" in phone or rng.random() < 0.7:
        return phone
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


# ---------------------------------------------------------------- the query kinds

Call = Callable[[], Awaitable[Any]]


@dataclass
class Kind:
    key: str
    label: str
    make: Callable[[random.Random], tuple[str, Call]]  # → (what was asked, the call)
    latencies: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    slowest: tuple[float, str, Call | None] = (0.0, "", None)


def kinds(service: CaseService, v: Viewers, s: Samples) -> list[Kind]:
    """The calls bot/staff/queue.py makes (a page of PAGE_SIZE, open cases unless a status is chosen, one status at a
    time, the pager's count with the same filter) and the case page, with viewers and values drawn at random."""
    all_statuses = [st.value for st in Status]
    staff = [u for u in v.department_staff if s.by_department.get(u.department_id or 0)]

    def anyone(rng: random.Random) -> StaffUser:
        r = rng.random()
        if r < 0.4:
            return rng.choice(v.supervisors)
        if r < 0.5:
            return rng.choice(v.dispatchers)
        return rng.choice(staff)

    def listing(user: StaffUser, f: CaseFilter, page: int = 1) -> Call:
        return lambda: service.list_cases(user, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

    def who(user: StaffUser) -> str:
        return (
            v.department_code.get(user.department_id or 0, "")
            if user.role == Role.DEPARTMENT_STAFF
            else user.role.value
        )

    def status_choice(rng: random.Random) -> dict[str, Any]:
        """The queue's status box: open cases (the default), or all, or one status."""
        r = rng.random()
        return {"open_only": True} if r < 0.8 else {} if r < 0.9 else {"statuses": (rng.choice(all_statuses),)}

    # what is asked: (viewer, filter, page)
    def queue_department(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        return rng.choice(staff), CaseFilter(open_only=True), 1

    def queue_supervisor(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        f = CaseFilter(open_only=True) if rng.random() < 0.8 else CaseFilter()
        return rng.choice(v.supervisors), f, rng.choice((1, 1, 1, 2, 3, 4))

    def queue_dispatcher(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        r = rng.random()
        f = (
            CaseFilter(open_only=True)
            if r < 0.6
            else CaseFilter(statuses=("new",))
            if r < 0.8
            else CaseFilter(statuses=("returned",))
        )
        return rng.choice(v.dispatchers), f, 1

    def by_status(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        return anyone(rng), CaseFilter(statuses=(rng.choice(all_statuses),)), 1

    def by_district(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        u = anyone(rng)
        district = rng.choice(s.in_scope(u)).district  # a district that occurs in the viewer's queue
        return u, CaseFilter(district=district, **status_choice(rng)), 1

    def overdue(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        return anyone(rng), CaseFilter(open_only=True, overdue=True), 1

    def search_number(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        u = anyone(rng)
        return u, CaseFilter(search=spell_number(rng.choice(s.in_scope(u)).number, rng), **status_choice(rng)), 1

    def search_phone(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        u = anyone(rng)
        phones = [c.phone for c in s.in_scope(u) if c.phone]
        return u, CaseFilter(search=spell_phone(rng.choice(phones), rng), **status_choice(rng)), 1

    def search_text(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        u = anyone(rng)
        return u, CaseFilter(search=search_term(rng.choice(s.in_scope(u)), rng, False), **status_choice(rng)), 1

    def search_short(rng: random.Random) -> tuple[StaffUser, CaseFilter, int]:
        u = anyone(rng)
        return u, CaseFilter(search=search_term(rng.choice(s.in_scope(u)), rng, True), **status_choice(rng)), 1

    lists = {
        "queue_department": queue_department,
        "queue_supervisor": queue_supervisor,
        "queue_dispatcher": queue_dispatcher,
        "filter_status": by_status,
        "filter_district": by_district,
        "filter_overdue": overdue,
    }
    searches = {
        "search_number": search_number,
        "search_phone": search_phone,
        "search_text": search_text,
        "search_text2": search_short,
    }

    def as_list(make: Callable[[random.Random], tuple[StaffUser, CaseFilter, int]]):  # noqa: ANN202
        def build(rng: random.Random) -> tuple[str, Call]:
            u, f, page = make(rng)
            return f"{who(u)} {_describe(f)}, page {page}", listing(u, f, page)

        return build

    def as_count(choices: dict[str, Callable[[random.Random], tuple[StaffUser, CaseFilter, int]]]):  # noqa: ANN202
        makers = list(choices.values())

        def build(rng: random.Random) -> tuple[str, Call]:
            u, f, page = rng.choice(makers)(rng)
            cap = count_cap(page)  # what the queue page asks for that page
            return f"{who(u)} {_describe(f)}, up to {cap}", lambda: service.count_cases(u, f, cap=cap)

        return build

    def case_page(rng: random.Random) -> tuple[str, Call]:
        u = anyone(rng)
        case = rng.choice(s.in_scope(u))
        ref: int | str = case.id if rng.random() < 0.7 else case.number
        return f"{who(u)} {ref}", lambda: service.get_case(u, ref)

    labels = {
        "queue_department": "queue: department staff, open, page 1 (overdue first)",
        "queue_supervisor": "queue: supervisor, all departments, pages 1–4",
        "queue_dispatcher": "queue: dispatcher (open / 待派单 / 已退单)",
        "filter_status": "filter: one status",
        "filter_district": "filter: district",
        "filter_overdue": "filter: overdue only",
        "search_number": "search: case number",
        "search_phone": "search: phone number",
        "search_text": "search: text, 3–6 characters",
        "search_text2": "search: text, 2 characters",
    }
    out = [Kind(key, labels[key], as_list(make)) for key, make in {**lists, **searches}.items()]
    out += [
        Kind("count_queue", "count_cases: pager of the queues and filters above", as_count(lists)),
        Kind("count_search", "count_cases: pager of the searches above", as_count(searches)),
        Kind("case_page", "get_case: the case page (+ its 查看 event)", case_page),
    ]
    return out


def _describe(f: CaseFilter) -> str:
    parts = [repr(f.search)] if f.search else []
    if f.open_only:
        parts.append("open")
    if f.statuses:
        parts.append("status=" + ",".join(f.statuses))
    if f.district:
        parts.append(f"district={f.district}")
    if f.overdue:
        parts.append("overdue")
    return " ".join(parts) or "all"


def _size(result: Any) -> int:
    if isinstance(result, list):
        return len(result)
    if isinstance(result, CaseCount):
        return result.n
    return 1


async def measure(
    all_kinds: list[Kind], iterations: int, warmup: int, seed: int, progress: Callable[[str], None] = print
) -> None:
    """Every kind `iterations` times, interleaved in a shuffled order, after `warmup` unrecorded calls of each."""
    rng = random.Random(seed)
    for kind in all_kinds:
        kind.latencies.clear()
        kind.rows.clear()
        kind.slowest = (0.0, "", None)
    warm = [k for k in all_kinds for _ in range(warmup)]
    rng.shuffle(warm)
    for kind in warm:
        _, call = kind.make(rng)
        await call()
    schedule = [k for k in all_kinds for _ in range(iterations)]
    rng.shuffle(schedule)
    started = last = time.perf_counter()
    for i, kind in enumerate(schedule, 1):
        asked, call = kind.make(rng)
        t0 = time.perf_counter()
        result = await call()
        ms = (time.perf_counter() - t0) * 1000
        kind.latencies.append(ms)
        kind.rows.append(_size(result))
        if ms > kind.slowest[0]:
            kind.slowest = (ms, asked, call)
        now = time.perf_counter()
        if now - last >= 10 or i == len(schedule):
            progress(f"  {i:>5} / {len(schedule)} calls  {now - started:6.1f} s")
            last = now


def latency_rows(all_kinds: list[Kind]) -> list[list[object]]:
    out = []
    for k in all_kinds:
        lat = sorted(k.latencies)
        p95 = common.percentile(lat, 95)
        out.append(
            [
                k.label,
                len(lat),
                f"{common.percentile(lat, 50):.1f}",
                f"{p95:.1f}",
                f"{common.percentile(lat, 99):.1f}",
                f"{lat[-1]:.1f}",
                f"{statistics.mean(k.rows):.0f}",
                "yes" if p95 <= TARGET_P95_MS else "**no**",
            ]
        )
    return out


LATENCY_HEADERS = ["query (CaseService)", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "rows / count", "p95 ≤ 50"]


# ---------------------------------------------------------------- EXPLAIN of the slowest calls


class StatementCapture:
    """The SQL (with parameters) the engine sends while capturing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
    ) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    @contextlib.contextmanager
    def capturing(self):  # noqa: ANN201
        self.statements.clear()
        self.on = True
        try:
            yield self.statements
        finally:
            self.on = False


async def explain_slowest(engine: AsyncEngine, capture: StatementCapture, all_kinds: list[Kind]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT the slowest call of each kind sent (called again to capture)."""
    out = []
    for kind in all_kinds:
        ms, asked, call = kind.slowest
        if call is None:
            continue
        with capture.capturing() as statements:
            await call()
        for statement, parameters in list(statements):
            if not statement.lstrip().upper().startswith("SELECT") or "FROM cases" not in statement:
                continue
            async with engine.connect() as conn:
                await queries._plan_per_call(conn)  # the planner settings the call ran with
                plan = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)).all()
            out.append(
                f"### {kind.label} — slowest {ms:.1f} ms: {asked}\n{statement}\n-- {parameters}\n"
                + "\n".join(r[0] for r in plan)
                + "\n"
            )
    return "\n".join(out)


# ---------------------------------------------------------------- claims


@dataclass
class ClaimRun:
    claimers: int
    seconds: float
    claims: int
    latencies: list[float]
    empty: int
    duplicates: int
    db_duplicates: int
    wrong_owner: int
    client_cpu: float  # share of one core this process (service layer, SQLAlchemy, asyncpg) used

    @property
    def per_second(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0


async def run_claims(engine: AsyncEngine, service: CaseService, users: list[StaffUser], seconds: float) -> ClaimRun:
    """`users` call claim_next concurrently for `seconds`; then check every case was claimed once, by its owner."""
    got: list[tuple[int, int]] = []
    latencies: list[float] = []
    empty = 0
    started_at = datetime.now(UTC)
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = t_start + seconds

    async def claimer(user: StaffUser) -> None:
        nonlocal empty
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            detail = await service.claim_next(user)
            latencies.append((time.perf_counter() - t0) * 1000)
            if detail is None:
                empty += 1
                return
            got.append((detail.id, user.id))

    await asyncio.gather(*(claimer(u) for u in users))
    elapsed = time.perf_counter() - t_start
    client_cpu = (time.process_time() - cpu_start) / elapsed
    ids = [case_id for case_id, _ in got]
    duplicates = len(ids) - len(set(ids))
    async with engine.connect() as conn:
        db_duplicates = int(
            await conn.scalar(
                text(
                    "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind = 'claimed' AND created_at >= :t "
                    "GROUP BY case_id HAVING count(*) > 1) d"
                ),
                {"t": started_at},
            )
            or 0
        )
        db_claims = int(
            await conn.scalar(
                text("SELECT count(*) FROM case_events WHERE kind = 'claimed' AND created_at >= :t"), {"t": started_at}
            )
            or 0
        )
        owners = (
            dict((await conn.execute(select(cases.c.id, cases.c.assignee_id).where(cases.c.id.in_(ids)))).all())
            if ids
            else {}
        )
    wrong_owner = sum(1 for case_id, user_id in got if owners.get(case_id) != user_id)
    wrong_owner += abs(db_claims - len(ids))  # a claim the claimers did not see, or one they saw twice
    return ClaimRun(len(users), elapsed, len(got), latencies, empty, duplicates, db_duplicates, wrong_owner, client_cpu)


def claim_rows(runs: list[tuple[str, ClaimRun]]) -> list[list[object]]:
    out = []
    for phase, r in runs:
        lat = sorted(r.latencies)
        out.append(
            [
                phase,
                r.claimers,
                f"{r.seconds:.1f}",
                r.claims,
                f"{r.per_second:.0f}",
                f"{common.percentile(lat, 50):.1f}",
                f"{common.percentile(lat, 95):.1f}",
                f"{common.percentile(lat, 99):.1f}",
                f"{r.client_cpu:.0%}",
                r.duplicates + r.db_duplicates + r.wrong_owner,
            ]
        )
    return out


CLAIM_HEADERS = [
    "schema",
    "claimers",
    "s",
    "claims",
    "claims/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "client CPU",
    "claimed twice",
]


# ---------------------------------------------------------------- the database


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://").replace("postgres://", "postgresql://")


def with_database(server_url: str, name: str) -> str:
    base, _, _ = _dsn(server_url).rpartition("/")
    return f"{base}/{name}"


async def database_exists(server_url: str, name: str) -> bool:
    conn = await asyncpg.connect(_dsn(server_url))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def create_database(server_url: str, name: str, drop_first: bool) -> None:
    conn = await asyncpg.connect(_dsn(server_url))
    try:
        if drop_first:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def server_facts(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        facts = {"version": (await conn.fetchval("SHOW server_version")).split()[0]}
        for setting in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "max_parallel_workers_per_gather",
        ):
            facts[setting] = await conn.fetchval(f"SHOW {setting}")
        facts["database size"] = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        facts["cases table"] = await conn.fetchval("SELECT pg_size_pretty(pg_table_size('cases'))")
        facts["cases indexes"] = await conn.fetchval("SELECT pg_size_pretty(pg_indexes_size('cases'))")
        facts["case_events rows"] = f"{await conn.fetchval('SELECT count(*) FROM case_events'):,}"
        facts["revision"] = await conn.fetchval("SELECT version_num FROM alembic_version")
        return facts
    finally:
        await conn.close()


async def vacuum_analyze(url: str) -> float:
    t0 = time.perf_counter()
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute("VACUUM (ANALYZE) cases")
    finally:
        await conn.close()
    return time.perf_counter() - t0


async def count_cases_in(url: str) -> int:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM cases"))
    finally:
        await conn.close()


# ---------------------------------------------------------------- one phase: latency, then claims


@dataclass
class Phase:
    revision: str
    kinds: list[Kind]
    claims: list[ClaimRun]
    explain: str = ""


@contextlib.contextmanager
def queries_as_of_0002() -> Iterator[None]:
    """bot.cases.queries as it was with schema 0002: ILIKE for every search term (0003's bigram function does not
    exist yet), PostgreSQL's own plan caching, and exact pager counts."""
    words, plan_per_call, count = queries._words, queries._plan_per_call, queries.count_cases

    async def cached_plans(_conn: object) -> None:
        return None

    async def exact_count(
        conn: Any, viewer: StaffUser, f: CaseFilter, now: datetime, _cap: int | None = None
    ) -> CaseCount:
        return await count(conn, viewer, f, now, None)

    queries._words = lambda term, _dialect: words(term, "sqlite")
    queries._plan_per_call = cached_plans
    queries.count_cases = exact_count
    try:
        yield
    finally:
        queries._words, queries._plan_per_call, queries.count_cases = words, plan_per_call, count


async def run_phase(
    engine: AsyncEngine,
    service: CaseService,
    viewers: Viewers,
    samples: Samples,
    args: argparse.Namespace,
    revision: str,
    capture: StatementCapture | None,
) -> Phase:
    print(f"\n== dashboard queries (schema {revision}): {args.iterations} calls per kind, {args.warmup} warm-up ==")
    all_kinds = kinds(service, viewers, samples)
    old = revision < "0003"
    backends = common.PostgresBackends(engine.url.render_as_string(hide_password=False))
    await backends.start()
    cpu0 = time.process_time()
    with queries_as_of_0002() if old else contextlib.nullcontext():
        await measure(all_kinds, args.iterations, args.warmup, args.seed)
    calls = len(all_kinds) * (args.iterations + args.warmup)
    app_ms, db_ms = (time.process_time() - cpu0) * 1000 / calls, await backends.seconds() * 1000 / calls
    print(common.table(LATENCY_HEADERS, latency_rows(all_kinds)))
    print(
        f"CPU per call, all kinds together ({calls} calls with the warm-up): this process (service, SQLAlchemy, "
        f"asyncpg) {app_ms:.2f} ms, PostgreSQL backends {db_ms:.2f} ms"
    )
    explain = ""
    if capture is not None:
        with queries_as_of_0002() if old else contextlib.nullcontext():
            explain = await explain_slowest(engine, capture, all_kinds)
        print("\n" + explain)
    runs = []
    claimers_pool = viewers.by_department.get(
        next(i for i, c in viewers.department_code.items() if c == CLAIMS_DEPARTMENT), []
    )
    for k in args.claimers if args.claim_seconds > 0 else ():
        users = claimers_pool[:k]
        if len(users) < k:
            print(f"  only {len(users)} staff in {CLAIMS_DEPARTMENT}; claimers = {len(users)}")
        print(f"\n== claims (schema {revision}): {len(users)} concurrent staff, {args.claim_seconds:.0f} s ==")
        run = await run_claims(engine, service, users, args.claim_seconds)
        print(common.table(CLAIM_HEADERS, claim_rows([(revision, run)])))
        if run.empty:
            print(f"  the queue ran empty ({run.empty} claimers found nothing)")
        runs.append(run)
    return Phase(revision, all_kinds, runs, explain)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cases_postgres", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--server-url", default=DEFAULT_SERVER, help="any database on the server (to create ours)")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--keep", action="store_true", help="leave the database in place at the end")
    parser.add_argument("--reuse", action="store_true", help="measure an existing (kept) database; no seeding")
    parser.add_argument("--fresh", action="store_true", help="drop an existing database of that name first")
    parser.add_argument("--baseline", metavar="REV", help="build and measure at REV first, then upgrade to head")
    parser.add_argument("--iterations", type=int, default=200, help="calls per query kind (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="unrecorded calls per kind first")
    parser.add_argument("--claimers", type=lambda s: [int(x) for x in s.split(",")], default=[8, 20])
    parser.add_argument("--claim-seconds", type=float, default=20.0)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) of each kind's slowest call")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, argv: list[str]) -> int:
    print(f"machine: {common.machine_line()}")
    url = with_database(args.server_url, args.database)
    exists = await database_exists(args.server_url, args.database)
    if args.reuse and not exists:
        print(f"--reuse: there is no database {args.database}", file=sys.stderr)
        return 2
    if exists and not (args.reuse or args.fresh):
        print(
            f"database {args.database} exists: pass --reuse to measure it again, or --fresh to replace it",
            file=sys.stderr,
        )
        return 2
    params = load_params(DEFAULT_KNOWLEDGE_DIR)
    seed_report: SeedReport | None = None
    seconds_setup = 0.0
    if not args.reuse:
        await create_database(args.server_url, args.database, drop_first=exists)
    engine = make_engine(url)
    capture = StatementCapture(engine) if args.explain else None
    upgrade_seconds = None
    try:
        first_revision = args.baseline or "head"
        if not args.reuse:
            print(f"\n== seeding {args.database}: migrations to {first_revision}, {args.cases:,} cases ==")
            t0 = time.perf_counter()
            await upgrade(engine, first_revision)
            now = datetime.now(UTC)
            world = await seed_people(engine, params, now)
            seconds_setup = time.perf_counter() - t0
            print(
                f"  migrations, departments, rules, {sum(len(x) for x in world.staff.values()) + 5} staff: "
                f"{seconds_setup:.1f} s"
            )
            seed_report = await bulk_load(
                _dsn(url), world, DeadlinePolicy.from_params(params), args.cases, now, args.seed
            )
            seed_report.seconds_setup = seconds_setup
            total = seed_report.seconds_cases + seed_report.seconds_analyze + seconds_setup
            print(
                f"  seeded in {total:.0f} s: {seed_report.cases:,} cases ({seed_report.open:,} open, "
                f"{seed_report.overdue_open:,} of them overdue), {seed_report.events:,} events, "
                f"{seed_report.residents:,} residents"
            )
        else:
            await upgrade(engine, first_revision)
        n_cases = await count_cases_in(url)
        viewers = await load_viewers(engine)
        service = CaseService(engine, params, lambda: datetime.now(UTC))
        rng = random.Random(args.seed)
        samples = await draw_samples(engine, n_cases, rng)
        phases: list[Phase] = []
        facts_before = None
        if args.baseline:
            facts_before = await server_facts(url)
            phases.append(await run_phase(engine, service, viewers, samples, args, args.baseline, capture))
            print("\n== upgrade to head on the loaded table ==")
            t0 = time.perf_counter()
            await upgrade(engine, "head")
            upgrade_seconds = time.perf_counter() - t0
            analyze_seconds = await vacuum_analyze(url)
            print(f"  upgrade {upgrade_seconds:.1f} s, VACUUM ANALYZE cases {analyze_seconds:.1f} s")
        facts = await server_facts(url)
        phases.append(await run_phase(engine, service, viewers, samples, args, facts["revision"], capture))
    finally:
        await engine.dispose()
        if not args.keep:
            await drop_database(args.server_url, args.database)
            print(f"\ndropped database {args.database}")
    body = report(args, argv, n_cases, seed_report, facts, facts_before, phases, upgrade_seconds)
    if not args.no_record:
        common.update_section(
            NAME, f"Dashboard queries and claims on PostgreSQL, {n_cases:,} cases (`bench.{NAME}`)", body
        )
        print(f"\nrecorded in {common.BENCHMARKS_MD.relative_to(common.PROJECT_ROOT)}")
    return 0


# what EXPLAIN (ANALYZE, BUFFERS) of the slowest calls showed (`--baseline 0002 --explain`), and what changed
FINDINGS = """
EXPLAIN (ANALYZE, BUFFERS) at 0002: no index returned open cases in queue order, so every page top-N-sorted all open
cases of the department (bitmap heap scan of ~73,000 rows for 补偿办) or of the county (parallel seq scan of the whole
table), 已办结 lists sorted ~745,000 rows, ILIKE search was a seq scan, and counts read every matching row. Migration
0003 adds indexes in the queue order, a small deduplicated index for index-only counts, pg_trgm (3+ characters) and
bigram (2 characters) GIN indexes and planner statistics; list_cases / count_cases now plan each call for its values
(a cached generic plan had turned every two-character search into a full scan of the trigram index: 2–5 s), without
parallel workers (a walk of the queue that PostgreSQL split across two workers took 30–60 ms where one process takes
10–20, the workers' start-up dominating on a busy machine). The pager's count is bounded: count_cases counts at most
1,000 matches (or as many as the requested page reaches) and says whether that was all of them; the queue page then
shows "1000+ 件" and a next page instead of a total. An exact count of a common search term had to read every case
that matched — 100–400 ms for a word found in tens of thousands of cases, 1–2 s for one in nearly every case ("20" is
in every case number); the bounded one stops at the 1,001st. Counts at 0002 above are exact, as the pager was then.
"""
# why a kind can still miss the target, for the record
WHY_SLOW = {
    "count_queue": "a count of a filter matching few of the viewer's cases reads all of them (up to 1,000) from the "
    "table, since district, overdue and the like are not all in one index with the viewer's scope",
    "count_search": "a bounded count still reads up to 1,001 matching cases; for a term common in the county but "
    "rarer in the viewer's queue or status PostgreSQL intersects the term's index entries with the "
    "hundreds of thousands of the queue's (BitmapAnd), and a term it thinks common is looked for by "
    "reading the table in order until 1,001 are found",
    "search_text": "a term whose cases sit in one department looks rare to the planner (it takes text and department "
    "as independent), which then collects and sorts the matches instead of walking the queue; and a "
    "term never found in urgent or priority cases (which come first in a 已办结 list) makes a walk of "
    "the queue read 100,000 rows or more before its first match",
    "search_text2": "a term whose cases sit in one department looks rare to the planner (it takes text and department "
    "as independent), which then collects and sorts the matches instead of walking the queue; and a "
    "term never found in urgent or priority cases (which come first in a 已办结 list) makes a walk of "
    "the queue read 100,000 rows or more before its first match",
}


def report(
    args: argparse.Namespace,
    argv: list[str],
    n_cases: int,
    seed: SeedReport | None,
    facts: dict[str, str],
    facts_before: dict[str, str] | None,
    phases: list[Phase],
    upgrade_seconds: float | None,
) -> str:
    final = phases[-1]
    worst = max(final.kinds, key=lambda k: common.percentile(sorted(k.latencies), 95))
    worst_p95 = common.percentile(sorted(worst.latencies), 95)
    met = all(common.percentile(sorted(k.latencies), 95) <= TARGET_P95_MS for k in final.kinds)
    lines = [common.record_header(common.command_line(f"bench.{NAME}", argv)).rstrip("\n")]
    lines.append(
        f"- PostgreSQL {facts['version']} on the same machine, server settings as installed: shared_buffers "
        f"{facts['shared_buffers']}, work_mem {facts['work_mem']}, effective_cache_size "
        f"{facts['effective_cache_size']}, random_page_cost {facts['random_page_cost']}, "
        f"max_parallel_workers_per_gather {facts['max_parallel_workers_per_gather']}"
    )
    lines.append(
        f"- data: {n_cases:,} cases, {facts['case_events rows']} events; database {facts['database size']} "
        f"(cases: table {facts['cases table']}, indexes {facts['cases indexes']} at {facts['revision']}"
        + (f"; {facts_before['cases indexes']} at {facts_before['revision']}" if facts_before else "")
        + ")"
    )
    if seed is not None:
        shares = ", ".join(
            f"{s} {n / seed.cases:.1%}" for s, n in sorted(seed.status_counts.items(), key=lambda x: -x[1]) if n
        )
        lines.append(
            f"- seed: {seed.seconds_setup + seed.seconds_cases + seed.seconds_analyze:.0f} s in all — migrations, "
            f"departments, rules and staff {seed.seconds_setup:.1f} s; COPY of {seed.residents:,} residents, "
            f"{seed.cases:,} cases and {seed.events:,} events {seed.seconds_cases:.0f} s "
            f"({seed.cases / seed.seconds_cases:,.0f} cases/s with their events); VACUUM ANALYZE "
            f"{seed.seconds_analyze:.0f} s. Statuses: {shares}; {seed.open:,} open cases, {seed.overdue_open:,} "
            f"({seed.overdue_open / max(seed.open, 1):.0%}) of them overdue"
        )
    if upgrade_seconds is not None:
        applied = "; ".join(f"{rev} {title}" for rev, title in revisions_between(phases[0].revision, final.revision))
        lines.append(
            f"- `upgrade` {phases[0].revision} → {final.revision} ({applied}) on the loaded table: "
            f"{upgrade_seconds:.0f} s, building the new indexes on {n_cases:,} rows and ANALYZE — on a live "
            f"database, writes to cases wait that long"
        )
    lines.append(
        f"- what: the CaseService calls of the dashboard's queue page (bot/staff/queue.py: {PAGE_SIZE} a page, open "
        f"cases unless a status is chosen, the pager's count_cases with the same filter, up to {COUNT_CAP:,} "
        f"matches or as many as the page reaches) and of the case page, one at a time, {args.iterations} per kind "
        f"with varied viewers and values, kinds interleaved in a shuffled order after {args.warmup} warm-up calls "
        f"each; latency measured around the service call (pool, SQLAlchemy, "
        f"asyncpg, result mapping). Viewers: staff of every department, supervisors, dispatchers; what they look for "
        f"comes from cases in their own queue (district, case number, phone, 3–6 or 2 characters of the description, "
        f"address or wish), plus terms found nowhere"
    )
    lines.append(
        f"- result: worst p95 {worst_p95:.1f} ms ({worst.label}); target p95 ≤ {TARGET_P95_MS:.0f} ms for "
        f"every kind: {common.verdict(met)}"
    )
    body = "\n".join(lines) + "\n\n"
    body += f"Latency at schema {final.revision}:\n\n" + common.table(LATENCY_HEADERS, latency_rows(final.kinds))
    if len(phases) > 1:
        before = phases[0]
        rows = []
        for b, a in zip(before.kinds, final.kinds, strict=True):
            lb, la = sorted(b.latencies), sorted(a.latencies)
            rows.append(
                [
                    a.label,
                    f"{common.percentile(lb, 50):.1f}",
                    f"{common.percentile(lb, 95):.1f}",
                    f"{common.percentile(la, 50):.1f}",
                    f"{common.percentile(la, 95):.1f}",
                ]
            )
        body += f"\n\nBefore / after migration {final.revision} (same data, same calls):\n\n" + common.table(
            [
                "query",
                f"p50 ms {before.revision}",
                f"p95 ms {before.revision}",
                f"p50 ms {final.revision}",
                f"p95 ms {final.revision}",
            ],
            rows,
        )
    claim_runs = [(p.revision, r) for p in phases for r in p.claims]
    body += (
        f"\n\nClaims (`claim_next` in a loop, staff of {CLAIMS_DEPARTMENT}, concurrently; each claim is the "
        f"whole service call: SKIP LOCKED pick, update, 签收 event, outbox row, the case page returned; one "
        f"Python process, so 'client CPU' near 100 % means the claimers' own process is the limit). "
        f"'claimed twice' counts duplicates among the claimers' results, cases with two CLAIMED events and "
        f"cases whose assignee is not the claimer:\n\n" + common.table(CLAIM_HEADERS, claim_rows(claim_runs))
    )
    findings = " ".join(FINDINGS.split())
    missed = [k for k in final.kinds if common.percentile(sorted(k.latencies), 95) > TARGET_P95_MS]
    if missed:
        reasons = "; ".join(
            f"{k.label} (p95 {common.percentile(sorted(k.latencies), 95):.0f} ms): "
            f"{WHY_SLOW.get(k.key, 'see --explain')}"
            for k in missed
        )
        findings += f"\n\nStill above {TARGET_P95_MS:.0f} ms at p95 — {reasons}."
    body = body.replace("\n\nClaims (", "\n\n" + findings + "\n\nClaims (", 1)
    return body


def revisions_between(base: str, head: str) -> list[tuple[str, str]]:
    """(revision, title) of the migrations an upgrade from `base` to `head` applies, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    found = [(r.revision, (r.doc or "").splitlines()[0]) for r in script.iterate_revisions(head, base)]
    return list(reversed(found))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    return asyncio.run(run(args, argv))


if __name__ == "__main__":
    sys.exit(main())
