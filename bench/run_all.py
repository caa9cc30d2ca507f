"""All benchmarks, one after the other (`make bench`); each records its own section of docs/benchmarks.md.

    .venv/bin/python -m bench.run_all [--no-record] [--database-url URL]

With --database-url the throughput benchmark runs once more with the app on that database (e.g. PostgreSQL).
"""

from __future__ import annotations

import argparse
import sys

from bench import chat_throughput, common, match_latency, startup

REPRODUCE = """
To reproduce or dig in (from the project root, after `make run` or `make test` has created `.venv`):

- `make bench` — all of the above, each section rewritten
- `.venv/bin/python -m bench.match_latency --profile [CATEGORY]` — cProfile of matching (e.g. `long_story`)
- `.venv/bin/python -m bench.startup --profile` — imports by package, start-up steps, cProfile of load_knowledge
- `.venv/bin/python -m bench.chat_throughput --profile` — the app under load in cProfile
- `.venv/bin/python -m bench.chat_throughput --database-url postgresql://USER@HOST:5432/DB` — the app on PostgreSQL
  (a database of its own: the run adds residents and messages)
- `.venv/bin/python -m bench.screenshots` — docs/screenshots/chat-*.png
- `.venv/bin/python -m bench.sustained_load` — 64 clients for 60 s, mixed and junk text: the SQLite log's largest
  size and the server's memory (about 3 minutes; not part of `make bench`)
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--database-url", help="also run the throughput benchmark on this database")
    args = parser.parse_args(argv)
    record = not args.no_record
    extra = ["--no-record"] if args.no_record else []
    print(f"machine: {common.machine_line()}\n")

    print("== match latency ==")
    match = match_latency.run(12_000, 20260915, 500, record, extra)
    print("\n== start to first answer ==")
    start = startup.run(3, record, extra)
    print("\n== chat API throughput ==")
    chat = chat_throughput.run(32, 20.0, 3.0, None, record, extra)
    summary = [
        [
            "match latency p99",
            f"{match['p99']:.2f} ms",
            f"≤ {match_latency.TARGET_P99_MS} ms",
            common.verdict(match["ok"]),
        ],
        [
            "start to first answer (warm)",
            f"{start['warm_s']:.2f} s",
            f"≤ {startup.TARGET_S} s",
            common.verdict(start["ok"]),
        ],
        [
            "/api/chat vs echo req/s",
            f"{chat['ratio']:.0%} ({chat['app_rps']:.0f} / {chat['echo_rps']:.0f})",
            f"≥ {chat_throughput.TARGET_RATIO:.0%}",
            common.verdict(chat["ratio"] >= chat_throughput.TARGET_RATIO),
        ],
        [
            "/api/chat p99",
            f"{chat['app_p99']:.1f} ms",
            f"≤ {chat_throughput.TARGET_P99_MS:.0f} ms",
            common.verdict(chat["app_p99"] <= chat_throughput.TARGET_P99_MS),
        ],
    ]
    if args.database_url:
        print("\n== chat API throughput on --database-url ==")
        pg = chat_throughput.run(32, 20.0, 3.0, args.database_url, record, ["--database-url", "…", *extra])
        summary.append(
            [
                "/api/chat vs echo req/s (--database-url)",
                f"{pg['ratio']:.0%}",
                f"≥ {chat_throughput.TARGET_RATIO:.0%}",
                common.verdict(pg["ratio"] >= chat_throughput.TARGET_RATIO),
            ]
        )
        summary.append(
            [
                "/api/chat p99 (--database-url)",
                f"{pg['app_p99']:.1f} ms",
                f"≤ {chat_throughput.TARGET_P99_MS:.0f} ms",
                common.verdict(pg["app_p99"] <= chat_throughput.TARGET_P99_MS),
            ]
        )
    text = common.table(["benchmark", "measured", "target", ""], summary)
    print("\n== summary ==\n" + text)
    if record:
        common.update_section(
            "summary",
            "Summary (`bench.run_all`)",
            common.record_header(common.command_line("bench.run_all", argv)) + "\n" + text + "\n" + REPRODUCE,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
