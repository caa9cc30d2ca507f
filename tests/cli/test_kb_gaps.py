"""`python -m bot kb gaps` prints when a question was last asked in Beijing time, as curators read it (issue 9,
point 15: it printed UTC)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import UnansweredQuestion

ROOT = Path(__file__).resolve().parents[2]


async def test_kb_gaps_prints_beijing_time(engine: AsyncEngine, database_url: str) -> None:
    asked = datetime(2026, 9, 15, 20, 30, tzinfo=UTC)  # 04:30 the next morning in Beijing
    async with engine.begin() as conn:
        await conn.execute(
            UnansweredQuestion.__table__.insert(),
            [
                {
                    "normalised": "二号楼电梯",
                    "reason": "abstain",
                    "sample": "请问二号楼电梯什么时候修好",
                    "count": 3,
                    "first_seen": asked,
                    "last_seen": asked,
                }
            ],
        )
    env = {**os.environ, "DATABASE_URL": database_url, "ANJU_CACHE_DIR": str(ROOT / "var" / "cache")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "kb",
        "gaps",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    line = next(x for x in out.decode().splitlines() if "二号楼电梯" in x)
    assert "2026-09-16 04:30" in line and "2026-09-15 20:30" not in line
    assert "北京时间" in out.decode()
