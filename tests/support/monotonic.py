"""A monotonic clock that moves only when someone sleeps on it: rate limiters are tested without waiting."""

from __future__ import annotations

import asyncio


class FakeMonotonic:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)
