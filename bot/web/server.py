"""The HTTP server's defences against slow and numerous clients (issue 9, point 3), and `run_server`.

- A request head (request line and headers) must arrive within `keepalive_timeout` seconds of the connection
  opening or of the previous response; an idle keep-alive connection is closed after as long (aiohttp's
  keep-alive timer, which also runs from the moment a connection is accepted).
- A request body must arrive completely within `body_timeout` seconds of its head: `body_deadline` cancels the
  handler still waiting for it and answers 408, closing the connection.
- At most `max_connections` connections are open at once (never more than the process may open files for, less a
  reserve for the database and the log); one more is answered 503 at once and closed — so that a crowd of slow
  clients cannot take the sockets everyone else needs, and is dropped by the timers above.

In production a reverse proxy stands in front (docs/deployment.md: nginx's own client timeouts and limits).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
FD_RESERVE = 64  # file descriptors kept for the database, logs and outgoing requests
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
    b"Connection: close\r\nRetry-After: 5\r\n\r\n%s"
)
_BUSY_TEXT = "系统繁忙，请稍后再试。".encode()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def body_deadline(seconds: float) -> Middleware:
    """A middleware: a request whose body is not complete `seconds` after its head is answered 408 and closed."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if seconds <= 0 or not request.body_exists or request.content.is_eof():
            return await handler(request)
        waiting = True

        def body_complete() -> None:
            if waiting:
                deadline.reschedule(None)  # the body is in: the handler may take its time

        try:
            async with asyncio.timeout(seconds) as deadline:
                request.content.on_eof(body_complete)
                try:
                    return await handler(request)
                finally:
                    waiting = False
        except TimeoutError:
            if not deadline.expired():
                raise
            log.info("request body not complete within %g s: %s %s dropped", seconds, request.method, request.path)
            response = web.Response(status=408, text="请求超时。", content_type="text/plain", charset="utf-8")
            response.force_close()
            return response

    return middleware


def connection_cap(wanted: int) -> int:
    """`wanted`, but no more than the open-file limit allows with FD_RESERVE left over."""
    if resource is None:  # not on Unix: no limit to read
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


class _Busy(asyncio.Protocol):
    """The answer to a connection over the cap: 503, closed at once."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY % (len(_BUSY_TEXT), _BUSY_TEXT))
        transport.close()


class CappedSite(web.BaseSite):
    """A TCP site that keeps at most `max_connections` connections open."""

    __slots__ = ("_host", "_max_connections", "_port", "_refused", "_reuse_port")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        max_connections: int,
        reuse_port: bool = False,
        backlog: int = 128,
    ) -> None:
        super().__init__(runner, backlog=backlog)
        self._host, self._port = host, port
        self._max_connections = max_connections
        self._reuse_port = reuse_port
        self._refused = 0

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        if isinstance(self._server, asyncio.Server) and self._server.sockets:  # BaseSite types it abstract
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def refused(self) -> int:
        """Connections answered 503 so far."""
        return self._refused

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None

        def protocol() -> asyncio.Protocol:
            if len(server.connections) >= self._max_connections:
                self._refused += 1
                if self._refused == 1 or self._refused % 1000 == 0:
                    log.warning(
                        "connection cap of %d reached: %d connections refused so far",
                        self._max_connections,
                        self._refused,
                    )
                return _Busy()
            return server()

        self._server = await asyncio.get_running_loop().create_server(
            protocol,
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=True,
            reuse_port=self._reuse_port or None,
        )


LINGERING = 1.0  # seconds the rest of an unread body is read (and dropped) after an early answer (a 408, a 413)


def runner_for(app: web.Application, keepalive_timeout: float, access_log: logging.Logger | None) -> web.AppRunner:
    return web.AppRunner(
        app, keepalive_timeout=keepalive_timeout, access_log=access_log, handle_signals=True, lingering_time=LINGERING
    )


def run_server(
    app: web.Application, host: str, port: int, access_log: logging.Logger | None = None, reuse_port: bool = False
) -> None:
    """Serve `app` until SIGINT or SIGTERM, with the settings' timeouts and connection cap (as web.run_app would)."""
    from bot import keys

    settings = app[keys.SETTINGS]

    async def main() -> None:
        runner = runner_for(app, settings.keepalive_timeout, access_log)
        await runner.setup()
        try:
            site = CappedSite(runner, host, port, connection_cap(settings.max_connections), reuse_port)
            await site.start()
            await asyncio.Event().wait()  # until a signal: aiohttp's handlers raise GracefulExit
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    except (web.GracefulExit, KeyboardInterrupt):
        pass
