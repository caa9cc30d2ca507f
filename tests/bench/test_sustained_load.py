"""The sustained-load benchmark's own arithmetic: junk is unique, and RSS growth is a slope after the warm-up."""

from __future__ import annotations

import json
import random

from bench.sustained_load import JunkClient, RunResult, Samples


def test_junk_messages_are_unique_and_change_session_every_few() -> None:
    client = JunkClient(3, "run", random.Random(1))
    bodies = [json.loads(client.next_body()) for _ in range(100)]
    assert len({b["text"] for b in bodies}) == 100
    assert len({b["id"] for b in bodies}) == 100
    assert 5 <= len({b["session"] for b in bodies}) <= 12


def test_growth_is_the_slope_after_the_warm_up() -> None:
    flat_after_warmup = [(t, 150.0 if t >= 10 else 100.0 + 5 * t) for t in range(61)]
    growing = [(t, 150.0 + t / 2) for t in range(61)]  # 0.5 MB a second
    assert abs(RunResult("flat", 60, samples=Samples(rss=flat_after_warmup)).growth_per_min(10)) < 1e-9
    assert abs(RunResult("grow", 60, samples=Samples(rss=growing)).growth_per_min(10) - 30.0) < 1e-9
