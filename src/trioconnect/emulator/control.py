"""The emulator's own control API under ``/_emulator/`` (not part of Amazon Connect).

* ``GET /_emulator/health`` → ``{"status":"ok","activeChats":N,"sockets":M}``
* ``POST /_emulator/faults`` with one fault (see :mod:`.faults`)::

      {"kind":"rest_error","code":"ThrottlingException","status":429,"count":2,"operation":"SendMessage","contactId":null}
      {"kind":"latency","seconds":0.5,"count":3,"operation":null,"contactId":null}
      {"kind":"ignore_heartbeats","contactId":null,"enabled":true}
      {"kind":"duplicate","contactId":"...","enabled":true}
      {"kind":"reorder","contactId":"...","enabled":true}
      {"kind":"half_open","contactId":"...","enabled":true}
      {"kind":"drop_sockets","contactId":"...","code":4000,"reason":"bye"}

* ``DELETE /_emulator/faults`` removes every fault.
* ``POST /_emulator/expire`` with ``{"what":"url"|"token","contactId":null}`` expires WebSocket URLs
  or ConnectionTokens now.
"""

from __future__ import annotations

import json
from typing import Any

from trioconnect.emulator.api_error import ApiError, validation
from trioconnect.emulator.asgi import Receive, Request, Response, json_response, read_body
from trioconnect.emulator.context import EmulatorContext

__all__ = ["handle_control"]


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise validation(f"{key} must be a string or null")
    return value


def _number(data: dict[str, Any], key: str, default: float | None) -> Any:
    value = data.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise validation(f"{key} must be a number")
    return value


def apply_fault(ctx: EmulatorContext, data: dict[str, Any]) -> dict[str, Any]:
    """Install one fault described as JSON; returns a small summary."""
    faults, kind = ctx.faults, data.get("kind")
    contact_id = _opt_str(data, "contactId")
    enabled = data.get("enabled", True) is not False
    if kind == "rest_error":
        faults.add_rest_error(
            str(data.get("code", "ThrottlingException")),
            int(_number(data, "status", 429)),
            int(_number(data, "count", 1)),
            _opt_str(data, "operation"),
            contact_id=contact_id,
        )
    elif kind == "latency":
        count = _number(data, "count", None)
        faults.add_latency(
            float(_number(data, "seconds", 0.1)),
            None if count is None else int(count),
            _opt_str(data, "operation"),
            contact_id=contact_id,
        )
    elif kind == "ignore_heartbeats":
        faults.ignore_heartbeats(contact_id, enabled)
    elif kind == "duplicate":
        faults.duplicate_deliveries(contact_id, enabled)
    elif kind == "reorder":
        faults.reorder_deliveries(contact_id, enabled)
    elif kind == "half_open":
        faults.half_open(contact_id, enabled)
    elif kind == "drop_sockets":
        code = int(_number(data, "code", 1006))
        if not ((1000 <= code <= 1011 and code not in (1004, 1005)) or 3000 <= code <= 4999):
            raise validation("code must be a sendable close code: 1000-1011 or 3000-4999")
        # A close frame's reason holds at most 123 bytes.
        reason = (
            (_opt_str(data, "reason") or "Injected drop").encode()[:123].decode(errors="ignore")
        )
        closed = faults.drop_sockets(contact_id, code, reason)
        return {"kind": kind, "closed": closed}
    else:
        raise validation(f"Unknown fault kind {kind!r}")
    return {"kind": kind}


async def handle_control(
    ctx: EmulatorContext, request: Request, receive: Receive, name: str
) -> Response:
    """Serve ``/_emulator/<name>``."""
    try:
        if name == "health" and request.method == "GET":
            return json_response(
                200,
                {
                    "status": "ok",
                    "activeChats": ctx.state.active_chats(),
                    "sockets": len(ctx.hub.subscribers()),
                },
            )
        if name == "faults" and request.method == "DELETE":
            ctx.faults.clear()
            return json_response(200, {"cleared": True})
        if name in ("faults", "expire") and request.method == "POST":
            body = await read_body(
                receive, request, ctx.config.rest_body_limit, ctx.config.body_timeout
            )
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                raise validation("The request body is not valid JSON") from None
            if not isinstance(data, dict):
                raise validation("The request body must be a JSON object")
            return json_response(
                200, apply_fault(ctx, data) if name == "faults" else _expire(ctx, data)
            )
    except ApiError as error:
        return json_response(
            error.status, {"message": error.message}, [("x-amzn-errortype", error.code)]
        )
    return json_response(
        404,
        {"message": "Unknown control endpoint"},
        [("x-amzn-errortype", "UnknownOperationException")],
    )


def _expire(ctx: EmulatorContext, data: dict[str, Any]) -> dict[str, Any]:
    contact_id = _opt_str(data, "contactId")
    if data.get("what") == "url":
        return {"expired": ctx.state.expire_url_now(contact_id)}
    if data.get("what") == "token":
        return {"expired": ctx.state.expire_token_now(contact_id)}
    raise validation('"what" must be "url" or "token"')
