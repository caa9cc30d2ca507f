"""`python -m bot …`: serve, chat, kb, calc, db."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:  # imported where used: `python -m bot` starts without loading the knowledge base's modules
    from knowledge.base import KnowledgeBase
    from knowledge.index import MatchResult

# The knowledge directory keeps its own copy of the topic list and the labelled sets (knowledge/eval/README.md says
# how to refresh them from the programme's shared/eval/): a fresh clone checks and evaluates with nothing beside it.
TOPICS_MD = Path("eval") / "TOPICS.md"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="安居助手")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server (chat, staff, webhooks)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=_port)
    serve.add_argument(
        "--telegram-polling",
        action="store_true",
        help="fetch Telegram updates by long polling instead of the webhook (development)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (PostgreSQL only; see docs/deployment-workers.md)",
    )
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)  # a worker of `--workers`
    serve.set_defaults(func=_serve)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.set_defaults(func=_chat)

    kb = sub.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    check = kb.add_parser("check", help="validate entries against TOPICS.md and the parameter file")
    check.add_argument("--topics", type=Path, help="TOPICS.md to check against")
    check.set_defaults(func=_kb_check)
    match = kb.add_parser("match", help="label each question of a JSONL file")
    match.add_argument("--jsonl", required=True, help='file with one JSON object {"q": …} per line, or -')
    match.set_defaults(func=_kb_match)
    ev = kb.add_parser("eval", help="Hit@1, Hit@3, MRR and abstention on a labelled JSONL file")
    ev.add_argument("file")
    ev.add_argument("--misses", action="store_true", help="list the questions answered wrongly")
    ev.set_defaults(func=_kb_eval)
    gaps = kb.add_parser("gaps", help="questions the bot could not answer or whose answer was 没用")
    gaps.add_argument("--limit", type=int, default=50)
    gaps.set_defaults(func=_kb_gaps)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)
    db_backup = db.add_parser(
        "backup",
        help="a consistent copy while the server runs (SQLite backup API; pg_dump), attachments beside it",
    )
    db_backup.add_argument("file", type=Path)
    db_backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    db_backup.set_defaults(func=_db_backup)

    cal = sub.add_parser("calendar", help="the holiday calendar").add_subparsers(dest="calendar_command", required=True)
    cal_check = cal.add_parser("check", help="days in the next 120 without official holiday data (exit 1 if any)")
    cal_check.add_argument("--today", type=date.fromisoformat, help="count from this day (default: today, Beijing)")
    cal_check.add_argument("--days", type=int, default=120)
    cal_check.set_defaults(func=_calendar_check)

    try:
        from bot.compensation.cli import add_parser as add_calc
    except ImportError:  # pragma: no cover - the engine ships with the project
        pass
    else:
        add_calc(sub)

    from bot.cases.cli import add_parser as add_cases  # staff add, demo, routing load

    add_cases(sub)
    from bot.households.cli import add_parser as add_households  # the household ledger: template, import

    add_households(sub)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 1–65535 之间的整数：{text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:  # one line naming the variable, no traceback
        print(f"配置错误（settings error）: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return args.func(args)


def _load_kb(settings: Settings) -> KnowledgeBase:
    from knowledge.base import load_knowledge

    return load_knowledge(settings.knowledge_dir, settings.cache_dir, settings.match_threshold, settings.match_margin)


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.telegram_polling:
        import dataclasses

        settings = dataclasses.replace(settings, telegram_polling=True)
    from bot.app import create_app
    from bot.web.server import run_server

    host = args.host or settings.host
    port = args.port or settings.port
    if args.workers > 1:
        return _serve_workers(args, settings, host, port)
    if not args.reuse_port:
        print(f"安居助手 running: web chat http://{host}:{port}/chat  (Ctrl+C to stop)", flush=True)
    # one log line per request costs more than answering a cached question: off unless ANJU_ACCESS_LOG=1
    access_log = logging.getLogger("aiohttp.access") if settings.access_log else None
    app = create_app(settings)
    app.on_startup.append(_settle_heap)  # after the knowledge base and the database are up
    # timeouts and a connection cap (bot/web/server.py); a worker of `serve --workers N` binds with SO_REUSEPORT:
    # the kernel spreads new connections over the workers
    run_server(app, host, port, access_log=access_log, reuse_port=args.reuse_port)
    return 0


def _serve_workers(args: argparse.Namespace, settings: Settings, host: str, port: int) -> int:
    """`serve --workers N`: PostgreSQL only; the schema upgraded once, then the supervisor (bot/supervisor.py)."""
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.settings import normalise_database_url

    if not normalise_database_url(settings.database_url).startswith("postgresql"):
        print(
            "serve --workers: SQLite stays single-process (one writer at a time: workers would only queue "
            "behind each other, and the limits shared between workers need PostgreSQL's locks). Use "
            "--workers 1 on SQLite, or DATABASE_URL=postgresql://… for several workers.",
            file=sys.stderr,
        )
        return 2
    if settings.telegram_polling or args.telegram_polling:
        print(
            "serve --workers: Telegram polling needs exactly one process (getUpdates hands each update to one "
            "caller); use the webhook with several workers.",
            file=sys.stderr,
        )
        return 2

    async def migrate() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    from bot import supervisor

    print(f"安居助手 running: {args.workers} workers, web chat http://{host}:{port}/chat  (Ctrl+C to stop)", flush=True)
    return supervisor.run(args.workers, host, port, [])


YOUNG_COLLECTION_EVERY = 7000  # net new container objects between two young collections (CPython's default: 700)


async def _settle_heap(_app: object) -> None:
    """Move what start-up built (the knowledge index: ~140,000 objects) out of the garbage collector's view. A
    full collection walks every tracked object — ~100 ms with the index loaded, a pause every resident waiting at
    that moment would feel; frozen, the objects are never examined again (they live as long as the process).

    Young collections a tenth as often: under load every one walks the objects of the requests in flight (batches,
    futures, responses), which are alive, not garbage — 2 % of the server's instructions at CPython's threshold of
    700 (callgrind, /api/chat on PostgreSQL, 32 clients), none measurable at 7,000. What cyclic garbage there is
    waits a little longer; nothing else changes."""
    import gc

    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, older, oldest)


def _chat(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.console import run_console

    return asyncio.run(run_console(settings, sys.stdin, sys.stdout))


def _kb_check(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from knowledge.check import check, check_citations, required_ids
    from knowledge.citations import plan_name
    from knowledge.params import KnowledgeError

    try:
        kb = _load_kb(settings)
    except KnowledgeError as exc:
        print(f"FAIL {exc}")
        return 1
    topics_md = args.topics or settings.knowledge_dir / TOPICS_MD
    if not topics_md.is_file():
        print(f"FAIL topic list not found: {topics_md} (every topic it names must have an entry)")
        return 1
    required = required_ids(topics_md)
    problems = check(kb.entries, required) + check_citations(kb.entries, kb.statutes, plan_name(kb.params))
    for line in problems:
        print(f"FAIL {line}")
    n_q = sum(len(e.questions) for e in kb.entries.values())
    print(
        f"{'FAIL' if problems else 'OK'}: {len(kb.topics)} topics, {len(kb.entries) - len(kb.topics)} intents, "
        f"{n_q} example questions, {len(required)} ids required by {topics_md}, "
        f"{sum(len(a.articles) for a in kb.statutes.acts)} cited articles of {len(kb.statutes.acts)} acts"
    )
    return 1 if problems else 0


def _read_jsonl(path: str) -> list[dict]:
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    rows = []
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON ({exc})") from None
            turns = row.get("turns") if isinstance(row, dict) else None
            if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns):
                rows.append(row)
                continue
            if not isinstance(row, dict) or not isinstance(row.get("q"), str):
                raise SystemExit(f'{path}:{n}: expected an object with a string "q" or a list of strings "turns"')
            rows.append(row)
    return rows


def _matcher(kb: KnowledgeBase) -> Callable[[dict[str, Any]], MatchResult]:
    """Labels a row: {"q": …} by the knowledge base alone, {"turns": […]} by replaying the conversation through the
    dialogue's router (handlers.replay) and taking what it understood the last turn as."""
    from handlers.replay import replay
    from knowledge.index import Candidate, MatchResult

    def match(row: dict[str, Any]) -> MatchResult:
        if "turns" not in row:
            return kb.match(row["q"])
        turn = asyncio.run(replay(kb, row["turns"]))
        return MatchResult(turn.label, turn.score, (Candidate(turn.label, turn.score),) if turn.label else ())

    return match


