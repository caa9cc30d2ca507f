"""Benchmarks (not tests): each is `python -m bench.<name>` and records its figures in docs/benchmarks.md.

- `bench.match_latency`   — knowledge-base match latency over ≥ 10,000 generated questions
- `bench.startup`         — `python -m bot serve` start to first answer, cold and warm jieba cache
- `bench.chat_throughput` — `/api/chat` under 32 concurrent clients beside a bare aiohttp JSON echo
- `bench.run_all`         — all three (`make bench`)
- `bench.screenshots`     — screenshots of the web chat for the README (not a benchmark)
"""
