"""`python -m bot …`: serve, chat, kb, calc, db."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.settings import Settings

# The knowledge directory keeps its own copy of the topic list and the labelled sets (knowledge/eval/README.md says
# how to refresh them from the programme's shared/eval/): a fresh clone checks and evaluates with nothing beside it.
TOPICS_MD = Path("eval") / "TOPICS.md"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="安居助手")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server (chat, staff, webhooks)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--telegram-polling", action="store_true",
                       help="fetch Telegram updates by long polling instead of the webhook (development)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes sharing the port (PostgreSQL only; see docs/deployment-workers.md)")
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)  # a worker of `--workers`
    serve.set_defaults(func=_serve)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.set_defaults(func=_chat)

    kb = sub.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    check = kb.add_parser("check", help="validate entries against TOPICS.md and the parameter file")
    check.add_argument("--topics", type=Path, help="TOPICS.md to check against")
    check.set_defaults(func=_kb_check)
    match = kb.add_parser("match", help="label each question of a JSONL file")
    match.add_argument("--jsonl", required=True, help="file with one JSON object {\"q\": …} per line, or -")
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

    try:
        from bot.compensation.cli import add_parser as add_calc
    except ImportError:  # pragma: no cover - the engine ships with the project
        pass
    else:
        add_calc(sub)

    from bot.cases.cli import add_parser as add_cases  # staff add, demo, routing load

    add_cases(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)


def _load_kb(settings: Settings):  # noqa: ANN202
    from knowledge.base import load_knowledge

    return load_knowledge(settings.knowledge_dir, settings.cache_dir, settings.match_threshold, settings.match_margin)


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.telegram_polling:
        import dataclasses

        settings = dataclasses.replace(settings, telegram_polling=True)
    from aiohttp import web

    from bot.app import create_app

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
    # a worker of `serve --workers N` binds with SO_REUSEPORT: the kernel spreads new connections over the workers
    web.run_app(app, host=host, port=port, print=None, access_log=access_log, reuse_port=args.reuse_port or None,
                backlog=1024 if args.reuse_port else 128)
    return 0


def _serve_workers(args: argparse.Namespace, settings: Settings, host: str, port: int) -> int:
    """`serve --workers N`: PostgreSQL only; the schema upgraded once, then the supervisor (bot/supervisor.py)."""
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.settings import normalise_database_url

    if not normalise_database_url(settings.database_url).startswith("postgresql"):
        print("serve --workers: SQLite stays single-process (one writer at a time: workers would only queue "
              "behind each other, and the limits shared between workers need PostgreSQL's locks). Use "
              "--workers 1 on SQLite, or DATABASE_URL=postgresql://… for several workers.", file=sys.stderr)
        return 2
    if settings.telegram_polling or args.telegram_polling:
        print("serve --workers: Telegram polling needs exactly one process (getUpdates hands each update to one "
              "caller); use the webhook with several workers.", file=sys.stderr)
        return 2

    async def migrate() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    from bot import supervisor

    print(f"安居助手 running: {args.workers} workers, web chat http://{host}:{port}/chat  (Ctrl+C to stop)",
          flush=True)
    return supervisor.run(args.workers, host, port, [])


async def _settle_heap(_app: object) -> None:
    """Move what start-up built (the knowledge index: ~140,000 objects) out of the garbage collector's view. A
    full collection walks every tracked object — ~100 ms with the index loaded, a pause every resident waiting at
    that moment would feel; frozen, the objects are never examined again (they live as long as the process)."""
    import gc

    gc.collect()
    gc.freeze()


def _chat(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.console import run_console

    return asyncio.run(run_console(settings, sys.stdin, sys.stdout))


def _kb_check(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from knowledge.check import check, required_ids
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
    problems = check(kb.entries, required)
    for line in problems:
        print(f"FAIL {line}")
    n_q = sum(len(e.questions) for e in kb.entries.values())
    print(f"{'FAIL' if problems else 'OK'}: {len(kb.topics)} topics, {len(kb.entries) - len(kb.topics)} intents, "
          f"{n_q} example questions, {len(required)} ids required by {topics_md}")
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
            if not isinstance(row, dict) or not isinstance(row.get("q"), str):
                raise SystemExit(f'{path}:{n}: expected an object with a string "q"')
            rows.append(row)
    return rows


def _kb_match(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    kb = _load_kb(settings)
    for row in _read_jsonl(args.jsonl):
        result = kb.match(row["q"])
        print(json.dumps({"q": row["q"], "label": result.label, "score": round(result.score, 4)}, ensure_ascii=False))
    return 0


def _kb_eval(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from knowledge.evaluate import LabelledQuestion, evaluate

    rows = _read_jsonl(args.file)
    questions = [
        LabelledQuestion(r["q"], tuple(r["expect"]) if "expect" in r else (r.get("label"),)) for r in rows
    ]
    report = evaluate(_load_kb(settings), questions)
    print("\n".join(report.lines()))
    if args.misses:
        print("\nmisses:")
        print("\n".join(report.misses) or "(none)")
    return 0


def _kb_gaps(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from bot.gaps import list_gaps

    rows = asyncio.run(list_gaps(settings, args.limit))
    if not rows:
        print("没有待补充的问题。")
        return 0
    print(f"{'次数':>4}  {'原因':<6} {'最近':<16} 问题")
    for row in rows:
        reason = "未答" if row.reason == "abstain" else f"没用:{row.topic_id}"
        print(f"{row.count:>4}  {reason:<6} {row.last_seen:%Y-%m-%d %H:%M} {row.sample}")
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
