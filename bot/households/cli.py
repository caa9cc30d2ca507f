"""`python -m bot households template FILE`, `python -m bot households import FILE [--apply]` and
`python -m bot households codes --district ID --out FILE.html` (registered by bot/cli.py). Import previews by
default: the per-row report, or what the file would create and change. `codes` issues new one-time binding codes
for a district (voiding the unused old ones) and writes their printable sheet — the only copy of the codes."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.cli_engine import run_with_engine
from bot.settings import Settings

MAX_LINES = 200  # problems printed; the count says how many there are
CHANGES_SHOWN = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    ledger = sub.add_parser("households", help="the household ledger (分户台账)").add_subparsers(
        dest="households_command", required=True
    )
    template = ledger.add_parser("template", help="write the import template (.xlsx, or .csv) with sample rows")
    template.add_argument("file", type=Path)
    template.add_argument("--force", action="store_true", help="replace FILE if it exists")
    template.set_defaults(func=_template)
    run = ledger.add_parser("import", help="check a ledger file and show what it would change; --apply imports it")
    run.add_argument("file", type=Path)
    run.add_argument("--apply", action="store_true", help="import it (one transaction; only a file without problems)")
    run.add_argument("--by", default="", help="who imports, for the change history (default: cli:<login name>)")
    run.set_defaults(func=_import)
    codes = ledger.add_parser("codes", help="new one-time binding codes for a district, as a printable sheet (HTML)")
    codes.add_argument("--district", required=True, help="the district's id in knowledge/params.yaml, e.g. dongguan")
    codes.add_argument("--out", required=True, type=Path, help="the sheet to write (HTML, A4)")
    codes.add_argument("--household", default=None, help="only this 户号 (its old code is voided)")
    codes.add_argument("--base-url", default="", help="the web chat's address (default: ANJU_PUBLIC_BASE_URL)")
    codes.add_argument("--by", default="", help="who issues them (default: cli:<login name>)")
    codes.add_argument("--force", action="store_true", help="replace FILE if it exists")
    codes.set_defaults(func=_codes)


def _template(args: argparse.Namespace) -> int:
    from bot.households.template import write_template
    from knowledge.params import load_params

    if args.file.exists() and not args.force:
        print(f"{args.file} 已存在；用 --force 覆盖。")
        return 1
    settings = Settings.from_env()
    write_template(args.file, load_params(settings.knowledge_dir))
    print(f"模板已写入 {args.file}（示例行均为虚构的示例县数据，导入前请删除）")
    return 0


def _import(args: argparse.Namespace) -> int:
    from bot.cases.workdays import local_day
    from bot.households.ledger import import_file
    from knowledge.params import load_params

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"无法读取 {args.file}：{exc.strerror}")
        return 1
    by = args.by or f"cli:{getpass.getuser()}"

    async def work(engine: AsyncEngine, settings: Settings) -> Any:
        now = datetime.now(UTC)
        return await import_file(
            engine,
            args.file.name,
            data,
            params=load_params(settings.knowledge_dir),
            key=settings.household_id_key,
            by=by,
            now=now,
            today=local_day(now),
            max_bytes=settings.household_import_max_bytes,
            apply=args.apply,
        )

    outcome = run_with_engine(work)
    report = outcome.report
    if not report.ok:
        print(f"未导入：发现 {report.problem_count} 处问题，请改正后重新导入（整份文件都没有导入）。")
        for problem in report.problems[:MAX_LINES]:
            print("  " + problem.line())
        if report.problem_count > MAX_LINES:
            print(f"  ……另有 {report.problem_count - MAX_LINES} 处")
        return 1
    if outcome.result is not None:
        r = outcome.result
        print(
            f"已导入 {len(report.rows)} 户（批次 {r.import_id}）：新增 {r.created}，更新 {r.updated}"
            f"（{r.changes} 项修改已记入历史），未变 {r.unchanged}。"
        )
        return 0
    plan = outcome.plan
    assert plan is not None
    print(f"检查通过：{len(report.rows)} 户，将新增 {len(plan.new)}，更新 {len(plan.changed)}，未变 {plan.unchanged}。")
    for _, values, found in plan.changed[:CHANGES_SHOWN]:
        print(
            f"  {values['head_name']}："
            + "；".join(f"{c.field} {c.old or '（空）'} → {c.new or '（空）'}" for c in found)
        )
    print("这只是预览，没有写入。确认无误后加 --apply 导入。")
    return 0


def _codes(args: argparse.Namespace) -> int:
    import os

    from bot.households.code_sheet import render_sheet, when
    from bot.households.codes import NO_KEY, issue_codes
    from knowledge.params import load_params

    if args.out.exists() and not args.force:
        print(f"{args.out} 已存在；用 --force 覆盖。")
        return 1
    settings = Settings.from_env()
    params = load_params(settings.knowledge_dir)
    names = {str(d["id"]): str(d["name"]) for d in params.get("districts", ())}
    if args.district not in names:
        print(f"没有片区 {args.district}；可选：" + "、".join(f"{i}（{n}）" for i, n in names.items()))
        return 1
    base_url = args.base_url or settings.public_base_url
    if not base_url.startswith(("http://", "https://")):
        print("二维码需要网页聊天的完整地址：请设置 ANJU_PUBLIC_BASE_URL，或加 --base-url https://…")
        return 1
    if not settings.household_id_key:
        print(NO_KEY)
        return 1
    by = args.by or f"cli:{getpass.getuser()}"

    async def work(engine: AsyncEngine, settings: Settings) -> Any:
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            issued = await issue_codes(
                conn,
                settings.household_id_key.encode(),
                args.district,
                now=now,
                days=settings.household_code_days,
                by=by,
                household_no=args.household,
            )
        return now, issued

    now, issued = run_with_engine(work)
    if not issued:
        print(
            f"{names[args.district]}没有户号为 {args.household} 的住户。"
            if args.household
            else "该片区台账里还没有住户。"
        )
        return 1
    html = render_sheet(
        issued,
        base_url=base_url,
        district=names[args.district],
        county=str(params.get("county", "")),
        issued_at=when(now),
        expires=when(issued[0].expires_at),
        inline_css=True,
    )
    # the only copy of the codes: readable by its owner only
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(html)
    print(
        f"已为{names[args.district]} {len(issued)} 户生成绑定码（有效期至 {when(issued[0].expires_at)}），写入 {args.out}。"
        "这些户尚未使用的旧码已作废。打印后请妥善保管或删除此文件：系统不保存绑定码原文。"
    )
    return 0
