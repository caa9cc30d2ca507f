"""What counting costs: the per-request and per-turn bookkeeping of bot/metrics.py, in one process and with
PROMETHEUS_MULTIPROC_DIR (several workers: every increment goes to a memory-mapped file), and the text a scrape
renders. Each case runs in a fresh subprocess, since prometheus-client picks its storage when first imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from bench.common import command_line, record_header, table, update_section

PROBE = r"""
import json, time
from bot.core.messages import Button, Inbound, InboundKind, Outbound
from bot.metrics import Metrics
from bot.core.port import Conversation, Turn
from prometheus_client import generate_latest

m = Metrics()
n = 100_000
inbound = Inbound("web", "s1", "d1", InboundKind.TEXT, "补偿怎么算")
turn = Turn(Conversation(last_topic="comp.valuation"),
            (Outbound("…", (Button("fb:1:comp.valuation", "有用"), Button("fb:0:comp.valuation", "没用"))),))
before = Conversation()
t = time.perf_counter()
for _ in range(n):
    m.observe_request("/api/chat", "POST", 200, 0.003)
request = (time.perf_counter() - t) / n
t = time.perf_counter()
for _ in range(n):
    m.observe_turn(inbound, before, (), turn, {})
turn_cost = (time.perf_counter() - t) / n
for route in range(40):
    for status in (200, 303, 400, 404):
        m.observe_request(f"/route/{route}", "GET", status, 0.01)
t = time.perf_counter()
for _ in range(20):
    body = generate_latest(m.exposition_registry([]))
scrape = (time.perf_counter() - t) / 20
print(json.dumps({"request_us": request * 1e6, "turn_us": turn_cost * 1e6, "scrape_ms": scrape * 1e3,
                  "scrape_bytes": len(body)}))
"""


def run(multiproc: bool) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as directory:
        if multiproc:
            env["PROMETHEUS_MULTIPROC_DIR"] = directory
        else:
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


CHAT_REQUEST_US = 1e6 / 3487  # /api/chat at 3,487 req/s on SQLite (docs/benchmarks.md, chat throughput)


def main() -> None:
    rows, shares = [], []
    for name, multiproc in (("one process", False), ("PROMETHEUS_MULTIPROC_DIR", True)):
        r = run(multiproc)
        rows.append(
            [name, f"{r['request_us']:.1f}", f"{r['turn_us']:.1f}", f"{r['scrape_ms']:.1f}", f"{r['scrape_bytes']:,}"]
        )
        shares.append(f"{name}: {(r['request_us'] + r['turn_us']) / CHAT_REQUEST_US * 100:.1f} %")
    body = (
        record_header(command_line("bench.metrics_overhead", []))
        + "- what: `Metrics.observe_request` (HTTP middleware) and `Metrics.observe_turn` (one answered "
        "question), 100,000 calls each; rendering /metrics with 160 route × status series (without the "
        "database's figures, which are SQL counts)\n"
        + f"- result: request + turn bookkeeping as a share of the {CHAT_REQUEST_US:.0f} µs a /api/chat request "
        f"takes at 3,487 req/s (chat throughput, SQLite): {'; '.join(shares)}\n\n"
        + table(["storage", "per request µs", "per turn µs", "scrape ms", "scrape bytes"], rows)
        + "\n"
    )
    print(body)
    update_section("metrics_overhead", "Metrics overhead (`bench.metrics_overhead`)", body)


if __name__ == "__main__":
    main()
