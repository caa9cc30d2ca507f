"""Notifications through the outbox to Telegram: N rows in the outbox table, delivered by the outbox worker
through TelegramSender (PTB, PacedRateLimiter) to the fake Bot API in another process, which enforces
30 messages/s overall and 1 message/s per chat (sliding windows on real time) and answers 429 beyond that.

    .venv/bin/python -m bench.outbox_telegram [--messages 10000] [--chats 2000] [--no-record]

Targets: zero 429 responses; a sustained rate ≥ 90 % of the allowed 30/s (≥ 27 messages/s), measured by the
fake server from the first accepted message to the last. The notifications come in bursts of 1–3 to the same
resident (a staff reply and a status change together), so per-chat pacing is exercised: the worker claims one
message per chat at a time, for chats whose second has passed, and moves the chat's others to when it has.
Takes about N / 29 seconds (≈ 6 minutes for 10,000).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench import common

OVERALL, PER_CHAT = 30, 1
TARGET_RATE = 0.9 * OVERALL
SEED = 20260915
WORKER_NOTE = (
    "- how: `OutboxWorker.tick` exactly as the app runs it — each tick claims a batch of 50, looking up to 200 due "
    "rows ahead: one row per chat, and only for chats the sender says can take it now (`ready_in`). A chat that "
    "got a row keeps its others as they are (the next claim looks at them first); the rows of a chat that cannot "
    'take one now are moved, in order, to when it can ("moved": one statement in the claim, no attempt used). The '
    "batch's chats are served in parallel. The limiter counts a request from its start until 1.01 s after its "
    "response (Telegram counts arrivals, which fall in between), so delays on the way cannot make 31 in a second. "
    "What is left of 30/s goes to that 1 % margin and the round trip in each slot, the moment between two batches "
    "(claim, marks), and the last seconds, when only the last chats' second and third messages remain"
)


def notifications(count: int, chats: int, seed: int = SEED) -> list[tuple[int, str]]:
    """(chat id, text) in bursts of 1–3 per resident, as case events produce them."""
    rng = random.Random(seed)
    rows: list[tuple[int, str]] = []
    while len(rows) < count:
        chat = 10_000 + rng.randrange(chats)
        for n in range(rng.choice((1, 1, 2, 3))):
            if len(rows) < count:
                rows.append(
                    (chat, f"您的诉求 TS-{len(rows):05d} 有新进展（{n + 1}）：工作人员已答复，请点“查进度”查看。")
                )
    return rows


def _stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


async def _deliver(database_url: str, api_base: str, token: str, rows: list[tuple[int, str]], driver: str) -> dict:
    from sqlalchemy import func, select

    from bot.channels.telegram.application import build_application
    from bot.channels.telegram.callback_data import CallbackSigner, signing_key
    from bot.channels.telegram.rate_limit import PacedRateLimiter
    from bot.channels.telegram.sender import TelegramSender
    from bot.core.messages import Button, Outbound
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.outbox.enqueue import OutboxStatus, enqueue, outbox
    from bot.outbox.worker import Claimed, DeliveryReport, OutboxPolicy, OutboxWorker
    from bot.settings import Settings

    engine = make_engine(database_url)
    await upgrade(engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for i, (chat, text) in enumerate(rows):
            await enqueue(
                conn,
                key=f"bench:{i}",
                channel="telegram",
                user_key=str(chat),
                now=now,
                message=Outbound(text, (Button("intent:status", "查进度"),)),
            )
    gc.collect()
    gc.freeze()  # what setup built stays out of later collections (shorter pauses while sending)
    settings = Settings(telegram_token=token, telegram_api_base=api_base)
    signer = CallbackSigner(signing_key(token))
    limiter = PacedRateLimiter(settings.telegram_overall_rate, settings.telegram_chat_interval)
    application = build_application(settings, None, signer, polling=False, rate_limiter=limiter)
    await application.initialize()
    # concurrent: a chat's rows go one after another (waiting for its second), chats in parallel — so the
    # sender may wait for a chat's slot; the worker as the app runs it claims only chats that can take one now
    sender = TelegramSender(application.bot, signer, limiter.chats, max_wait=1.5 if driver == "concurrent" else 0.2)
    policy = OutboxPolicy(batch=200 if driver == "concurrent" else 50)
    worker = OutboxWorker(engine, {"telegram": sender}, lambda: datetime.now(UTC), policy)
    totals = {"delivered": 0, "retried": 0, "failed": 0, "undeliverable": 0, "deferred": 0}
    started = time.perf_counter()

    chains: dict[str, asyncio.Task[None]] = {}  # chat → its latest delivery: a chat's rows go in order
    in_flight: set[asyncio.Task[None]] = set()

    async def after(previous: asyncio.Task[None] | None, claimed: Claimed, report: DeliveryReport) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        await worker.deliver(claimed, report)

    shared = DeliveryReport()  # deliveries finish after the tick that started them: one report for the run

    async def concurrent_tick() -> DeliveryReport:
        """Keep about one batch in flight: claim more as deliveries finish, not when the whole batch is done."""
        report = shared
        if len(in_flight) < policy.batch // 2:
            for claimed in await worker.claim(datetime.now(UTC), report):
                task = asyncio.ensure_future(after(chains.get(claimed.user_key), claimed, report))
                chains[claimed.user_key] = task
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        else:
            await asyncio.sleep(0.05)
        return report

    tick = concurrent_tick if driver == "concurrent" else worker.tick

    async def remaining() -> int:
        async with engine.connect() as conn:
            return await conn.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
            )

    last_report = started
    while True:
        before = shared.total
        report = await tick()
        if driver != "concurrent":
            for name in totals:
                totals[name] += getattr(report, name)
        if (report.total if driver != "concurrent" else shared.total - before) == 0 and not in_flight:
            if await remaining() == 0:
                break
            await asyncio.sleep(0.05)
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            done = shared.delivered if driver == "concurrent" else totals["delivered"]
            print(f"  {done} delivered after {last_report - started:.0f} s", flush=True)
    elapsed = time.perf_counter() - started
    if driver == "concurrent":
        totals = {name: getattr(shared, name) for name in totals}
    await application.shutdown()
    await engine.dispose()
    return {**totals, "elapsed": elapsed}


def run(
    messages: int, chats: int, database_url: str | None, record: bool, argv: list[str], driver: str = "concurrent"
) -> bool:
    from tests.support.fake_telegram import TOKEN

    port = common.free_port()
    with tempfile.TemporaryDirectory(prefix="anju-bench-") as tmp:
        log = Path(tmp) / "fake.log"
        fake = common.spawn(
            [
                "-m",
                "tests.support.fake_telegram",
                "--port",
                str(port),
                "--overall",
                str(OVERALL),
                "--per-chat",
                str(PER_CHAT),
            ],
            common.app_env("", Path(tmp)),
            port,
            log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    _stats(url)
                    break
                except OSError:
                    time.sleep(0.1)
            rows = notifications(messages, chats)
            result = asyncio.run(
                _deliver(database_url or common.sqlite_url(Path(tmp)), f"{url}/bot", TOKEN, rows, driver)
            )
            stats = _stats(url)
        finally:
            fake.stop()
    too_many = stats["responses"].get("429", 0)
    if too_many:
        print(f"429 by limit: {stats['flood']}")
    span = stats["last"] - stats["first"]
    rate = (stats["sent"] - 1) / span if span > 0 else float("nan")
    ok = too_many == 0 and stats["sent"] == messages and rate >= TARGET_RATE
    lines = [
        f"- what: {messages} notifications (seed {SEED}; bursts of 1–3 to the same resident, {chats} residents) "
        f"queued in the outbox ({'SQLite' if not database_url else database_url.split(':')[0]}), delivered by "
        f"OutboxWorker ({driver} driver) → TelegramSender (PTB 22, PacedRateLimiter) to the fake Bot API in its own "
        "process, which "
        f"enforces {OVERALL} messages/s overall and {PER_CHAT} message/s per chat (sliding windows, real time)",
        f"- result: {stats['sent']} accepted, **{too_many} × 429** (target 0), sustained "
        f"**{rate:.2f} messages/s** = {rate / OVERALL:.1%} of the allowed {OVERALL}/s (target ≥ 90 %): "
        f"{common.verdict(ok)}",
        f"- worker: {result['delivered']} delivered, {result['retried']} attempts handed back for per-chat pacing "
        f"and retried, {result['deferred']} rows moved to their chat's next second when claiming (not attempted), "
        f"{result['failed']} failed, {result['undeliverable']} undeliverable; wall time "
        f"{result['elapsed']:.1f} s (first to last accepted message: {span:.1f} s)",
    ]
    if driver == "worker":
        lines.append(WORKER_NOTE)
    body = "\n".join(lines)
    print(body)
    if record:
        header = common.record_header(common.command_line("bench.outbox_telegram", argv))
        name = "outbox_telegram" if driver == "concurrent" else "outbox_telegram_sequential"
        title = "Telegram notifications through the outbox (`bench.outbox_telegram`" + (
            ")" if driver == "concurrent" else " --driver worker)"
        )
        common.update_section(name, title, header + body + "\n")
    return ok


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_telegram", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--database-url", help="the outbox on this database (default: a temporary SQLite file)")
    parser.add_argument(
        "--driver",
        choices=("concurrent", "worker"),
        default="concurrent",
        help="concurrent: claim a batch with OutboxWorker.claim and deliver chats in parallel "
        "(OutboxWorker.deliver); worker: OutboxWorker.tick as the app runs it (one row after "
        "another)",
    )
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    ok = run(args.messages, args.chats, args.database_url, not args.no_record, argv, args.driver)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
