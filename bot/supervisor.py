"""`serve --workers N`: one listening socket, N worker processes, a dead worker restarted.

Why a supervisor and not N processes binding with SO_REUSEPORT: the socket is bound once, here, before any
worker exists, so a port already in use is one clear error at start instead of N; every worker accepts from the
same queue (no kernel hash pinning a busy client to one worker, and nothing lost in a closing worker's own
queue when it restarts); and something must restart a crashed worker anyway. The workers are fresh interpreters
(`python -m bot serve --fd N`, the socket passed down), not forks of this process: nothing of the parent's state
(event loop, database pool) is shared by accident.

The schema is brought up to date once, here, before the workers start (they find it at head; see
bot/db/migrate.py for the advisory lock that covers several machines starting at once)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before restarting a worker that keeps dying at once
STABLE_AFTER = 30.0  # a worker that ran this long is healthy again: its next death restarts it at once
STOP_GRACE = 15.0  # seconds the workers get to finish after SIGTERM before they are killed


class Supervisor:
    def __init__(self, count: int, sock: socket.socket, extra_args: list[str],
                 spawn: Callable[[list[str], int], subprocess.Popen] | None = None) -> None:
        self.count = count
        self._sock = sock
        self._extra = extra_args
        self._spawn = spawn or _spawn
        self._workers: dict[int, tuple[subprocess.Popen, float]] = {}  # slot → (process, started at)
        self._failures: dict[int, int] = {}
        self._due: dict[int, float] = {}  # slot → when to start it again
        self._stopping = False

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bot", "serve", "--fd", str(self._sock.fileno()), *self._extra]

    def start(self, slot: int) -> None:
        process = self._spawn(self.command(), self._sock.fileno())
        self._workers[slot] = (process, time.monotonic())
        log.info("worker %d started (pid %d)", slot, process.pid)

    def stop(self, *_args: object) -> None:
        self._stopping = True

    def run(self) -> int:
        for slot in range(self.count):
            self.start(slot)
        while not self._stopping:
            self._reap()
            now = time.monotonic()
            for slot, when in list(self._due.items()):
                if when <= now and not self._stopping:
                    del self._due[slot]
                    self.start(slot)
            time.sleep(0.2)
        return self._shutdown()

    def _reap(self) -> None:
        for slot, (process, started) in list(self._workers.items()):
            code = process.poll()
            if code is None:
                continue
            del self._workers[slot]
            ran = time.monotonic() - started
            failures = 0 if ran >= STABLE_AFTER else self._failures.get(slot, 0) + 1
            self._failures[slot] = failures
            delay = 0.0 if failures == 0 else RESTART_BACKOFF[min(failures, len(RESTART_BACKOFF)) - 1]
            log.warning("worker %d (pid %d) exited with %s after %.0f s; restarting in %.0f s",
                        slot, process.pid, code, ran, delay)
            self._due[slot] = time.monotonic() + delay

    def _shutdown(self) -> int:
        for process, _ in self._workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for process, _ in self._workers.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return 0


def _spawn(command: list[str], fd: int) -> subprocess.Popen:
    return subprocess.Popen(command, pass_fds=(fd,))


def listen(host: str, port: int) -> socket.socket:
    """The one listening socket the workers share."""
    sock = socket.create_server((host, port), backlog=1024)
    sock.set_inheritable(True)
    return sock


def run(count: int, host: str, port: int, extra_args: list[str]) -> int:
    sock = listen(host, port)
    supervisor = Supervisor(count, sock, extra_args)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    log.info("supervisor pid %d: %d workers on %s:%d", os.getpid(), count, host, port)
    try:
        return supervisor.run()
    finally:
        sock.close()