def _kb_match(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    match = _matcher(_load_kb(settings))
    for row in _read_jsonl(args.jsonl):
        result = match(row)
        key = "turns" if "turns" in row else "q"
        print(json.dumps({key: row[key], "label": result.label, "score": round(result.score, 4)}, ensure_ascii=False))
    return 0


def _kb_eval(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from knowledge.evaluate import LabelledQuestion, evaluate

    rows = _read_jsonl(args.file)
    questions = [
        LabelledQuestion(
            r.get("q") or " → ".join(r["turns"]),
            tuple(r["expect"]) if "expect" in r else (r.get("label"),),
            tuple(r.get("turns") or ()),
        )
        for r in rows
    ]
    kb = _load_kb(settings)
    match = _matcher(kb)
    report = evaluate(kb, questions, lambda item: match({"turns": list(item.turns)} if item.turns else {"q": item.q}))
    print("\n".join(report.lines()))
    if args.misses:
        print("\nmisses:")
        print("\n".join(report.misses) or "(none)")
    return 0


def _kb_gaps(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.gaps import gap_lines, list_gaps

    rows = asyncio.run(list_gaps(settings, args.limit))
    print("\n".join(gap_lines(rows)) if rows else "没有待补充的问题。")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade

    async def run() -> None:
        engine = make_engine(settings.database_url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(run())
    print("database is up to date")
    return 0


def _calendar_check(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.cases.workdays import CalendarError, WorkCalendar, day_ranges, local_day

    path = settings.holidays_path
    try:
        calendar = WorkCalendar.load(path)
    except CalendarError as exc:
        print(f"FAIL {exc}")
        return 1
    today = args.today or local_day(datetime.now(UTC))
    last = date.fromordinal(today.toordinal() + args.days - 1)
    print(f"holiday file: {path}{'' if path.is_file() else ' (not found: the package years only)'}")
    for year in range(today.year, last.year + 1):
        print(f"  {year}: {calendar.source(year)}")
    missing = calendar.uncovered_days(today, args.days)
    if not missing:
        print(f"OK: official holiday data for every day from {today} to {last}")
        return 0
    years = ", ".join(str(y) for y in sorted({d.year for d in missing}))
    print(
        f"FAIL: no official holiday data for {years}: {len(missing)} of the {args.days} days from {today} "
        f"to {last} count Monday to Friday (staff see 暂按周一至周五计算):"
    )
    for first, end in day_ranges(missing):
        print(f"  {first} … {end}" if first != end else f"  {first}")
    print(
        f"Add each year from the State Council's notice (国务院办公厅关于{years.split(', ')[0]}年部分节假日安排的通知) "
        f"to {path} once it is published."
    )
    return 1


def _db_backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.backup import BackupError, attachments_archive, backup, backup_attachments

    if attachments_archive(args.file).exists() and not args.force:  # refused before anything is written
        print(f"FAIL {attachments_archive(args.file)} exists already (--force to replace it)", file=sys.stderr)
        return 1
    try:
        result = backup(settings.database_url, args.file, overwrite=args.force)
        cases = f", {result.cases} cases" if result.cases is not None else ""
        print(f"backup written: {result.path} ({result.bytes:,} bytes{cases})")
        files = backup_attachments(settings.attachments_dir, args.file, overwrite=args.force)
    except BackupError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    if files.path is None:
        print(f"attachments: none yet in {files.directory.resolve()}")
    else:
        print(
            f"attachments written: {files.path} ({files.files} files, {files.bytes:,} bytes from "
            f"{files.directory.resolve()}; restore with tar -xf {files.path} -C {files.directory})"
        )
    return 0
