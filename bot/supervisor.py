"""`serve --workers N`: N worker processes on one port (SO_REUSEPORT), a dead worker restarted.

Each worker binds the port with SO_REUSEPORT and the kernel spreads new connections over the workers' sockets.
A single socket shared by all workers was tried first and measured badly: whichever worker woke first accepted
every waiting connection (asyncio accepts a whole batch per wake-up), so 32 keep-alive clients all landed on one
worker (docs/deployment-workers.md). The supervisor checks first that the port is free (one clear error instead
of N) and restarts a worker that dies. The workers are fresh interpreters (`python -m bot serve --reuse-port`),
not forks of this process: nothing of the parent's state (event loop, database pool) is shared by accident.

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
    def __init__(
        self,
        count: int,
        host: str,
        port: int,
        extra_args: list[str],
        spawn: Callable[[list[str]], subprocess.Popen] | None = None,
    ) -> None:
        self.count = count
        self._host, self._port = host, port
        self._extra = extra_args
        self._spawn = spawn or _spawn
        self._workers: dict[int, tuple[subprocess.Popen, float]] = {}  # slot → (process, started at)
        self._failures: dict[int, int] = {}
        self._due: dict[int, float] = {}  # slot → when to start it again
        self._stopping = False

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--host",
            self._host,
            "--port",
            str(self._port),
            "--reuse-port",
            *self._extra,
        ]

    def start(self, slot: int) -> None:
        process = self._spawn(self.command())
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
            log.warning(
                "worker %d (pid %d) exited with %s after %.0f s; restarting in %.0f s",
                slot,
                process.pid,
                code,
                ran,
                delay,
            )
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


def _spawn(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command)


def check_port(host: str, port: int) -> None:
    """OSError when something else listens on the port (the workers would fail one by one)."""
    with socket.create_server((host, port), reuse_port=True):
        pass


def run(count: int, host: str, port: int, extra_args: list[str]) -> int:
    check_port(host, port)
    supervisor = Supervisor(count, host, port, extra_args)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    log.info("supervisor pid %d: %d workers on %s:%d", os.getpid(), count, host, port)
    return supervisor.run()
