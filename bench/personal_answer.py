"""A personal answer's latency (issue 14, point 3): a bound resident asks about their own household ("俺家能补多少",
"过渡费发到几月了", "选房号" …) through the dialogue — `DialogueService.handle`, the whole transaction: dedupe key,
resident and state locked, the household file read (one indexed query), the answer built (the compensation
engine on the household's own appraisal for "能补多少"), everything committed — beside a general knowledge answer
("过渡费怎么算" …) from the same residents, in the same run, alternating message by message so that both meet the
same load.

    .venv/bin/python -m bench.personal_answer [--households 20000] [--residents 500] [--n 3000] [--no-record]
    .venv/bin/python -m bench.personal_answer --postgres postgresql://postgres@127.0.0.1:5432/postgres

The ledger is the invented 示例县 one of bench.households_import, imported the way staff import it; residents are
bound by inserting their binding rows (what the binding flow leaves). Messages are sent one at a time (latency,
not throughput). Target: a personal answer's p99 within 2 × the general answer's p99 plus 5 ms."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import common
from bench.households_import import create_database, csv_file, drop_database, import_ledger, records
from bot.core.dialogue import DialogueService
from bot.core.messages import Channel, Inbound, InboundKind
from bot.db.base import table_of
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.db.models import Resident
from bot.dialogue_wiring import dialogue_service
from bot.households.models import Household, HouseholdBinding
from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from knowledge.base import load_knowledge
from knowledge.params import load_params

NAME = "personal_answer"
PERSONAL = (
    "俺家能补多少",
    "我家评估价多少",
    "协议签了没",
    "俺的选房号是几号",
    "过渡费发到几月了",
    "补偿款到账没",
    "我家面积多少",
)
GENERAL = (
    "过渡费怎么算",
    "搬迁费怎么算",
    "评估价怎么定",
    "签协议要带什么",
    "选房怎么选",
    "补偿款多久到账",
    "装修怎么补",
)
WARMUP = 100
SEED = 20261202


async def prepare(url: str, households: int, residents: int) -> list[str]:
    """Migrate, import the ledger, bind `residents` web residents to random households; their user keys."""
    engine = make_engine(url)
    try:
        await upgrade(engine)
        outcome = await import_ledger(
            engine, "ledger.csv", csv_file(records(households)), load_params(DEFAULT_KNOWLEDGE_DIR)
        )
        assert outcome.result is not None, outcome.report.problems[:3]
        return await _bind(engine, residents)
    finally:
        await engine.dispose()


async def _bind(engine: AsyncEngine, n: int) -> list[str]:
    now = datetime.now(UTC)
    keys = [f"bench-{i:05d}" for i in range(n)]
    rng = random.Random(SEED)
    async with engine.begin() as conn:
        ids = [int(i) for i in (await conn.execute(select(table_of(Household).c.id))).scalars()]
        rows = [{"channel": "web", "user_key": k, "created_at": now, "last_seen_at": now} for k in keys]
        await conn.execute(insert(table_of(Resident)), rows)
        residents = table_of(Resident)
        found = (await conn.execute(select(residents.c.id, residents.c.user_key))).all()
        chosen = rng.sample(ids, len(found))
        await conn.execute(
            insert(table_of(HouseholdBinding)),
            [
                {
                    "household_id": h,
                    "resident_id": r.id,
                    "via": "code",
                    "label": f"网页用户 …{r.user_key[-4:]}",
                    "bound_at": now,
                }
                for h, r in zip(chosen, found, strict=True)
            ],
        )
    return keys


async def measure(url: str, keys: list[str], n: int) -> dict[str, list[float]]:
    """Milliseconds per message, by kind, alternating personal and general questions of random bound residents."""
    s = Settings()
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, common.PROJECT_ROOT / "var" / "cache", s.match_threshold, s.match_margin)
    engine = make_engine(url)
    service: DialogueService = dialogue_service(engine, kb)
    rng = random.Random(SEED)
    times: dict[str, list[float]] = {"personal": [], "general": [], "estimate": []}
    try:
        for i in range(WARMUP + 2 * n):
            kind = "personal" if i % 2 == 0 else "general"
            text = rng.choice(PERSONAL if kind == "personal" else GENERAL)
            inbound = Inbound(Channel.WEB, rng.choice(keys), f"bench-{i}", InboundKind.TEXT, text)
            start = time.perf_counter_ns()
            replies = await service.handle(inbound)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            if i == WARMUP and kind == "personal":
                assert "【您家的台账】" in replies[0].text, replies[0].text  # a personal answer, not the general one
            if i >= WARMUP:
                times[kind].append(elapsed)
                if text == PERSONAL[0]:  # the heaviest: the compensation engine on the household's appraisal
                    times["estimate"].append(elapsed)
    finally:
        await service.close()
        await engine.dispose()
    return times


def summary(values: list[float]) -> list[str]:
    ordered = sorted(values)
    return [
        str(len(ordered)),
        *(f"{common.percentile(ordered, p):.2f}" for p in (50, 90, 99)),
        f"{ordered[-1]:.2f}",
        f"{sum(ordered) / len(ordered):.2f}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--n", type=int, default=3000, help="messages of each kind")
    parser.add_argument("--postgres", help="also on PostgreSQL: a server URL (a fresh database for the run)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    start_load = os.getloadavg()[0]
    lines = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'personal.db'}")]
        pg_url = asyncio.run(create_database(args.postgres)) if args.postgres else None
        if pg_url:
            targets.append(("PostgreSQL", pg_url))
        try:
            for label, url in targets:
                keys = asyncio.run(prepare(url, args.households, args.residents))
                times = asyncio.run(measure(url, keys, args.n))
                personal, general = sorted(times["personal"]), sorted(times["general"])
                ok &= common.percentile(personal, 99) <= 2 * common.percentile(general, 99) + 5
                lines.append([label, "personal (own household file)", *summary(personal)])
                lines.append([label, f"… of which {PERSONAL[0]} (estimate)", *summary(times["estimate"])])
                lines.append([label, "general (knowledge answer)", *summary(general)])
                print(*lines[-3:], sep="\n", flush=True)
        finally:
            if pg_url:
                asyncio.run(drop_database(args.postgres, pg_url))
    body = common.record_header(common.command_line("bench.personal_answer", sys.argv[1:] if argv is None else argv))
    body += (
        f"- what: {args.households:,} invented households of 示例县 imported, {args.residents} web residents bound to "
        f"random ones; {args.n} personal questions ({'、'.join(PERSONAL)}) and {args.n} general ones "
        f"({'、'.join(GENERAL)}) from random bound residents, alternating, one at a time through "
        f"`DialogueService.handle` (the whole transaction, committed), after {WARMUP} warm-up messages\n"
    )
    body += (
        f"- result: personal p99 within 2 × general p99 + 5 ms: {common.verdict(ok)}; "
        f"load average at start {start_load:.2f}\n\n"
    )
    body += common.table(["database", "answer", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms"], lines)
    print(body)
    if not args.no_record:
        common.update_section(NAME, "Personal answer latency (`bench.personal_answer`)", body)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
