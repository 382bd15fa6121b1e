"""The REST baseline: a trivial ASGI app answering ``{"ok":true}``, on hypercorn's trio worker.

Run as a script, it binds 127.0.0.1 on a free port, prints ``baseline listening on <URL>`` and
serves until terminated. It reads the request body like a real endpoint would, then answers.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

__all__ = ["app", "main"]

_BODY = b'{"ok":true}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"11")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with ``{"ok":true}``."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


async def _serve() -> None:
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    config.errorlog = logging.getLogger("baseline")
    async with trio.open_nursery() as nursery:
        binds = await nursery.start(serve, app, config)
        print(f"baseline listening on {binds[0]}", flush=True)


def main() -> None:
    """Serve until terminated."""
    with contextlib.suppress(KeyboardInterrupt):
        trio.run(_serve)


if __name__ == "__main__":
    main()
