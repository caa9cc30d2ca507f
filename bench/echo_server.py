"""A bare aiohttp JSON echo on `POST /api/chat`: the ceiling the chat API is compared with.

    .venv/bin/python -m bench.echo_server --port 8099

Same framework, same `web.run_app`, same request and response shape as the real endpoint; no database, no
matching, no logging configured.
"""

from __future__ import annotations

import argparse
import json
import sys

from aiohttp import web


async def echo(request: web.Request) -> web.Response:
    body = await request.json()
    reply = {"text": str(body.get("text") or body.get("button") or ""), "buttons": []}
    return web.json_response(
        {"replies": [reply], "session": body.get("session")}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def create_app() -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app.router.add_post("/api/chat", echo)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.echo_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    web.run_app(create_app(), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
