"""The emulator's ASGI application: one port for REST, WebSocket, start-chat, files, control.

Routes:
    * ``OPTIONS *``: CORS preflight (every answer also carries the CORS headers).
    * Participant Service and Connect API operations, routed from botocore's models.
    * ``POST /start-chat``: see :mod:`.start_chat`.
    * ``PUT /_emulator/upload/<id>``, ``GET /_emulator/download/<id>``: see :mod:`.attachments`.
    * ``/_emulator/health|faults|expire``: see :mod:`.control`.
    * WebSocket ``/ws?AuthToken=...``: see :mod:`.websocket`.
    * Anything else: 404 ``{"message": ...}`` with ``x-amzn-ErrorType: UnknownOperationException``.

No request can crash the server: an unexpected exception becomes a modelled 500 and is logged.
"""

from __future__ import annotations

import logging

from trioconnect.emulator import attachments, connect_api, participant_api
from trioconnect.emulator.api_error import ApiError, internal
from trioconnect.emulator.asgi import (
    Receive,
    Request,
    Response,
    Scope,
    Send,
    json_response,
    read_body,
    send_response,
)
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.control import handle_control
from trioconnect.emulator.model import Route
from trioconnect.emulator.start_chat import handle_start_chat
from trioconnect.emulator.websocket import serve_websocket

__all__ = ["HANDLERS", "EmulatorApp"]

log = logging.getLogger(__name__)

#: Every REST operation served, by name.
HANDLERS = {**participant_api.HANDLERS, **connect_api.HANDLERS}

_BEARER_FIELDS = ("ConnectionToken", "ParticipantToken")


class EmulatorApp:
    """The ASGI callable. Args: ctx: the emulator's parts."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":
            if scope.get("path") == "/ws":
                await serve_websocket(scope, receive, send, self.ctx)
            else:
                await receive()
                await send({"type": "websocket.close", "code": 1008})
        elif kind == "http":
            request = Request.from_scope(scope)
            try:
                response = await self._http(request, receive)
            except Exception:
                log.exception("unexpected error serving %s %s", request.method, request.path)
                response = _error(internal())
            await send_response(send, response)

    async def _http(self, request: Request, receive: Receive) -> Response:
        ctx, path, method = self.ctx, request.path, request.method
        if method == "OPTIONS":
            return Response(204, content_type=None)
        if path == "/start-chat" and method == "POST":
            return await handle_start_chat(ctx, request, receive)
        if path.startswith("/_emulator/"):
            return await self._emulator(request, receive, path.removeprefix("/_emulator/"))
        matched = ctx.codec.match(method, path)
        if matched is not None:
            route, labels = matched
            return await self._rest(request, receive, route, labels)
        status = 405 if ctx.codec.path_known(path) else 404
        return json_response(
            status,
            {"message": f"No operation at {method} {path}"},
            [("x-amzn-errortype", "UnknownOperationException")],
        )

    async def _emulator(self, request: Request, receive: Receive, rest: str) -> Response:
        kind, _, ident = rest.partition("/")
        if kind == "upload" and ident and request.method == "PUT":
            return await attachments.upload(self.ctx, request, receive, ident)
        if kind == "download" and ident and request.method == "GET":
            return attachments.download(self.ctx, request, ident)
        return await handle_control(self.ctx, request, receive, rest)

    async def _rest(
        self, request: Request, receive: Receive, route: Route, labels: dict[str, str]
    ) -> Response:
        ctx, op = self.ctx, route.operation
        try:
            body = await read_body(
                receive, request, ctx.config.rest_body_limit, ctx.config.body_timeout
            )
            bearer = request.headers.get("x-amz-bearer")
            await ctx.faults.before_request(op.name, _contact_of(ctx, bearer))
            ctx.quotas.check(op.name, bearer or "account")
            params = ctx.codec.decode(op, request, labels, body)
            output = HANDLERS[op.name](ctx, request, params)
            return ctx.codec.encode(op, output)
        except ApiError as error:
            return ctx.codec.encode_error(op, error)
        except Exception:
            log.exception("unexpected error in %s", op.name)
            return ctx.codec.encode_error(op, internal())


def _contact_of(ctx: EmulatorContext, bearer: str | None) -> str | None:
    """The contact a bearer token belongs to (for contact-scoped faults), if any."""
    if not bearer:
        return None
    found = ctx.state.store.connection_by_token(bearer) or ctx.state.store.participant_by_token(
        bearer
    )
    return found.contact_id if found is not None else None


def _error(error: ApiError) -> Response:
    return json_response(
        error.status, {"message": error.message}, [("x-amzn-errortype", error.code)]
    )


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
