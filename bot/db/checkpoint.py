"""WAL checkpoints of the SQLite database, in a thread, off the event loop.

In WAL mode every commit appends pages to the -wal file; a checkpoint copies them back into the database file and
syncs it to disk. Left to SQLite, the checkpoint runs inside whichever commit pushes the log past 1,000 pages —
on the event loop, since statements run there (bot/db/loop_sqlite.py): a pause of several milliseconds, longer on
a busy disk, for every request waiting at that moment. The server therefore turns automatic checkpoints off on
its connections and runs them here, once a second, from a connection of this thread. PASSIVE checkpoints neither
wait for nor block readers and writers; the log is reused from its start once it has been copied back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator

log = logging.getLogger(__name__)
INTERVAL = 1.0


def checkpoint(path: str) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, pages in the log, pages copied back)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return busy, logged, copied
    finally:
        conn.close()


@contextlib.asynccontextmanager
async def background_checkpoints(path: str, interval: float = INTERVAL) -> AsyncIterator[None]:
    """Checkpoint `path` every `interval` seconds while the block runs, and once more at its end."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(checkpoint, path)
            except sqlite3.Error:  # locked for a moment, or the file is gone (tests): the next round tries again
                log.debug("WAL checkpoint of %s skipped", path, exc_info=True)

    task = asyncio.create_task(loop(), name="sqlite-checkpoints")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(sqlite3.Error):
            await asyncio.to_thread(checkpoint, path)
