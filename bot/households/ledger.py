"""The import as staff run it, from the CLI or the dashboard: a file's bytes checked (the report), and, when clean
and asked for, applied in one transaction."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.households.importer import ImportResult, Plan, apply_import, plan_import
from bot.households.reader import FileRefused, read_sheet
from bot.households.validate import Problem, Report, district_names, validate

NO_KEY = "未设置 ANJU_HOUSEHOLD_ID_KEY（身份证号加密用的密钥），不能导入台账；请管理员在配置中设置后再试。"


@dataclass(frozen=True)
class Outcome:
    report: Report
    plan: Plan | None = None  # the preview of a clean file
    result: ImportResult | None = None  # what was written, when applied


def check_file(name: str, data: bytes, params: Mapping, today: date, max_bytes: int) -> Report:
    try:
        sheet = read_sheet(name, data, max_bytes)
    except FileRefused as exc:
        report = Report([], [])
        report.add(Problem(None, "", str(exc)))
        return report
    return validate(sheet, district_names(params), today)


async def import_file(
    engine: AsyncEngine,
    name: str,
    data: bytes,
    *,
    params: Mapping,
    key: str,
    by: str,
    now: datetime,
    today: date,
    max_bytes: int,
    apply: bool,
) -> Outcome:
    """Check the file; preview it; with `apply`, import it in one transaction — only when it has no problem."""
    if not key:
        report = Report([], [])
        report.add(Problem(None, "", NO_KEY))
        return Outcome(report)
    # reading and checking 50,000 rows is seconds of CPU: off the event loop (the dashboard keeps answering)
    report = await asyncio.to_thread(check_file, name, data, params, today, max_bytes)
    if not report.ok:
        return Outcome(report)
    secret = key.encode()
    if not apply:
        async with engine.connect() as conn:
            return Outcome(report, plan=await plan_import(conn, report.rows, secret))
    async with engine.begin() as conn:
        result = await apply_import(
            conn, report.rows, secret, by=by, now=now, file_name=name, sha256=hashlib.sha256(data).hexdigest()
        )
    return Outcome(report, result=result)
